// End-to-end: the summarizer on small real media, and the CLI's errors and exit codes.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "../support/golden.h"
#include "../support/run_cli.h"
#include "../support/temp_dir.h"
#include "cords/core/error.h"
#include "cords/decode/ffmpeg_source.h"
#include "cords/embed/embedder.h"
#include "cords/pipeline/sampling.h"
#include "cords/pipeline/shots.h"
#include "cords/pipeline/summarizer.h"
#include "media.h"
#ifdef CORDS_TEST_HAVE_TORCH
#include "../support/test_models.h"
#endif

namespace cords::pipeline {
namespace {
namespace fs = std::filesystem;
using test::Media;

class Summarize : public test::TempDirTest {
 protected:
  const fs::path& out = dir;  // the outputs of the test
  SummarizeConfig config(const std::string& media, const std::string& name) const {
    SummarizeConfig c;
    c.input = Media::get().path(media);
    c.output_dir = (out / name).string();
    c.threads = 2;
    return c;
  }
  std::vector<std::string> entries() const {
    std::vector<std::string> v;
    for (auto& e : fs::directory_iterator(out)) v.push_back(e.path().filename().string());
    return v;
  }
};

using test::CliRun;
CliRun cli(const std::string& args) {
  return test::run_cli(args);
}

int shot_of(double t) {
  return static_cast<int>(t / Media::kShotSeconds);
}

TEST_F(Summarize, AsManyKeyframesAsShotsGivesOneKeyframePerShot) {
  for (const char* selector : {"facility-location", "log-determinant", "disparity-min"}) {
    SummarizeConfig c = config("slideshow.mp4", selector);
    c.budget = select::Budget::count(Media::kShots);
    c.selector = selector;
    c.embedder.features = embed::Features::Histogram;
    c.write_clip = false;
    const SummaryResult r = run_summarize(c);
    ASSERT_EQ(r.keyframes.size(), 5u) << selector;
    std::set<int> shots;
    for (const auto& k : r.keyframes) shots.insert(shot_of(k.ts.seconds()));
    EXPECT_EQ(shots.size(), 5u) << selector << ": keyframes missed a shot";
  }
}

TEST_F(Summarize, DetectsTheCutsOfTheSlideshow) {
  SummarizeConfig c = config("slideshow.mp4", "cuts");
  c.budget = select::Budget::count(5);
  c.per_shot = true;
  c.write_clip = c.write_sheet = c.write_keyframes = false;
  const SummaryResult r = run_summarize(c);
  ASSERT_EQ(r.shots.size(), 5u);
  for (std::size_t s = 0; s < r.shots.size(); ++s)
    EXPECT_NEAR(r.shots[s].start, 2.0 * static_cast<double>(s), 0.5 + 1e-9) << s;
  std::set<std::int64_t> covered;
  for (const auto& k : r.keyframes) covered.insert(k.shot);
  EXPECT_EQ(covered.size(), 5u);
}

// Boundaries do not depend on --sample-fps, and cuts land on their frames even where the first frame of the new shot
// is a B-frame (x264 with B-frames, no scene-cut key frames; cuts at frames 37, 63, 92 and 123, of which x264 codes
// some as B-frames): every frame is decoded for the statistics. And on real footage (the bundled sample: a 1906 film
// that flickers, then a rocket launch), the same boundaries at 0.5, 2 and 10 fps: the film's cut at 5.42 s, the
// launch's first frame, its cut at 22.29 s.
TEST_F(Summarize, BoundariesDoNotDependOnTheSamplingRate) {
  const std::string in = (out / "bcuts.mp4").string();
  ASSERT_EQ(
      std::system(
          ("ffmpeg -nostdin -loglevel error -y -f lavfi -i testsrc2=s=320x240:r=25 -f lavfi -i "
           "smptebars=s=320x240:r=25 -f lavfi -i mandelbrot=s=320x240:r=25 -f lavfi -i "
           "cellauto=s=320x240:r=25:rule=110:seed=7 -f lavfi -i rgbtestsrc=s=320x240:r=25 -filter_complex "
           "\"[0]trim=end_frame=37[a];[1]trim=end_frame=26[b];[2]trim=end_frame=29[c];[3]trim=end_frame=31[d];"
           "[4]trim=end_frame=40[e];[a][b][c][d][e]concat=n=5:v=1:a=0,format=yuv420p\" -c:v libx264 -preset medium "
           "-x264-params scenecut=0:keyint=250 " +
           in)
              .c_str()),
      0);
  const CliRun types = test::run_cli_sh("ffprobe -v error -show_entries frame=pict_type -of csv=p=0 " + in);
  const std::string sample = std::string(CORDS_SOURCE_DIR) + "/samples/sample.mp4";
  const std::vector<std::pair<std::string, std::vector<std::int64_t>>> cases = {{in, {0, 37, 63, 92, 123}},
                                                                                {sample, {0, 130, 461, 535}}};
  for (const auto& [input, truth] : cases)
    for (const double fps : {0.5, 2.0, 10.0}) {
      SummarizeConfig c;
      c.input = input;
      c.output_dir = (out / "bcuts").string();
      c.force = true;
      c.sample_fps = fps;
      c.embedder.features = embed::Features::Histogram;
      c.write_clip = c.write_sheet = c.write_keyframes = false;
      const SummaryResult r = run_summarize(c);
      std::vector<std::int64_t> starts;
      for (const auto& span : r.shot_spans) starts.push_back(span.start_frame);
      EXPECT_EQ(starts, truth) << input << " at " << fps << " fps; frame types: " << types.out;
    }
}

// With a budget of at least the number of shots, every shot gets a keyframe, even one whose pictures the features
// find like another's: two zooms into the Mandelbrot set (whose histograms change through each) around a short shot
// of colour bars; facility location alone spends two keyframes on the second zoom and none on the first.
TEST_F(Summarize, EveryShotGetsAKeyframeWhenTheBudgetAllows) {
  const std::string in = (out / "zooms.mp4").string();
  ASSERT_EQ(
      std::system(
          ("ffmpeg -nostdin -loglevel error -y -f lavfi -i mandelbrot=s=320x240:r=25:end_scale=0.001:end_pts=150 "
           "-f lavfi -i smptebars=s=320x240:r=25 -f lavfi -i "
           "mandelbrot=s=320x240:r=25:end_scale=0.001:end_pts=150:start_x=-0.75:start_y=0.1 -filter_complex "
           "\"[0]trim=end_frame=150[a];[1]trim=end_frame=20[b];[2]trim=end_frame=150[c];[a][b][c]concat=n=3:v=1:a=0,"
           "format=yuv420p\" -c:v libx264 -preset veryfast " +
           in)
              .c_str()),
      0);
  SummarizeConfig c;
  c.input = in;
  c.output_dir = (out / "zooms").string();
  c.embedder.features = embed::Features::Histogram;
  c.budget = select::Budget::count(3);
  c.write_clip = c.write_sheet = c.write_keyframes = false;
  const SummaryResult r = run_summarize(c);
  ASSERT_EQ(r.shot_spans.size(), 3u);
  std::set<std::int64_t> shots;
  for (const auto& k : r.keyframes) shots.insert(k.shot);
  EXPECT_EQ(shots.size(), 3u);
}

TEST_F(Summarize, CorruptPacketsAreSkippedAndCounted) {
  SummarizeConfig c = config("corrupt.mp4", "corrupt");
  c.budget = select::Budget::count(5);
  c.write_clip = false;
  const SummaryResult r = run_summarize(c);
  EXPECT_GT(r.decode_skipped, 0);
  EXPECT_EQ(r.keyframes.size(), 5u);
  const CliRun cr =
      cli(Media::get().path("corrupt.mp4") + " --budget 5 --no-clip -o " + (out / "corrupt_cli").string());
  EXPECT_EQ(cr.code, 0) << cr.out;
  EXPECT_NE(cr.out.find("warning: "), std::string::npos) << cr.out;
  EXPECT_NE(cr.out.find("corrupt"), std::string::npos) << cr.out;
}

TEST_F(Summarize, FastModeFallsBackToAllFramesWhenThereIsOneKeyFrame) {
  SummarizeConfig c = config("slideshow.mp4", "fast_one_key");  // one key frame in 250 frames
  c.keyframes_only = true;
  c.budget = select::Budget::count(3);
  c.embedder.features = embed::Features::Histogram;
  c.write_clip = false;
  const SummaryResult r = run_summarize(c);
  EXPECT_TRUE(r.fast_fallback);
  EXPECT_EQ(r.sampled, 20);
  EXPECT_EQ(r.keyframes.size(), 3u);
}

TEST_F(Summarize, FastModeOnLongInputsDecodesTheCandidatesTheBudgetNeeds) {
  // 25 minutes at 1 fps, every frame a key frame (made here: 1,500 tiny frames). With --fast the candidates are at
  // least 600, one every 4 s and 8 per keyframe asked for: 600 / 1500 s = 0.4 a second, not all 1,500.
  const std::string in = (out / "long.mp4").string();
  ASSERT_EQ(std::system(("ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi -i testsrc2=s=64x48:r=1:d=1500 "
                         "-c:v libx264 -preset ultrafast -g 1 -pix_fmt yuv420p " +
                         in)
                            .c_str()),
            0);
  SummarizeConfig c = config("gop2s.mp4", "long_fast");
  c.input = in;
  c.keyframes_only = true;
  c.embedder.features = embed::Features::Histogram;
  c.write_clip = c.write_sheet = c.write_keyframes = false;
  const SummaryResult r = run_summarize(c);
  ASSERT_FALSE(r.fast_fallback);
  EXPECT_DOUBLE_EQ(r.candidate_fps, 0.4);
  EXPECT_NEAR(static_cast<double>(r.sampled), 600, 1);
  // --fraction keeps its meaning: a share of the 3,000 frames a full run samples at 2 fps (1% = 30 keyframes); 8
  // candidates for each of 100 keyframes need 0.53 a second.
  SummarizeConfig f = c;
  f.output_dir = (out / "long_fraction").string();
  f.budget = select::Budget::fraction(0.01);
  EXPECT_EQ(run_summarize(f).keyframes.size(), 30u);
  f.output_dir = (out / "long_fraction_more").string();
  f.budget = select::Budget::count(100);
  const SummaryResult b = run_summarize(f);
  EXPECT_NEAR(b.candidate_fps, 800.0 / 1500, 1e-12);
  EXPECT_NEAR(static_cast<double>(b.sampled), 800, 1);
  EXPECT_EQ(b.keyframes.size(), 100u);
  // A full run, and --fast on a short input, sample as before.
  SummarizeConfig shortc = config("gop2s.mp4", "short_fast");
  shortc.keyframes_only = true;
  shortc.budget = select::Budget::count(3);
  shortc.embedder.features = embed::Features::Histogram;
  shortc.write_clip = false;
  EXPECT_EQ(run_summarize(shortc).candidate_fps, 0.0);
}

TEST_F(Summarize, FastModeCopiesTheClipFromTheKeyFrames) {
  SummarizeConfig c = config("gop2s.mp4", "fast_copy");  // key frames every 2 s, B-frames
  c.keyframes_only = true;
  c.budget = select::Budget::count(3);
  c.clip_seconds = 1.0;
  c.embedder.features = embed::Features::Histogram;
  const SummaryResult r = run_summarize(c);
  ASSERT_FALSE(r.fast_fallback);
  EXPECT_EQ(r.clip_mode, "copy");
  EXPECT_EQ(r.clip_codec, "h264");
  // Every copied frame decodes, at the input's size, in increasing time; three 1 s segments of 25 fps (a segment
  // may end up to three B-frames short: they follow the cut in decode order).
  decode::DecodeOptions o;
  o.sample_fps = 0;
  decode::FFmpegSource clip((fs::path(c.output_dir) / "summary.mp4").string(), o);
  EXPECT_EQ(clip.info().width, 320);
  std::vector<Image> frames;
  std::vector<std::int64_t> pts;
  decode::Frame f;
  while (clip.next(f)) {
    frames.push_back(f.image);
    pts.push_back(f.ts.pts);
  }
  EXPECT_EQ(clip.skipped(), 0);
  EXPECT_GE(frames.size(), 3u * 25 - 9);
  EXPECT_LE(frames.size(), 3u * 25);
  for (std::size_t t = 1; t < pts.size(); ++t) EXPECT_LT(pts[t - 1], pts[t]);
  // Bit-exact copy: the clip's first frame is the first keyframe, pixel for pixel.
  decode::FFmpegSource src(c.input, o);
  bool found = false;
  while (src.next(f))
    if (f.ts.pts == r.keyframes[0].ts.pts) {
      found = true;
      ASSERT_FALSE(frames.empty());
      EXPECT_EQ(frames[0].data, f.image.data);
      break;
    }
  EXPECT_TRUE(found);
  // A rotated input's copied clip keeps the rotation (phone footage stays upright).
  SummarizeConfig rc = config("gop2s_rotated.mp4", "fast_copy_rotated");
  rc.keyframes_only = true;
  rc.budget = select::Budget::count(2);
  rc.embedder.features = embed::Features::Histogram;
  const SummaryResult rr = run_summarize(rc);
  EXPECT_EQ(rr.clip_mode, "copy");
  ASSERT_NE(rr.info.rotation, 0);
  EXPECT_EQ(decode::FFmpegSource((fs::path(rc.output_dir) / "summary.mp4").string(), o).info().rotation,
            rr.info.rotation);
  // The same with re-encoding asked for.
  c.clip_copy = false;
  c.output_dir = (out / "fast_encode").string();
  const SummaryResult e = run_summarize(c);
  EXPECT_EQ(e.clip_mode, "encode");
  EXPECT_NEAR(static_cast<double>(decode::FFmpegSource((fs::path(c.output_dir) / "summary.mp4").string(), o).drain()),
              75.0, 4.0);
}

TEST_F(Summarize, TheEncodedClipShowsTheWindowsUpright) {
  // Encoded from the decoder's YUV frames: a rotated input gives an upright (portrait) clip whose frames are the
  // input's frames in the windows around the keyframes, in order.
  SummarizeConfig c = config("rotated.mp4", "encoded_rotated");
  c.budget = select::Budget::count(1);
  c.clip_seconds = 1.0;
  c.embedder.features = embed::Features::Histogram;
  const SummaryResult r = run_summarize(c);
  ASSERT_EQ(r.clip_mode, "encode");
  ASSERT_EQ(r.keyframes.size(), 1u);
  decode::DecodeOptions o;
  o.sample_fps = 0;
  decode::FFmpegSource clip((fs::path(c.output_dir) / "summary.mp4").string(), o);
  EXPECT_EQ(clip.info().width, 240);
  EXPECT_EQ(clip.info().height, 320);
  std::vector<Image> frames;
  decode::Frame f;
  while (clip.next(f)) frames.push_back(f.image);
  // The input's frames within 0.5 s of the keyframe.
  const double t = r.keyframes[0].ts.seconds();
  std::vector<Image> expected;
  decode::FFmpegSource src(c.input, o);
  while (src.next(f))
    if (f.ts.seconds() >= t - 0.5 - 1e-6 && f.ts.seconds() <= t + 0.5 + 1e-6) expected.push_back(f.image);
  ASSERT_EQ(frames.size(), expected.size());
  for (std::size_t k = 0; k < frames.size(); ++k) {
    ASSERT_EQ(frames[k].data.size(), expected[k].data.size());
    double diff = 0;
    for (std::size_t b = 0; b < frames[k].data.size(); ++b) diff += std::abs(frames[k].data[b] - expected[k].data[b]);
    EXPECT_LT(diff / static_cast<double>(frames[k].data.size()), 8.0) << "clip frame " << k;  // H.264 at CRF 23
  }
}

TEST_F(Summarize, AFadeThroughBlackSeparatesShots) {
  SummarizeConfig c = config("fade.mp4", "fade");
  c.budget = select::Budget::count(2);
  c.per_shot = true;
  c.write_clip = c.write_sheet = c.write_keyframes = false;
  const SummaryResult r = run_summarize(c);
  ASSERT_EQ(r.shots.size(), 2u);
  EXPECT_FALSE(r.shots[0].fade_in);
  EXPECT_TRUE(r.shots[1].fade_in);
  EXPECT_GE(r.shots[1].start, 3.0);
  EXPECT_LE(r.shots[1].start, 4.0);
  ASSERT_EQ(r.keyframes.size(), 2u);
  EXPECT_NE(r.keyframes[0].shot, r.keyframes[1].shot);
}

TEST_F(Summarize, KeyframeTimesAreThePtsOfTheDecodedFrames) {
  for (const char* media : {"ntsc.mp4", "vfr.mp4", "slideshow.mp4"}) {
    SummarizeConfig c = config(media, std::string("ts_") + media);
    c.budget = select::Budget::fraction(0.3);
    c.write_clip = c.write_sheet = false;
    const SummaryResult r = run_summarize(c);
    // Independent decode of every frame: frame index -> pts.
    decode::DecodeOptions o;
    o.sample_fps = 0;
    decode::FFmpegSource src(c.input, o);
    std::vector<std::int64_t> pts;
    decode::Frame f;
    while (src.next(f)) pts.push_back(f.ts.pts);
    ASSERT_FALSE(r.keyframes.empty());
    for (const auto& k : r.keyframes) {
      ASSERT_LT(static_cast<std::size_t>(k.frame), pts.size()) << media;
      EXPECT_EQ(k.ts.pts, pts[static_cast<std::size_t>(k.frame)]) << media << " frame " << k.frame;
      EXPECT_DOUBLE_EQ(k.ts.seconds(), static_cast<double>(k.ts.pts) * k.ts.time_base.num / k.ts.time_base.den);
    }
    for (std::size_t t = 1; t < r.keyframes.size(); ++t) EXPECT_LT(r.keyframes[t - 1].ts.pts, r.keyframes[t].ts.pts);
  }
}

TEST_F(Summarize, WritesEveryOutputAndNothingElse) {
  SummarizeConfig c = config("slideshow.mp4", "full");
  c.budget = select::Budget::count(5);
  c.clip_length = 5 * c.clip_seconds;  // every keyframe's window (the automatic length would take 3 s)
  const SummaryResult r = run_summarize(c);
  EXPECT_EQ(r.clip_plan.windows, 5u);
  EXPECT_DOUBLE_EQ(r.clip_plan.window_s, c.clip_seconds);
  const fs::path d = c.output_dir;
  EXPECT_TRUE(fs::exists(d / "summary.json"));
  EXPECT_GT(fs::file_size(d / "sheet.jpg"), 1000u);
  EXPECT_GT(fs::file_size(d / "summary.mp4"), 1000u);
  std::size_t images = 0;
  for (auto& e : fs::directory_iterator(d / "keyframes")) images += e.path().extension() == ".jpg";
  EXPECT_EQ(images, 5u);
  for (const auto& k : r.keyframes) EXPECT_TRUE(fs::exists(d / k.image)) << k.image;
  // The clip holds clip_seconds around each keyframe (centred, but moved, then shortened, to stay inside the
  // keyframe's shot: the slideshow's shots are its 2 s stills), windows merged.
  ASSERT_EQ(r.shot_detection, ShotDetection::Frames);
  double covered = 0, reach = -1;
  for (const auto& k : r.keyframes) {
    const double t = k.ts.seconds(), len = c.clip_seconds;
    const double lo = r.shot_spans[static_cast<std::size_t>(k.shot)].start,
                 hi = r.shot_spans[static_cast<std::size_t>(k.shot)].end;
    double a = std::max(lo, t - len / 2);
    const double b = std::min(a + len, hi);
    a = std::max(lo, b - len);
    if (b > std::max(a, reach)) covered += b - std::max(a, reach);
    reach = std::max(reach, b);
  }
  decode::DecodeOptions o;
  o.sample_fps = 0;
  const auto frames = decode::FFmpegSource((d / "summary.mp4").string(), o).drain();
  EXPECT_NEAR(static_cast<double>(frames), covered * 25, 2.0 * 5 + 2);
  std::ifstream json(d / "summary.json");
  std::stringstream ss;
  ss << json.rdbuf();
  for (const char* key : {"\"keyframes\"", "\"time\"", "\"pts\"", "\"frame\"", "\"image\"", "\"gain\"", "\"fps\"",
                          "\"duration\"", "\"codec\"", "\"objective\"", "\"timings_s\"", "\"shots\""})
    EXPECT_NE(ss.str().find(key), std::string::npos) << key;
  EXPECT_EQ(entries(), std::vector<std::string>{"full"}) << "no temporary left beside the output";
}

TEST_F(Summarize, TheManifestMatchesItsGoldenFile) {
  const CliRun r = cli(Media::get().path("slideshow.mp4") + " --features histogram --budget 5 --threads 2 -q -o " +
                       (out / "golden").string());
  ASSERT_EQ(r.code, 0) << r.out;
  std::ifstream in(out / "golden" / "summary.json");
  // The gains and the objective follow the scaled pixels, and swscale's SIMD paths need not be bit-exact between
  // CPUs: their type is pinned; the keyframes, shots and everything else exactly.
  test::expect_golden(nlohmann::json::parse(in), "summary",
                      {"path", "decode_embed", "select", "total", "write", "version", "gain", "objective"});
}

TEST_F(Summarize, RefusesToOverwriteWithoutForce) {
  SummarizeConfig c = config("slideshow.mp4", "again");
  c.budget = select::Budget::count(2);
  c.write_clip = false;
  run_summarize(c);
  try {
    run_summarize(c);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::OutputUnwritable);
    EXPECT_NE(std::string(e.what()).find("force"), std::string::npos);  // (its spelling is the application's)
  }
  c.force = true;
  c.budget = select::Budget::count(3);
  EXPECT_EQ(run_summarize(c).keyframes.size(), 3u);
  EXPECT_EQ(entries(), std::vector<std::string>{"again"});
}

// Known answer on real footage: the bundled sample is a 1906 film (0-19.29 s, with its own cut at 5.4 s) then a
// launch in two shots (cut at 22.38 s). Three keyframes: the film, and one in each shot of the launch. The shots are
// frame-exact (found on every decoded frame): within a frame or two of the joins.
TEST_F(Summarize, BundledSampleGetsOneKeyframePerShot) {
  SummarizeConfig c;
  c.input = std::string(CORDS_SOURCE_DIR) + "/samples/sample.mp4";
  c.output_dir = (out / "sample").string();
  c.budget = select::Budget::count(3);
  c.write_clip = false;
  const SummaryResult r = run_summarize(c);
  ASSERT_EQ(r.keyframes.size(), 3u);
  EXPECT_LT(r.keyframes[0].ts.seconds(), 19.29);
  EXPECT_GT(r.keyframes[1].ts.seconds(), 19.29);
  EXPECT_LT(r.keyframes[1].ts.seconds(), 22.38);
  EXPECT_GT(r.keyframes[2].ts.seconds(), 22.38);
  EXPECT_EQ(r.info.codec, "h264");
  EXPECT_EQ(r.info.frame_rate.num, 24);
  EXPECT_NEAR(r.info.duration, 27.3, 0.1);
  EXPECT_EQ(r.shot_detection, ShotDetection::Frames);
  ASSERT_EQ(r.shot_spans.size(), 4u);
  EXPECT_NEAR(r.shot_spans[1].start, 5.4, 0.1);
  EXPECT_NEAR(r.shot_spans[2].start, 19.29, 2.5 / 24);
  EXPECT_NEAR(r.shot_spans[3].start, 22.38, 2.5 / 24);
  for (const auto& span : r.shot_spans) EXPECT_EQ(span.start_frame, std::llround(span.start * 24)) << span.start;
}

// ---- the CLI ---------------------------------------------------------------------------------------------------

TEST_F(Summarize, CliBadInputsGetOneLineErrorsDocumentedCodesAndNoOutputs) {
  const auto& m = Media::get();
  const std::string o = " -q -o " + (out / "x").string();
  struct Case {
    std::string args;
    int code;
    std::string needle;
  };
  fs::create_directories(out / "ro" / "fake.mp4");
  const std::vector<Case> cases = {
      {m.path("missing.mp4") + o, 3, "no such file"},
      {(out / "ro" / "fake.mp4").string() + o, 2, "no video files found"},  // a folder: batch mode, nothing in it
      {m.path("empty.mp4") + o, 3, "empty"},
      {m.path("text.mp4") + o, 3, "not a recognised media file"},
      {m.path("still.png") + o, 3, "still image"},
      {m.path("audio.m4a") + o, 3, "audio only"},
      {m.path("truncated.mp4") + o, 3, "truncated.mp4"},
      {m.path("slideshow.mp4") + " --budget 21" + o, 2, "larger than the number of sampled frames (20)"},
      {m.path("slideshow.mp4") + " --selector nope" + o, 2, "valid functions"},
      {m.path("slideshow.mp4") + " --fraction 2" + o, 2, "fraction"},
      {m.path("slideshow.mp4") + " --clip-length 7x" + o, 2, "--clip-length must be auto, seconds"},
      {m.path("slideshow.mp4") + " --clip-length 0%" + o, 2, "--clip-length must be"},
      {m.path("slideshow.mp4") + " --clip-length 150%" + o, 2, "--clip-length must be"},
      {m.path("slideshow.mp4") + " --clip-length=-3s" + o, 2, "--clip-length must be"},
      {m.path("slideshow.mp4") + " -q -o /nonexistent/dir/x", 5, "does not exist"},
  };
  for (const auto& c : cases) {
    const CliRun r = cli(c.args);
    EXPECT_EQ(r.code, c.code) << c.args << "\n" << r.out;
    EXPECT_NE(r.out.find(c.needle), std::string::npos) << c.args << "\n" << r.out;
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << "one line: " << r.out;
  }
  EXPECT_EQ(entries(), std::vector<std::string>{"ro"}) << "a failed run leaves nothing behind";
  if (::geteuid() != 0) {  // root ignores permission bits
    fs::permissions(out / "ro", fs::perms::owner_write, fs::perm_options::remove);
    EXPECT_EQ(cli(m.path("slideshow.mp4") + " -q -o " + (out / "ro" / "x").string()).code, 5);
  }
}

#ifdef CORDS_TEST_HAVE_TORCH
// The bundled default model (models/): every shot found at k = shots, and exact repeats of a scene merged.
TEST_F(Summarize, DefaultCnnFindsEveryShotAndMergesRepeatedScenes) {
  SummarizeConfig c = config("slideshow.mp4", "default_cnn");
  c.budget = select::Budget::count(Media::kShots);
  c.embedder.device = "cpu";
  c.write_clip = false;
  SummaryResult r = run_summarize(c);
  ASSERT_EQ(r.embedder, "cnn:mobilenet_v2_imagenet_b10") << "the default model should be found";
  std::set<int> shots;
  for (const auto& k : r.keyframes) shots.insert(shot_of(k.ts.seconds()));
  EXPECT_EQ(shots.size(), 5u);
  // repeats.mp4: scenes A B A C B (3 s, 2.5 s, 3 s, 3 s, 2.5 s) cut from the bundled sample.
  c = config("repeats.mp4", "repeats");
  c.budget = select::Budget::count(3);
  c.embedder.device = "cpu";
  c.write_clip = false;
  r = run_summarize(c);
  std::set<char> scenes;
  for (const auto& k : r.keyframes) {
    const double t = k.ts.seconds();
    scenes.insert(t < 3 || (t >= 5.5 && t < 8.5) ? 'A' : (t >= 8.5 && t < 11.5) ? 'C' : 'B');
  }
  EXPECT_EQ(scenes.size(), 3u) << "each distinct scene once";
}

TEST_F(Summarize, CnnFeaturesFromATorchScriptModel) {
  const std::string models = test::test_models().string();
  SummarizeConfig c = config("slideshow.mp4", "cnn");
  c.embedder.features = embed::Features::Cnn;
  c.embedder.model = models + "/tiny.pt";
  c.embedder.device = "cpu";
  c.budget = select::Budget::count(5);
  c.write_clip = false;
  const SummaryResult r = run_summarize(c);
  EXPECT_EQ(r.embedder, "cnn:torchscript");
  ASSERT_EQ(r.keyframes.size(), 5u);
  std::set<int> shots;
  for (const auto& k : r.keyframes) shots.insert(shot_of(k.ts.seconds()));
  EXPECT_GE(shots.size(), 4u) << "even random tiny-CNN features separate most of the stills";
  const std::string s = Media::get().path("slideshow.mp4") + " -q --budget 2 -o " + (out / "m").string();
  struct Case {
    std::string args;
    int code;
    std::string needle;
  };
  for (const Case& k : {Case{" --model " + models + "/text.pt", 4, "not a TorchScript file"},
                        Case{" --model " + models + "/flat.pt", 4, "does not map"},
                        Case{" --model " + models + "/nothere.pt", 4, "no such file"},
                        Case{" --features histogram --model " + models + "/tiny.pt", 2, "--model"},
                        Case{" --model " + models + "/tiny.pt --device tpu", 2, "device"}}) {
    const CliRun r2 = cli(s + k.args);
    EXPECT_EQ(r2.code, k.code) << k.args << "\n" << r2.out;
    EXPECT_NE(r2.out.find(k.needle), std::string::npos) << r2.out;
  }
  EXPECT_FALSE(fs::exists(out / "m"));
}
#endif

TEST_F(Summarize, CliSummarizesWithDefaults) {
  const CliRun r = cli(Media::get().path("slideshow.mp4") + " -q --budget 5 -o " + (out / "cli").string());
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(fs::exists(out / "cli" / "summary.json"));
  EXPECT_TRUE(fs::exists(out / "cli" / "sheet.jpg"));
  EXPECT_TRUE(fs::exists(out / "cli" / "summary.mp4"));
}

// AVI stores its rate as avg_frame_rate only; FFmpeg's guess is 0/0 until avformat_find_stream_info, which the
// decoder skips when the header suffices. The manifest said 0/0 and the clip played at 25 fps.
TEST_F(Summarize, AviFramesRatesReachTheManifestAndTheClip) {
  const std::string avi = (out / "ntsc.avi").string();
  ASSERT_EQ(std::system(
                ("ffmpeg -nostdin -loglevel error -y -f lavfi -i testsrc2=s=320x240:r=24000/1001:d=6 -c:v mpeg4 " + avi)
                    .c_str()),
            0);
  const CliRun r = cli(avi + " -q --features histogram --budget 2 --clip-seconds 2 -o " + (out / "avi").string());
  ASSERT_EQ(r.code, 0) << r.out;
  std::ifstream f(out / "avi" / "summary.json");
  const auto j = nlohmann::json::parse(f);
  EXPECT_EQ(j["input"]["fps"]["num"], 24000);
  EXPECT_EQ(j["input"]["fps"]["den"], 1001);
  const CliRun rate =
      test::run_cli_sh("ffprobe -v error -select_streams v:0 -show_entries stream=avg_frame_rate -of csv=p=0 " +
                       (out / "avi" / "summary.mp4").string());
  EXPECT_EQ(rate.out.substr(0, rate.out.find('\n')), "24000/1001") << rate.out;
}

// A variable-rate input (4 s at 30 fps, then 4 s at 10 fps) plays at its real speed in the encoded clip: the clip
// runs at the input's rate (30) and repeats each 10 fps frame three times; one frame per slot used to play the second
// half three times too fast (a 5.3 s clip). The MP4 ends at 7.9 s (its last frame has no duration and is cut by the
// edit list), so the clip holds 7.9 s = 237 frames.
TEST_F(Summarize, VariableFrameRateClipPlaysAtRealSpeed) {
  const std::string vfr = (out / "vfr.mp4").string();
  ASSERT_EQ(std::system(("ffmpeg -nostdin -loglevel error -y -f lavfi -i testsrc2=s=160x120:r=30:d=4 -f lavfi -i "
                         "testsrc2=s=160x120:r=10:d=4 -filter_complex \"[0]settb=1/30000[a];[1]settb=1/30000[b];"
                         "[a][b]concat=n=2:v=1:a=0\" -fps_mode vfr -c:v libx264 -preset ultrafast " +
                         vfr)
                            .c_str()),
            0);
  const CliRun r =
      cli(vfr + " -q --features histogram --budget 1 --no-shots --clip-seconds 30 -o " + (out / "vfr").string());
  ASSERT_EQ(r.code, 0) << r.out;
  const CliRun probe = test::run_cli_sh(
      "ffprobe -v error -count_frames -select_streams v:0 -show_entries "
      "stream=avg_frame_rate,nb_read_frames -of csv=p=0 " +
      (out / "vfr" / "summary.mp4").string());
  ASSERT_EQ(probe.code, 0);
  EXPECT_EQ(probe.out.substr(0, probe.out.find('\n')), "30/1,237") << "7.9 s at 30 fps";
}

// A long input with cores to spare is decoded by several decoders side by side, each over its own stretch (each
// seeks there), and fast mode writes the keyframes with several workers: the samples and keyframes are those one
// decoder gives, and keyframes carry their frame numbers in the video (in fast mode too, not their rank among the key
// frames).
TEST_F(Summarize, RangeDecodersMatchOneDecoder) {
  const std::string long_clip = (out / "long.mp4").string();
  ASSERT_EQ(std::system(("ffmpeg -nostdin -loglevel error -y -f lavfi -i testsrc2=s=160x90:r=10:d=150 -c:v libx264 "
                         "-preset ultrafast -g 20 -keyint_min 20 -sc_threshold 0 " +
                         long_clip)
                            .c_str()),
            0);
  for (bool fast : {true, false}) {
    std::vector<std::vector<std::int64_t>> frames;
    for (int threads : {1, 8}) {
      SummarizeConfig c;
      c.input = long_clip;
      c.output_dir = (out / ("long" + std::to_string(fast) + std::to_string(threads))).string();
      c.threads = threads;
      c.keyframes_only = fast;
      c.embedder.features = embed::Features::Histogram;
      c.budget = select::Budget::count(12);
      c.write_clip = c.write_sheet = false;
      const SummaryResult r = run_summarize(c);
      EXPECT_EQ(r.decode_workers, threads == 1 ? 1 : 2);
      EXPECT_EQ(r.sampled, fast ? 75 : 300)
          << "samples (fast: every key frame, 2 s apart) none twice or lost at the joins";
      std::vector<std::int64_t> f;
      for (const auto& k : r.keyframes) {
        EXPECT_EQ(k.frame, std::llround(k.ts.seconds() * 10))
            << "frame number of the keyframe at " << k.ts.seconds() << " s";
        EXPECT_TRUE(fs::exists(fs::path(c.output_dir) / k.image)) << k.image;
        f.push_back(k.frame);
      }
      frames.push_back(f);
    }
    EXPECT_EQ(frames[0], frames[1]) << (fast ? "fast" : "full");
  }
}

// The clip keeps the input's sound, in step with its pictures at every joint: the input flashes a white frame and
// beeps at the same instants (every 2 s); in the clip every flash has its beep within one frame (40 ms) and the
// other way round.
TEST_F(Summarize, ClipSoundStaysInStepAtEveryJoint) {
  const std::string in = (out / "beeps.mp4").string();
  ASSERT_EQ(std::system(("ffmpeg -nostdin -loglevel error -y -f lavfi -i testsrc2=s=320x240:r=25:d=12 -f lavfi -i "
                         "\"aevalsrc='if(lt(mod(t-1,2),0.04),0.8*sin(2*PI*1000*t),0)':s=44100:d=12\" -vf "
                         "\"drawbox=x=0:y=0:w=iw:h=ih:color=white:t=fill:enable='lt(mod(t-1,2),0.04)'\" "
                         "-c:v libx264 -preset ultrafast -g 25 -c:a aac -b:a 128k " +
                         in)
                            .c_str()),
            0);
  for (bool fast : {false, true}) {
    SCOPED_TRACE(fast ? "fast (copied pictures, encoded sound)" : "encoded clip");
    SummarizeConfig c;
    c.input = in;
    c.output_dir = (out / (fast ? "beeps-fast" : "beeps")).string();
    c.keyframes_only = fast;
    c.embedder.features = embed::Features::Histogram;
    c.budget = select::Budget::count(5);
    c.clip_seconds = 2;
    c.clip_length = 10;  // every keyframe's 2 s
    c.write_sheet = false;
    const SummaryResult r = run_summarize(c);
    ASSERT_EQ(r.clip_audio, "aac");
    EXPECT_EQ(r.clip_mode, fast ? "copy" : "encode");
    const std::string clip = (fs::path(c.output_dir) / "summary.mp4").string();
    // Flashes: frames of the clip far brighter than the others.
    decode::DecodeOptions o;
    o.sample_fps = 0;
    o.out_width = 64;
    decode::FFmpegSource src(clip, o);
    std::vector<double> flashes;
    decode::Frame f;
    for (int i = 0; src.next(f); ++i)
      if (embed::mean_luma(f.image) > 230) flashes.push_back(i / 25.0);
    // Beeps: where the decoded sound rises after 0.1 s of silence (before the clip counts as silence).
    const CliRun pcm =
        test::run_cli_sh("ffmpeg -nostdin -loglevel error -i " + clip + " -ac 1 -ar 8000 -f u8 - 2>/dev/null");
    std::vector<double> beeps;
    double quiet_since = -1.0;  // the clip's start counts as after silence
    bool loud = false;
    for (std::size_t i = 0; i < pcm.out.size(); ++i) {
      const double t = static_cast<double>(i) / 8000;
      const bool now = std::abs(static_cast<unsigned char>(pcm.out[i]) - 128) > 40;
      if (now && !loud && t - quiet_since > 0.1) beeps.push_back(t);
      if (now) loud = true;
      if (!now && loud) {
        loud = false;
        quiet_since = t;
      }
    }
    ASSERT_GE(flashes.size(), 3u) << "each 2 s window holds a flash";
    ASSERT_EQ(beeps.size(), flashes.size());
    for (std::size_t i = 0; i < flashes.size(); ++i) EXPECT_NEAR(beeps[i], flashes[i], 0.04 + 1e-9) << "joint " << i;
  }
}

// --clip-crossfade blends the last slots of each segment into the first ones of the next, pictures and sound alike:
// three shots of different brightness (a keyframe each) give a clip 2 x 5 frames shorter at 0.2 s and 25 fps, whose
// joints ramp from one brightness to the next, with sound as long as the pictures. In fast mode the clip is then
// encoded (a copy cannot blend).
TEST_F(Summarize, ClipCrossfadeBlendsTheJoints) {
  const std::string in = (out / "xf.mp4").string();
  ASSERT_EQ(
      std::system(
          ("ffmpeg -nostdin -loglevel error -y "
           "-f lavfi -i \"color=c=0x202020:s=320x240:r=25:d=4,drawgrid=w=40:h=40:t=2:c=white\" "
           "-f lavfi -i \"color=c=0xd0d0d0:s=320x240:r=25:d=4,drawgrid=w=40:h=40:t=2:c=black\" "
           "-f lavfi -i \"color=c=0x808080:s=320x240:r=25:d=4,drawgrid=w=32:h=32:t=2:c=white\" "
           "-f lavfi -i sine=f=440:d=12:r=44100 -filter_complex \"[0][1][2]concat=n=3:v=1:a=0,format=yuv420p[v]\" "
           "-map [v] -map 3 -c:v libx264 -preset ultrafast -g 25 -c:a aac " +
           in)
              .c_str()),
      0);
  const auto lumas = [](const std::string& clip) {
    decode::DecodeOptions o;
    o.sample_fps = 0;
    o.out_width = 64;
    decode::FFmpegSource src(clip, o);
    std::vector<double> y;
    decode::Frame f;
    while (src.next(f)) y.push_back(embed::mean_luma(f.image));
    return y;
  };
  const auto audio_seconds = [](const std::string& clip) {
    const CliRun r =
        test::run_cli_sh("ffmpeg -nostdin -loglevel error -i " + clip + " -ac 1 -ar 8000 -f u8 - 2>/dev/null");
    return static_cast<double>(r.out.size()) / 8000;
  };
  std::vector<double> cut, faded;
  for (const char* fade : {"0", "0.2"}) {
    const fs::path d = out / (std::string("xf") + fade);
    const CliRun r = cli(in + " -q --features histogram --budget 3 --clip-crossfade " + fade + " -o " + d.string());
    ASSERT_EQ(r.code, 0) << r.out;
    (std::string(fade) == "0" ? cut : faded) = lumas((d / "summary.mp4").string());
    EXPECT_NEAR(audio_seconds((d / "summary.mp4").string()), (std::string(fade) == "0" ? cut : faded).size() / 25.0,
                0.05);
  }
  ASSERT_GE(cut.size(), 30u);
  EXPECT_EQ(faded.size() + 10, cut.size()) << "two joints of 5 frames";
  // Each joint: a run of 5 frames strictly between the brightness before and after, in order.
  int ramps = 0;
  for (std::size_t i = 1; i + 5 < faded.size(); ++i) {
    const double a = faded[i - 1], b = faded[i + 5];
    if (std::abs(a - b) < 40) continue;
    bool ramp = true;
    for (std::size_t j = i; j < i + 5; ++j)
      ramp = ramp && (faded[j] - a) * (b - a) > 0 && (b - faded[j]) * (b - a) > 0 &&
             (faded[j] - faded[j - 1]) * (b - a) > 0;
    if (ramp) ++ramps, i += 5;
  }
  EXPECT_EQ(ramps, 2);
  const CliRun fast =
      cli(in + " -q --fast --features histogram --budget 3 --clip-crossfade 0.2 --json -o " + (out / "xff").string());
  ASSERT_EQ(fast.code, 0) << fast.out;
  EXPECT_NE(fast.out.find("\"clip_mode\": \"encode\""), std::string::npos) << fast.out;
  EXPECT_EQ(cli(in + " -q --clip-crossfade -1 -o " + (out / "bad").string()).code, 2);
}

// --start/--end summarize a stretch: keyframes, shots and clip stay inside it. --grid CxR sets the sheet's columns and,
// without a budget, C x R keyframes; --sheet-width the sheet's width. Bad values are usage errors (exit 2).
TEST_F(Summarize, StartEndGridAndSheetWidth) {
  const std::string slideshow = Media::get().path("slideshow.mp4");
  const fs::path d = out / "range";
  CliRun r =
      cli(slideshow + " -q --features histogram --start 0:02 --end 6.0 --grid 3x2 --sheet-width 800 -o " + d.string());
  ASSERT_EQ(r.code, 0) << r.out;
  std::ifstream f(d / "summary.json");
  const auto j = nlohmann::json::parse(f);
  EXPECT_EQ(j["keyframes"].size(), 6u);
  for (const auto& k : j["keyframes"]) {
    EXPECT_GE(k["time"].get<double>(), 2.0);
    EXPECT_LT(k["time"].get<double>(), 6.0);
  }
  ASSERT_EQ(j["shots"].size(), 2u);
  EXPECT_EQ(j["shots"][0]["start_frame"], 50);
  EXPECT_EQ(j["shots"][1]["start_frame"], 100);
  EXPECT_LE(j["shots"][1]["end"].get<double>(), 6.0 + 1e-9);
  EXPECT_DOUBLE_EQ(j["parameters"]["start"].get<double>(), 2.0);
  const CliRun size =
      test::run_cli_sh("ffprobe -v error -show_entries stream=width -of csv=p=0 " + (d / "sheet.jpg").string());
  ASSERT_EQ(size.code, 0);
  EXPECT_LE(std::stoi(size.out), 800);
  EXPECT_GE(std::stoi(size.out), 700);
  const CliRun frames = test::run_cli_sh(
      "ffprobe -v error -count_frames -show_entries stream=nb_read_frames -of csv=p=0 " + (d / "summary.mp4").string());
  EXPECT_LE(std::stoi(frames.out), 100) << "the clip holds at most the 4 s summarized";
  for (const char* bad :
       {"--start 1:75", "--start -3", "--end 2 --start 3", "--grid 3", "--grid 0x2", "--sheet-width 50"})
    EXPECT_EQ(cli(slideshow + " -q --features histogram " + bad + " -o " + (out / "bad").string()).code, 2) << bad;
}

// TV static (as in a game's cut-scene) is no content: between two real shots it is never a keyframe, even with a
// budget of one per shot (the blur rule's measure is tested in segment_test, PictureQuality).
TEST_F(Summarize, NoiseFramesAreNotPicked) {
  const std::string in = (out / "static.mp4").string();
  ASSERT_EQ(std::system(("ffmpeg -nostdin -loglevel error -y -f lavfi -i testsrc2=s=320x240:r=25:d=3 -f lavfi -i "
                         "\"nullsrc=s=320x240:r=25:d=2,geq=lum='random(1)*255':cb=128:cr=128\" -f lavfi -i "
                         "smptebars=s=320x240:r=25:d=3 -filter_complex \"[0][1][2]concat=n=3:v=1:a=0,format=yuv420p\" "
                         "-c:v libx264 -preset veryfast -x264-params scenecut=0 " +
                         in)
                            .c_str()),
            0);
  SummarizeConfig c;
  c.input = in;
  c.output_dir = (out / "static").string();
  c.embedder.features = embed::Features::Histogram;
  c.write_clip = c.write_sheet = c.write_keyframes = false;
  const SummaryResult r = run_summarize(c);
  ASSERT_EQ(r.shot_spans.size(), 3u);
  EXPECT_EQ(r.shot_spans[1].start_frame, 75);
  EXPECT_EQ(r.shot_spans[2].start_frame, 125);
  ASSERT_FALSE(r.keyframes.empty());
  std::set<std::int64_t> shots;
  for (const auto& k : r.keyframes) {
    EXPECT_FALSE(k.frame >= 75 && k.frame < 125) << "keyframe " << k.frame << " is TV static";
    shots.insert(k.frame < 75 ? 0 : 2);
  }
  EXPECT_EQ(shots.size(), 2u) << "both real shots are represented";
}

// No near-duplicate keyframes while distinct pictures remain; when the budget exceeds the distinct content (a still
// picture for 10 s) the repeats stay and the manifest says so.
TEST_F(Summarize, NearDuplicatesOnlyWhenTheBudgetExceedsTheContent) {
  SummarizeConfig c = config("slideshow.mp4", "distinct");
  c.embedder.features = embed::Features::Histogram;
  c.budget = select::Budget::count(5);
  c.write_clip = c.write_sheet = c.write_keyframes = false;
  SummaryResult r = run_summarize(c);
  EXPECT_EQ(r.near_duplicates, 0);
  const std::string still = (out / "still.mp4").string();
  ASSERT_EQ(std::system(("ffmpeg -nostdin -loglevel error -y -f lavfi -i testsrc=s=320x240:r=25:d=1 -vf "
                         "\"trim=end_frame=1,loop=loop=249:size=1,setpts=N/25/TB\" -c:v libx264 -preset veryfast " +
                         still)
                            .c_str()),
            0);
  c.input = still;
  c.output_dir = (out / "still").string();
  r = run_summarize(c);
  EXPECT_EQ(r.keyframes.size(), 5u);
  EXPECT_EQ(r.near_duplicates, 4);
  bool said = false;
  for (const auto& w : r.warnings) said = said || w.find("exceeds the distinct content") != std::string::npos;
  EXPECT_TRUE(said);
}

// The automatic budget never pads: on stills held for 6 s (3 shots, 36 samples: a sheet of 9 would be the rule) it
// stops at the distinct content, one keyframe per still, and says nothing is repeated.
TEST_F(Summarize, AutomaticBudgetStopsAtTheDistinctContent) {
  const std::string stills = (out / "stills.mp4").string();
  const std::string hold = "trim=end_frame=1,loop=loop=149:size=1,setpts=N/25/TB";
  ASSERT_EQ(std::system(("ffmpeg -nostdin -loglevel error -y -f lavfi -i testsrc=s=320x240:r=25:d=1 -f lavfi -i "
                         "smptebars=s=320x240:r=25:d=1 -f lavfi -i mandelbrot=s=320x240:r=25 -filter_complex \"[0]" +
                         hold + "[a];[1]" + hold + "[b];[2]" + hold +
                         "[c];[a][b][c]concat=n=3:v=1:a=0,format=yuv420p\" -c:v libx264 -preset veryfast " + stills)
                            .c_str()),
            0);
  SummarizeConfig c = config("slideshow.mp4", "auto");
  c.input = stills;
  c.output_dir = (out / "auto").string();
  c.write_clip = c.write_sheet = c.write_keyframes = false;
  SummaryResult r = run_summarize(c);
  ASSERT_EQ(r.budget_rule, "auto");
  EXPECT_EQ(r.shots.size(), 3u);
  EXPECT_EQ(r.keyframes.size(), 3u) << "one per still, no padding";
  EXPECT_GE(r.repeats_left_out, 6);
  EXPECT_EQ(r.near_duplicates, 0);
  for (const auto& w : r.warnings) EXPECT_EQ(w.find("repeat"), std::string::npos) << w;
  std::set<std::int64_t> shots;
  for (const auto& k : r.keyframes) shots.insert(k.shot);
  EXPECT_EQ(shots.size(), 3u);
}

// Repeats are judged on content: a fixed camera with something moving in a small part of the picture (a 32x48 box
// on a still scene: a whole-frame mean change of 1-3 of 255) gives distinct keyframes, not repeats.
TEST_F(Summarize, SmallMovingSubjectsOnAFixedCameraAreNotRepeats) {
  const std::string street = (out / "street.mp4").string();
  ASSERT_EQ(std::system(("ffmpeg -nostdin -loglevel error -y -f lavfi -i testsrc=s=320x240:r=25:d=1 -f lavfi -i "
                         "color=c=black:s=32x48:r=25:d=10 -filter_complex \"[0]trim=end_frame=1,loop=loop=249:size=1,"
                         "setpts=N/25/TB[bg];[bg][1]overlay=x='mod(t*29,288)':y='20+mod(t*17,180)',format=yuv420p\" "
                         "-c:v libx264 -preset veryfast " +
                         street)
                            .c_str()),
            0);
  SummarizeConfig c = config("slideshow.mp4", "street");
  c.input = street;
  c.output_dir = (out / "street").string();
  c.embedder.features = embed::Features::Histogram;
  c.write_clip = c.write_sheet = c.write_keyframes = false;
  c.budget = select::Budget::count(5);
  SummaryResult r = run_summarize(c);
  EXPECT_EQ(r.keyframes.size(), 5u);
  EXPECT_EQ(r.near_duplicates, 0) << "the box is elsewhere in each";
}

// With --budget K below the number of shots, distinct shots come before a second keyframe of a shot: a long moving
// shot followed by five short stills, K = 4 and 5: that many different shots.
TEST_F(Summarize, DistinctShotsComeBeforeSecondKeyframesOfAShot) {
  const std::string mix = (out / "longshot.mp4").string();
  std::string cmd = "ffmpeg -nostdin -loglevel error -y -f lavfi -i testsrc2=s=320x240:r=25:d=12";
  for (const char* s : {"smptebars", "rgbtestsrc", "testsrc", "yuvtestsrc", "pal100bars"})
    cmd += std::string(" -f lavfi -i ") + s + "=s=320x240:r=25:d=1.5";
  cmd +=
      " -filter_complex \"[0][1][2][3][4][5]concat=n=6:v=1:a=0,format=yuv420p\" -c:v libx264 -preset veryfast "
      "-x264-params scenecut=0 " +
      mix;
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  SummarizeConfig c = config("slideshow.mp4", "spread");
  c.input = mix;
  c.output_dir = (out / "spread").string();
  c.write_clip = c.write_sheet = c.write_keyframes = false;
  c.force = true;
  for (const int k : {4, 5}) {
    c.budget = select::Budget::count(k);
    SummaryResult r = run_summarize(c);
    ASSERT_EQ(r.shots.size(), 6u);
    std::set<std::int64_t> shots;
    for (const auto& kf : r.keyframes) shots.insert(kf.shot);
    EXPECT_EQ(shots.size(), static_cast<std::size_t>(k)) << "k = " << k;
  }
}

// The editor exports cut the summary from the original file: every event of summary.edl starts (source in) on the
// picture the clip shows at its record-in time, and the events fill the clip; summary.otio holds the same ranges;
// shots.edl/shots.otio cover the video shot by shot; --scenedetect-csv writes list-scenes' Timecode List row.
TEST_F(Summarize, EditorExportsCutTheSummaryFromTheOriginal) {
  SummarizeConfig c = config("slideshow.mp4", "exports");
  c.budget = select::Budget::count(5);
  c.clip_length = 5;
  c.scenedetect_csv = true;
  const SummaryResult r = run_summarize(c);
  const fs::path d = c.output_dir;
  const auto read = [](const fs::path& p) {
    std::ifstream f(p);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  };
  const auto grey = [](const std::string& file, double t) {  // the 16x9 grey picture shown at t
    return test::run_cli_sh("ffmpeg -nostdin -loglevel error -ss " + std::to_string(t) + " -i " + file +
                            " -frames:v 1 -vf scale=16:9,format=gray -f rawvideo - 2>/dev/null")
        .out;
  };
  const auto tc = [](const std::string& s) {  // HH:MM:SS:FF at 25 fps -> seconds
    return std::stoi(s.substr(0, 2)) * 3600.0 + std::stoi(s.substr(3, 2)) * 60.0 + std::stoi(s.substr(6, 2)) +
           std::stoi(s.substr(9, 2)) / 25.0;
  };
  std::istringstream edl(read(d / "summary.edl"));
  std::string line;
  int events = 0;
  double record_end = 0;
  while (std::getline(edl, line)) {
    if (line.size() < 70 || !std::isdigit(static_cast<unsigned char>(line[0]))) continue;
    ++events;
    std::istringstream fields(line);
    std::string num, reel, track, kind, src_in, src_out, rec_in, rec_out;
    fields >> num >> reel >> track >> kind >> src_in >> src_out >> rec_in >> rec_out;
    EXPECT_EQ(reel + track + kind, "AXVC");
    EXPECT_NEAR(tc(src_out) - tc(src_in), tc(rec_out) - tc(rec_in), 1e-9);
    const std::string a = grey(c.input, tc(src_in) + 0.02), b = grey((d / "summary.mp4").string(), tc(rec_in) + 0.02);
    ASSERT_EQ(a.size(), 144u);
    ASSERT_EQ(b.size(), 144u);
    double diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
      diff += std::abs(static_cast<int>(static_cast<unsigned char>(a[i])) - static_cast<unsigned char>(b[i]));
    EXPECT_LT(diff / 144, 12) << "event " << num << ": the original at " << src_in << " is not the clip at " << rec_in;
    record_end = tc(rec_out);
  }
  EXPECT_EQ(events, static_cast<int>(r.clip_segments.size()));
  EXPECT_GE(events, 3);
  decode::DecodeOptions o;
  o.sample_fps = 0;
  const auto frames = decode::FFmpegSource((d / "summary.mp4").string(), o).drain();
  EXPECT_NEAR(record_end * 25, static_cast<double>(frames), 2.0) << "the events fill the clip";
  const nlohmann::json otio = nlohmann::json::parse(read(d / "summary.otio"));
  EXPECT_EQ(otio["OTIO_SCHEMA"], "Timeline.1");
  const auto& clips = otio["tracks"]["children"][0]["children"];
  ASSERT_EQ(clips.size(), r.clip_segments.size());
  for (std::size_t i = 0; i < clips.size(); ++i) {
    EXPECT_EQ(clips[i]["media_reference"]["target_url"].get<std::string>().rfind("file:///", 0), 0u);
    EXPECT_NEAR(clips[i]["source_range"]["start_time"]["value"].get<double>(), r.clip_segments[i].start * 25, 0.51);
  }
  const nlohmann::json shots = nlohmann::json::parse(read(d / "shots.otio"));
  double total = 0;
  for (const auto& s : shots["tracks"]["children"][0]["children"])
    total += s["source_range"]["duration"]["value"].get<double>();
  EXPECT_EQ(total, 250) << "the shots cover the video";
  const std::string csv = read(d / "shots.csv");
  EXPECT_EQ(csv.substr(0, csv.find('\n')), "Timecode List:,00:00:02.000,00:00:04.000,00:00:06.000,00:00:08.000");
  EXPECT_EQ(csv.substr(csv.find('\n') + 1, 12), "Scene Number");
  nlohmann::json m = nlohmann::json::parse(read(d / "summary.json"));
  EXPECT_EQ(m["outputs"]["exports"].size(), 6u);
  for (const auto& e : m["outputs"]["exports"]) EXPECT_TRUE(fs::exists(d / e.get<std::string>())) << e;
}

// The summary's own page in a real browser, opened from the folder (file://, no server): headless Chromium plays
// both videos far enough to know their durations, makes the clip's parts and the shots chapters, loads the
// thumbnail sprites and finds the thumbnail for a hover over the seek bar; the page's script writes what it saw into
// body's data-* attributes.
TEST_F(Summarize, ThePagePlaysTheClipWithChaptersAndSeekThumbnailsInChromium) {
  if (::access("/usr/bin/chromium", X_OK) != 0)
    GTEST_SKIP() << "chromium not installed (scripts/install-deps.sh installs it)";
  SummarizeConfig c = config("slideshow.mp4", "page");
  c.budget = select::Budget::count(5);
  c.clip_length = 5;
  const SummaryResult r = run_summarize(c);
  const fs::path page = fs::path(c.output_dir) / "index.html";
  ASSERT_TRUE(fs::exists(page));
  // thumbnails.vtt: contiguous cues from 0 to the end, one a second (10 s at 2 fps), each a tile of the sprite.
  std::ifstream vtt(fs::path(c.output_dir) / "thumbnails.vtt");
  std::string line, last_end = "00:00:00.000";
  int cues = 0;
  while (std::getline(vtt, line)) {
    if (line.find(" --> ") == std::string::npos) continue;
    EXPECT_EQ(line.substr(0, 12), last_end) << "cues follow each other";
    last_end = line.substr(17, 12);
    std::getline(vtt, line);
    EXPECT_EQ(line, "thumbnails.jpg#xywh=" + std::to_string(cues % 10 * 160) + "," + std::to_string(cues / 10 * 120) +
                        ",160,120");
    ++cues;
  }
  EXPECT_EQ(cues, 10);
  EXPECT_EQ(last_end, "00:00:10.000");
  const std::string cmd =
      "timeout 120 /usr/bin/chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
      "--disable-background-networking --disable-component-update --disable-sync --user-data-dir=" +
      (out / "chrome").string() + " --virtual-time-budget=10000 --dump-dom file://" + page.string() + " 2>/dev/null";
  const std::string dom = test::run_cli_sh(cmd).out;
  const std::string body = dom.substr(dom.find("<body"), 400);
  const auto attr = [&](const std::string& name) {
    const auto at = body.find("data-" + name + "=\"");
    return at == std::string::npos
               ? std::string("(none)")
               : body.substr(at + name.size() + 7, body.find('"', at + name.size() + 7) - (at + name.size() + 7));
  };
  EXPECT_EQ(attr("chapters"), std::to_string(r.clip_segments.size())) << body;
  EXPECT_EQ(attr("shots"), "5");
  EXPECT_EQ(attr("thumbs"), std::to_string(r.thumbnails.size()));
  EXPECT_EQ(attr("sprites-loaded"), "1") << "the sprite decoded in the browser";
  EXPECT_EQ(attr("hover").rfind("thumbnails.jpg#xywh=", 0), 0u) << body;
  EXPECT_EQ(attr("keyframes-shown"), "5");
  EXPECT_NEAR(std::stod(attr("original-duration")), 10.0, 0.1) << "the original plays from its relative path";
  EXPECT_GT(std::stod(attr("clip-duration")), 4.0) << "the clip plays";
  EXPECT_EQ(attr("preview-width"), "320") << "the animated WebP preview decodes in the browser";
  EXPECT_EQ(r.preview_files, (std::vector<std::string>{"preview.mp4", "preview.webp"}));
  decode::DecodeOptions o;
  o.sample_fps = 0;
  const auto frames = decode::FFmpegSource((fs::path(c.output_dir) / "preview.mp4").string(), o).drain();
  EXPECT_GE(frames, 30) << "a few seconds at 10 fps";
  EXPECT_LE(frames, 61);
}

// Black frames and the dark half of a fade are not keyframes while other frames remain (segment::usable_samples).
TEST_F(Summarize, BlackAndFadingFramesAreNotPicked) {
  SummarizeConfig c = config("fade.mp4", "fade-k");  // testsrc, fading out over 2-3 s and back in over 3-4 s
  c.embedder.features = embed::Features::Histogram;
  c.budget = select::Budget::count(6);
  c.write_clip = false;
  SummaryResult r = run_summarize(c);
  ASSERT_EQ(r.keyframes.size(), 6u);
  for (const auto& k : r.keyframes) {
    const double t = k.ts.seconds();
    EXPECT_FALSE(t > 2.3 && t < 3.7) << "keyframe at " << t << " s lies in the dark half of the fade";
  }
  EXPECT_GT(r.excluded_samples, 0);
  // A clip that opens on a second of black, as films do: its first keyframe is content.
  const std::string black = (out / "black_open.mp4").string();
  ASSERT_EQ(std::system(
                ("ffmpeg -nostdin -loglevel error -y -f lavfi -i color=c=black:s=320x240:r=25:d=1 -f lavfi -i "
                 "testsrc2=s=320x240:r=25:d=5 -filter_complex \"[0][1]concat=n=2:v=1:a=0,format=yuv420p\" -c:v libx264 "
                 "-preset veryfast " +
                 black)
                    .c_str()),
            0);
  c.input = black;
  c.output_dir = (out / "black-k").string();
  c.budget = select::Budget::count(4);
  r = run_summarize(c);
  ASSERT_EQ(r.keyframes.size(), 4u);
  EXPECT_GE(r.keyframes.front().ts.seconds(), 1.0) << "the black opening was picked";
}

// Neither --budget nor --fraction: the automatic budget gives an 11 s clip of four shots a keyframe in every shot.
TEST_F(Summarize, AutomaticBudgetGivesEveryShotAKeyframe) {
  const std::string clip = (out / "four.mp4").string();
  const std::string s = "s=320x240:r=25:d=2.75";
  ASSERT_EQ(
      std::system(("ffmpeg -nostdin -loglevel error -y -f lavfi -i testsrc=" + s + " -f lavfi -i smptebars=" + s +
                   " -f lavfi -i \"mandelbrot=s=320x240:r=25,trim=duration=2.75\" -f lavfi -i rgbtestsrc=" + s +
                   " -filter_complex \"[0][1][2][3]concat=n=4:v=1:a=0,format=yuv420p\" -c:v libx264 -preset veryfast "
                   "-x264-params scenecut=0 " +
                   clip)
                      .c_str()),
      0);
  const CliRun r = cli(clip + " -q --features histogram --no-clip -o " + (out / "four").string());
  ASSERT_EQ(r.code, 0) << r.out;
  std::ifstream f(out / "four" / "summary.json");
  const auto j = nlohmann::json::parse(f);
  EXPECT_EQ(j["parameters"]["budget_rule"], "auto");
  ASSERT_EQ(j["shots"].size(), 4u);
  EXPECT_GE(j["keyframes"].size(), 4u);
  std::set<int> shots;
  for (const auto& k : j["keyframes"]) shots.insert(k["shot"].get<int>());
  EXPECT_EQ(shots.size(), 4u) << j["keyframes"].dump();
  // --fraction keeps its meaning: ceil(0.05 x 22 samples) = 2.
  const CliRun fr = cli(clip + " -q --features histogram --no-clip --fraction 0.05 -o " + (out / "four-f").string());
  ASSERT_EQ(fr.code, 0) << fr.out;
  std::ifstream g(out / "four-f" / "summary.json");
  EXPECT_EQ(nlohmann::json::parse(g)["keyframes"].size(), 2u);
  EXPECT_EQ(auto_budget(7200, 7200, 40), 360) << "an hour at 2 fps: 5%";
  EXPECT_EQ(auto_budget(120, 118, 3), 16) << "a minute: a sheet of 16";
  EXPECT_EQ(auto_budget(20, 20, 9), 9) << "never fewer than the shots";
  EXPECT_EQ(auto_budget(20, 3, 9), 3) << "at most the candidates";
}

// shots.csv in PySceneDetect's list-scenes columns and chapters.vtt, beside the manifest (the slideshow's cuts fall
// on the sampling grid: frames 50, 100, 150, 200 of 250).
TEST_F(Summarize, ShotsAreExportedAsCsvAndWebVttChapters) {
  SummarizeConfig c = config("slideshow.mp4", "exports");
  c.embedder.features = embed::Features::Histogram;
  c.write_clip = false;
  run_summarize(c);
  std::ifstream csv(out / "exports" / "shots.csv");
  std::string line;
  std::getline(csv, line);
  EXPECT_EQ(line.rfind("Scene Number,Start Frame,Start Timecode,Start Time (seconds),End Frame,End Timecode", 0), 0u)
      << line;
  std::vector<std::string> rows;
  while (std::getline(csv, line)) rows.push_back(line);
  ASSERT_EQ(rows.size(), static_cast<std::size_t>(Media::kShots));
  EXPECT_EQ(rows[1], "2,51,00:00:02.000,2.000,100,00:00:04.000,4.000,50,00:00:02.000,2.000");
  EXPECT_EQ(rows[4].substr(0, 6), "5,201,");
  EXPECT_NE(rows[4].find(",250,00:00:10.000,10.000,"), std::string::npos) << rows[4];
  std::ifstream vtt(out / "exports" / "chapters.vtt");
  std::stringstream v;
  v << vtt.rdbuf();
  EXPECT_EQ(v.str().rfind("WEBVTT\n\n1\n00:00:00.000 --> 00:00:02.000\nShot 1 (00:00)\n", 0), 0u) << v.str();
  std::ifstream f(out / "exports" / "summary.json");
  const auto j = nlohmann::json::parse(f);
  EXPECT_EQ(j["outputs"]["exports"], nlohmann::json::array({"shots.csv", "chapters.vtt", "shots.edl", "shots.otio"}))
      << "without a clip, no summary.edl/.otio";
  EXPECT_EQ(j["shots"][1]["start_frame"], 50);
}

TEST_F(Summarize, CliConventions) {
  const std::string in = Media::get().path("slideshow.mp4");
  // A misspelled command: "did you mean", not "no such file".
  CliRun r = cli("selct --features x.npy");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("did you mean 'select'"), std::string::npos) << r.out;
  // --json: the manifest on stdout, nothing else there.
  r = test::run_cli_sh(std::string(CORDS_CLI_PATH) + " " + in +
                       " -q --features histogram --no-clip --budget 2 --json -o " + (out / "j").string() +
                       " 2>/dev/null");
  ASSERT_EQ(r.code, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["keyframes"].size(), 2u);
  EXPECT_EQ(j["tool"], "cords-summarize");
}

// ---- pinned shot decisions -------------------------------------------------------------------------------------

// The shot decisions of one video as text: each shot's first frame, its start and how it begins, then each
// transition span (fades, dissolves, flashes) found on the frames. Default options (frame-exact shots), the
// histogram features (no model): what tests/golden/cuts/<name>.txt pins.
std::string shot_decisions(const std::string& input) {
  SummarizeConfig c;
  c.input = input;
  c.embedder.features = embed::Features::Histogram;
  const auto emb = embed::histogram_embedder();
  SummaryResult res;
  std::vector<segment::FrameStat> stats;
  const Samples s = sample_video(c, c, c, *emb, res, {}, stats);
  find_shots(c, c, s, *emb, stats, res);
  std::ostringstream out;
  char line[160];
  for (const auto& span : res.shot_spans) {
    std::snprintf(line, sizeof line, "shot %lld %.3f %s\n", static_cast<long long>(span.start_frame), span.start,
                  to_string(span.transition));
    out << line;
  }
  for (const auto& t : res.transitions) {
    std::snprintf(line, sizeof line, "span %s %lld-%lld\n", segment::to_string(t.kind), static_cast<long long>(t.first),
                  static_cast<long long>(t.last));
    out << line;
  }
  return out.str();
}

void expect_pinned(const std::string& input, const std::string& name) {
  const fs::path file = fs::path(CORDS_GOLDEN_DIR) / "cuts" / (name + ".txt");
  const std::string got = shot_decisions(input);
  const char* update = std::getenv("CORDS_UPDATE_GOLDEN");
  if (update && std::string(update) == "1") {
    fs::create_directories(file.parent_path());
    std::ofstream(file) << got;
    return;
  }
  std::ifstream in(file);
  ASSERT_TRUE(in) << "no reference file " << file << " (CORDS_UPDATE_GOLDEN=1 writes it)";
  std::stringstream want;
  want << in.rdbuf();
  EXPECT_EQ(got, want.str()) << name << ": the shot decisions changed (a deliberate change: CORDS_UPDATE_GOLDEN=1, "
                             << "then review the diff of " << file << ")";
}

// The shot detector's decisions on the bundled sample (real footage: a 1906 film with its own cut, then a launch in
// two shots) and on the generated slideshow and fade clips are pinned frame by frame, as FFmpeg's FATE pins scdet's
// output: any change in what is called a cut, a fade or a dissolve shows in the diff.
TEST_F(Summarize, ShotDecisionsMatchTheirReferenceFiles) {
  expect_pinned(std::string(CORDS_SOURCE_DIR) + "/samples/sample.mp4", "sample.mp4");
  const auto& m = Media::get();
  for (const char* name : {"slideshow.mp4", "fade.mp4", "repeats.mp4"}) expect_pinned(m.path(name), name);
}

}  // namespace
}  // namespace cords::pipeline

// Real archives (issue 27): the reproductions of ../shared/reviews/2026-12-07-reliability.md (case letters A-L and
// Low 1-10 beside each test) and of the new-user review's crash on mono MP3 sound. Each test runs the real executable
// on real files made with ffmpeg in a fresh folder, and fails on the code before the fix.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "../support/run_cli.h"
#include "../support/temp_dir.h"

namespace cords {
namespace {
namespace fs = std::filesystem;
using test::run_cli;
using test::slurp;

std::string q(const fs::path& p) {
  return "'" + p.string() + "'";
}

nlohmann::json json_of(const fs::path& p) {
  return nlohmann::json::parse(slurp(p));
}

// A shell command's exit code and output (stderr too).
test::CliRun sh(const std::string& cmd) {
  return test::run_cli_sh(cmd + " 2>&1");
}

// What ffprobe says of a file's streams: "codec_type,codec_name,channels" per line.
std::string streams_of(const fs::path& p) {
  return sh("ffprobe -v error -show_entries stream=codec_type,codec_name,channels -of csv=p=0 " + q(p)).out;
}

class Archive : public test::TempDirTest {
 protected:
  // A clip made by ffmpeg from lavfi sources: `video` and `audio` are the -i arguments after "-f lavfi", `codecs`
  // the output options. Fails the test when ffmpeg does.
  fs::path make(const std::string& name, const std::string& video, const std::string& audio,
                const std::string& codecs) {
    const fs::path p = dir / name;
    fs::create_directories(p.parent_path());
    const std::string cmd = "ffmpeg -nostdin -loglevel error -y -f lavfi -i " + video +
                            (audio.empty() ? "" : " -f lavfi -i " + audio) + " " + codecs + " " + q(p);
    const auto r = sh(cmd);
    EXPECT_EQ(r.code, 0) << cmd << "\n" << r.out;
    return p;
  }
  fs::path testsrc(const std::string& name, double seconds,
                   const std::string& codecs = "-c:v libx264 -preset ultrafast", const std::string& size = "320x240",
                   int fps = 25) {
    return make(name, "testsrc2=size=" + size + ":rate=" + std::to_string(fps) + ":duration=" + std::to_string(seconds),
                "", codecs);
  }
  static std::string hist() { return " -q --features histogram"; }
};

// ---- sound and headers: what is decoded, not what the header says ------------------------------------------------

TEST_F(Archive, MonoMp3SoundIsConvertedFromWhatTheDecoderGives) {  // new-user review friction 1 (SIGSEGV)
  for (const std::string rate : {"16000", "44100"}) {
    const fs::path v = make("mono" + rate + ".mp4", "testsrc2=size=320x240:rate=25:duration=4",
                            "sine=frequency=440:sample_rate=" + rate + ":duration=4",
                            "-c:v libx264 -preset ultrafast -c:a libmp3lame -ac 1 -ar " + rate);
    const fs::path out = dir / ("s" + rate);
    const auto r = run_cli(q(v) + " -o " + q(out) + hist());
    ASSERT_EQ(r.code, 0) << r.out;
    // The clip has the input's sound, mono as the input is (the container's header says 2 channels).
    EXPECT_NE(streams_of(out / "summary.mp4").find("aac,audio,1"), std::string::npos)
        << streams_of(out / "summary.mp4");
    EXPECT_EQ(json_of(out / "summary.json")["outputs"]["clip_audio"], "aac");
  }
}

TEST_F(Archive, NonSquarePixelsAreShownAtTheirDisplayAspect) {  // a header property the pictures carry (SAR)
  const fs::path v = testsrc("ntsc-wide.mp4", 2, "-c:v libx264 -preset ultrafast -vf setsar=32/27", "720x480");
  const auto r = run_cli(q(v) + " -o " + q(dir / "s") + hist());
  ASSERT_EQ(r.code, 0) << r.out;
  const auto m = json_of(dir / "s" / "summary.json");
  EXPECT_EQ(m["input"]["width"], 853) << "720 pixels of 32:27 are 853 square ones";
  EXPECT_EQ(m["input"]["height"], 480);
  const std::string size =
      sh("ffprobe -v error -show_entries stream=width -of csv=p=0 " + q(dir / "s" / m["keyframes"][0]["image"])).out;
  EXPECT_EQ(size.substr(0, 3), "853") << size;
}

// ---- degenerate videos get summaries ------------------------------------------------------------------------------

TEST_F(Archive, AOneFrameVideoGivesOneKeyframeAndASubSecondClipIsSampledFrameByFrame) {
  const fs::path one = testsrc("one.mp4", 0.04, "-frames:v 1 -c:v libx264");
  const fs::path third = testsrc("third.mp4", 0.34, "-c:v libx264", "320x240", 30);
  auto r = run_cli(q(one) + " -o " + q(dir / "one") + hist());
  ASSERT_EQ(r.code, 0) << r.out;
  auto m = json_of(dir / "one" / "summary.json");
  EXPECT_EQ(m["keyframes"].size(), 1u);
  EXPECT_EQ(m["sampled_every_frame"], true);
  EXPECT_TRUE(fs::is_regular_file(dir / "one" / m["keyframes"][0]["image"].get<std::string>()));
  r = run_cli(q(third) + " -o " + q(dir / "third") + hist());
  ASSERT_EQ(r.code, 0) << r.out;
  m = json_of(dir / "third" / "summary.json");
  EXPECT_GE(m["sampled_frames"].get<int>(), 10);  // every one of its ~10 frames (at 2/s it would give one sample)
  EXPECT_GE(m["keyframes"].size(), 1u);
  for (const auto& k : m["keyframes"]) EXPECT_LT(k["time"].get<double>(), 0.34);
}

TEST_F(Archive, AnMjpegStreamIsAVideoAndASingleJpegIsNot) {
  const fs::path mjpeg = testsrc("cam.mjpeg", 3, "-c:v mjpeg -f mjpeg");
  const auto r = run_cli(q(mjpeg) + " -o " + q(dir / "cam") + hist() + " --budget 2");
  EXPECT_EQ(r.code, 0) << r.out;
  const fs::path still = testsrc("still.jpg", 0.04, "-frames:v 1");
  fs::copy_file(still, dir / "still.mp4");
  const auto s = run_cli(q(dir / "still.mp4") + " -o " + q(dir / "still") + hist());
  EXPECT_EQ(s.code, 3) << s.out;
  EXPECT_NE(s.out.find("still image"), std::string::npos) << s.out;
}

// D: an ordinary H.264 MPEG-TS whose demuxer lands after the key frame it was asked for (one key frame every 250
// frames; 90 kHz timestamps starting at 1.4 s).
TEST_F(Archive, TransportStreamsAreFoundAgainAtTheDefaultSampling) {  // D
  const fs::path mp4 = testsrc("good2.mp4", 3);
  ASSERT_EQ(sh("ffmpeg -nostdin -loglevel error -y -i " + q(mp4) + " -c copy " + q(dir / "remux.ts")).code, 0);
  const auto r = run_cli(q(dir / "remux.ts") + " -o " + q(dir / "ts") + hist());
  ASSERT_EQ(r.code, 0) << r.out;
  const auto m = json_of(dir / "ts" / "summary.json");
  EXPECT_GE(m["keyframes"].size(), 2u);
  EXPECT_TRUE(m["warnings"].empty()) << m["warnings"];
  for (const auto& k : m["keyframes"]) EXPECT_TRUE(fs::is_regular_file(dir / "ts" / k["image"].get<std::string>()));
}

TEST_F(Archive, RawElementaryStreamsSummarize) {
  for (const std::string f : {"-c:v mpeg1video -bf 2 -f mpeg1video es.m1v", "-c:v libx264 -f h264 es.h264",
                              "-c:v mpeg2video -bf 2 -f mpeg2video es.m2v", "-c:v mpeg4 -f m4v es.m4v"}) {
    const std::string name = f.substr(f.rfind(' ') + 1);
    testsrc(name, 6, f.substr(0, f.rfind(' ')));
    const auto r = run_cli(q(dir / name) + " -o " + q(dir / (name + ".s")) + hist());
    EXPECT_EQ(r.code, 0) << name << ": " << r.out;
  }
}

// ---- C: closed standard descriptors
// ----------------------------------------------------------------------------------

TEST_F(Archive, ClosedStandardDescriptorsAreNotTakenForSignals) {  // C
  const fs::path v = testsrc("v.mp4", 3);
  for (const std::string closed : {"1>&- 2>&-", "<&- 2>&-", "<&- 1>&- 2>&-"}) {
    const fs::path out = dir / ("s" + std::to_string(closed.size()));
    const auto r = test::run_cli_sh(std::string(CORDS_CLI_PATH) + " " + q(v) + " -o " + q(out) +
                                    " --features histogram --no-clip " + closed);
    EXPECT_EQ(r.code, 0) << closed;
    EXPECT_TRUE(fs::is_regular_file(out / "summary.json")) << closed;
  }
}

// ---- E: file names that are not UTF-8
// ---------------------------------------------------------------------------------

TEST_F(Archive, NamesThatAreNotUtf8AreSummarizedAndReported) {  // E
  const fs::path v = testsrc("v.mp4", 3);
  const fs::path latin1 = dir / "in" / "caf\xe9 \xff.mp4";
  fs::create_directories(latin1.parent_path());
  fs::copy_file(v, latin1);
  fs::copy_file(v, dir / "in" / "plain.mp4");
  auto r = run_cli(q(latin1) + " -o " + q(dir / "one") + hist() + " --no-clip");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(slurp(dir / "one" / "summary.json").find("caf\xef\xbf\xbd"), std::string::npos)  // U+FFFD
      << "the name is written with replacement characters";
  r = run_cli(q(dir / "in") + " -o " + q(dir / "batch") + hist() + " --no-clip");
  ASSERT_EQ(r.code, 0) << r.out;
  const auto rep = json_of(dir / "batch" / "report.json");
  ASSERT_EQ(rep["items"].size(), 2u);
  for (const auto& i : rep["items"]) EXPECT_EQ(i["status"], "done") << i;
  EXPECT_TRUE(fs::is_regular_file(dir / "batch" / "index.html"));
}

// ---- one video never takes down the others
// ---------------------------------------------------------------------------

// The batch's worker processes (children of `batch` whose command line says --batch-worker).
std::vector<pid_t> workers_of(pid_t batch) {
  std::vector<pid_t> found;
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string pid = e.path().filename().string();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    const std::string stat = slurp(e.path() / "stat"), cmd = slurp(e.path() / "cmdline");
    const auto close = stat.rfind(')');
    if (close == std::string::npos || cmd.find("--batch-worker") == std::string::npos) continue;
    if (std::stol(stat.substr(close + 4)) == batch) found.push_back(static_cast<pid_t>(std::stol(pid)));
  }
  return found;
}

// Runs a batch over `in`, and once its worker is busy, sends it `sig`; returns the batch's exit code.
int batch_with_a_fault(const fs::path& in, const fs::path& out, int sig, const std::string& extra) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    const std::string cmd = std::string(CORDS_CLI_PATH) + " " + q(in) + " -o " + q(out) +
                            " -q --features histogram --no-keyframes " + extra + " >/dev/null 2>&1";
    ::execl("/bin/sh", "sh", "-c", ("exec " + cmd).c_str(), nullptr);
    ::_exit(127);
  }
  std::vector<pid_t> w;
  for (int i = 0; i < 3000 && w.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    w = workers_of(pid);
  }
  EXPECT_EQ(w.size(), 1u) << "one worker for --jobs 1";
  std::this_thread::sleep_for(std::chrono::milliseconds(600));  // into its first video (the model is loaded)
  for (pid_t p : w) ::kill(p, sig);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST_F(Archive, ACrashOrAHangCostsOneVideoAndTheBatchGoesOn) {
  fs::create_directories(dir / "in");
  // "a" first (path order) and long enough to be in progress when the worker is hit; "b" and "c" after it.
  make("in/a.mp4", "testsrc2=size=1280x720:rate=25:duration=40", "", "-c:v libx264 -preset ultrafast");
  testsrc("in/b.mp4", 2);
  testsrc("in/c.mp4", 2);
  struct Fault {
    int sig;
    std::string extra, cause, words;
  };
  // (Under AddressSanitizer a SIGSEGV ends the worker with exit code 1 after the sanitizer's report: the message then
  // names that exit code instead of the signal.)
  // A SIGKILL from outside is what the kernel's out-of-memory killer sends.
  for (const Fault& f : {Fault{SIGSEGV, "", "crash", "worker process ended while summarizing it"},
                         Fault{SIGSTOP, "--video-timeout 1", "timeout", "no progress"},
                         Fault{SIGKILL, "", "out-of-memory", "out-of-memory killer"}}) {
    const fs::path out = dir / ("out-" + f.cause);
    EXPECT_EQ(batch_with_a_fault(dir / "in", out, f.sig, f.extra), 6) << f.cause;
    const auto rep = json_of(out / "report.json");
    ASSERT_EQ(rep["items"].size(), 3u);
    EXPECT_EQ(rep["items"][0]["status"], "failed") << rep["items"][0];
    EXPECT_EQ(rep["items"][0]["cause"], f.cause);
    EXPECT_NE(rep["items"][0]["error"].get<std::string>().find(f.words), std::string::npos) << rep["items"][0];
    for (int i : {1, 2}) EXPECT_EQ(rep["items"][i]["status"], "done") << rep["items"][i];
    EXPECT_TRUE(fs::is_regular_file(out / "index.html"));
    for (const auto& e : fs::directory_iterator(out))  // the killed worker's temporary folder is gone too
      EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << e.path();
  }
}

TEST_F(Archive, ResumingWithOtherOptionsMakesThoseSummariesAgain) {
  testsrc("in/a.mp4", 2);
  testsrc("in/b.mp4", 2);
  const std::string batch = q(dir / "in") + " -o " + q(dir / "out") + hist() + " --no-clip";
  ASSERT_EQ(run_cli(batch).code, 0);
  const auto first = json_of(dir / "out" / "a.summary" / "summary.json");
  EXPECT_EQ(first["options"]["clip_seconds"], 1.0);
  ASSERT_EQ(run_cli(batch).code, 0);
  const auto report1 = json_of(dir / "out" / "report.json");
  for (const auto& i : report1["items"]) EXPECT_EQ(i["status"], "skipped");
  const auto r = run_cli(batch + " --budget 2");
  ASSERT_EQ(r.code, 0) << r.out;
  const auto report2 = json_of(dir / "out" / "report.json");
  for (const auto& i : report2["items"]) {
    EXPECT_EQ(i["status"], "done");
    EXPECT_NE(i["warnings"].dump().find("made again"), std::string::npos) << i;
  }
  EXPECT_EQ(json_of(dir / "out" / "a.summary" / "summary.json")["keyframes"].size(), 2u);
}

// ---- A: train never replaces a user's files
// ---------------------------------------------------------------------------

TEST_F(Archive, TrainRefusesFoldersWhoseFilesMerelyHaveItsNames) {  // A
#ifndef CORDS_TEST_HAVE_TRAIN
  GTEST_SKIP() << "this build has no train command";
#endif
  const std::string train =
      "train --dataset fashion-mnist --limit 300 --strategy random --fraction 0.2 --epochs 1 "
      "--model linear -q -o ";
  // TensorBoard's runs/ beside a plot of the user's; a metrics.json of the user's; a run folder of the user's.
  fs::create_directories(dir / "proj" / "runs" / "Dec07_tb");
  std::ofstream(dir / "proj" / "runs" / "Dec07_tb" / "events.out.tfevents.1") << "events";
  std::ofstream(dir / "proj" / "accuracy.png") << "MY PLOT";
  fs::create_directories(dir / "proj2");
  std::ofstream(dir / "proj2" / "metrics.json") << R"({"my": "own metrics"})";
  std::ofstream(dir / "proj2" / "accuracy.png") << "MY PLOT";
  fs::create_directories(dir / "cmp" / "random-seed0");
  std::ofstream(dir / "cmp" / "random-seed0" / "notes.txt") << "mine";
  fs::create_directories(dir / "elsewhere");
  fs::create_directories(dir / "linked");
  fs::create_directory_symlink(dir / "elsewhere", dir / "linked" / "runs");
  for (const std::string out : {"proj", "proj2", "cmp", "linked"}) {
    const auto r = run_cli(train + q(dir / out));
    EXPECT_EQ(r.code, 5) << out << ": " << r.out;
  }
  EXPECT_EQ(slurp(dir / "proj" / "accuracy.png"), "MY PLOT");
  EXPECT_EQ(slurp(dir / "proj2" / "metrics.json"), R"({"my": "own metrics"})");
  EXPECT_TRUE(fs::is_empty(dir / "elsewhere"));
  EXPECT_EQ(run_cli("train --plot -o " + q(dir / "proj2")).code, 5);
  EXPECT_EQ(slurp(dir / "proj2" / "accuracy.png"), "MY PLOT");
  // The tool's own earlier run is taken again.
  ASSERT_EQ(run_cli(train + q(dir / "mine")).code, 0);
  EXPECT_EQ(json_of(dir / "mine" / "metrics.json")["tool"], "cords-summarize");
  EXPECT_EQ(run_cli(train + q(dir / "mine")).code, 0);
}

// ---- B: a marked leftover with user files in it keeps them
// ------------------------------------------------------------

TEST_F(Archive, LeftoverCleanupRemovesOnlyWhatTheToolWrites) {  // B
  const fs::path v = testsrc("v.mp4", 3);
  const fs::path victim = dir / "victim.tmp-999999999";
  fs::create_directories(victim / "sub");
  std::ofstream(victim / ".cords-summarize-partial") << "";
  std::ofstream(victim / "thesis.txt") << "my thesis";
  std::ofstream(victim / "sub" / "data.txt") << "y";
  std::ofstream(victim / "sheet.jpg") << "partial";
  fs::create_directories(victim / "keyframes");
  std::ofstream(victim / "keyframes" / "00-01.000_f25.jpg") << "partial";
  std::ofstream(victim / "keyframes" / "holiday.jpg") << "mine";
  const auto r = run_cli(q(v) + " -o " + q(dir / "victim") + hist() + " --no-clip");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(slurp(victim / "thesis.txt"), "my thesis");
  EXPECT_EQ(slurp(victim / "sub" / "data.txt"), "y");
  EXPECT_EQ(slurp(victim / "keyframes" / "holiday.jpg"), "mine");
  EXPECT_FALSE(fs::exists(victim / "sheet.jpg")) << "the tool's partial file goes";
  EXPECT_FALSE(fs::exists(victim / "keyframes" / "00-01.000_f25.jpg"));
}

// ---- H, I: names that look like protocols, playlists that name files elsewhere
// ----------------------------------------

TEST_F(Archive, NamesThatLookLikeProtocolsAreFiles) {  // H
  const fs::path three = testsrc("three.mp4", 3), four = testsrc("four.mp4", 4);
  fs::copy_file(three, dir / "file:y.mp4");
  fs::copy_file(four, dir / "y.mp4");
  fs::copy_file(three, dir / "my:clip.mp4");
  for (const std::string name : {"file:y.mp4", "my:clip.mp4"}) {
    const auto r = test::run_cli_sh("cd " + q(dir) + " && " + CORDS_CLI_PATH + " '" + name + "' -o out" +
                                    std::to_string(name.size()) + hist() + " 2>&1");
    ASSERT_EQ(r.code, 0) << name << ": " << r.out;
    EXPECT_DOUBLE_EQ(json_of(dir / ("out" + std::to_string(name.size())) / "summary.json")["input"]["duration"], 3.0)
        << name << " is the 3 s file, not y.mp4 (4 s)";
  }
  fs::create_directories(dir / "my:out");  // an output folder named like a protocol: the clip goes there
  const auto r = run_cli(q(three) + " -o " + q(dir / "my:out" / "s") + hist());
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(fs::is_regular_file(dir / "my:out" / "s" / "summary.mp4"));
}

TEST_F(Archive, APlaylistReadsOnlyFilesInItsOwnFolder) {  // I
  testsrc("media/b.ts", 3, "-c:v libx264 -preset ultrafast -f mpegts");
  testsrc("pl/own.ts", 3, "-c:v libx264 -preset ultrafast -f mpegts");
  const auto playlist = [&](const std::string& name, const std::string& segment) {
    std::ofstream(dir / "pl" / name) << "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:3.0,\n"
                                     << segment << "\n#EXT-X-ENDLIST\n";
    return dir / "pl" / name;
  };
  for (const auto& [name, segment] :
       std::vector<std::pair<std::string, std::string>>{{"abs.m3u8", (dir / "media" / "b.ts").string()},
                                                        {"dotdot.m3u8", "../media/b.ts"},
                                                        {"url.m3u8", "file://" + (dir / "media" / "b.ts").string()}}) {
    const auto r = run_cli(q(playlist(name, segment)) + " -o " + q(dir / name) + hist());
    EXPECT_EQ(r.code, 3) << name << ": " << r.out;
    EXPECT_NE(r.out.find("playlist's own folder"), std::string::npos) << r.out;
    EXPECT_FALSE(fs::exists(dir / name));
  }
  const auto r = run_cli(q(playlist("good.m3u8", "own.ts")) + " -o " + q(dir / "good") + hist());
  EXPECT_EQ(r.code, 0) << r.out;
}

// ---- J, K: data that select would have misread ---------------------------------------------------------------------

void write_npy(const fs::path& p, int rows, int cols, const std::function<float(int, int)>& value) {
  std::string h = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + std::to_string(rows) + ", " +
                  std::to_string(cols) + "), }";
  while ((10 + h.size() + 1) % 64) h += ' ';
  h += '\n';
  std::string out = std::string("\x93NUMPY\x01\x00", 8);
  out += static_cast<char>(h.size() & 0xff);
  out += static_cast<char>(h.size() >> 8);
  out += h;
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j) {
      const float v = value(i, j);
      out.append(reinterpret_cast<const char*>(&v), 4);
    }
  std::ofstream(p, std::ios::binary) << out;
}

TEST_F(Archive, SimilaritiesThatOverflowOrVanishAreRefused) {  // J
  const auto noise = [](int i, int j) { return static_cast<float>(((i * 37 + j * 11) % 17) - 8) / 8.0f; };
  const struct {
    std::string name, metric;
    std::function<float(int, int)> value;
  } cases[] = {
      {"subnormal", "cosine", [](int, int) { return 1e-45f; }},
      {"huge-dot", "dot", [&](int i, int j) { return noise(i, j) * 3e38f; }},
      {"huge-euclidean", "euclidean", [&](int i, int j) { return noise(i, j) * (i % 2 ? 1e30f : 1e-30f); }},
      {"tiny-euclidean", "euclidean", [&](int i, int j) { return noise(i, j) * 1e-30f; }},
  };
  for (const auto& c : cases) {
    write_npy(dir / (c.name + ".npy"), 50, 8, c.value);
    const auto r = run_cli("select -q --features " + q(dir / (c.name + ".npy")) + " --budget 3 --metric " + c.metric);
    EXPECT_EQ(r.code, 2) << c.name << ": " << r.out;
    EXPECT_NE(r.out.find("scale the features"), std::string::npos) << c.name << ": " << r.out;
  }
  write_npy(dir / "fine.npy", 50, 8, noise);
  EXPECT_EQ(run_cli("select -q --features " + q(dir / "fine.npy") + " --budget 3 --metric euclidean").code, 0);
}

TEST_F(Archive, ACsvHasOneSeparatorAndSemicolonFilesMayUseDecimalCommas) {  // K
  std::ofstream(dir / "eu.csv") << "a;b\n1,5;2,5\n3,0;0,25\n2;7\n";
  auto r = run_cli("select -q --features " + q(dir / "eu.csv") + " --budget 1");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(nlohmann::json::parse(r.out)["input"]["d"], 2) << "1,5;2,5 is two values";
  std::ofstream(dir / "mixed.csv") << "1,2\n3;4\n";
  r = run_cli("select -q --features " + q(dir / "mixed.csv") + " --budget 1");
  EXPECT_EQ(r.code, 3) << r.out;
  EXPECT_NE(r.out.find("line 2"), std::string::npos) << r.out;
  std::ofstream(dir / "hex.csv") << "1,2\n0x1p3,4\n";
  EXPECT_EQ(run_cli("select -q --features " + q(dir / "hex.csv") + " --budget 1").code, 3);
}

// ---- F, G, Low 4: merging shard reports ----------------------------------------------------------------------------

TEST_F(Archive, ReportsAreReadFromAnyFolderAndAMissingShardIsNoticed) {  // F, G, Low 4
  for (const char* n : {"v1", "v2", "v3", "v4"}) testsrc(std::string("b/in/") + n + ".mp4", 1);
  for (int i = 0; i < 2; ++i) {
    const auto r = test::run_cli_sh("cd " + q(dir / "b") + " && " + CORDS_CLI_PATH + " in -o sh --shard " +
                                    std::to_string(i) + "/2 --features histogram --no-clip -q 2>&1");
    ASSERT_EQ(r.code, 0) << r.out;
  }
  // From another folder, and after the folder was copied elsewhere: every card has its sheet.
  fs::copy(dir / "b" / "sh", dir / "moved", fs::copy_options::recursive);
  for (const fs::path& out : {dir / "b" / "sh", dir / "moved"}) {
    const auto r = test::run_cli_sh("cd / && " + std::string(CORDS_CLI_PATH) + " report " + q(out) + " -q 2>&1");
    ASSERT_EQ(r.code, 0) << r.out;
    const std::string html = slurp(out / "index.html");
    EXPECT_EQ(html.find("no contact sheet"), std::string::npos) << out;
    const auto report3 = json_of(out / "report.json");
    for (const auto& i : report3["items"]) {
      EXPECT_EQ(i["status"], "done");
      EXPECT_FALSE(fs::path(i["output"].get<std::string>()).is_absolute()) << i;
    }
  }
  // A shard missing: the merge says so and exits 6.
  fs::remove(dir / "moved" / "report-shard-1-of-2.json");
  auto r = run_cli("report " + q(dir / "moved"));
  EXPECT_EQ(r.code, 6) << r.out;
  EXPECT_NE(r.out.find("1/2"), std::string::npos) << r.out;
  // A crafted shard naming a folder outside OUT, or a done video whose folder is gone.
  std::string text = slurp(dir / "moved" / "report-shard-0-of-2.json");
  fs::copy_file(dir / "b" / "sh" / "report-shard-1-of-2.json", dir / "moved" / "report-shard-1-of-2.json");
  const std::string good = text;
  const auto at = text.find("\"output\": \"") + 11;
  text.replace(at, text.find('"', at) - at, "../../../etc");
  std::ofstream(dir / "moved" / "report-shard-0-of-2.json") << text;
  r = run_cli("report " + q(dir / "moved"));
  EXPECT_EQ(r.code, 3) << r.out;
  std::ofstream(dir / "moved" / "report-shard-0-of-2.json") << good;
  fs::remove_all(dir / "moved" /
                 json_of(dir / "moved" / "report-shard-0-of-2.json")["items"][0]["output"].get<std::string>());
  r = run_cli("report " + q(dir / "moved"));
  EXPECT_EQ(r.code, 6) << r.out;
}

// ---- the review's low-severity findings ---------------------------------------------------------------------------

TEST_F(Archive, OutputFoldersWithATrailingSlashOrDotAreReplacedFromBeside) {  // Low 1
  const fs::path v = testsrc("v.mp4", 2);
  const std::string o = hist() + " --no-clip -o ";
  ASSERT_EQ(run_cli(q(v) + o + q(dir / "new") + "/").code, 0);
  auto r = run_cli(q(v) + o + q(dir / "new") + "/ --force");
  EXPECT_EQ(r.code, 0) << r.out;
  r = test::run_cli_sh("cd " + q(dir / "new") + " && " + CORDS_CLI_PATH + " ../v.mp4" + o + ". --force 2>&1");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(fs::is_regular_file(dir / "new" / "summary.json"));
  for (const auto& e : fs::directory_iterator(dir)) EXPECT_EQ(e.path().string().find(".tmp-"), std::string::npos);
}

TEST_F(Archive, ForceTrustsOnlyTheToolsOwnManifests) {  // Low 2
  const fs::path v = testsrc("v.mp4", 2);
  fs::create_directories(dir / "other");
  std::ofstream(dir / "other" / "summary.json")
      << R"({"input":{},"parameters":{},"keyframes":[],"outputs":{"sheet":"thesis.pdf"}})";
  std::ofstream(dir / "other" / "thesis.pdf") << "mine";
  fs::create_directories(dir / "tagged");
  std::ofstream(dir / "tagged" / "summary.json")
      << R"({"tool":"cords-summarize","keyframes":[],"outputs":{"b":"precious.doc"}})";
  std::ofstream(dir / "tagged" / "precious.doc") << "mine";
  for (const std::string out : {"other", "tagged"}) {
    const auto r = run_cli(q(v) + hist() + " --no-clip --force -o " + q(dir / out));
    EXPECT_EQ(r.code, 5) << out << ": " << r.out;
  }
  EXPECT_EQ(slurp(dir / "other" / "thesis.pdf"), "mine");
  EXPECT_EQ(slurp(dir / "tagged" / "precious.doc"), "mine");
}

TEST_F(Archive, BatchNamesThatCollideWithItsOwnFilesFailAloneAndLinksToNothingAreReported) {  // Low 3
  testsrc("in/report.json/v.mp4", 1);
  testsrc("in/ok.mp4", 1);
  fs::create_symlink(dir / "gone.mp4", dir / "in" / "dangling.mp4");
  const std::string common = hist() + " --no-clip -o ";
  auto r = run_cli(q(dir / "in") + common + q(dir / "out"));
  EXPECT_EQ(r.code, 6) << r.out;
  const auto rep = json_of(dir / "out" / "report.json");
  std::map<std::string, std::string> status;
  for (const auto& i : rep["items"]) status[i["relative"]] = i["status"];
  EXPECT_EQ(status["ok.mp4"], "done");
  EXPECT_EQ(status["report.json/v.mp4"], "failed");
  EXPECT_EQ(status["dangling.mp4"], "failed");
  EXPECT_TRUE(fs::is_regular_file(dir / "out" / "report.json"));
  // The same file named three ways: summarized once.
  r = run_cli(q(dir / "in" / "ok.mp4") + " " + q(dir / "in" / "ok.mp4") + " " + q(dir / "in" / "." / "ok.mp4") +
              common + q(dir / "twice"));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(json_of(dir / "twice" / "report.json")["items"].size(), 1u);
  // Locks only inside OUT.
  fs::create_directories(dir / "linked");
  fs::create_directories(dir / "elsewhere");
  fs::create_directory_symlink(dir / "elsewhere", dir / "linked" / ".locks");
  r = run_cli(q(dir / "in" / "ok.mp4") + " " + q(dir / "in" / "ok.mp4") + common + q(dir / "linked"));
  EXPECT_EQ(r.code, 5) << r.out;
  EXPECT_TRUE(fs::is_empty(dir / "elsewhere"));
}

TEST_F(Archive, ASecondLongerVideoStreamIsNotTakenForTruncation) {  // Low 8
  const fs::path a = testsrc("a.mp4", 3), b = testsrc("b.mp4", 4);
  ASSERT_EQ(sh("ffmpeg -nostdin -loglevel error -y -i " + q(a) + " -i " + q(b) + " -map 0 -map 1 -c copy " +
               q(dir / "two.mp4"))
                .code,
            0);
  const auto r = run_cli(q(dir / "two.mp4") + " -o " + q(dir / "s") + hist());
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(json_of(dir / "s" / "summary.json")["warnings"].empty())
      << json_of(dir / "s" / "summary.json")["warnings"];
}

TEST_F(Archive, MessagesSayWhatIsWrongInAFewWords) {  // Low 10
  std::ofstream(dir / "big.csv") << "1,2\n1e300,4\n";
  auto r = run_cli("select -q --features " + q(dir / "big.csv") + " --budget 1");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("1e+300"), std::string::npos) << r.out;
  EXPECT_LT(r.out.size(), 300u) << r.out;
  std::ofstream(dir / "x.csv") << "1,2\n3,4\n5,6\n";
  std::ofstream(dir / "g.csv") << "0\n0.5\n1\n";
  r = run_cli("select -q --features " + q(dir / "x.csv") + " --budget 2 --groups " + q(dir / "g.csv"));
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("0.5 at position 1"), std::string::npos) << r.out;
  std::string h = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1), 'shape': (2, 1), }";
  while ((10 + h.size() + 1) % 64) h += ' ';
  std::string npy = std::string("\x93NUMPY\x01\x00", 8) + static_cast<char>(h.size() + 1) + '\0' + h + '\n';
  npy.append(8, '\0');
  std::ofstream(dir / "twice.npy", std::ios::binary) << npy;
  r = run_cli("select -q --features " + q(dir / "twice.npy") + " --budget 1");
  EXPECT_EQ(r.code, 3) << r.out;
  EXPECT_NE(r.out.find("twice"), std::string::npos) << r.out;
  std::ofstream(dir / "u16.csv", std::ios::binary) << std::string(
      "\xff\xfe"
      "1\0,\0"
      "2\0\n\0",
      10);
  r = run_cli("select -q --features " + q(dir / "u16.csv") + " --budget 1");
  EXPECT_EQ(r.code, 3) << r.out;
  EXPECT_NE(r.out.find("UTF-16"), std::string::npos) << r.out;
  std::string y4m = "YUV4MPEG2 W100000 H100000 F25:1 Ip A1:1 C420jpeg\nFRAME\n";
  y4m.append(1000, '\0');
  std::ofstream(dir / "big.y4m", std::ios::binary) << y4m;
  r = run_cli(q(dir / "big.y4m") + " -o " + q(dir / "big") + hist());
  EXPECT_EQ(r.code, 3) << r.out;
  EXPECT_EQ(r.out.find("busy"), std::string::npos) << r.out;
  write_npy(dir / "sim.npy", 20, 8, [](int i, int j) { return static_cast<float>((i + j) % 5); });
  write_npy(dir / "rep.npy", 8, 3, [](int i, int j) { return static_cast<float>(i * j % 4); });
  r = run_cli("select -q --features " + q(dir / "sim.npy") + " --metric precomputed --represented " +
              q(dir / "rep.npy") + " --budget 2");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_NE(r.out.find("pass the n x m similarity"), std::string::npos) << r.out;
  const fs::path v = testsrc("v.mp4", 2);
  r = run_cli(q(v) + " --start 1e308 -o " + q(dir / "late") + hist());
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_EQ(r.out.find("-12:"), std::string::npos) << r.out;
}

TEST_F(Archive, TrainSaysWhenItDivergedAndWhenTrainAndTestDiffer) {  // Low 5, Low 6
#ifndef CORDS_TEST_HAVE_TRAIN
  GTEST_SKIP() << "this build has no train command";
#endif
  auto r = run_cli(
      "train --dataset fashion-mnist --limit 300 --strategy random --fraction 0.2 --epochs 1 --model linear "
      "--lr 1e30 -o " +
      q(dir / "hot"));
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("diverged"), std::string::npos) << r.out;
  EXPECT_EQ(json_of(dir / "hot" / "metrics.json")["diverged"], true);
  // IDX train images of 1x1 beside test images of 28x28.
  const auto idx = [&](const std::string& name, std::vector<std::uint32_t> dims, std::size_t bytes) {
    std::string s = {0, 0, 8, static_cast<char>(dims.size())};
    for (std::uint32_t d : dims)
      for (int k = 3; k >= 0; --k) s += static_cast<char>((d >> (8 * k)) & 0xff);
    s.append(bytes, '\1');
    std::ofstream(dir / "idx" / name, std::ios::binary) << s;
  };
  fs::create_directories(dir / "idx");
  idx("train-images-idx3-ubyte", {20, 1, 1}, 20);
  idx("train-labels-idx1-ubyte", {20}, 0);
  std::ofstream(dir / "idx" / "train-labels-idx1-ubyte", std::ios::app | std::ios::binary)
      << std::string("\0\1\0\1\0\1\0\1\0\1\0\1\0\1\0\1\0\1\0\1", 20);
  idx("t10k-images-idx3-ubyte", {10, 28, 28}, 10 * 28 * 28);
  idx("t10k-labels-idx1-ubyte", {10}, 0);
  std::ofstream(dir / "idx" / "t10k-labels-idx1-ubyte", std::ios::app | std::ios::binary)
      << std::string("\0\1\0\1\0\1\0\1\0\1", 10);
  r = run_cli("train --dataset mnist --data-dir " + q(dir / "idx") + " --epochs 1 --model linear -o " + q(dir / "t"));
  EXPECT_EQ(r.code, 3) << r.out;
  EXPECT_NE(r.out.find("1x1x1"), std::string::npos) << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
}

}  // namespace
}  // namespace cords
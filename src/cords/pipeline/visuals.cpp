#include "cords/pipeline/visuals.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <filesystem>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "cords/core/error.h"
#include "cords/core/text.h"
#include "cords/decode/audio_reader.h"
#include "cords/decode/frame_source.h"
#include "cords/output/clip_pacer.h"
#include "cords/output/writers.h"
#include "cords/pipeline/clip_plan.h"
#include "cords/pipeline/preview.h"
#include "cords/pipeline/sampling.h"

namespace cords::pipeline {
namespace fs = std::filesystem;
namespace {

// Pass 2: full-resolution frames at the keyframes, and the clip segments around them.
// Pass 2: the keyframe images, the contact sheet and the clip, written into `dir`. One object per summary; its
// steps in the order run() takes them.
class VisualsWriter {
 public:
  VisualsWriter(const SummarizeConfig& cfg, SummaryResult& res, const std::string& dir, const ProgressFn& progress)
      : cfg_(cfg),
        res_(res),
        info_(res.info),
        dir_(dir),
        progress_(progress),
        sheet_(cfg.write_sheet && output::contact_sheet_available()) {}

  void run() {
    if (!cfg_.write_keyframes && !sheet_ && !cfg_.write_clip) return;
    // The clip's sound: for each window, the input's audio from its first frame's time for as long as its pictures
    // last, so that sound and pictures start together at every joint.
    const bool clip_sound = cfg_.write_clip && cfg_.clip_audio;
    if (!info_.audio_codec.empty() && (clip_sound || sheet_)) open_audio();
    if (!clip_sound) audio_.reset();
    sound_ = {audio_ ? audio_->sample_rate() : 0, audio_ ? audio_->channels() : 0};
    encode_clip_ = cfg_.write_clip && !try_copy_clip();
    if (encode_clip_) res_.clip_segments.clear();               // (a copy that gave up part-way)
    if (encode_clip_ && cfg_.keyframes_only && cfg_.clip_copy)  // --fast asked for a copy: say why it is encoded
      res_.notes.push_back(
          "the clip was encoded, not copied: " +
          (res_.fast_fallback ? std::string("its frames were decoded (too few key frames)") : copy_refusal_));
    if (!cfg_.write_keyframes && !sheet_ && !encode_clip_) return;
    if (!encode_clip_) audio_.reset();
    set_up_sheet();
    const auto source = open_source(cfg_, decode_options());
    decode::FrameSource& src = *source;
    if (encode_clip_) open_clip();
    if (encode_clip_ && cfg_.write_preview)
      preview_ = std::make_unique<PreviewWriter>(dir_, clip_width(), clip_height(), res_.notes);
    // Fast mode without a clip to encode: each keyframe is a key frame, decoded alone (nothing before or after it).
    single_key_frames_ = cfg_.keyframes_only && !res_.fast_fallback && !encode_clip_;
    if (single_key_frames_) decode_key_frames_in_parallel();
    for (const auto& w : windows()) decode_window(src, w);
    drop_lost_keyframes();
    if (clip_) {
      if (pacer_->slots() == 0)
        throw input_unreadable("cannot read video '" + cfg_.input +
                               "': no frame of the summary clip could be decoded (broken timestamps?)");
      pacer_->finish();
      clip_->close();
    }
    if (preview_) res_.preview_files = preview_->close();
    if (sheet_) write_sheet();
  }

 private:
  // The sound as decoded: what the sheet's header says of it comes from its first frame, not from the container's
  // header (which may say 2 channels for mono MP3 in MP4).
  void open_audio() {
    audio_ = decode::AudioReader::open(cfg_.input);
    res_.info.audio_channels = audio_ ? audio_->facts().channels : 0;
    if (audio_) res_.info.audio_codec = audio_->facts().codec;
  }

  // Fast mode: the keyframes are the input's key frames, so each clip segment can start at one and be copied packet
  // for packet (no decoding or encoding at all); the sound is encoded again segment by segment. False when the
  // container cannot hold the codec or the input's timestamps do not allow a copy: the clip is then encoded.
  bool try_copy_clip() {
    if (!(cfg_.write_clip && cfg_.keyframes_only && !res_.fast_fallback && cfg_.clip_copy)) return false;
    auto copier =
        output::ClipCopier::open(cfg_.input, (fs::path(dir_) / cfg_.clip_name).string(), audio_ ? &sound_ : nullptr);
    copy_refusal_ = "the clip's container cannot hold the input's codec (" + info_.codec + ")";
    if (!copier) return false;
    copy_refusal_ = "the input's timestamps do not allow a copy";
    std::int64_t written = 0;  // sample frames of sound so far
    for (const auto& w : merged_windows(res_.keyframes, 0.0, res_.clip_plan.window_s, nullptr, true)) {
      output::ClipCopier::CopiedSpan span;
      if (!copier->append(w.start_seconds(), w.end_seconds(), &span)) return false;
      if (span.until > span.from) res_.clip_segments.push_back({span.from - info_.start, span.until - info_.start});
      if (!audio_ || span.until <= span.from) continue;
      // Silence where the pictures left a gap, then the segment's own sound for exactly as long as its pictures.
      const double rate = audio_->sample_rate();
      const std::int64_t at = std::llround(span.at * rate),
                         until = std::llround((span.at + span.until - span.from) * rate);
      if (at > written) {
        copier->write_audio(std::vector<float>(
            static_cast<std::size_t>(at - written) * static_cast<std::size_t>(sound_.channels), 0.0f));
        written = at;
      }
      if (until > written)
        copier->write_audio(audio_->read(span.from + static_cast<double>(written - at) / rate, until - written));
      written = std::max(written, until);
    }
    if (copier->packets() == 0) return false;
    copier->close();
    res_.clip_codec = copier->codec();
    res_.clip_audio = copier->audio_codec();
    res_.clip_mode = "copy";
    return true;
  }

  // The clip's size: at most clip_max_height lines, the input's aspect ratio, even sides (4:2:0).
  int clip_height() const { return std::max(2, std::min(info_.height, cfg_.clip_max_height)) / 2 * 2; }
  int clip_width() const {
    return std::max(2, static_cast<int>(std::lround(1.0 * info_.width * clip_height() / info_.height))) / 2 * 2;
  }

  // Whether a frame shown at `pts` is the current window's next keyframe (or the first frame after it, if it was
  // lost).
  bool reaches_next_key(std::int64_t pts) const {
    return window_ && next_key_ < window_->keys.size() && pts >= res_.keyframes[window_->keys[next_key_]].ts.pts;
  }

  // Every frame; clip frames converted straight to the clip's size in YUV, the keyframes themselves (the first frame
  // at or after each keyframe's pts: the keyframe, or the one after it if it was lost) at full size in RGB.
  decode::DecodeOptions decode_options() const {
    decode::DecodeOptions o;
    o.sample_fps = 0;
    o.threads = cfg_.threads;
    o.hwaccel = cfg_.hwaccel;
    if (encode_clip_) {
      o.out_width = clip_width();
      o.out_height = clip_height();
      o.yuv420 = true;
      o.native_size_for = [this](const Timestamp& ts) { return reaches_next_key(ts.pts); };
    }
    return o;
  }

  void open_clip() {
    clip_ = std::make_unique<output::ClipWriter>((fs::path(dir_) / cfg_.clip_name).string(), info_.frame_rate,
                                                 clip_width(), clip_height(), audio_ ? &sound_ : nullptr);
    res_.clip_codec = clip_->codec();
    res_.clip_audio = clip_->audio_codec();
    res_.clip_mode = "encode";
    const Rational rate = info_.frame_rate.valid() ? info_.frame_rate : Rational{25, 1};  // (frame_seconds' rule)
    pacer_ = std::make_unique<output::ClipPacer>(
        *clip_, rate, info_.time_base, static_cast<int>(std::lround(cfg_.clip_crossfade / frame_seconds(info_))),
        sound_.sample_rate, sound_.channels);
  }

  // The window's sound: from `from`, as long as the pictures written so far last in all.
  void add_sound(double from, std::int64_t pictures_before, std::int64_t pictures) {
    if (!audio_ || pictures <= 0) return;
    const std::int64_t until =
        std::llround(static_cast<double>(pictures_before + pictures) * audio_->sample_rate() * frame_seconds(info_));
    pacer_->sound(audio_->read(from, until - samples_written_));
    samples_written_ = until;
  }

  // Windows centred on the keyframes (in fast mode the keyframes are key frames, and a window that starts at one
  // needs no decoding before it); without a clip to encode, each keyframe is a point. Frame-exact shots keep each
  // stretch inside its keyframe's shot (stream seconds; the next shot's first frame out), --start/--end inside the
  // stretch summarized.
  std::vector<Window> windows() const {
    if (!encode_clip_) return merged_windows(res_.keyframes, 0.0, 0.0);
    const double window = res_.clip_plan.window_s;
    const double before = cfg_.keyframes_only ? 0.0 : window / 2, after = window - before;
    std::vector<std::pair<double, double>> bounds;
    const double half_frame = 0.5 * frame_seconds(info_);
    if (res_.shot_detection ==
        ShotDetection::Frames) {  // from the exported spans (--end clamps the last one), by sample shot
      bounds.resize(res_.shots.size());
      for (const auto& span : res_.shot_spans)
        if (span.sample_shot >= 0)
          bounds[static_cast<std::size_t>(span.sample_shot)] = {info_.start + span.start,
                                                                info_.start + span.end - half_frame};
    } else if (cfg_.start_seconds > 0 || cfg_.end_seconds > 0) {
      const double lo = info_.start + cfg_.start_seconds, hi = cfg_.end_seconds > 0
                                                                   ? info_.start + cfg_.end_seconds - half_frame
                                                                   : std::numeric_limits<double>::infinity();
      for (std::size_t i = 0; i < res_.shots.size(); ++i) bounds.emplace_back(lo, hi);
    }
    return merged_windows(res_.keyframes, before, after, bounds.empty() ? nullptr : &bounds);
  }

  // Each keyframe image is written as soon as it is decoded; the sheet keeps only a thumbnail of it, so memory does
  // not grow with the keyframes' resolution (an hour of 4K holds 360 keyframes of 24.9 MB at full size).
  void set_up_sheet() {
    sheet_opts_.columns = cfg_.sheet_columns;
    if (cfg_.sheet_width > 0) {  // tiles and gaps (8 pixels, SheetOptions) fill the width asked for
      const int n = static_cast<int>(res_.keyframes.size());
      const int cols =
          std::max(2, cfg_.sheet_columns > 0 ? cfg_.sheet_columns
                                             : std::max(1, static_cast<int>(std::ceil(std::sqrt(n * 1.0)))));
      sheet_opts_.tile_width = std::max(32, (cfg_.sheet_width - 8) / cols - 8);
    }
    thumbs_.assign(res_.keyframes.size(), Image{});
    have_.assign(res_.keyframes.size(), 0);
    // Not create_directories: after an interruption has removed the temporary folder, nothing may make it again.
    if (cfg_.write_keyframes) fs::create_directory(fs::path(dir_) / "keyframes");
  }

  // Keyframe `key`'s image: written, thumbnailed for the sheet, counted. Safe to call from several threads for
  // different keys.
  void keep(std::size_t key, const Image& image) {
    if (cfg_.write_keyframes) output::write_image((fs::path(dir_) / res_.keyframes[key].image).string(), image);
    if (sheet_) thumbs_[key] = output::thumbnail(image, 2 * sheet_opts_.tile_width);
    have_[key] = 1;
    std::lock_guard<std::mutex> lock(progress_mutex_);
    ++done_;
    if (progress_)
      progress_("write", static_cast<std::int64_t>(done_), static_cast<std::int64_t>(res_.keyframes.size()));
  }

  // Single key frames: decoded and written by several workers, each with its own decoder, one core each.
  void decode_key_frames_in_parallel() {
    const int workers = std::min<int>(cores_to_use(cfg_), static_cast<int>(res_.keyframes.size()) / 4);
    if (workers <= 1) return;
    std::atomic<std::size_t> next{0};
    std::vector<std::exception_ptr> errors(static_cast<std::size_t>(workers));
    std::vector<std::thread> threads;
    for (int w = 0; w < workers; ++w)
      threads.emplace_back([&, w] {
        try {
          decode::DecodeOptions one = decode_options();
          one.threads = 1;
          one.hwaccel = decode::HwAccel::None;  // one frame each: a CPU core does it sooner than a new NVDEC session
          const auto own_source = open_source(cfg_, one);
          decode::FrameSource& own = *own_source;
          for (std::size_t key; (key = next++) < res_.keyframes.size();) {
            decode::Frame f;
            if (own.decode_key_frame(res_.keyframes[key].ts.pts, f)) keep(key, f.image);
          }
        } catch (...) {
          errors[static_cast<std::size_t>(w)] = std::current_exception();
        }
      });
    for (auto& t : threads) t.join();
    for (auto& e : errors)
      if (e) std::rethrow_exception(e);
  }

  // One window: its keyframes kept, its frames paced into the clip, its sound added.
  void decode_window(decode::FrameSource& src, const Window& w) {
    window_ = &w;
    next_key_ = 0;
    if (single_key_frames_) {
      bool all = true;
      for (std::size_t key : w.keys) {
        decode::Frame f;
        if (!have_[key] && src.decode_key_frame(res_.keyframes[key].ts.pts, f)) keep(key, f.image);
        all = all && have_[key];
      }
      if (all) return;  // else decode the window as below (the source was repositioned there)
    }
    src.go_to(w.first());
    decode::Frame f;
    output::ClipPacer* pacer = w.clip ? pacer_.get() : nullptr;  // (a keyframe outside the clip: its image only)
    if (pacer) pacer->begin();
    if (pacer && preview_) {  // the preview takes the top windows' first seconds
      bool top = false;
      for (const std::size_t key : w.keys)
        top = top || (res_.keyframes[key].in_clip() && res_.keyframes[key].clip_rank < PreviewWriter::kWindows);
      preview_->begin(w.start_seconds(), top);
    }
    std::optional<std::int64_t> after_window;  // where the first frame after the window is shown
    while (src.next(f)) {
      const bool after = f.ts.pts > w.end;
      if (after && !after_window) after_window = f.ts.pts;
      if (after && next_key_ >= w.keys.size()) break;
      while (reaches_next_key(f.ts.pts)) {
        // The keyframe itself (or the first frame after a lost one), unless it was already decoded alone.
        if (!have_[w.keys[next_key_]]) keep(w.keys[next_key_], f.image);
        ++next_key_;
      }
      if (pacer && preview_ && !after) preview_->add(f.ts.seconds(), f.yuv);
      if (pacer && !after) pacer->add(f.ts.pts, std::move(f.yuv));
    }
    if (pacer) {
      // The last frame lasts until the next one, or the stream's end (else one slot); at most a frame past the
      // window's end.
      std::int64_t until = w.end + Timestamp::nearest(frame_seconds(info_), w.time_base).pts;
      if (after_window)
        until = std::min(until, *after_window);
      else
        until = info_.duration > 0 ? std::min(until, Timestamp::nearest(info_.start + info_.duration, w.time_base).pts)
                                   : std::numeric_limits<std::int64_t>::min();
      pacer_->end(until);
      if (pacer_->window_start() >= 0)
        res_.clip_segments.push_back(
            {pacer_->window_start() - info_.start,
             (until == std::numeric_limits<std::int64_t>::min() ? w.end_seconds()
                                                                : Timestamp{until, w.time_base}.seconds()) -
                 info_.start});
      add_sound(pacer_->window_start(), pacer_->window_first(), pacer_->slots() - pacer_->window_first());
    }
  }

  // Keyframes whose frame pass 2 did not find again (timestamps that restart or jump, an input that changed since
  // pass 1) are dropped from the summary and reported: the manifest lists only what was written.
  void drop_lost_keyframes() {
    const auto dropped = static_cast<std::size_t>(std::count(have_.begin(), have_.end(), false));
    if (dropped == 0 || !(cfg_.write_keyframes || sheet_)) return;
    if (dropped == have_.size())
      throw input_unreadable(
          "cannot read video '" + cfg_.input + "': none of the " + std::to_string(dropped) +
          " keyframes could be decoded again (its timestamps restart or jump, or it changed while being read)");
    std::vector<Keyframe> kept;
    std::vector<Image> kept_thumbs;
    for (std::size_t i = 0; i < have_.size(); ++i) {
      if (!have_[i]) continue;
      kept.push_back(res_.keyframes[i]);
      kept_thumbs.push_back(std::move(thumbs_[i]));
    }
    res_.warnings.push_back(std::to_string(dropped) + " keyframe(s) could not be decoded again and were dropped " +
                            "(timestamps that restart or jump, or an input that changed while being read)");
    res_.keyframes = std::move(kept);
    thumbs_ = std::move(kept_thumbs);
  }

  void write_sheet() {
    std::vector<output::SheetTile> tiles;
    for (std::size_t i = 0; i < thumbs_.size(); ++i)
      tiles.push_back({&thumbs_[i], format_time(res_.keyframes[i].ts.seconds() - info_.start)});
    char line[512];
    std::snprintf(line, sizeof line, "%s", fs::path(cfg_.input).filename().string().c_str());
    sheet_opts_.header.push_back(line);
    // Header: what vcsi users expect to see (size, bitrate, audio), the frame rate as a decimal.
    std::string meta = format_time(std::max(0.0, info_.duration)) + "  |  " + format_bytes(info_.file_size);
    if (info_.bit_rate > 0) meta += ", " + std::to_string((info_.bit_rate + 500) / 1000) + " kb/s";
    meta += "  |  " + std::to_string(info_.width) + "x" + std::to_string(info_.height) + " " + info_.codec + " " +
            format_rate(info_.frame_rate) + " fps";
    meta += "  |  " + (info_.audio_codec.empty()
                           ? std::string("no audio")
                           : "audio " + info_.audio_codec +
                                 (info_.audio_channels > 0 ? " " + plural(info_.audio_channels, "channel") : ""));
    meta += "  |  " + plural(static_cast<long long>(res_.keyframes.size()), "keyframe") + " of " +
            plural(res_.sampled, "sample") + "  |  " + cfg_.selector;
    std::snprintf(line, sizeof line, "%s", meta.c_str());
    sheet_opts_.header.push_back(line);
    output::write_image((fs::path(dir_) / cfg_.sheet_name).string(), output::make_contact_sheet(tiles, sheet_opts_));
    res_.sheet_written = true;
  }

  const SummarizeConfig& cfg_;
  SummaryResult& res_;
  const decode::VideoInfo& info_;
  const std::string& dir_;
  const ProgressFn& progress_;
  std::unique_ptr<decode::AudioReader> audio_;
  output::ClipAudio sound_{0, 0};
  bool encode_clip_ = false;
  bool sheet_ = false;  // a contact sheet is asked for and this build can draw one (OpenCV)
  bool single_key_frames_ = false;
  std::string copy_refusal_;  // why try_copy_clip could not copy
  std::unique_ptr<output::ClipWriter> clip_;
  std::unique_ptr<output::ClipPacer> pacer_;
  std::unique_ptr<PreviewWriter> preview_;
  std::int64_t samples_written_ = 0;  // of sound, so far
  const Window* window_ = nullptr;    // the one being decoded
  std::size_t next_key_ = 0;          // its first keyframe not yet seen
  output::SheetOptions sheet_opts_;
  std::vector<Image> thumbs_;
  std::vector<char> have_;  // (char: workers set their own keyframes' slots)
  std::size_t done_ = 0;
  std::mutex progress_mutex_;
};

}  // namespace

void write_visuals(const SummarizeConfig& cfg, SummaryResult& res, const std::string& dir, const ProgressFn& progress) {
  VisualsWriter(cfg, res, dir, progress).run();
}

}  // namespace cords::pipeline

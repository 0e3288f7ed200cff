#include "cords/decode/ffmpeg_source.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>

#include "cords/core/error.h"
#include "cords/core/names.h"
#include "cords/decode/ffmpeg_impl.h"

namespace cords::decode {

// One piece: opening the input step by step (demuxer, stream, decoder, threads, NVDEC, range), each failure a
// named InputUnreadable.
FFmpegSource::Impl::Impl(const std::string& path, const DecodeOptions& o) : opts(o) {
  apply_log_level();
  open_input(path);
  const AVCodec* codec = find_streams(path);
  open_decoder(path, codec);
  read_facts(path);
  set_up_sampling();
}

// The file, its demuxer and its streams' parameters; still pictures refused.
void FFmpegSource::Impl::open_input(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_type type = fs::status(path, ec).type();
  if (type == fs::file_type::not_found) unreadable(path, "no such file");
  if (type == fs::file_type::directory) unreadable(path, "it is a directory");
  // FIFOs, devices and sockets can block forever or never end; only regular files (and links to them) are read.
  if (type != fs::file_type::regular) unreadable(path, "not a regular file (a FIFO, device or socket)");
  if (fs::file_size(path, ec) == 0) unreadable(path, "the file is empty");
  if (!frame || !pkt) throw std::bad_alloc();

  AVFormatContext* raw = nullptr;
  std::string refused;
  int r = av::open_input_file(path, &raw, &refused);
  if (r < 0 && !refused.empty())
    unreadable(path, "the playlist names '" + refused +
                         "', which is not a file in the playlist's own folder (or below it): a playlist may name only "
                         "those");
  if (r < 0) unreadable(path, open_failure(path, r));
  fmt.reset(raw);
  r = av::probe_streams(fmt.get());
  if (r < 0) unreadable(path, "cannot find its streams (" + av::error_string(r) + ")");
  if (is_image_container(fmt.get()) && !moving_pictures(fmt.get()))
    unreadable(path, "it is a still image, not a video");
}

// The video stream (the first that is not a cover picture; the others discarded) and its decoder; the first sound
// stream's codec and channels as the header says them.
const AVCodec* FFmpegSource::Impl::find_streams(const std::string& path) {
  bool has_audio = false;
  for (unsigned i = 0; i < fmt->nb_streams; ++i) {
    const AVStream* st = fmt->streams[i];
    if (st->codecpar->codec_type == AVMEDIA_TYPE_AUDIO && !has_audio) {
      has_audio = true;
      info.audio_codec = avcodec_get_name(st->codecpar->codec_id);
#if LIBAVCODEC_VERSION_INT >= AV_VERSION_INT(59, 24, 100)
      info.audio_channels = st->codecpar->ch_layout.nb_channels;
#else
      info.audio_channels = st->codecpar->channels;
#endif
    }
    if (stream < 0 && st->codecpar->codec_type == AVMEDIA_TYPE_VIDEO &&
        !(st->disposition & AV_DISPOSITION_ATTACHED_PIC))
      stream = static_cast<int>(i);
  }
  if (stream < 0) unreadable(path, has_audio ? "it has no video stream (audio only)" : "it has no video stream");
  AVStream* st = fmt->streams[stream];
  for (unsigned i = 0; i < fmt->nb_streams; ++i)
    if (static_cast<int>(i) != stream) fmt->streams[i]->discard = AVDISCARD_ALL;
  tb = st->time_base;
  const AVCodec* codec = avcodec_find_decoder(st->codecpar->codec_id);
  if (!codec)
    unreadable(path, std::string("no decoder for its codec '") + avcodec_get_name(st->codecpar->codec_id) + "'");
  return codec;
}

// The decoder: frame threads, skipping, NVDEC when asked and possible.
void FFmpegSource::Impl::open_decoder(const std::string& path, const AVCodec* codec) {
  const AVStream* st = fmt->streams[stream];
  dec.reset(avcodec_alloc_context3(codec));
  if (!dec) throw std::bad_alloc();
  int r = avcodec_parameters_to_context(dec.get(), st->codecpar);
  if (r < 0) unreadable(path, "bad codec parameters (" + av::error_string(r) + ")");
  // Frame threads: FFmpeg's own choice (cores + 1) leaves the cores a third idle when non-reference frames are
  // skipped (sparse sampling, seeks): the frames left depend on one another, so more must be in flight. Three
  // per core, at most 16, FFmpeg's own cap on automatic counts (measured: docs/benchmarks.md).
  // By default all the CPUs this process may run on (affinity), as FFmpeg counts them.
  const int cores = opts.threads > 0 ? opts.threads : std::max(1, av_cpu_count());
  dec->thread_count = std::min(16, 3 * cores);
  dec->thread_type = FF_THREAD_FRAME | FF_THREAD_SLICE;
  dec->pkt_timebase = tb;
  if (opts.keyframes_only) dec->skip_frame = normal_skip = AVDISCARD_NONKEY;
  if (opts.skip_loop_filter) dec->skip_loop_filter = AVDISCARD_ALL;
  if (opts.hwaccel == HwAccel::Cuda || opts.hwaccel == HwAccel::Auto) {
    const std::string why = open_cuda_decoder(dec.get(), codec);
    if (why.empty()) {
      info.hwaccel = HwAccel::Cuda;
      dec->thread_count = 1;  // NVDEC decodes; frame threads would only hold more GPU surfaces
    } else if (opts.hwaccel == HwAccel::Cuda) {
      info.hwaccel_note = "NVDEC not used: " + why + "; decoding on the CPU";
    }
  }
  r = avcodec_open2(dec.get(), codec, nullptr);
  if (r < 0) unreadable(path, "cannot open its decoder (" + av::error_string(r) + ")");
}

// What the container and the stream say (VideoInfo): the first decoded picture corrects size and format later.
void FFmpegSource::Impl::read_facts(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  AVStream* st = fmt->streams[stream];
  info.path = path;
  info.container = fmt->iformat->name;
  info.codec = avcodec_get_name(st->codecpar->codec_id);
  const char* pf = av_get_pix_fmt_name(static_cast<AVPixelFormat>(st->codecpar->format));
  info.pixel_format = pf ? pf : "unknown";
  info.rotation = stream_rotation(st);
  const bool swap = info.rotation == 90 || info.rotation == 270;
  sar = av_guess_sample_aspect_ratio(fmt.get(), st, nullptr);
  info.width = swap ? st->codecpar->height : shown_width(st->codecpar->width);
  info.height = swap ? shown_width(st->codecpar->width) : st->codecpar->height;
  const AVRational fr = stream_frame_rate(fmt.get(), st);
  info.frame_rate = {fr.num, fr.den};
  info.time_base = {tb.num, tb.den};
  // The video stream's own duration first: the container's is the longest stream's (a second, longer video
  // stream or a longer sound track made a complete file look truncated).
  if (st->duration != AV_NOPTS_VALUE && st->duration > 0)
    info.duration = static_cast<double>(st->duration) * av_q2d(tb);
  else if (fmt->duration != AV_NOPTS_VALUE && fmt->duration > 0)
    info.duration = static_cast<double>(fmt->duration) / AV_TIME_BASE;
  info.frame_count = st->nb_frames;
  info.file_size = static_cast<std::int64_t>(fs::file_size(path, ec));
  info.bit_rate = fmt->bit_rate > 0 ? fmt->bit_rate : 0;
  if (info.bit_rate == 0 && info.duration > 0)  // AVI and others say only after probing: from size and duration
    info.bit_rate = static_cast<std::int64_t>(static_cast<double>(info.file_size) * 8 / info.duration);
  if (st->start_time != AV_NOPTS_VALUE)
    info.start = static_cast<double>(st->start_time) * av_q2d(tb);
  else if (fmt->start_time != AV_NOPTS_VALUE)
    info.start = static_cast<double>(fmt->start_time) / AV_TIME_BASE;
}

// One frame's length, the sampling grids, sparse sampling's margin and --start/--end as pts (seeking to the start).
void FFmpegSource::Impl::set_up_sampling() {
  const AVStream* st = fmt->streams[stream];
  const AVRational fr{info.frame_rate.num > 0 ? static_cast<int>(info.frame_rate.num) : 0,
                      info.frame_rate.den > 0 ? static_cast<int>(info.frame_rate.den) : 0};
  if (fr.num > 0 && fr.den > 0) {
    pts_step = std::max<std::int64_t>(1, av_rescale_q(1, av_inv_q(fr), tb));
    frame_seconds = av_q2d(av_inv_q(fr));
    dissolve_half = std::clamp(static_cast<int>(std::lround(0.4 / frame_seconds)), 4, 15);  // about 0.4 s
  }
  // Skipping pays when at most one frame in three is sampled, and needs packets with timestamps. Never with frame
  // statistics: shot boundaries are found on every frame, so they do not depend on --sample-fps (a cut on a skipped
  // B-frame came out late; a flicker seen only at some rates became a boundary).
  if (opts.sample_fps > 0 && !opts.keyframes_only && !opts.frame_stats && fr.num > 0 && fr.den > 0 &&
      !(fmt->iformat->flags & AVFMT_NOTIMESTAMPS) && 1.0 / opts.sample_fps >= 3.0 * frame_seconds)
    sample_margin = 1.5 * frame_seconds;
  grid = key_grid = SampleGrid(tb, opts.sample_fps);
  // --start/--end (seconds from the start) as pts, once: frame times are compared in pts from here on.
  const std::int64_t start_pts = st->start_time != AV_NOPTS_VALUE ? st->start_time
                                 : fmt->start_time != AV_NOPTS_VALUE
                                     ? av_rescale_q(fmt->start_time, AVRational{1, AV_TIME_BASE}, tb)
                                     : 0;
  const Rational stream_tb{tb.num, tb.den};
  if (opts.range_end > 0) range_end = start_pts + Timestamp::nearest(opts.range_end, stream_tb).pts;
  if (opts.range_start > 0) {
    range_start = start_pts + Timestamp::nearest(opts.range_start, stream_tb).pts;
    seek(range_start);
  }
}

// The first decoded picture says what the stream really holds: its size (rotation applied) and pixel format, where
// the header said otherwise or nothing (a size of 0, a format not known before decoding, a header that lies).
void FFmpegSource::Impl::take_picture_facts() {
  pictured = true;
  if (frame->width <= 0 || frame->height <= 0) return;
  const bool swap = info.rotation == 90 || info.rotation == 270;
  const AVRational frame_sar = av_guess_sample_aspect_ratio(fmt.get(), fmt->streams[stream], frame.get());
  if (frame_sar.num > 0 && frame_sar.den > 0) sar = frame_sar;
  info.width = swap ? frame->height : shown_width(frame->width);
  info.height = swap ? shown_width(frame->width) : frame->height;
  if (frame->format >= 0 && !frame->hw_frames_ctx)
    if (const char* pf = av_get_pix_fmt_name(static_cast<AVPixelFormat>(frame->format))) info.pixel_format = pf;
}

// avcodec_receive_frame into `frame`, with a hardware (NVDEC) picture copied back to memory (NV12 or P010), so
// that everything after it sees an ordinary frame. Returns avcodec_receive_frame's code, or 1 when a hardware
// frame was received but could not be copied (it is dropped).
int FFmpegSource::Impl::receive_frame() {
  const int r = avcodec_receive_frame(dec.get(), frame.get());
  if (r != 0 || !frame->hw_frames_ctx) return r;
  if (!sw_frame) sw_frame.reset(av_frame_alloc());
  if (!sw_frame) throw std::bad_alloc();
  const bool ok = av_hwframe_transfer_data(sw_frame.get(), frame.get(), 0) >= 0 &&
                  av_frame_copy_props(sw_frame.get(), frame.get()) >= 0;
  av_frame_unref(frame.get());
  if (!ok) {
    av_frame_unref(sw_frame.get());
    return 1;
  }
  av_frame_move_ref(frame.get(), sw_frame.get());
  return 0;
}

// Pulls the next decoded frame into `frame`; false at the end. Corrupt input is counted and skipped.
// One piece: one loop over FFmpeg's send/receive state machine (frames, EAGAIN, end of file, flushing, corrupt
// packets); its states are clearer side by side.
bool FFmpegSource::Impl::decode_next() {
  while (!finished) {
    int r = receive_frame();
    if (r == 1) {  // a hardware frame that could not be copied back
      ++skipped;
      continue;
    }
    if (r == 0) {
      if (!pictured) take_picture_facts();
      return true;
    }
    if (r == AVERROR_EOF) {
      finished = true;
      return false;
    }
    if (r != AVERROR(EAGAIN)) {  // a frame that failed to decode
      ++skipped;
      continue;
    }
    if (flushing) {  // EAGAIN while flushing should not happen; end rather than spin
      finished = true;
      return false;
    }
    r = read_packet();
    if (r < 0) {  // end of file, or a read error / truncation: flush what the decoder holds
      if (r != AVERROR_EOF) ++skipped;
      avcodec_send_packet(dec.get(), nullptr);
      flushing = true;
      continue;
    }
    if (pkt->stream_index == stream && pkt->pts != AV_NOPTS_VALUE)
      read_until =
          std::max(read_until, static_cast<double>(pkt->pts + std::max<std::int64_t>(0, pkt->duration)) * av_q2d(tb));
    // Key frames only: other packets never reach the decoder. (Sent with AVDISCARD_NONKEY they would still be
    // parsed - every NAL unit unescaped - which costs ~0.7 s per minute of 6 Mbit/s 1080p, more than decoding the
    // key frames themselves.) A stream without key flags yields no frame, and the caller falls back.
    if (pkt->stream_index == stream && opts.keyframes_only &&
        (!(pkt->flags & AV_PKT_FLAG_KEY) || !key_packet_wanted(*pkt))) {
      av_packet_unref(pkt.get());
      continue;
    }
    if (pkt->stream_index == stream) {
      if (sample_margin > 0 && nonref_until == kNoPts) {
        if (pkt->pts == AV_NOPTS_VALUE) {
          sample_margin = 0;  // no timestamps to sample by after all: decode everything from here
          dec->skip_frame = normal_skip;
        } else {
          sent_pts.push(pkt->pts);
          dec->skip_frame = grid.near_sample(pkt->pts, sample_margin / av_q2d(tb))
                                ? normal_skip
                                : std::max(normal_skip, AVDISCARD_NONREF);
        }
      }
      if (nonref_until != kNoPts) {  // skipping ahead: B-frames are not needed to reach the target
        // A non-reference frame shown before the target is never needed: next() drops it. With a pts that is
        // exact (the decoder reads skip_frame per packet, frame threads included; a margin of two frames guards
        // against rounding); with only a dts, which may precede the pts by the reordering delay, 1 s of margin.
        const bool has_pts = pkt->pts != AV_NOPTS_VALUE;
        const std::int64_t pt = has_pts ? pkt->pts : pkt->dts;
        const double margin = (has_pts ? 2 * frame_seconds : 1.0) / av_q2d(tb);
        const bool near = pt == AV_NOPTS_VALUE || static_cast<double>(pt) >= static_cast<double>(nonref_until) - margin;
        dec->skip_frame = near ? normal_skip : std::max(normal_skip, AVDISCARD_NONREF);
        if (near) nonref_until = kNoPts;
      }
      r = avcodec_send_packet(dec.get(), pkt.get());
      if (r < 0 && r != AVERROR(EAGAIN)) ++skipped;  // corrupt packet
    }
    av_packet_unref(pkt.get());
  }
  return false;
}

// Key frames only, sampled at a lower rate than they come (all-intra input, or --fast's candidate rate on long
// inputs): a key frame that next() would drop (shown before its next sample time) is never decoded. The packets
// follow the same grid as next(), so the same frames come out (unless a key frame sent fails to decode).
bool FFmpegSource::Impl::key_packet_wanted(const AVPacket& p) {
  if (opts.sample_fps <= 0 || p.pts == AV_NOPTS_VALUE) return true;
  if (p.pts < drop_before) return true;  // before a seek's target: next() drops it without moving the grid
  return key_grid.take(p.pts);
}

// Display-order index of the frame just received (pts), counting the frames that were not decoded.
std::int64_t FFmpegSource::Impl::display_index(std::int64_t pts) {
  if (sample_margin <= 0 && sent_pts.empty()) return decoded;
  while (!sent_pts.empty() && sent_pts.top() < pts) {
    sent_pts.pop();
    ++passed;
  }
  if (!sent_pts.empty() && sent_pts.top() == pts) sent_pts.pop();
  return passed++;
}

std::int64_t FFmpegSource::Impl::frame_pts() {
  std::int64_t pts = frame->best_effort_timestamp;
  if (pts == AV_NOPTS_VALUE) pts = frame->pts;
  if (pts == AV_NOPTS_VALUE) {  // counted from the stream's first frame: found again by decoding from there
    pts = last_pts == AV_NOPTS_VALUE ? 0 : last_pts + pts_step;
    numbered = true;
  }
  last_pts = pts;
  return pts;
}

// A stored width as shown: stretched by the sample aspect ratio (anamorphic video: 720 stored pixels of 32:27 are
// 853 square ones), as players show it; unchanged for square pixels or none given.
int FFmpegSource::Impl::shown_width(int stored) const {
  if (sar.num <= 0 || sar.den <= 0 || sar.num == sar.den) return stored;
  return std::max(1, static_cast<int>(av_rescale(stored, sar.num, sar.den)));
}

// The size to scale the current frame to, before rotation: the size asked for (displayed, so swapped for a
// quarter turn), with a missing side from the aspect ratio; native size when nothing is asked or `native`.
void FFmpegSource::Impl::target_size(bool native, int& w, int& h) const {
  const bool swap = info.rotation == 90 || info.rotation == 270;
  int dw = native ? 0 : opts.out_width, dh = native ? 0 : opts.out_height;
  const int fw = shown_width(frame->width);
  const int disp_w = swap ? frame->height : fw, disp_h = swap ? fw : frame->height;
  if (dw <= 0 && dh <= 0) {
    dw = disp_w;
    dh = disp_h;
  } else if (dw <= 0) {
    dw = std::max(1, static_cast<int>(std::lround(static_cast<double>(dh) * disp_w / disp_h)));
  } else if (dh <= 0) {
    dh = std::max(1, static_cast<int>(std::lround(static_cast<double>(dw) * disp_h / disp_w)));
  }
  w = swap ? dh : dw;
  h = swap ? dw : dh;
}

// Scales the current frame to target_size(native) in `to` (RGB24 or YUV420P). swscale's SIMD paths write whole
// vectors: its rows are 64-byte aligned with slack at the end; the caller packs them.
FFmpegSource::Impl::Scaled FFmpegSource::Impl::scale(av::Sws& ctx, AVPixelFormat to, bool native) {
  Scaled s;
  target_size(native, s.w, s.h);
  ctx.reset(sws_getCachedContext(ctx.release(), frame->width, frame->height, static_cast<AVPixelFormat>(frame->format),
                                 s.w, s.h, to, s.w < frame->width ? SWS_AREA : SWS_BILINEAR, nullptr, nullptr,
                                 nullptr));
  if (!ctx)
    throw Error(ErrorKind::InputUnreadable,
                "cannot convert frames of '" + info.path + "' (pixel format " + info.pixel_format + ")");
  const auto aligned = [](int bytes) { return (bytes + 63) / 64 * 64; };
  int heights[4] = {s.h, 0, 0, 0};
  if (to == AV_PIX_FMT_RGB24) {
    s.stride[0] = aligned(s.w * 3);
  } else {
    s.stride[0] = aligned(s.w);
    s.stride[1] = s.stride[2] = aligned((s.w + 1) / 2);
    heights[1] = heights[2] = (s.h + 1) / 2;
  }
  std::size_t bytes = 256;
  for (int p = 0; p < 4; ++p) bytes += static_cast<std::size_t>(s.stride[p]) * heights[p];
  if (!scratch || scratch_bytes < bytes) {
    scratch.reset(static_cast<uint8_t*>(av_malloc(bytes)));
    if (!scratch) throw std::bad_alloc();
    scratch_bytes = bytes;
  }
  uint8_t* at = scratch.get();
  for (int p = 0; p < 4; ++p) {
    s.data[p] = s.stride[p] ? at : nullptr;
    at += static_cast<std::size_t>(s.stride[p]) * heights[p];
  }
  sws_scale(ctx.get(), frame->data, frame->linesize, 0, frame->height, s.data, s.stride);
  return s;
}

void FFmpegSource::Impl::convert(Image& out, bool native) {
  const Scaled s = scale(sws, AV_PIX_FMT_RGB24, native);
  Image img;
  img.width = s.w;
  img.height = s.h;
  img.data.resize(static_cast<std::size_t>(s.w) * 3 * s.h);
  av_image_copy_plane(img.data.data(), s.w * 3, s.data[0], s.stride[0], s.w * 3, s.h);
  out = info.rotation ? rotate_clockwise(img, info.rotation) : std::move(img);
}

void FFmpegSource::Impl::convert(Yuv420& out) {
  const Scaled s = scale(sws_yuv, AV_PIX_FMT_YUV420P, false);
  Yuv420 pic;
  pic.resize(s.w, s.h);
  for (int p = 0; p < 3; ++p)
    av_image_copy_plane(pic.plane(p), pic.plane_width(p), s.data[p], s.stride[p], pic.plane_width(p),
                        pic.plane_height(p));
  out = info.rotation ? rotate_clockwise(pic, info.rotation) : std::move(pic);
}

bool FFmpegSource::Impl::next(Frame& out) {
  while (decode_next()) {
    const std::int64_t pts = frame_pts();
    std::int64_t index = display_index(pts);
    ++decoded;
    const double t = static_cast<double>(pts) * av_q2d(tb);
    if (pts >= range_end) {
      av_frame_unref(frame.get());
      finished = true;
      return false;
    }
    // Key frames only, or a range that began with a seek: the frames before were never decoded or counted, so the
    // frame number comes from the time at the average frame rate (exact for constant rates).
    if ((opts.keyframes_only || opts.range_start > 0) && info.frame_rate.valid())
      index = std::max<std::int64_t>(0, std::llround((t - info.start) * info.frame_rate.value()));
    position = pts;
    if (t < latest - 1.0) ++backwards;
    if (!info.frame_rate.valid() && !std::isinf(latest) && t > latest) {  // no rate in the header: the first step
      const AVRational r = av_d2q(1.0 / (t - latest), 100000);
      if (plausible_rate(r)) {
        info.frame_rate = {r.num, r.den};
        frame_seconds = t - latest;
      }
    }
    latest = std::max(latest, t);
#ifdef AV_FRAME_FLAG_KEY
    const bool key = (frame->flags & AV_FRAME_FLAG_KEY) != 0;
#else
    const bool key = frame->key_frame != 0;
#endif
    if (opts.frame_stats) record_stats(index, pts);
    if (pts < drop_before) {
      av_frame_unref(frame.get());
      continue;
    }
    if (opts.sample_fps > 0 && !grid.take(pts)) {
      av_frame_unref(frame.get());
      continue;
    }
    out.ts = {pts, {tb.num, tb.den}};
    out.index = index;
    out.key = key;
    const bool native = opts.native_size_for && opts.native_size_for(out.ts);
    if (opts.yuv420) convert(out.yuv);
    if (!opts.yuv420 || native)
      convert(out.image, native);
    else
      out.image = Image{};
    av_frame_unref(frame.get());
    return true;
  }
  return false;
}

// segment::FrameStat of the frame just decoded (shown at `pts`), and the dissolve test of the frame decoded
// dissolve_half frames before it, now that its window is complete.
void FFmpegSource::Impl::record_stats(std::int64_t index, std::int64_t pts) {
  const double t = static_cast<double>(pts) * av_q2d(tb);
  Grid g;
  if (!frame_grid(frame.get(), g)) {
    grids.clear();
    grid_stat.clear();
    return;
  }
  segment::FrameStat st;
  st.frame = index;
  st.seconds = t - info.start;
  double sum = 0, sq = 0;
  for (int c = 0; c < kGridCells; ++c) {
    sum += g[static_cast<std::size_t>(c)];
    sq += static_cast<double>(g[static_cast<std::size_t>(c)]) * g[static_cast<std::size_t>(c)];
  }
  const double mean = sum / kGridCells;
  st.luma = static_cast<float>(mean);
  st.spread = static_cast<float>(std::sqrt(std::max(0.0, sq / kGridCells - mean * mean)));
  const std::size_t have = grids.size();
  if (have >= 1) st.diff = grid_diff(g, grids[have - 1]);
  if (have >= 2) st.diff2 = grid_diff(g, grids[have - 2]);
  if (have >= 3) st.diff3 = grid_diff(g, grids[have - 3]);
  const bool in_range = pts >= range_start;
  if (in_range) stats.push_back(st);
  grids.push_back(g);
  grid_stat.push_back(in_range ? static_cast<std::ptrdiff_t>(stats.size()) - 1 : -1);
  const std::size_t window = 2 * static_cast<std::size_t>(dissolve_half) + 1;
  if (grids.size() > window) {
    grids.pop_front();
    grid_stat.pop_front();
  }
  if (grids.size() == window && grid_stat[static_cast<std::size_t>(dissolve_half)] >= 0) {
    const Grid& a = grids.front();
    const Grid& b = grids.back();
    const Grid& m = grids[static_cast<std::size_t>(dissolve_half)];
    float span = 0, mix = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
      span += std::fabs(b[i] - a[i]);
      mix += std::fabs(m[i] - 0.5f * (a[i] + b[i]));
    }
    auto& centre = stats[static_cast<std::size_t>(grid_stat[static_cast<std::size_t>(dissolve_half)])];
    centre.span = span / static_cast<float>(a.size());
    centre.mix = mix / static_cast<float>(a.size());
  }
}
const char* to_string(HwAccel h) {
  return name_in(kHwAccels, h);
}

HwAccel parse_hwaccel(const std::string& name) {
  if (const auto h = value_in(kHwAccels, name)) return *h;
  throw invalid_argument(param("hwaccel") + " must be auto, cuda or none, got '" + name + "'");
}

void set_ffmpeg_verbose(bool verbose) {
  g_verbose = verbose;
  apply_log_level();
}

FFmpegSource::FFmpegSource(const std::string& path, const DecodeOptions& opts)
    : impl_(std::make_unique<Impl>(path, opts)) {}
FFmpegSource::~FFmpegSource() = default;
FFmpegSource::FFmpegSource(FFmpegSource&&) noexcept = default;
FFmpegSource& FFmpegSource::operator=(FFmpegSource&&) noexcept = default;
const VideoInfo& FFmpegSource::info() const {
  return impl_->info;
}
bool FFmpegSource::next(Frame& frame) {
  return impl_->next(frame);
}
std::int64_t FFmpegSource::skipped() const {
  return impl_->skipped;
}
std::int64_t FFmpegSource::decoded() const {
  return impl_->decoded;
}
void FFmpegSource::seek(const Timestamp& t) {
  impl_->seek(impl_->in_stream_time(t));
}
void FFmpegSource::go_to(const Timestamp& t) {
  impl_->go_to(impl_->in_stream_time(t));
}
std::optional<Timestamp> FFmpegSource::position() const {
  if (!impl_->position) return std::nullopt;
  return Timestamp{*impl_->position, impl_->info.time_base};
}

std::int64_t FFmpegSource::backwards() const {
  return impl_->backwards;
}

std::vector<segment::FrameStat> FFmpegSource::take_frame_stats() {
  std::vector<segment::FrameStat> out = std::move(impl_->stats);
  impl_->stats.clear();
  impl_->grids.clear();
  impl_->grid_stat.clear();
  return out;
}

double FFmpegSource::data_seconds() const {
  const Impl& m = *impl_;
  // The later of the last packet's end and the last frame's end (packets of elementary streams carry few timestamps).
  const double frames = std::isinf(m.latest) ? -1 : m.latest + m.frame_seconds;
  const double end = std::max(m.read_until, frames);
  return end < 0 ? -1 : end - m.info.start;
}
bool FFmpegSource::decode_key_frame(std::int64_t pts, Frame& frame) {
  return impl_->decode_key_frame(pts, frame);
}

std::int64_t FFmpegSource::drain() {
  std::int64_t n = 0;
  while (impl_->decode_next()) {
    ++n;
    ++impl_->decoded;
    av_frame_unref(impl_->frame.get());
  }
  return n;
}

}  // namespace cords::decode

namespace cords::decode {

std::unique_ptr<FrameSource> open_ffmpeg(const std::string& path, const DecodeOptions& opts) {
  return std::make_unique<FFmpegSource>(path, opts);
}

}  // namespace cords::decode

#pragma once
// FFmpegSource's state (ffmpeg_source.h): what it owns and the steps it takes. Its methods are defined in
// ffmpeg_source.cpp (opening, decoding, converting, frame statistics) and ffmpeg_seek.cpp (seeking and the key frames
// of fast mode).
#include <deque>
#include <optional>
#include <queue>
#include <vector>

#include "cords/decode/av_handles.h"
#include "cords/decode/ffmpeg_detail.h"
#include "cords/decode/ffmpeg_source.h"

namespace cords::decode {

struct FFmpegSource::Impl {
  DecodeOptions opts;
  VideoInfo info;
  av::Input fmt;
  av::Codec dec;
  av::Frame frame{av_frame_alloc()};
  av::Packet pkt{av_packet_alloc()};
  av::Sws sws, sws_yuv;  // to RGB, to YUV 4:2:0
  av::Buffer scratch;    // swscale's output, aligned and padded
  std::size_t scratch_bytes = 0;
  av::Frame sw_frame;  // a hardware frame copied back to memory (hwaccel)
  // Per-frame statistics (opts.frame_stats): the grids of the last decoded frames (newest last), enough for the
  // dissolve window, and the statistics not yet taken.
  std::deque<Grid> grids;
  std::deque<std::ptrdiff_t> grid_stat;  // the index in `stats` of each grid's frame, -1 for frames outside the range
  std::vector<segment::FrameStat> stats;
  int dissolve_half = 10;  // L: decoded frames on either side of a dissolve window's centre
  int stream = -1;
  AVRational tb{1, 1};
  bool flushing = false;
  bool finished = false;
  std::int64_t decoded = 0;
  std::int64_t skipped = 0;
  std::int64_t last_pts = AV_NOPTS_VALUE;
  std::int64_t pts_step = 1;           // synthesised pts increment when a frame has none
  double frame_seconds = 0.04;         // one frame at the average frame rate (25 fps when unknown)
  SampleGrid grid;                     // the frames next() samples (with sample_fps > 0)
  SampleGrid key_grid;                 // key frames only: the same grid as the packets read see it
  std::int64_t drop_before = kNoPts;   // after a seek: frames shown before this pts are dropped
  std::int64_t nonref_until = kNoPts;  // packets earlier than this (minus a margin) skip non-reference frames
  std::int64_t range_start = kNoPts;   // DecodeOptions::range_start as a pts (kNoPts: from the start)
  std::int64_t range_end = std::numeric_limits<std::int64_t>::max();  // range_end as a pts: frames from it end
  std::optional<std::int64_t> position;                               // pts of the last decoded frame
  double read_until = -1;      // seconds: end of the stream's last packet read (pts + duration)
  double latest = kNoTime;     // the latest frame time decoded so far
  std::int64_t backwards = 0;  // frames more than a second before `latest` (timestamps that restart)
  AVDiscard normal_skip = AVDISCARD_DEFAULT;
  // Sparse sampling (pass 1): a non-reference frame (one no other frame is predicted from) that is not the frame
  // shown at a sample time is not decoded at all. sample_margin > 0 enables it: a packet is decoded when its pts
  // falls within sample_margin after a sample time of the grid that next() follows.
  double sample_margin = 0;
  // The display-order index of each frame (what Frame::index reports) is the number of packets with a smaller pts,
  // skipped ones included: pts of the packets sent and not yet passed, smallest first.
  std::priority_queue<std::int64_t, std::vector<std::int64_t>, std::greater<>> sent_pts;
  std::int64_t passed = 0;
  bool numbered = false;           // a frame without any timestamp was given its number in frames (frame_pts)
  bool pictured = false;           // take_picture_facts() has run
  AVRational sar{0, 1};            // pixel aspect ratio (0/1: square or unknown)
  std::deque<av::Packet> pending;  // read ahead after a seek (land_before), decoded before any packet read later
  Impl(const std::string& path, const DecodeOptions& o);
  void open_input(const std::string& path);
  const AVCodec* find_streams(const std::string& path);
  void open_decoder(const std::string& path, const AVCodec* codec);
  void read_facts(const std::string& path);
  void set_up_sampling();
  void take_picture_facts();
  int receive_frame();
  bool decode_next();
  bool key_packet_wanted(const AVPacket& p);
  std::int64_t display_index(std::int64_t pts);
  std::int64_t frame_pts();
  int shown_width(int stored) const;
  void target_size(bool native, int& w, int& h) const;
  // The current frame scaled into `scratch`: its size (before rotation) and one plane per pointer.
  struct Scaled {
    int w = 0, h = 0;
    uint8_t* data[4] = {nullptr, nullptr, nullptr, nullptr};
    int stride[4] = {0, 0, 0, 0};
  };
  Scaled scale(av::Sws& ctx, AVPixelFormat to, bool native);
  void convert(Image& out, bool native);
  void convert(Yuv420& out);
  bool next(Frame& out);
  void record_stats(std::int64_t index, std::int64_t pts);
  int read_packet();
  bool land_before(std::int64_t ts);
  void reposition(std::int64_t ts);
  void to_first_byte();
  void restart_decoder();
  void seek(std::int64_t target);
  void skip_to(std::int64_t target);
  void go_to(std::int64_t target);
  bool decode_key_frame(std::int64_t want, Frame& out);
  std::optional<std::int64_t> key_frame_before(std::int64_t ts) const;
  std::int64_t in_stream_time(const Timestamp& t) const;
};

}  // namespace cords::decode

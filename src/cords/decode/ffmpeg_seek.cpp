// FFmpegSource's seeking (ffmpeg_source.h: seek, go_to, decode_key_frame): seeks verified to land before their key
// frame, decoding on instead of seeking when that is cheaper, and fast mode's single key frames.
#include <algorithm>
#include <limits>

#include "cords/core/error.h"
#include "cords/decode/ffmpeg_impl.h"

namespace cords::decode {

// The next packet into `pkt`: one read ahead by land_before() first, then the demuxer's.
int FFmpegSource::Impl::read_packet() {
  if (pending.empty()) return av_read_frame(fmt.get(), pkt.get());
  av_packet_move_ref(pkt.get(), pending.front().get());
  pending.pop_front();
  return 0;
}

// After a seek: reads up to the video stream's first key packet, which is kept (in `pending`) with what follows
// it, while the undecodable packets before it are dropped. True when that key frame is shown at or before `ts`.
// Demuxers without an index (MPEG-TS, MPEG-PS, elementary streams) seek by bytes and timestamps and may land
// after a key frame and even after `ts`: the caller then seeks further back. A stream that marks no key frames in
// its first 4096 packets is taken as it is (its packets kept).
bool FFmpegSource::Impl::land_before(std::int64_t ts) {
  pending.clear();
  std::deque<av::Packet> seen;
  for (int packets = 0; packets < 4096; ++packets) {
    av::Packet p{av_packet_alloc()};
    if (!p) throw std::bad_alloc();
    if (av_read_frame(fmt.get(), p.get()) < 0) return false;  // past the last key frame: go back further
    if (p->stream_index != stream) continue;
    if (p->flags & AV_PKT_FLAG_KEY) {
      const std::int64_t at = p->pts != AV_NOPTS_VALUE ? p->pts : p->dts;
      pending.push_back(std::move(p));
      return at == AV_NOPTS_VALUE || at <= ts;
    }
    seen.push_back(std::move(p));
  }
  pending = std::move(seen);  // no key flags at all: decode what comes, as before
  return true;
}

// To the last key frame at or before `ts` (time-base units), with the decoder emptied. Seeks back 1, 2, 4, ...
// seconds more while the demuxer lands after that key frame (land_before), down to the stream's start.
void FFmpegSource::Impl::reposition(std::int64_t ts) {
  const std::int64_t second = std::max<std::int64_t>(1, av_rescale_q(1, AVRational{1, 1}, tb));
  const std::int64_t first =
      fmt->streams[stream]->start_time != AV_NOPTS_VALUE ? fmt->streams[stream]->start_time : INT64_MIN;
  for (std::int64_t back = 0;; back = back == 0 ? second : 2 * back) {
    const bool to_start = back > 0 && ((first != INT64_MIN && ts - first <= back) || back > (std::int64_t{1} << 40));
    // The start by its first byte: a timestamp seek to the first timestamp can land just past the first key frame
    // (MPEG-TS searches by bytes and PCR).
    if (to_start)
      to_first_byte();
    else
      av_seek_frame(fmt.get(), stream, ts - back, AVSEEK_FLAG_BACKWARD);
    if (land_before(ts) || to_start) break;
  }
  restart_decoder();
}

// No timestamps to seek by: the file's first byte, where pass 1 began.
void FFmpegSource::Impl::to_first_byte() {
  pending.clear();
  if (av_seek_frame(fmt.get(), stream, 0, AVSEEK_FLAG_BYTE) < 0)
    av_seek_frame(fmt.get(), -1, fmt->start_time != AV_NOPTS_VALUE ? fmt->start_time : 0, AVSEEK_FLAG_BACKWARD);
}

// The decoder emptied and the clocks reset after the demuxer moved.
void FFmpegSource::Impl::restart_decoder() {
  avcodec_flush_buffers(dec.get());
  sent_pts = {};
  grids.clear();
  grid_stat.clear();
  flushing = finished = false;
  last_pts = AV_NOPTS_VALUE;
  position.reset();
  latest = kNoTime;
}

void FFmpegSource::Impl::seek(std::int64_t target) {
  reposition(target);
  skip_to(target);
}

void FFmpegSource::Impl::skip_to(std::int64_t target) {
  drop_before = nonref_until = target;
  grid.start_at(target);
  key_grid.start_at(target);
}

// Decoding on from the last frame costs the frames up to the target; a seek costs those from the key frame before
// it. Without an index (the key frame unknown) going on pays up to 2 s ahead.
void FFmpegSource::Impl::go_to(std::int64_t target) {
  if (numbered) {  // no timestamps: frames are known by their number from the start, so never seek into the middle
    if (!position || *position >= target) {
      to_first_byte();
      restart_decoder();
    }
    skip_to(target);
    return;
  }
  const std::optional<std::int64_t> key = key_frame_before(target);
  const std::int64_t two_seconds = av_rescale_q(2, AVRational{1, 1}, tb);
  if (position && *position < target && (key ? *key <= *position : target - *position < two_seconds))
    skip_to(target);
  else
    seek(target);
}

bool FFmpegSource::Impl::decode_key_frame(std::int64_t want, Frame& out) {
  reposition(want);
  drop_before = nonref_until = kNoPts;
  grid.unstart();
  key_grid.unstart();
  bool found = false;  // the seek lands on its packet or on a key frame before it
  while (read_packet() >= 0) {
    const bool key = pkt->stream_index == stream && (pkt->flags & AV_PKT_FLAG_KEY) && pkt->pts != AV_NOPTS_VALUE;
    if (key && pkt->pts == want) {
      found = true;
      break;
    }
    const bool past = key && pkt->pts > want;
    av_packet_unref(pkt.get());
    if (past) break;
  }
  if (!found) {
    seek(want);
    return false;
  }
  const AVDiscard skip = dec->skip_frame;
  dec->skip_frame = AVDISCARD_DEFAULT;
  bool got = avcodec_send_packet(dec.get(), pkt.get()) >= 0;
  av_packet_unref(pkt.get());
  if (got) {
    avcodec_send_packet(dec.get(), nullptr);  // drain: no waiting for the frames that would follow it
    got = false;
    for (int rf; (rf = receive_frame()) >= 0;) {
      if (rf == 1) continue;  // a hardware frame that could not be copied back
      if (!got && frame_pts() == want) {
        out.ts = {want, {tb.num, tb.den}};
        out.index = -1;
        out.key = true;
        convert(out.image, true);
        got = true;
      }
      av_frame_unref(frame.get());
    }
  }
  avcodec_flush_buffers(dec.get());
  dec->skip_frame = skip;
  last_pts = AV_NOPTS_VALUE;
  if (!got) seek(want);
  return got;
}

// The pts of the last key frame at or before `ts` in the container's index; none without an index.
std::optional<std::int64_t> FFmpegSource::Impl::key_frame_before(std::int64_t ts) const {
  const AVStream* st = fmt->streams[stream];
  const int i = av_index_search_timestamp(const_cast<AVStream*>(st), ts, AVSEEK_FLAG_BACKWARD);
  if (i < 0) return std::nullopt;
  const AVIndexEntry* e = avformat_index_get_entry(const_cast<AVStream*>(st), i);
  if (!e) return std::nullopt;
  return e->timestamp;
}

std::int64_t FFmpegSource::Impl::in_stream_time(const Timestamp& t) const {
  return av_rescale_q(t.pts, AVRational{static_cast<int>(t.time_base.num), static_cast<int>(t.time_base.den)}, tb);
}

}  // namespace cords::decode

#include "cords/decode/audio_reader.h"

extern "C" {
#include <libavutil/channel_layout.h>
#include <libswresample/swresample.h>
}

#include <algorithm>
#include <cmath>

#include "cords/decode/av_handles.h"

namespace cords::decode {
namespace {

struct SwrFree {
  void operator()(SwrContext* s) const { swr_free(&s); }
};
using Swr = std::unique_ptr<SwrContext, SwrFree>;

// Sample rates AAC (MPEG-4 audio) can signal; others are resampled to 48 kHz.
int aac_rate(int rate) {
  for (int r : {96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000})
    if (r == rate) return rate;
  return 48000;
}

// A layout swresample can mix from: FFmpeg's default for the channel count where the decoder left the order
// unspecified.
void usable_layout(const AVChannelLayout& in, AVChannelLayout& out) {
  av_channel_layout_uninit(&out);
  if (in.order == AV_CHANNEL_ORDER_UNSPEC || av_channel_layout_copy(&out, &in) < 0)
    av_channel_layout_default(&out, in.nb_channels);
}

}  // namespace

struct AudioReader::Impl {
  av::Input fmt;
  av::Codec dec;
  av::Frame frame{av_frame_alloc()};
  av::Packet pkt{av_packet_alloc()};
  Swr swr;
  int stream = -1;
  AVRational tb{1, 1};
  int rate = 0, channels = 0;  // of the output
  AVChannelLayout out_layout{};
  AudioFacts facts;
  // What `swr` converts from: the sample format, layout and rate of the frames it was built for.
  int in_format = -1, in_rate = 0;
  AVChannelLayout in_layout{};

  ~Impl() {
    av_channel_layout_uninit(&out_layout);
    av_channel_layout_uninit(&in_layout);
  }

  /// A resampler from the current frame's own format, layout and rate, kept while they stay the same. False when
  /// the frame cannot be converted (no channels, no rate): it is then left out (silence).
  bool resampler_for_frame() {
    const AVFrame& f = *frame;
    if (f.ch_layout.nb_channels <= 0 || f.sample_rate <= 0 || f.format < 0) return false;
    if (swr && f.format == in_format && f.sample_rate == in_rate &&
        av_channel_layout_compare(&f.ch_layout, &in_layout) == 0)
      return true;
    swr.reset();
    usable_layout(f.ch_layout, in_layout);
    SwrContext* s = nullptr;
    const bool ok = swr_alloc_set_opts2(&s, &out_layout, AV_SAMPLE_FMT_FLT, rate, &in_layout,
                                        static_cast<AVSampleFormat>(f.format), f.sample_rate, 0, nullptr) >= 0 &&
                    s && swr_init(s) >= 0;
    if (!ok) {
      swr_free(&s);
      in_format = -1;
      return false;
    }
    swr.reset(s);
    av_channel_layout_uninit(&in_layout);
    av_channel_layout_copy(&in_layout, &f.ch_layout);  // compared as the decoder gives it
    in_format = f.format;
    in_rate = f.sample_rate;
    return true;
  }

  /// The current frame resampled into `buf` (interleaved floats at the output's rate and channels), unreferenced;
  /// the number of sample frames written, or the frame's duration at the output's rate as a negative number when it
  /// cannot be converted (its time stays silent).
  int convert_frame(std::vector<float>& buf) {
    if (!resampler_for_frame()) {
      const auto lost = static_cast<int>(av_rescale(frame->nb_samples, rate, std::max(1, frame->sample_rate)));
      av_frame_unref(frame.get());
      return -1 - lost;
    }
    const int room = swr_get_out_samples(swr.get(), frame->nb_samples);
    buf.resize(static_cast<std::size_t>(std::max(0, room)) * static_cast<std::size_t>(channels));
    std::uint8_t* dst[1] = {reinterpret_cast<std::uint8_t*>(buf.data())};
    const int got =
        swr_convert(swr.get(), dst, room, const_cast<const std::uint8_t**>(frame->extended_data), frame->nb_samples);
    av_frame_unref(frame.get());
    return std::max(0, got);
  }

  /// Decodes up to the first frame of the stream (at most kPackets of its packets: a damaged start is passed over)
  /// into `frame`. False when none decodes.
  bool first_frame() {
    constexpr int kPackets = 500;
    int sent = 0;
    while (true) {
      const int r = avcodec_receive_frame(dec.get(), frame.get());
      if (r == 0) {
        if (frame->ch_layout.nb_channels > 0 && frame->sample_rate > 0 && frame->nb_samples > 0) return true;
        av_frame_unref(frame.get());
        continue;
      }
      if (r != AVERROR(EAGAIN) || sent >= kPackets) return false;
      if (av_read_frame(fmt.get(), pkt.get()) < 0) {
        avcodec_send_packet(dec.get(), nullptr);
        sent = kPackets;  // drained next: what the decoder still holds, then the end
        continue;
      }
      if (pkt->stream_index == stream) {
        avcodec_send_packet(dec.get(), pkt.get());
        ++sent;
      }
      av_packet_unref(pkt.get());
    }
  }
};

AudioReader::AudioReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AudioReader::~AudioReader() = default;
int AudioReader::sample_rate() const {
  return impl_->rate;
}
int AudioReader::channels() const {
  return impl_->channels;
}
const AudioFacts& AudioReader::facts() const {
  return impl_->facts;
}

std::unique_ptr<AudioReader> AudioReader::open(const std::string& path) {
  auto m = std::make_unique<Impl>();
  if (!m->frame || !m->pkt) throw std::bad_alloc();
  AVFormatContext* raw = nullptr;
  if (av::open_input_file(path, &raw) < 0) return nullptr;
  m->fmt.reset(raw);
  if (av::probe_streams(m->fmt.get()) < 0) return nullptr;
  const AVCodec* codec = nullptr;
  m->stream = av_find_best_stream(m->fmt.get(), AVMEDIA_TYPE_AUDIO, -1, -1, &codec, 0);
  if (m->stream < 0 || !codec) return nullptr;
  AVStream* st = m->fmt->streams[m->stream];
  for (unsigned i = 0; i < m->fmt->nb_streams; ++i)
    if (static_cast<int>(i) != m->stream) m->fmt->streams[i]->discard = AVDISCARD_ALL;
  m->tb = st->time_base;
  if (m->tb.num <= 0 || m->tb.den <= 0) return nullptr;
  m->dec.reset(avcodec_alloc_context3(codec));
  if (!m->dec) throw std::bad_alloc();
  if (avcodec_parameters_to_context(m->dec.get(), st->codecpar) < 0) return nullptr;
  m->dec->pkt_timebase = st->time_base;
  if (avcodec_open2(m->dec.get(), codec, nullptr) < 0) return nullptr;
  // The output's format follows the first frame that decodes, whatever the header said.
  if (!m->first_frame()) return nullptr;
  const AVFrame& f = *m->frame;
  m->facts.codec = avcodec_get_name(st->codecpar->codec_id);
  m->facts.channels = f.ch_layout.nb_channels;
  m->facts.sample_rate = f.sample_rate;
  if (f.ch_layout.order != AV_CHANNEL_ORDER_UNSPEC) {
    char name[64] = {0};
    if (av_channel_layout_describe(&f.ch_layout, name, sizeof name) > 0) m->facts.layout = name;
  }
  m->rate = aac_rate(f.sample_rate);
  m->channels = f.ch_layout.nb_channels == 1 ? 1 : 2;
  av_channel_layout_default(&m->out_layout, m->channels);
  if (!m->resampler_for_frame()) return nullptr;
  av_frame_unref(m->frame.get());
  return std::unique_ptr<AudioReader>(new AudioReader(std::move(m)));
}

std::vector<float> AudioReader::read(double start, std::int64_t count) {
  Impl& m = *impl_;
  std::vector<float> out(static_cast<std::size_t>(std::max<std::int64_t>(0, count) * m.channels), 0.0f);
  if (count <= 0) return out;
  const auto first = static_cast<std::int64_t>(std::llround(start * m.rate));  // sample index of out[0]
  const std::int64_t last = first + count;
  // From a little before `start`: the packet holding it, and decoders' priming.
  av_seek_frame(m.fmt.get(), m.stream, static_cast<std::int64_t>(std::floor((start - 0.5) / av_q2d(m.tb))),
                AVSEEK_FLAG_BACKWARD);
  avcodec_flush_buffers(m.dec.get());
  m.swr.reset();  // rebuilt for the first frame: nothing converted before the seek leaks into this stretch
  std::vector<float> buf;
  std::int64_t pos = INT64_MIN;  // sample index of the next resampled sample
  bool flushing = false, done = false;
  while (!done) {
    int r = avcodec_receive_frame(m.dec.get(), m.frame.get());
    if (r == AVERROR(EAGAIN)) {
      if (flushing) break;
      r = av_read_frame(m.fmt.get(), m.pkt.get());
      if (r < 0) {
        avcodec_send_packet(m.dec.get(), nullptr);
        flushing = true;
        continue;
      }
      if (m.pkt->stream_index == m.stream) avcodec_send_packet(m.dec.get(), m.pkt.get());  // corrupt packets: silence
      av_packet_unref(m.pkt.get());
      continue;
    }
    if (r < 0) break;  // end of stream, or a decoder error: the rest stays silent
    std::int64_t ts = m.frame->best_effort_timestamp;
    if (ts != AV_NOPTS_VALUE) {
      const auto at = static_cast<std::int64_t>(std::llround(static_cast<double>(ts) * av_q2d(m.tb) * m.rate));
      if (pos == INT64_MIN || std::llabs(at - pos) > m.rate / 50) pos = at;  // a jump of > 20 ms: follow the timestamps
    }
    const int got = m.convert_frame(buf);
    if (pos == INT64_MIN) continue;
    if (got < 0) {  // a frame that cannot be converted: its time stays silent
      pos += -1 - got;
      continue;
    }
    // The samples of [pos, pos + got) that fall in [first, last).
    const std::int64_t from = std::max<std::int64_t>(0, first - pos), to = std::min<std::int64_t>(got, last - pos);
    if (from < to)
      std::copy(buf.begin() + from * m.channels, buf.begin() + to * m.channels,
                out.begin() + (pos + from - first) * m.channels);
    pos += got;
    done = pos >= last;
  }
  return out;
}

}  // namespace cords::decode

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

}  // namespace

struct AudioReader::Impl {
  av::Input fmt;
  av::Codec dec;
  av::Frame frame{av_frame_alloc()};
  av::Packet pkt{av_packet_alloc()};
  Swr swr;
  int stream = -1;
  AVRational tb{1, 1};
  int rate = 0, channels = 0;
  AVChannelLayout out_layout{};

  ~Impl() { av_channel_layout_uninit(&out_layout); }

  void reset_resampler() {
    SwrContext* s = nullptr;
    if (swr_alloc_set_opts2(&s, &out_layout, AV_SAMPLE_FMT_FLT, rate, &dec->ch_layout, dec->sample_fmt,
                            dec->sample_rate, 0, nullptr) < 0 ||
        !s || swr_init(s) < 0) {
      swr_free(&s);
      swr.reset();
      return;
    }
    swr.reset(s);
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
  m->dec.reset(avcodec_alloc_context3(codec));
  if (!m->dec) throw std::bad_alloc();
  if (avcodec_parameters_to_context(m->dec.get(), st->codecpar) < 0) return nullptr;
  m->dec->pkt_timebase = st->time_base;
  if (avcodec_open2(m->dec.get(), codec, nullptr) < 0) return nullptr;
  if (m->dec->sample_rate <= 0 || m->dec->ch_layout.nb_channels <= 0) return nullptr;
  m->rate = aac_rate(m->dec->sample_rate);
  m->channels = m->dec->ch_layout.nb_channels == 1 ? 1 : 2;
  av_channel_layout_default(&m->out_layout, m->channels);
  m->reset_resampler();
  if (!m->swr) return nullptr;
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
  m.reset_resampler();
  if (!m.swr) return out;
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
    const int room = swr_get_out_samples(m.swr.get(), m.frame->nb_samples);
    buf.resize(static_cast<std::size_t>(std::max(0, room)) * static_cast<std::size_t>(m.channels));
    std::uint8_t* dst[1] = {reinterpret_cast<std::uint8_t*>(buf.data())};
    const int got = swr_convert(m.swr.get(), dst, room, const_cast<const std::uint8_t**>(m.frame->extended_data),
                                m.frame->nb_samples);
    av_frame_unref(m.frame.get());
    if (got <= 0 || pos == INT64_MIN) continue;
    for (int i = 0; i < got; ++i, ++pos) {
      if (pos < first) continue;
      if (pos >= last) {
        done = true;
        break;
      }
      for (int c = 0; c < m.channels; ++c)
        out[static_cast<std::size_t>(pos - first) * static_cast<std::size_t>(m.channels) +
            static_cast<std::size_t>(c)] =
            buf[static_cast<std::size_t>(i) * static_cast<std::size_t>(m.channels) + static_cast<std::size_t>(c)];
    }
  }
  return out;
}

}  // namespace cords::decode

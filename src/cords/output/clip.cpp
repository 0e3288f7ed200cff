// The summary clip: ClipWriter (encoded: H.264 or MPEG-4 + AAC, on its own thread) and ClipCopier (the input's
// packets copied, the sound encoded again), both written to a temporary name and renamed into place.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

extern "C" {
#include <libavutil/channel_layout.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
}

#include "cords/core/atomic_file.h"
#include "cords/core/bounded_queue.h"
#include "cords/core/error.h"
#include "cords/decode/av_handles.h"
#include "cords/output/writers.h"

namespace cords::output {

namespace {

// The file either clip writer produces: an output context whose container follows `path`'s extension, written to a
// hidden temporary name beside `path` and renamed into place by finish(); removed when never finished.
struct ClipFile {
  std::string path, temp;
  av::Output oc;
  bool done = false;

  explicit ClipFile(const std::string& p) : path(p) {
    const std::filesystem::path fp(p);
    temp =
        (fp.parent_path() / ("." + fp.stem().string() + ".tmp-" + std::to_string(::getpid()) + fp.extension().string()))
            .string();
    AVFormatContext* raw = nullptr;
    // ("file:" first: a folder named like a protocol, "my:clips/", is still a folder)
    if (avformat_alloc_output_context2(&raw, nullptr, nullptr, ("file:" + temp).c_str()) < 0 || !raw)
      fail("unknown container for its extension (use .mp4 or .mkv)");
    oc.reset(raw);
  }
  ~ClipFile() {
    if (!done && oc) {
      oc.reset();  // closes the file
      std::remove(temp.c_str());
    }
  }
  ClipFile(const ClipFile&) = delete;
  ClipFile& operator=(const ClipFile&) = delete;

  [[noreturn]] void fail(const std::string& why) const {
    throw output_unwritable("cannot write the summary clip '" + path + "': " + why);
  }
  void create() {
    if (avio_open(&oc->pb, ("file:" + temp).c_str(), AVIO_FLAG_WRITE) < 0) fail("cannot create the file");
  }
  void write(AVPacket* pkt) {
    if (av_interleaved_write_frame(oc.get(), pkt) < 0) fail("writing failed (disk full?)");
  }
  // Writes the trailer, closes the file and renames it into place.
  void finish() {
    if (av_write_trailer(oc.get()) < 0) fail("cannot finish the file");
    oc.reset();
    done = true;
    if (std::rename(temp.c_str(), path.c_str()) != 0) {
      std::remove(temp.c_str());
      fail("rename failed");
    }
  }
};

// The input's best video stream, opened for reading packets. Throws Error{InputUnreadable}.
av::Input open_video_input(const std::string& input, int& index) {
  AVFormatContext* raw = nullptr;
  if (av::open_input_file(input, &raw) < 0) throw input_unreadable("cannot open '" + input + "'");
  av::Input in(raw);
  if (av::probe_streams(in.get()) < 0) throw input_unreadable("cannot read the streams of '" + input + "'");
  index = av_find_best_stream(in.get(), AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  if (index < 0) throw input_unreadable("no video stream in '" + input + "'");
  return in;
}

// Sends one frame (or nullptr to flush) to an encoder and writes the packets that come out into its stream.
void send_frame(ClipFile& file, AVPacket* pkt, AVCodecContext* codec, AVStream* stream, AVFrame* f) {
  if (avcodec_send_frame(codec, f) < 0) file.fail("the encoder refused a frame");
  while (true) {
    const int r = avcodec_receive_packet(codec, pkt);
    if (r == AVERROR(EAGAIN) || r == AVERROR_EOF) return;
    if (r < 0) file.fail("encoding failed");
    av_packet_rescale_ts(pkt, codec->time_base, stream->time_base);
    pkt->stream_index = stream->index;
    file.write(pkt);
  }
}

// The clip's sound track (AAC), for either clip writer: samples wait in `pending` (interleaved) until a whole
// encoder frame (1024 per channel) is there. Added before the file's header is written.
struct AacTrack {
  ClipFile& file;
  av::Codec enc;
  av::Frame frame{av_frame_alloc()};
  av::Packet pkt{av_packet_alloc()};
  AVStream* st = nullptr;
  std::vector<float> pending;
  std::int64_t pts = 0;

  AacTrack(ClipFile& f, const ClipAudio& audio) : file(f) {
    const AVCodec* aac = avcodec_find_encoder(AV_CODEC_ID_AAC);
    if (!aac) file.fail("no AAC encoder in this FFmpeg build (use " + param("no_clip_audio") + ")");
    enc.reset(avcodec_alloc_context3(aac));
    if (!enc || !frame || !pkt) throw std::bad_alloc();
    enc->sample_fmt = AV_SAMPLE_FMT_FLTP;
    enc->sample_rate = audio.sample_rate;
    av_channel_layout_default(&enc->ch_layout, audio.channels);
    enc->bit_rate = 64000 * audio.channels;
    enc->time_base = AVRational{1, audio.sample_rate};
    if (file.oc->oformat->flags & AVFMT_GLOBALHEADER) enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    if (avcodec_open2(enc.get(), aac, nullptr) < 0) file.fail("cannot open the AAC encoder");
    st = avformat_new_stream(file.oc.get(), nullptr);
    if (!st || avcodec_parameters_from_context(st->codecpar, enc.get()) < 0) file.fail("cannot add an audio stream");
    st->time_base = enc->time_base;
    frame->format = AV_SAMPLE_FMT_FLTP;
    frame->sample_rate = audio.sample_rate;
    frame->nb_samples = enc->frame_size > 0 ? enc->frame_size : 1024;
    if (av_channel_layout_copy(&frame->ch_layout, &enc->ch_layout) < 0 || av_frame_get_buffer(frame.get(), 0) < 0)
      throw std::bad_alloc();
  }
  // Whether `audio` is sound this track can carry (a rate, and mono or stereo).
  static bool usable(const ClipAudio* audio) {
    return audio && audio->sample_rate > 0 && (audio->channels == 1 || audio->channels == 2);
  }
  // Appends interleaved samples and encodes every whole frame of them; `last`: also the rest, padded with silence,
  // and the encoder's flush.
  void encode(const std::vector<float>& sound, bool last) {
    pending.insert(pending.end(), sound.begin(), sound.end());
    const int ch = enc->ch_layout.nb_channels, n = frame->nb_samples;
    const auto whole = static_cast<std::size_t>(n) * static_cast<std::size_t>(ch);
    if (last && pending.size() % whole != 0) pending.resize((pending.size() / whole + 1) * whole, 0.0f);
    std::size_t used = 0;
    while (pending.size() - used >= whole) {
      if (av_frame_make_writable(frame.get()) < 0) throw std::bad_alloc();
      for (int c = 0; c < ch; ++c) {
        auto* plane = reinterpret_cast<float*>(frame->extended_data[c]);
        for (int i = 0; i < n; ++i) plane[i] = pending[used + static_cast<std::size_t>(i * ch + c)];
      }
      frame->pts = pts;
      pts += n;
      send_frame(file, pkt.get(), enc.get(), st, frame.get());
      used += whole;
    }
    pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(used));
    if (last) send_frame(file, pkt.get(), enc.get(), st, nullptr);
  }
};

}  // namespace

struct ClipWriter::Impl {
  ClipFile file;
  av::Codec enc;
  av::Frame frame{av_frame_alloc()};
  av::Packet pkt{av_packet_alloc()};
  AVStream* st = nullptr;
  std::int64_t next_pts = 0;
  std::unique_ptr<AacTrack> sound;  ///< when the clip has any
  // What the worker takes: a picture, or a stretch of sound.
  struct Item {
    Yuv420 pic;
    std::vector<float> sound;
    bool is_sound = false;
  };
  // Frames are encoded on their own thread, so that decoding the next ones goes on meanwhile; a few frames
  // (1.4 MB each at 720p) wait in the queue. The worker's error, if any, ends the queue and is rethrown by the
  // next write() or by close().
  BoundedQueue<Item> queue{8};
  std::thread worker;
  std::exception_ptr error;

  explicit Impl(const std::string& path) : file(path) {}
  ~Impl() {  // abandoned (an error elsewhere): the worker drops what is queued
    queue.fail(std::make_exception_ptr(std::runtime_error("abandoned")));
    if (worker.joinable()) worker.join();
  }
  // Lets the worker encode what is queued, and waits for it.
  void stop() {
    queue.close();
    if (worker.joinable()) worker.join();
  }
  void run() {
    try {
      Item item;
      while (queue.pop(item)) {
        if (item.is_sound)
          sound->encode(item.sound, false);
        else
          encode_picture(item.pic);
      }
    } catch (...) {
      error = std::current_exception();
      queue.close();
    }
  }
  // Copies a picture into the encoder's frame and encodes it.
  void encode_picture(const Yuv420& pic) {
    if (av_frame_make_writable(frame.get()) < 0) throw std::bad_alloc();
    for (int p = 0; p < 3; ++p)
      av_image_copy_plane(frame->data[p], frame->linesize[p], pic.plane(p), pic.plane_width(p), pic.plane_width(p),
                          pic.plane_height(p));
    frame->pts = next_pts++;
    encode(frame.get());
  }
  // Sends one picture (or nullptr to flush) to the video encoder.
  void encode(AVFrame* f) { send_frame(file, pkt.get(), enc.get(), st, f); }
  // Hands an item to the worker; when the worker has stopped, rethrows its error.
  void push(Item item) {
    if (queue.push(std::move(item))) return;
    stop();
    if (error) std::rethrow_exception(error);
    file.fail("the clip was already closed");
  }
};

ClipWriter::ClipWriter(const std::string& path, Rational fps, int width, int height, const ClipAudio* audio)
    : impl_(std::make_unique<Impl>(path)) {
  Impl& m = *impl_;
  if (!fps.valid()) fps = {25, 1};
  width -= width % 2;  // 4:2:0 wants even sizes
  height -= height % 2;
  // An animated WebP (.webp: the hover preview) is libwebp's; video containers take H.264, else MPEG-4 Part 2.
  const bool webp = std::string(m.file.oc->oformat->name) == "webp";
  const AVCodec* codec = avcodec_find_encoder_by_name(webp ? "libwebp_anim" : "libx264");
  if (!codec && !webp) codec = avcodec_find_encoder(AV_CODEC_ID_MPEG4);
  if (!codec)
    m.file.fail(webp ? "no animated WebP encoder (libwebp) in this FFmpeg build"
                     : "no H.264 or MPEG-4 encoder in this FFmpeg build");
  codec_ = webp ? "webp" : codec->id == AV_CODEC_ID_H264 ? "h264" : "mpeg4";
  m.enc.reset(avcodec_alloc_context3(codec));
  m.enc->width = width;
  m.enc->height = height;
  m.enc->pix_fmt = AV_PIX_FMT_YUV420P;
  m.enc->time_base = AVRational{static_cast<int>(fps.den), static_cast<int>(fps.num)};
  m.enc->framerate = AVRational{static_cast<int>(fps.num), static_cast<int>(fps.den)};
  m.enc->gop_size = static_cast<int>(std::max(1.0, 2 * fps.value()));
  m.enc->thread_count = 0;
  if (m.file.oc->oformat->flags & AVFMT_GLOBALHEADER) m.enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  if (codec->id == AV_CODEC_ID_H264) {
    av_opt_set(m.enc->priv_data, "preset", "veryfast", 0);
    av_opt_set(m.enc->priv_data, "crf", "23", 0);
    // A preview, not an archive: the simplest motion search takes ~30% less CPU than veryfast's own for ~7% more
    // bytes at the same SSIM (measured on the bundled sample at 720p; docs/benchmarks.md).
    av_opt_set(m.enc->priv_data, "x264-params", "me=dia:subme=1", 0);
  } else if (webp) {
    av_opt_set(m.enc->priv_data, "quality", "70", 0);  // (lossy; a preview)
    av_opt_set(m.file.oc->priv_data, "loop", "0", 0);  // loops for ever, as previews on hover do
  } else {
    m.enc->bit_rate = static_cast<std::int64_t>(width) * height * 4;  // about 4 bits per pixel per second
  }
  if (avcodec_open2(m.enc.get(), codec, nullptr) < 0) m.file.fail("cannot open the " + codec_ + " encoder");
  m.st = avformat_new_stream(m.file.oc.get(), nullptr);
  if (!m.st || avcodec_parameters_from_context(m.st->codecpar, m.enc.get()) < 0)
    m.file.fail("cannot add a video stream");
  m.st->time_base = m.enc->time_base;
  m.st->avg_frame_rate = m.enc->framerate;  // without it the MP4 edit list ends one frame early (B-frames)
  if (AacTrack::usable(audio)) {
    m.sound = std::make_unique<AacTrack>(m.file, *audio);
    audio_codec_ = "aac";
  }
  m.file.create();
  if (avformat_write_header(m.file.oc.get(), nullptr) < 0) m.file.fail("cannot write the header");
  m.frame->format = AV_PIX_FMT_YUV420P;
  m.frame->width = width;
  m.frame->height = height;
  if (av_frame_get_buffer(m.frame.get(), 0) < 0) throw std::bad_alloc();
  m.worker = std::thread([&m] { m.run(); });
}

ClipWriter::~ClipWriter() = default;

void ClipWriter::write(Yuv420 pic) {
  Impl& m = *impl_;
  if (pic.width != m.frame->width || pic.height != m.frame->height)
    throw Error(ErrorKind::Internal, "clip frame of " + std::to_string(pic.width) + "x" + std::to_string(pic.height) +
                                         " for a clip of " + std::to_string(m.frame->width) + "x" +
                                         std::to_string(m.frame->height));
  Impl::Item item;
  item.pic = std::move(pic);
  m.push(std::move(item));
}

void ClipWriter::write_audio(std::vector<float> samples) {
  Impl& m = *impl_;
  if (!m.sound) return;
  Impl::Item item;
  item.sound = std::move(samples);
  item.is_sound = true;
  m.push(std::move(item));
}

void ClipWriter::close() {
  Impl& m = *impl_;
  m.stop();
  if (m.error) std::rethrow_exception(m.error);
  m.encode(nullptr);
  if (m.sound) m.sound->encode({}, true);
  m.file.finish();
}

struct ClipCopier::Impl {
  int in_index = -1;
  av::Input in;
  ClipFile file;
  av::Packet pkt{av_packet_alloc()};
  AVStream* ist = nullptr;
  AVStream* ost = nullptr;
  std::int64_t next_pts = INT64_MIN;     ///< where the next segment's first frame is shown (input time base)
  std::int64_t last_dts = INT64_MIN;     ///< the last packet's decode time, shifted (input time base)
  std::int64_t first_shown = INT64_MIN;  ///< the clip's first frame, shifted (input time base): the clip's time 0
  std::int64_t copied = 0;
  std::unique_ptr<AacTrack> sound;  ///< when the clip has any

  Impl(const std::string& input, const std::string& path)
      : in(open_video_input(input, in_index)), file(path), ist(in->streams[in_index]) {}
};

ClipCopier::ClipCopier(const std::string& input, const std::string& path)
    : impl_(std::make_unique<Impl>(input, path)) {}

ClipCopier::~ClipCopier() = default;

std::int64_t ClipCopier::packets() const {
  return impl_->copied;
}

std::unique_ptr<ClipCopier> ClipCopier::open(const std::string& input, const std::string& path,
                                             const ClipAudio* audio) {
  std::unique_ptr<ClipCopier> c(new ClipCopier(input, path));
  Impl& m = *c->impl_;
  // Only codecs the container declares it can hold; anything else is re-encoded by the caller.
  if (avformat_query_codec(m.file.oc->oformat, m.ist->codecpar->codec_id, FF_COMPLIANCE_NORMAL) != 1) return nullptr;
  m.ost = avformat_new_stream(m.file.oc.get(), nullptr);
  if (!m.ost || avcodec_parameters_copy(m.ost->codecpar, m.ist->codecpar) < 0) m.file.fail("cannot add a video stream");
  m.ost->codecpar->codec_tag = 0;
  m.ost->time_base = m.ist->time_base;
  av::copy_display_matrix(m.ist, m.ost);  // keep the rotation: phone footage stays upright in a player
  const AVCodecDescriptor* d = avcodec_descriptor_get(m.ist->codecpar->codec_id);
  c->codec_ = d ? d->name : "unknown";
  if (AacTrack::usable(audio)) {
    m.sound = std::make_unique<AacTrack>(m.file, *audio);
    c->audio_codec_ = "aac";
  }
  m.file.create();
  // The muxer may still refuse the stream's parameters (the unfinished file is removed with the copier). It may
  // also change ost->time_base: packets are rescaled to it.
  if (avformat_write_header(m.file.oc.get(), nullptr) < 0) return nullptr;
  return c;
}

bool ClipCopier::append(double start, double end, CopiedSpan* span) {
  Impl& m = *impl_;
  if (span) *span = {};
  const AVRational tb = m.ist->time_base;
  const auto start_ts = static_cast<std::int64_t>(std::floor(start / av_q2d(tb)));
  const auto end_ts = static_cast<std::int64_t>(std::ceil(end / av_q2d(tb)));
  if (av_seek_frame(m.in.get(), m.in_index, start_ts, AVSEEK_FLAG_BACKWARD) < 0) return false;
  bool started = false;
  std::int64_t offset = 0, max_pts = INT64_MIN, seg_first = 0;
  while (av_read_frame(m.in.get(), m.pkt.get()) >= 0) {
    std::unique_ptr<AVPacket, void (*)(AVPacket*)> unref(m.pkt.get(), av_packet_unref);
    if (m.pkt->stream_index != m.in_index) continue;
    if (!started) {
      if (!(m.pkt->flags & AV_PKT_FLAG_KEY)) continue;  // the seek landed before the key frame's packet
      if (m.pkt->dts == AV_NOPTS_VALUE || m.pkt->pts == AV_NOPTS_VALUE) return false;
      started = true;
      // Place the segment after the previous one: its first frame shown one frame after the last one shown,
      // and decode times kept increasing. The first segment's key frame is shown at time 0 (decode times before
      // it are negative, as for an encoder's B-frames), where the sound starts too.
      offset = m.last_dts == INT64_MIN ? -m.pkt->pts : std::max(m.next_pts - m.pkt->pts, m.last_dts + 1 - m.pkt->dts);
      seg_first = m.pkt->pts + offset;
      if (m.first_shown == INT64_MIN) m.first_shown = seg_first;
      if (span) {
        span->from = m.pkt->pts * av_q2d(tb);
        span->at = static_cast<double>(seg_first - m.first_shown) * av_q2d(tb);
      }
    }
    if (m.pkt->dts == AV_NOPTS_VALUE || m.pkt->pts == AV_NOPTS_VALUE) return false;
    // The first packet shown at or after the end closes the segment: everything before it in decode order is
    // shown before the end, and all of their references are in (a reference precedes in decode order). B-frames
    // that follow it in decode order are left out, so a segment may end a few frames short.
    if (m.pkt->pts >= end_ts && max_pts != INT64_MIN) break;
    m.pkt->pts += offset;
    m.pkt->dts += offset;
    if (m.last_dts != INT64_MIN && m.pkt->dts <= m.last_dts) return false;  // not increasing: not copyable
    m.last_dts = m.pkt->dts;
    max_pts = std::max(max_pts, m.pkt->pts);
    m.pkt->pos = -1;
    m.pkt->stream_index = m.ost->index;
    av_packet_rescale_ts(m.pkt.get(), tb, m.ost->time_base);
    m.file.write(m.pkt.get());
    ++m.copied;
  }
  if (max_pts == INT64_MIN) return true;  // nothing at or after the start (end of the input)
  const AVRational fr = m.ist->avg_frame_rate.num > 0 ? m.ist->avg_frame_rate : m.ist->r_frame_rate;
  const std::int64_t step = fr.num > 0 ? std::max<std::int64_t>(1, av_rescale_q(1, AVRational{fr.den, fr.num}, tb)) : 1;
  m.next_pts = max_pts + step;
  if (span) span->until = span->from + static_cast<double>(m.next_pts - seg_first) * av_q2d(tb);
  return true;
}

void ClipCopier::write_audio(const std::vector<float>& samples) {
  if (impl_->sound) impl_->sound->encode(samples, false);
}

void ClipCopier::close() {
  if (impl_->sound) impl_->sound->encode({}, true);
  impl_->file.finish();
}

}  // namespace cords::output

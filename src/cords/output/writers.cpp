#include "cords/output/writers.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

extern "C" {
#include <libavutil/opt.h>
}

#include "cords/core/atomic_file.h"
#include "cords/core/error.h"
#include "cords/decode/av_handles.h"

namespace cords::output {
namespace {

cv::Mat to_bgr(const Image& img) {
  cv::Mat rgb(img.height, img.width, CV_8UC3, const_cast<std::uint8_t*>(img.data.data()));
  cv::Mat bgr;
  cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
  return bgr;
}

Image from_bgr(const cv::Mat& bgr) {
  Image img;
  img.width = bgr.cols;
  img.height = bgr.rows;
  img.data.resize(static_cast<std::size_t>(bgr.cols) * bgr.rows * 3);
  cv::Mat rgb(bgr.rows, bgr.cols, CV_8UC3, img.data.data());
  cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
  return img;
}

std::string lower_ext(const std::string& path) {
  std::string e = std::filesystem::path(path).extension().string();
  for (auto& c : e) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return e;
}

}  // namespace

void write_image(const std::string& path, const Image& img, int jpeg_quality) {
  const std::string ext = lower_ext(path);
  std::vector<int> params;
  if (ext == ".jpg" || ext == ".jpeg") params = {cv::IMWRITE_JPEG_QUALITY, jpeg_quality};
  else if (ext == ".webp") params = {cv::IMWRITE_WEBP_QUALITY, jpeg_quality};
  else if (ext != ".png") throw invalid_argument("cannot write '" + path + "': image extension must be .jpg, .png or .webp");
  std::vector<std::uint8_t> bytes;
  try {
    if (!cv::imencode(ext, to_bgr(img), bytes, params)) throw output_unwritable("cannot encode '" + path + "'");
  } catch (const cv::Exception& e) {
    throw output_unwritable("cannot encode '" + path + "': " + e.what());
  }
  AtomicFile f(path);
  f.write(bytes.data(), bytes.size());
  f.commit();
}

Image make_contact_sheet(const std::vector<SheetTile>& tiles, const SheetOptions& o) {
  const int n = static_cast<int>(tiles.size());
  const int cols = o.columns > 0 ? o.columns : std::max(1, static_cast<int>(std::ceil(std::sqrt(n * 1.0))));
  const int rows = std::max(1, (n + cols - 1) / cols);
  const int tw = std::max(32, o.tile_width);
  int th = tw * 9 / 16;
  if (n > 0 && !tiles[0].image->empty()) th = std::max(16, tw * tiles[0].image->height / tiles[0].image->width);
  const int pad = 8, caption_h = 22, line_h = 24;
  const int width = pad + std::max(cols, 2) * (tw + pad);  // at least two tiles wide, so the header reads well
  const int font = cv::FONT_HERSHEY_SIMPLEX;
  // Header lines wider than the sheet are wrapped at their "  |  " separators.
  struct Line {
    std::string text;
    bool title;
  };
  std::vector<Line> lines;
  for (std::size_t l = 0; l < o.header.size(); ++l) {
    const double scale = l == 0 ? 0.65 : 0.5;
    auto fits = [&](const std::string& t) { return cv::getTextSize(t, font, scale, 1, nullptr).width <= width - 2 * pad; };
    std::string rest = o.header[l], cur;
    while (!rest.empty()) {
      const std::size_t cut = rest.find("  |  ");
      const std::string piece = rest.substr(0, cut);
      rest = cut == std::string::npos ? "" : rest.substr(cut + 5);
      const std::string joined = cur.empty() ? piece : cur + "  |  " + piece;
      if (cur.empty() || fits(joined)) {
        cur = joined;
      } else {
        lines.push_back({cur, l == 0});
        cur = piece;
      }
    }
    lines.push_back({cur, l == 0});
  }
  const int header_h = lines.empty() ? 0 : pad + line_h * static_cast<int>(lines.size());
  const int height = header_h + pad + rows * (th + caption_h + pad);
  cv::Mat sheet(height, width, CV_8UC3, cv::Scalar(30, 30, 30));
  for (std::size_t l = 0; l < lines.size(); ++l)
    cv::putText(sheet, lines[l].text, {pad, pad + line_h * static_cast<int>(l + 1) - 6}, font, lines[l].title ? 0.65 : 0.5,
                lines[l].title ? cv::Scalar(255, 255, 255) : cv::Scalar(200, 200, 200), 1, cv::LINE_AA);
  for (int t = 0; t < n; ++t) {
    const int x = pad + (t % cols) * (tw + pad), y = header_h + pad + (t / cols) * (th + caption_h + pad);
    cv::Mat tile;
    cv::resize(to_bgr(*tiles[static_cast<std::size_t>(t)].image), tile, {tw, th}, 0, 0, cv::INTER_AREA);
    tile.copyTo(sheet(cv::Rect(x, y, tw, th)));
    cv::putText(sheet, tiles[static_cast<std::size_t>(t)].caption, {x + 2, y + th + 16}, font, 0.5,
                cv::Scalar(230, 230, 230), 1, cv::LINE_AA);
  }
  return from_bgr(sheet);
}

struct ClipWriter::Impl {
  std::string path, temp;
  av::Output oc;
  av::Codec enc;
  av::Frame frame{av_frame_alloc()};
  av::Packet pkt{av_packet_alloc()};
  av::Sws sws;
  AVStream* st = nullptr;
  std::int64_t next_pts = 0;
  bool done = false;

  [[noreturn]] void fail(const std::string& why) const {
    throw output_unwritable("cannot write the summary clip '" + path + "': " + why);
  }
  // Sends one frame (or nullptr to flush) and writes the packets that come out.
  void encode(AVFrame* f) {
    if (avcodec_send_frame(enc.get(), f) < 0) fail("the encoder refused a frame");
    while (true) {
      const int r = avcodec_receive_packet(enc.get(), pkt.get());
      if (r == AVERROR(EAGAIN) || r == AVERROR_EOF) return;
      if (r < 0) fail("encoding failed");
      av_packet_rescale_ts(pkt.get(), enc->time_base, st->time_base);
      pkt->stream_index = st->index;
      if (av_interleaved_write_frame(oc.get(), pkt.get()) < 0) fail("writing failed (disk full?)");
    }
  }
};

ClipWriter::ClipWriter(const std::string& path, Rational fps, int width, int height) : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.path = path;
  const std::filesystem::path p(path);
  m.temp = (p.parent_path() / ("." + p.stem().string() + ".tmp-" + std::to_string(::getpid()) + p.extension().string())).string();
  if (!fps.valid()) fps = {25, 1};
  width -= width % 2;  // 4:2:0 wants even sizes
  height -= height % 2;
  AVFormatContext* raw = nullptr;
  if (avformat_alloc_output_context2(&raw, nullptr, nullptr, m.temp.c_str()) < 0 || !raw)
    m.fail("unknown container for its extension (use .mp4 or .mkv)");
  m.oc.reset(raw);
  const AVCodec* codec = avcodec_find_encoder_by_name("libx264");
  if (!codec) codec = avcodec_find_encoder(AV_CODEC_ID_MPEG4);
  if (!codec) m.fail("no H.264 or MPEG-4 encoder in this FFmpeg build");
  codec_ = codec->id == AV_CODEC_ID_H264 ? "h264" : "mpeg4";
  m.enc.reset(avcodec_alloc_context3(codec));
  m.enc->width = width;
  m.enc->height = height;
  m.enc->pix_fmt = AV_PIX_FMT_YUV420P;
  m.enc->time_base = AVRational{static_cast<int>(fps.den), static_cast<int>(fps.num)};
  m.enc->framerate = AVRational{static_cast<int>(fps.num), static_cast<int>(fps.den)};
  m.enc->gop_size = static_cast<int>(std::max(1.0, 2 * fps.value()));
  m.enc->thread_count = 0;
  if (m.oc->oformat->flags & AVFMT_GLOBALHEADER) m.enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  if (codec->id == AV_CODEC_ID_H264) {
    av_opt_set(m.enc->priv_data, "preset", "veryfast", 0);
    av_opt_set(m.enc->priv_data, "crf", "23", 0);
  } else {
    m.enc->bit_rate = static_cast<std::int64_t>(width) * height * 4;  // about 4 bits per pixel per second
  }
  if (avcodec_open2(m.enc.get(), codec, nullptr) < 0) m.fail("cannot open the " + codec_ + " encoder");
  m.st = avformat_new_stream(m.oc.get(), nullptr);
  if (!m.st || avcodec_parameters_from_context(m.st->codecpar, m.enc.get()) < 0) m.fail("cannot add a video stream");
  m.st->time_base = m.enc->time_base;
  if (avio_open(&m.oc->pb, m.temp.c_str(), AVIO_FLAG_WRITE) < 0) m.fail("cannot create the file");
  if (avformat_write_header(m.oc.get(), nullptr) < 0) m.fail("cannot write the header");
  m.frame->format = AV_PIX_FMT_YUV420P;
  m.frame->width = width;
  m.frame->height = height;
  if (av_frame_get_buffer(m.frame.get(), 0) < 0) throw std::bad_alloc();
}

ClipWriter::~ClipWriter() {
  if (!impl_->done) {
    impl_->oc.reset();  // closes the file
    std::remove(impl_->temp.c_str());
  }
}

void ClipWriter::write(const Image& img) {
  Impl& m = *impl_;
  if (av_frame_make_writable(m.frame.get()) < 0) throw std::bad_alloc();
  m.sws.reset(sws_getCachedContext(m.sws.release(), img.width, img.height, AV_PIX_FMT_RGB24, m.frame->width,
                                   m.frame->height, AV_PIX_FMT_YUV420P, SWS_BILINEAR, nullptr, nullptr, nullptr));
  if (!m.sws) m.fail("cannot convert frames");
  const uint8_t* src[4] = {img.data.data(), nullptr, nullptr, nullptr};
  const int stride[4] = {img.width * 3, 0, 0, 0};
  sws_scale(m.sws.get(), src, stride, 0, img.height, m.frame->data, m.frame->linesize);
  m.frame->pts = m.next_pts++;
  m.encode(m.frame.get());
}

void ClipWriter::close() {
  Impl& m = *impl_;
  m.encode(nullptr);
  if (av_write_trailer(m.oc.get()) < 0) m.fail("cannot finish the file");
  m.oc.reset();  // closes the file
  m.done = true;
  if (std::rename(m.temp.c_str(), m.path.c_str()) != 0) {
    std::remove(m.temp.c_str());
    m.fail("rename failed");
  }
}

}  // namespace cords::output

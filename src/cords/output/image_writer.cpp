// Keyframe images: JPEG, PNG or WebP files encoded with libavcodec, written atomically.
#include <algorithm>
#include <cstdio>
#include <filesystem>

extern "C" {
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
}

#include "cords/core/atomic_file.h"
#include "cords/core/error.h"
#include "cords/decode/av_handles.h"
#include "cords/output/writers.h"

namespace cords::output {
namespace {

std::string lower_ext(const std::string& path) {
  std::string e = std::filesystem::path(path).extension().string();
  for (auto& c : e) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return e;
}

// One image as a complete JPEG, PNG or WebP file, from libavcodec's encoders (mjpeg, png, libwebp): the FFmpeg
// libraries are loaded anyway, while OpenCV's imgcodecs would bring ~120 more shared libraries (GDAL, GDCM, JPEG XL,
// ...) and 0.1-0.2 s of start-up to every run.
std::vector<std::uint8_t> encode_image(const Image& img, const std::string& ext, int quality, const std::string& path) {
  const bool jpeg = ext == ".jpg" || ext == ".jpeg", png = ext == ".png";
  const AVCodec* codec = jpeg  ? avcodec_find_encoder(AV_CODEC_ID_MJPEG)
                         : png ? avcodec_find_encoder(AV_CODEC_ID_PNG)
                               : avcodec_find_encoder_by_name("libwebp");
  if (!codec)
    throw output_unwritable("cannot write '" + path + "': this FFmpeg build has no " + ext.substr(1) + " encoder");
  const AVPixelFormat pf = jpeg ? AV_PIX_FMT_YUVJ420P : png ? AV_PIX_FMT_RGB24 : AV_PIX_FMT_YUV420P;
  av::Codec enc(avcodec_alloc_context3(codec));
  av::Frame frame(av_frame_alloc());
  av::Packet pkt(av_packet_alloc());
  if (!enc || !frame || !pkt) throw std::bad_alloc();
  enc->width = img.width;
  enc->height = img.height;
  enc->pix_fmt = pf;
  enc->time_base = {1, 1};
  if (jpeg) {  // libjpeg-like quality 90 -> qscale 2 (of 1 best .. 31)
    enc->flags |= AV_CODEC_FLAG_QSCALE;
    enc->global_quality = FF_QP2LAMBDA * std::clamp((100 - quality + 2) / 5, 1, 31);
    enc->color_range = AVCOL_RANGE_JPEG;
  } else if (!png) {
    av_opt_set_double(enc->priv_data, "quality", std::clamp(quality, 0, 100), 0);
  }
  if (avcodec_open2(enc.get(), codec, nullptr) < 0)
    throw output_unwritable("cannot write '" + path + "': cannot open the " + ext.substr(1) + " encoder");
  frame->width = img.width;
  frame->height = img.height;
  frame->format = pf;
  if (jpeg) {
    frame->color_range = AVCOL_RANGE_JPEG;
    frame->quality = enc->global_quality;  // what the mjpeg encoder reads with AV_CODEC_FLAG_QSCALE
  }
  if (av_frame_get_buffer(frame.get(), 0) < 0) throw std::bad_alloc();
  const std::uint8_t* src[4] = {img.data.data(), nullptr, nullptr, nullptr};
  const int src_stride[4] = {img.width * 3, 0, 0, 0};
  if (png) {
    av_image_copy(frame->data, frame->linesize, src, src_stride, pf, img.width, img.height);
  } else {
    av::Sws sws(sws_getContext(img.width, img.height, AV_PIX_FMT_RGB24, img.width, img.height, pf,
                               SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INP, nullptr, nullptr, nullptr));
    if (!sws) throw output_unwritable("cannot write '" + path + "': cannot convert the image");
    sws_scale(sws.get(), src, src_stride, 0, img.height, frame->data, frame->linesize);
  }
  std::vector<std::uint8_t> bytes;
  if (avcodec_send_frame(enc.get(), frame.get()) < 0 || avcodec_send_frame(enc.get(), nullptr) < 0)
    throw output_unwritable("cannot encode '" + path + "'");
  while (avcodec_receive_packet(enc.get(), pkt.get()) == 0) {
    bytes.insert(bytes.end(), pkt->data, pkt->data + pkt->size);
    av_packet_unref(pkt.get());
  }
  if (bytes.empty()) throw output_unwritable("cannot encode '" + path + "'");
  return bytes;
}

}  // namespace

void write_image(const std::string& path, const Image& img, int jpeg_quality) {
  const std::string ext = lower_ext(path);
  if (ext != ".jpg" && ext != ".jpeg" && ext != ".png" && ext != ".webp")
    throw invalid_argument("cannot write '" + path + "': image extension must be .jpg, .png or .webp");
  if (img.empty()) throw output_unwritable("cannot write '" + path + "': empty image");
  const std::vector<std::uint8_t> bytes = encode_image(img, ext, jpeg_quality, path);
  AtomicFile f(path);
  f.write(bytes.data(), bytes.size());
  f.commit();
}

}  // namespace cords::output

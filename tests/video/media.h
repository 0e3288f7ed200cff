#pragma once
// Small real media made with the ffmpeg command-line tool in a temporary directory, once per test binary.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace cords::test {

class Media {
 public:
  /// Generates every file on first use, once per build directory (CORDS_TEST_MEDIA_DIR): made in a temporary
  /// directory and renamed into place, so parallel test processes share one complete set. Fails the test when
  /// ffmpeg is missing or a command fails.
  static const Media& get() {
    static Media m;
    return m;
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  const std::filesystem::path& dir() const { return dir_; }

  /// The slideshow: 5 stills of 2 s at 25 fps (cuts at frames 50, 100, 150, 200), H.264 with one key frame
  /// every 250 frames and no scene-cut key frames, so the cuts are not handed to the detector.
  static constexpr int kShots = 5;
  static constexpr double kShotSeconds = 2.0;

 private:
  Media() : dir_(CORDS_TEST_MEDIA_DIR) {
    namespace fs = std::filesystem;
    if (fs::exists(dir_ / "complete")) return;
    const fs::path final_dir = dir_;
    dir_ = final_dir.string() + ".tmp-" + std::to_string(::getpid());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    generate();
    std::ofstream(dir_ / "complete") << "ok\n";
    std::error_code ec;
    fs::rename(dir_, final_dir, ec);  // another process may have won the race: use its copy
    if (ec) fs::remove_all(dir_);
    dir_ = final_dir;
  }
  void generate() const {
    const std::string f = "ffmpeg -nostdin -hide_banner -loglevel error -y ";
    const std::string s = "s=320x240:r=25:d=2";
    run(f + "-f lavfi -i color=c=red:" + s + " -f lavfi -i testsrc=" + s + " -f lavfi -i smptebars=" + s +
        " -f lavfi -i color=c=0x1030c0:" + s + " -f lavfi -i \"mandelbrot=s=320x240:r=25,trim=duration=2\" " +
        "-filter_complex \"[0][1][2][3][4]concat=n=5:v=1:a=0,format=yuv420p\" -c:v libx264 -preset veryfast " +
        "-x264-params scenecut=0:keyint=250 " + path("slideshow.mp4"));
    // The same picture before and after a fade through black (out over 1 s, in over 1 s): no hard cut to see.
    run(f +
        "-f lavfi -i testsrc=s=320x240:r=25:d=3 -f lavfi -i testsrc=s=320x240:r=25:d=3 -filter_complex "
        "\"[0]fade=t=out:st=2:d=1[a];[1]fade=t=in:st=0:d=1[b];[a][b]concat=n=2:v=1:a=0,format=yuv420p\" "
        "-c:v libx264 -preset veryfast -x264-params scenecut=0 " +
        path("fade.mp4"));
    run(f + "-f lavfi -i testsrc2=s=320x240:r=30000/1001:d=4 -c:v libx264 -preset veryfast -pix_fmt yuv420p " +
        path("ntsc.mp4"));
    // Variable frame rate: 25 fps, then a 1.5 s hole in the timestamps, then 25 fps again.
    run(f +
        "-f lavfi -i testsrc2=s=320x240:r=25:d=4 -vf \"setpts='if(lt(N,50),N,N+38)/(25*TB)'\" -fps_mode vfr "
        "-c:v libx264 -preset veryfast -pix_fmt yuv420p " +
        path("vfr.mp4"));
    // A display matrix (phone footage): FFmpeg writes it on a stream copy, not when re-encoding.
    run(f + "-f lavfi -i testsrc2=s=320x240:r=25:d=2 -c:v libx264 -preset veryfast -pix_fmt yuv420p " +
        path("upright.mp4"));
    run(f + "-i " + path("upright.mp4") + " -c copy -metadata:s:v:0 rotate=90 " + path("rotated.mp4"));
    run(f + "-f lavfi -i testsrc2=s=320x240:r=25:d=2 -c:v ffv1 -pix_fmt yuv420p10le " + path("tenbit.mkv"));
    run(f + "-f lavfi -i testsrc2=s=320x240:r=25:d=2 -c:v libx264 -preset veryfast -pix_fmt yuv444p " +
        path("yuv444.mp4"));
    run(f + "-f lavfi -i testsrc2=s=160x120:r=10:d=2 " + path("palette.gif"));
    run(f + "-f lavfi -i testsrc2=s=85x33:r=25:d=2 -c:v libx264 -preset veryfast -pix_fmt yuv444p " + path("odd.mp4"));
    run(f + "-f lavfi -i testsrc2=s=214x160:r=15:d=2 -c:v libtheora " + path("theora.ogv"));
    run(f + "-f lavfi -i testsrc2=s=320x240:r=25:d=1 -frames:v 1 -c:v libx264 " + path("oneframe.mp4"));
    // A key frame every 2 s (50 frames), B-frames on: what fast mode cuts its clip from.
    run(f +
        "-f lavfi -i testsrc2=s=320x240:r=25:d=12 -c:v libx264 -preset veryfast -pix_fmt yuv420p "
        "-x264-params keyint=50:min-keyint=50:scenecut=0:bframes=3 " +
        path("gop2s.mp4"));
    run(f + "-i " + path("gop2s.mp4") + " -c copy -metadata:s:v:0 rotate=90 " + path("gop2s_rotated.mp4"));
    run(f + "-f lavfi -i testsrc2=s=320x240 -frames:v 1 " + path("still.png"));
    run(f + "-f lavfi -i sine=frequency=440:duration=2 -c:a aac " + path("audio.m4a"));
    run("head -c 20000 " + path("slideshow.mp4") + " > " + path("truncated.mp4"));
    run(f +
        "-f lavfi -i testsrc2=s=320x240:r=25:d=4 -c:v libx264 -preset veryfast -pix_fmt yuv420p -movflags +faststart " +
        path("faststart.mp4"));
    run("head -c 60000 " + path("faststart.mp4") + " > " + path("cut_short.mp4"));
    // 4,000 bytes of 0xff over the middle of the slideshow's video data.
    run("cp " + path("slideshow.mp4") + " " + path("corrupt.mp4") +
        " && head -c 4000 /dev/zero | tr '\\0' '\\377' | "
        "dd of=" +
        path("corrupt.mp4") + " bs=1 seek=$(( $(stat -c %s " + path("corrupt.mp4") +
        ") / 2 )) conv=notrunc status=none");
    // Scenes A B A C B cut from the bundled sample (a 1906 film, then two shots of a launch): exact repeats.
    const std::string sample = std::string(CORDS_SOURCE_DIR) + "/samples/sample.mp4";
    run(f + "-ss 2 -t 3 -i " + sample + " -an -c:v libx264 -preset veryfast " + path("sceneA.mp4"));
    run(f + "-ss 19.6 -t 2.5 -i " + sample + " -an -c:v libx264 -preset veryfast " + path("sceneB.mp4"));
    run(f + "-ss 23 -t 3 -i " + sample + " -an -c:v libx264 -preset veryfast " + path("sceneC.mp4"));
    run("printf 'file sceneA.mp4\\nfile sceneB.mp4\\nfile sceneA.mp4\\nfile sceneC.mp4\\nfile sceneB.mp4\\n' > " +
        path("scenes.txt"));
    run(f + "-f concat -safe 0 -i " + path("scenes.txt") + " -c:v libx264 -preset veryfast -x264-params scenecut=0 " +
        path("repeats.mp4"));
    run("echo 'this is not a video' > " + path("text.mp4"));
    run(": > " + path("empty.mp4"));
  }
  static void run(const std::string& cmd) {
    const int rc = std::system(cmd.c_str());
    if (rc != 0) ADD_FAILURE() << "media generation failed (" << rc << "): " << cmd;
  }
  std::filesystem::path dir_;
};

}  // namespace cords::test

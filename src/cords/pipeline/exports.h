#pragma once
// Text exports of a summary's shots beside its manifest: shots.csv in PySceneDetect's list-scenes columns and
// chapters.vtt (WebVTT chapters, one per shot, titled by time). Formats: docs/formats.md.
#include <cstdint>
#include <string>
#include <vector>

namespace cords::pipeline {

/// How a shot begins.
enum class ShotStart { First, Cut, Fade, Dissolve };
/// "start" (the first shot), "cut", "fade", "dissolve": the manifest's words.
const char* to_string(ShotStart s);

/// One shot as exported: frames 0-based with the end exclusive, seconds from the video's start (end exclusive).
struct ShotSpan {
  std::int64_t start_frame = 0, end_frame = 0;
  double start = 0, end = 0;
  ShotStart transition = ShotStart::First;  ///< how it begins
  std::int64_t sample_shot = -1;  ///< its index among the shots with samples (SummaryResult::shots), -1 if none
};

/// "HH:MM:SS.mmm", as PySceneDetect and WebVTT write times.
std::string timecode(double seconds);

/// The CSV: a header row, then one row per shot: Scene Number, Start Frame (1-based), Start Timecode, Start Time
/// (seconds), End Frame (1-based, inclusive), End Timecode, End Time (seconds), Length (frames), Length (timecode),
/// Length (seconds) - PySceneDetect's `list-scenes` columns (as with its --skip-cuts: no cut-list line).
std::string shots_csv(const std::vector<ShotSpan>& shots);

/// shots_csv as PySceneDetect's `list-scenes` writes it without --skip-cuts: first a "Timecode List:" row with the
/// start of every shot but the first (an empty row when there is none), then the same rows.
std::string scenedetect_csv(const std::vector<ShotSpan>& shots);
/// WebVTT chapters: one cue per shot, "Shot N (MM:SS)".
std::string chapters_vtt(const std::vector<ShotSpan>& shots);

/// A stretch of the source video, seconds from its start (end exclusive): a window of the summary clip, or a shot.
struct SourceSpan {
  double start = 0, end = 0;
};
/// An edit decision list, CMX 3600: one video event per span, cut from `source_name` (reel AX, its name in a
/// "* FROM CLIP NAME:" comment), placed back to back from record time 00:00:00:00. Timecodes are non-drop frame at the
/// rate rounded to a whole number (29.97 fps counts 30 a second), frames rounded to the nearest.
std::string edl(const std::string& title, const std::string& source_name, const std::vector<SourceSpan>& spans,
                double fps);
/// The same as an OpenTimelineIO timeline (.otio JSON: Timeline.1, one video Track.1 of Clip.1 with an
/// ExternalReference.1 to `source_url`, times as RationalTime.1 in frames at `fps`).
std::string otio(const std::string& title, const std::string& source_url, const std::vector<SourceSpan>& spans,
                 double fps, double source_duration);

}  // namespace cords::pipeline

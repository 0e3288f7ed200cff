#include "cords/pipeline/manifest.h"

#include <cstdio>

#include "cords/select/kernel.h"

namespace cords::pipeline {
namespace {

// The exports written (summarizer.cpp's write_exports).
nlohmann::json export_files(const SummarizeConfig& cfg, const SummaryResult& r) {
  nlohmann::json files = nlohmann::json::array();
  if (!cfg.write_exports) return files;
  for (const char* f : {"shots.csv", "chapters.vtt", "shots.edl", "shots.otio"}) files.push_back(f);
  if (!r.clip_segments.empty())
    for (const char* f : {"summary.edl", "summary.otio"}) files.push_back(f);
  return files;
}

// --clip-length as given: "auto", seconds, or a share ("10%").
std::string clip_length_text(const ClipOptions& c) {
  if (!(c.clip_length > 0)) return "auto";
  char text[64];
  std::snprintf(text, sizeof text, c.clip_length_percent ? "%g%%" : "%gs", c.clip_length);
  return text;
}

// The settings of options_record (each a value the user can set; defaults included, so that a changed default counts).
nlohmann::json options_json(const SummarizeConfig& c) {
  using nlohmann::json;
  const auto& t = c.transitions;
  return {{"budget", c.budget.rule()},
          {"k", c.budget.k()},
          {"fraction", c.budget.share()},
          {"sample_fps", c.sample_fps},
          {"fast", c.keyframes_only},
          {"features", embed::to_string(c.embedder.features)},
          {"model", c.embedder.model},
          {"selector", c.selector},
          {"optimizer", c.optimizer},
          {"metric", select::to_string(c.metric)},
          {"per_shot", c.per_shot},
          {"clip_length", clip_length_text(c)},
          {"scenedetect_csv", c.scenedetect_csv},
          {"thumbnails", c.write_thumbnails},
          {"page", c.write_page},
          {"preview", c.write_preview},
          {"clip_seconds", c.clip_seconds},
          {"clip_crossfade", c.clip_crossfade},
          {"clip_height", c.clip_max_height},
          {"clip_copy", c.clip_copy},
          {"clip_audio", c.clip_audio},
          {"seed", c.seed},
          {"outputs", {c.write_sheet, c.write_clip, c.write_keyframes, c.write_exports}},
          {"names", {c.sheet_name, c.clip_name, c.json_name}},
          {"start", c.start_seconds},
          {"end", c.end_seconds},
          {"grid", c.sheet_columns},
          {"sheet_width", c.sheet_width},
          {"shots", c.detect_shots},
          {"shot_threshold", t.threshold},
          {"min_shot_length", t.min_shot_seconds}};
}

}  // namespace

namespace {

nlohmann::json keyframes_json(const SummaryResult& r) {
  using nlohmann::json;
  json kf = json::array();
  for (const auto& k : r.keyframes)
    kf.push_back({{"time", k.ts.seconds() - r.info.start},
                  {"pts", k.ts.pts},
                  {"frame", k.frame},
                  {"sample", k.sample},
                  {"shot", k.shot},
                  {"gain", k.gain},
                  {"represents", k.represents},
                  {"in_clip", k.in_clip()},
                  {"image", k.image.empty() ? json(nullptr) : json(k.image)}});
  return kf;
}

nlohmann::json shots_json(const SummaryResult& r) {
  using nlohmann::json;
  json shots = json::array();
  for (const auto& span : r.shot_spans) {
    const bool sampled = span.sample_shot >= 0;
    const segment::Shot* s = sampled ? &r.shots[static_cast<std::size_t>(span.sample_shot)] : nullptr;
    shots.push_back({{"start", span.start},
                     {"end", span.end},
                     {"start_frame", span.start_frame},
                     {"end_frame", span.end_frame},
                     {"transition", to_string(span.transition)},
                     {"fade_in", span.transition == ShotStart::Fade},
                     {"first_sample", sampled ? json(s->first) : json(nullptr)},
                     {"last_sample", sampled ? json(s->last) : json(nullptr)},
                     {"end_exclusive", span.end}});
  }
  return shots;
}

nlohmann::json transitions_json(const SummaryResult& r) {
  nlohmann::json transitions = nlohmann::json::array();
  for (const auto& t : r.transitions)
    transitions.push_back({{"kind", t.kind == segment::TransitionKind::Cut ? "flash" : segment::to_string(t.kind)},
                           {"first_frame", t.first},
                           {"last_frame", t.last},
                           {"start", t.start},
                           {"end", t.end}});
  return transitions;
}

nlohmann::json input_json(const SummarizeConfig& cfg, const decode::VideoInfo& i) {
  return {{"path", cfg.input},
          {"container", i.container},
          {"codec", i.codec},
          {"pixel_format", i.pixel_format},
          {"width", i.width},
          {"height", i.height},
          {"rotation", i.rotation},
          {"fps", {{"num", i.frame_rate.num}, {"den", i.frame_rate.den}, {"value", i.frame_rate.value()}}},
          {"time_base", i.time_base.str()},
          {"start_time", i.start},
          {"duration", i.duration},
          {"frame_count", i.frame_count},
          {"decoded_on", i.hwaccel == decode::HwAccel::Cuda ? "cuda" : "cpu"}};
}

nlohmann::json parameters_json(const SummarizeConfig& cfg, const SummaryResult& r) {
  using nlohmann::json;
  return {{"fraction", cfg.budget.kind() == select::Budget::Kind::Fraction ? json(cfg.budget.share()) : json(nullptr)},
          {"budget", cfg.budget.k()},
          {"budget_rule", r.budget_rule},
          {"sample_fps", cfg.sample_fps},
          {"start", cfg.start_seconds},
          {"end", cfg.end_seconds > 0 ? json(cfg.end_seconds) : json(nullptr)},
          {"keyframes_only", cfg.keyframes_only},
          {"features", embed::to_string(cfg.embedder.features)},
          {"embedder", r.embedder},
          {"model", cfg.embedder.model.empty() ? json(nullptr) : json(cfg.embedder.model)},
          {"selector", cfg.selector},
          {"optimizer", cfg.optimizer},
          {"metric", select::to_string(cfg.metric)},
          {"per_shot", cfg.per_shot || r.budget_rule == "auto"},
          {"clip_length", clip_length_text(cfg)},
          {"clip_seconds", cfg.clip_seconds},
          {"clip_crossfade", cfg.clip_crossfade},
          {"seed", cfg.seed}};
}

nlohmann::json outputs_json(const SummarizeConfig& cfg, const SummaryResult& r) {
  using nlohmann::json;
  return {{"sheet", r.sheet_written ? json(cfg.sheet_name) : json(nullptr)},
          {"clip", cfg.write_clip ? json(cfg.clip_name) : json(nullptr)},
          {"clip_codec", r.clip_codec},
          {"clip_mode", r.clip_mode},
          {"clip_audio", r.clip_audio.empty() ? json(nullptr) : json(r.clip_audio)},
          {"clip_plan", cfg.write_clip ? json{{"target_seconds", r.clip_plan.target_s},
                                              {"window_seconds", r.clip_plan.window_s},
                                              {"windows", r.clip_plan.windows}}
                                       : json(nullptr)},
          {"exports", export_files(cfg, r)},
          {"thumbnails", r.thumbnail_files},
          {"preview", r.preview_files},
          {"page", cfg.write_page ? json("index.html") : json(nullptr)}};
}

}  // namespace

// The manifest's layout, key by key as docs/formats.md lists them (pinned by tests/golden/summary.json).
nlohmann::json to_json(const SummarizeConfig& cfg, const SummaryResult& r) {
  using nlohmann::json;
  return {
      {"tool", "cords-summarize"},
      {"version", CORDS_VERSION_STRING},
      {"input", input_json(cfg, r.info)},
      {"parameters", parameters_json(cfg, r)},
      {"sampled_frames", r.sampled},
      {"fast_fallback", r.fast_fallback},
      {"options", options_json(cfg)},
      {"sampled_every_frame", r.every_frame},
      {"excluded_samples", r.excluded_samples},
      {"skipped_corrupt", r.decode_skipped},
      {"shot_detection", to_string(r.shot_detection)},
      {"shots", shots_json(r)},
      {"transitions", transitions_json(r)},
      {"keyframes", keyframes_json(r)},
      {"objective", r.objective},
      {"outputs", outputs_json(cfg, r)},
      {"warnings", json(r.warnings)},
      {"decode_workers", r.decode_workers},
      {"candidate_fps", r.candidate_fps > 0 ? json(r.candidate_fps) : json(nullptr)},
      {"near_duplicates", r.near_duplicates},
      {"repeats_left_out", r.repeats_left_out},
      {"timings_s",
       {{"decode_embed", r.decode_embed_s}, {"select", r.select_s}, {"write", r.write_s}, {"total", r.total_s}}},
  };
}

std::string options_record(const SummarizeConfig& cfg) {
  return options_json(cfg).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace cords::pipeline

#pragma once
// The shots of a summary (docs/video.md, "Shots"): off (one shot), frame-exact from every decoded frame's statistics,
// or on the samples (fast mode), and the spans exported in shots.csv and chapters.vtt.
#include <vector>

#include "cords/pipeline/sampling.h"
#include "cords/pipeline/summarizer.h"
#include "cords/segment/transitions.h"

namespace cords::pipeline {

/// Fills res.shots, res.shot_spans (clamped to --end), res.transitions and res.shot_detection; returns the
/// transitions found.
segment::Transitions find_shots(const ShotStageOptions& cfg, const SamplingOptions& sampling, const Samples& s,
                                const embed::Embedder& emb, const std::vector<segment::FrameStat>& frame_stats,
                                SummaryResult& res);

}  // namespace cords::pipeline

#pragma once
namespace cords::cli {
/// `cords-summarize INPUT [options]`: argv[1] is the input video. Returns the exit code; throws cords::Error.
int run_summarize_command(int argc, char** argv);
}  // namespace cords::cli

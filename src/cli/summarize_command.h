#pragma once
namespace cords::cli {
/// `cords-summarize INPUT [options]`: argv[1] is the input video (or folders and files: batch mode). Returns the exit
/// code; throws cords::Error. `worker`: the batch's worker mode (`cords-summarize --batch-worker ARGS...`, started
/// by batch mode with its own arguments): serves pipeline::serve_batch_worker on descriptors 3 and 4.
int run_summarize_command(int argc, char** argv, bool worker = false);
}  // namespace cords::cli

#pragma once
namespace cords::cli {
/// `cords-summarize select ...`: argv[0] is "select". Returns the process exit code; throws cords::Error.
int run_select_command(int argc, char** argv);
}  // namespace cords::cli

#pragma once
// Helpers shared by the subcommands: the exit-code table, output checks, terminal progress.
#include <optional>
#include <string>
#include <vector>

#include "cords/select/budget.h"

namespace cords::cli {

/// The exit-code table printed by --help, from cords::error_kinds() (docs/cli.md holds the same table).
const char* exit_code_help();

/// The value of a --threads option: 0 stays 0 (all cores); more than the processors online is clamped to them
/// (libgomp fails on tens of thousands of threads); negative throws Error{InvalidArgument}.
int resolve_threads(long long requested, const char* option = "--threads");

/// One rule for every subcommand: --budget K (k; none for `--budget auto`) and --fraction F exclude each other, and
/// become a Budget (automatic when neither gives a value). Error{InvalidArgument} for both, or for a value the Budget
/// refuses (the message names the option).
select::Budget budget_option(bool budget_given, std::optional<long long> k, std::optional<double> fraction);

/// Progress on stderr: a redrawn bar when stderr is a terminal, a line every ~10% otherwise; silent if quiet.
class Progress {
 public:
  Progress(std::string label, bool quiet);
  void update(long long done, long long total);
  void finish();

 private:
  std::string label_;
  bool quiet_;
  bool tty_;
  int last_decile_ = -1;
  long long first_done_ = -1;  // done at the first report, and when it came
  double first_at_ = 0;
};

/// A number as a user would write it ("0.05", not "0.050000000000000003"), for --help defaults.
std::string fmt(double v);

/// "a | b | c": a list of valid names as --help shows it (from a registry, so that it cannot drift).
std::string alternatives(const std::vector<std::string>& names);

/// Parameters in the library's messages spelled as flags: "--sample-fps", "--knn 16" (set_parameter_spelling). Called
/// by main() and by the train command in the LibTorch plugin (which has its own copy of the library's state).
void use_cli_spelling();

/// Width of --help output.
constexpr unsigned kHelpWidth = 110;

/// Prints "cords-summarize: <message>" on stderr unless quiet.
void info(bool quiet, const std::string& message);

}  // namespace cords::cli

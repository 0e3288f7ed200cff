// cords-summarize: entry point. Dispatches subcommands and maps every failure to a documented exit code.
#include <algorithm>
#include <boost/program_options/errors.hpp>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <new>
#include <string>
#include <vector>

#include "cli/common.h"
#include "cli/option_table.h"
#include "cli/select_command.h"
#ifdef CORDS_HAVE_VIDEO
#include "cli/summarize_command.h"
#include "cords/pipeline/report.h"
#endif
#include "cords/core/blas_cpu.h"
#include "cords/core/cleanup.h"
#include "cords/core/error.h"
#include "cords/plugin/torch_plugin.h"

namespace {

constexpr const char* kVersion = CORDS_VERSION_STRING;

void print_usage() {
  std::printf(
      "cords-summarize %s: make video and training data smaller without losing what matters\n\n"
      "Usage: cords-summarize INPUT [options]        summarize a video (see cords-summarize --help-summarize)\n"
      "       cords-summarize COMMAND [options]\n\n"
      "Commands:\n"
      "  INPUT      summarize a video file: keyframes, contact sheet, summary clip, JSON manifest\n"
      "  DIR|FILE.. batch mode: summarize every video under folders (docs/batch.md)\n"
      "  report     merge a batch's shard reports into OUT/report.json and OUT/index.html\n"
      "  select     select a representative subset of the rows of a feature matrix (.npy or CSV)\n"
      "  train      train a classifier on subsets chosen by CORDS strategies (docs/training.md)\n"
      "  help       show this help\n\n"
      "Run 'cords-summarize COMMAND --help' for the options of a command.\n\n%s",
      kVersion, cords::cli::exit_code_help());
}

// Edit distance between two short words (a typed command and a real one).
std::size_t distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// A first word that is no file and close to a command name is a misspelled command, not a video to summarize.
void check_misspelled_command(const std::string& word) {
  std::error_code ec;
  if (word.empty() || word[0] == '-' || std::filesystem::exists(word, ec) || word.find('/') != std::string::npos ||
      word.find('.') != std::string::npos)
    return;
  for (const char* cmd : {"select", "train", "report", "help"})
    if (distance(word, cmd) <= 2)
      throw cords::invalid_argument("unknown command '" + word + "'; did you mean '" + cmd +
                                    "'? (see cords-summarize --help)");
}

#ifdef CORDS_HAVE_VIDEO
// `cords-summarize report OUT [-q]`: the shards' reports merged; exit 6 when a video failed or a shard is missing.
int report_command(int argc, char** argv) {
  std::vector<std::string> args(argv + 2, argv + argc);
  const bool quiet = std::count(args.begin(), args.end(), "-q") + std::count(args.begin(), args.end(), "--quiet") > 0;
  args.erase(std::remove_if(args.begin(), args.end(), [](const std::string& a) { return a == "-q" || a == "--quiet"; }),
             args.end());
  const bool help = args.size() == 1 && (args[0] == "--help" || args[0] == "-h");
  if (args.size() != 1 || help || args[0].rfind('-', 0) == 0) {
    std::printf(
        "Usage: cords-summarize report OUT [-q]\n\nMerges the reports of a batch's shards (OUT/report-shard-*.json) "
        "into OUT/report.json and writes OUT/index.html, a gallery of every contact sheet. Exit code 6 when any "
        "video failed or a shard's report is missing.\n");
    return help ? 0 : 2;
  }
  std::string missing;
  const int failed = cords::pipeline::merge_reports(args[0], &missing);
  if (!quiet)
    std::fprintf(stderr, "cords-summarize: wrote %s/report.json and %s/index.html (%d failed)\n", args[0].c_str(),
                 args[0].c_str(), failed);
  if (!missing.empty())
    std::fprintf(stderr, "cords-summarize: warning: the report is incomplete: no report of shard(s) %s in %s\n",
                 missing.c_str(), args[0].c_str());
  return failed > 0 || !missing.empty() ? cords::exit_code(cords::ErrorKind::BatchFailures) : 0;
}
#endif

// cords-summarize --man: the man page (roff) from the commands' option tables; train's from the plugin, when this
// build has it.
int man_page() {
  cords::cli::print_man_page(std::cout);
  std::cout.flush();
  char train[] = "train", section[] = "--man-section";
  char* args[] = {train, section};
  try {
    cords::plugin::run_train_command(2, args);
  } catch (const cords::Error&) {  // no LibTorch plugin: no train section
  }
  cords::cli::print_man_tail(std::cout);
  std::cout.flush();
  return std::cout ? 0 : cords::exit_code(cords::ErrorKind::OutputUnwritable);
}

int dispatch(int argc, char** argv) {
  if (argc < 2) {
    print_usage();
    return cords::exit_code(cords::ErrorKind::InvalidArgument);
  }
  const std::string cmd = argv[1];
  if (cmd == "help" || cmd == "--help" || cmd == "-h") {
    print_usage();
    return 0;
  }
  if (cmd == "--version") {
    std::printf("cords-summarize %s\n", kVersion);
    return 0;
  }
  if (cmd == "--man") return man_page();
  if (cmd == "select") return cords::cli::run_select_command(argc - 1, argv + 1);
  // LibTorch is loaded (libcords-torch.so) only here and for CNN features.
  if (cmd == "train") return cords::plugin::run_train_command(argc - 1, argv + 1);
#ifdef CORDS_HAVE_VIDEO
  if (cmd == "report") return report_command(argc, argv);
  if (cmd == "--batch-worker") return cords::cli::run_summarize_command(argc - 1, argv + 1, true);
  if (cmd == "--help-summarize") {
    char help[] = "--help";
    char* args[] = {argv[0], help};
    return cords::cli::run_summarize_command(2, args);
  }
  // Anything else is the summarize command, options before or after INPUT ("--" ends the options).
  check_misspelled_command(cmd);
  return cords::cli::run_summarize_command(argc, argv);
#else
  throw cords::invalid_argument("unknown command '" + cmd +
                                "'; valid commands: select, help (this build has no video support)");
#endif
}

}  // namespace

// The library names its parameters ("sample_fps"); this program's users know them as flags ("--sample-fps 2").
int main(int argc, char** argv) {
  // Before any thread starts: SIGINT, SIGTERM and SIGHUP remove the run's temporary files, then end the process.
  cords::install_interrupt_cleanup();
  cords::cli::use_cli_spelling();
  // Before any BLAS call: OpenBLAS picks SSE3 kernels on CPUs it does not recognise (cords/core/blas_cpu.h).
  cords::tune_openblas_core();
  try {
    return dispatch(argc, argv);
  } catch (const cords::Error& e) {
    std::fprintf(stderr, "cords-summarize: error: %s\n", e.what());
    return cords::exit_code(e.kind());
  } catch (const boost::program_options::error& e) {
    std::fprintf(stderr, "cords-summarize: error: %s (see --help)\n", e.what());
    return cords::exit_code(cords::ErrorKind::InvalidArgument);
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "cords-summarize: error: out of memory (for select on large inputs, try --knn)\n");
    return cords::exit_code(cords::ErrorKind::Internal);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cords-summarize: internal error: %s\n", e.what());
    return cords::exit_code(cords::ErrorKind::Internal);
  }
}

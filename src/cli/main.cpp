// cords-summarize: entry point. Dispatches subcommands and maps every failure to a documented exit code.
#include <boost/program_options/errors.hpp>
#include <cstdio>
#include <cstring>
#include <new>
#include <string>

#include "cli/common.h"
#include "cli/select_command.h"
#include "cords/core/error.h"

namespace {

constexpr const char* kVersion = "0.1.0";

void print_usage() {
  std::printf(
      "cords-summarize %s: make video and training data smaller without losing what matters\n\n"
      "Usage: cords-summarize COMMAND [options]\n\n"
      "Commands:\n"
      "  select     select a representative subset of the rows of a feature matrix (.npy or CSV)\n"
      "  help       show this help\n\n"
      "Run 'cords-summarize COMMAND --help' for the options of a command.\n\n%s",
      kVersion, cords::cli::exit_code_help());
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
  if (cmd == "select") return cords::cli::run_select_command(argc - 1, argv + 1);
  throw cords::invalid_argument("unknown command '" + cmd + "'; valid commands: select, help");
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return dispatch(argc, argv);
  } catch (const cords::Error& e) {
    std::fprintf(stderr, "cords-summarize: error: %s\n", e.what());
    return cords::exit_code(e.kind());
  } catch (const boost::program_options::error& e) {
    std::fprintf(stderr, "cords-summarize: error: %s (see --help)\n", e.what());
    return cords::exit_code(cords::ErrorKind::InvalidArgument);
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "cords-summarize: error: out of memory (try --knn for large inputs)\n");
    return cords::exit_code(cords::ErrorKind::Internal);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "cords-summarize: internal error: %s\n", e.what());
    return cords::exit_code(cords::ErrorKind::Internal);
  }
}

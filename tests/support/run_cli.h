#pragma once
// Runs the cords-summarize executable (CORDS_CLI_PATH) with arguments through the shell and captures its exit
// code and its stdout and stderr together.
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

namespace cords::test {

struct CliRun {
  int code;         ///< exit status, -1 when it did not exit normally
  std::string out;  ///< stdout and stderr together
};

/// Runs a shell command line as it is; its exit code and stdout (stderr too unless the command redirects it).
inline CliRun run_cli_sh(const std::string& cmd) {
  FILE* p = ::popen(cmd.c_str(), "r");
  std::string out;
  std::array<char, 4096> buf;
  while (std::size_t n = std::fread(buf.data(), 1, buf.size(), p)) out.append(buf.data(), n);
  const int status = ::pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

/// `env` (optional) is put before the program: "VAR=value VAR2=value2".
inline CliRun run_cli(const std::string& args, const std::string& env = "") {
  return run_cli_sh((env.empty() ? "" : "env " + env + " ") + std::string(CORDS_CLI_PATH) + " " + args + " 2>&1");
}

}  // namespace cords::test

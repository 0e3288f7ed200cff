#pragma once
// Typed errors for expected failures, and the exit codes the CLI maps them to.
//
// Two tiers (see docs/architecture.md):
//   - cords::Error: an expected failure the user can act on (a file that will not open, a bad argument, an
//     unwritable output). Its what() is one line that names the file or argument and the problem.
//   - CORDS_CHECK (check.h): a broken internal invariant; throws Error{ErrorKind::Internal} with file:line.
// Only main() catches everything and turns ErrorKind into the process exit code.
#include <stdexcept>
#include <string>
#include <vector>

namespace cords {

/// Kinds of failure; the numeric value is the documented process exit code (docs/cli.md).
enum class ErrorKind : int {
  Internal = 1,          ///< a bug or an unexpected library failure
  InvalidArgument = 2,   ///< bad option, bad value, unknown name, invalid data content
  InputUnreadable = 3,   ///< missing, unreadable or malformed input file
  ModelUnusable = 4,     ///< missing, corrupt or wrongly shaped model
  OutputUnwritable = 5,  ///< output path cannot be created or written
  BatchFailures = 6,     ///< a batch finished but some items failed
};

/// Returns the process exit code for an error kind.
constexpr int exit_code(ErrorKind kind) {
  return static_cast<int>(kind);
}

/// One row per kind, in exit-code order: what --help's exit-code table and docs/cli.md say about it.
struct ErrorKindInfo {
  ErrorKind kind;
  const char* meaning;  ///< e.g. "input unreadable (missing file, directory, malformed or truncated file)"
};
/// The table of every kind (the only place the meanings are written in the code).
const std::vector<ErrorKindInfo>& error_kinds();

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

/// Convenience constructors for the common kinds.
inline Error invalid_argument(const std::string& m) {
  return Error(ErrorKind::InvalidArgument, m);
}
inline Error input_unreadable(const std::string& m) {
  return Error(ErrorKind::InputUnreadable, m);
}
inline Error output_unwritable(const std::string& m) {
  return Error(ErrorKind::OutputUnwritable, m);
}

/// A parameter of the library (a field of SummarizeConfig, TrainOptions, SelectionConfig, ...) as messages name it.
/// The library names parameters, never the flags of one front end: `param("sample_fps")` is spelled the way the
/// application set with set_parameter_spelling (the CLI: "--sample-fps"; the Python module: the keyword
/// "sample_fps"); by default the library's own name. The names are the CLI's flags in snake_case.
std::string param(const std::string& name);
/// A parameter with a value, as the application writes one: "--knn 16" (CLI), "knn=16" (Python, the default).
std::string param(const std::string& name, const std::string& value);
/// How an application spells parameters in messages: `flag` for a name alone, `with_value` for a name and a value.
struct ParameterSpelling {
  std::string (*flag)(const std::string& name);
  std::string (*with_value)(const std::string& name, const std::string& value);
};
/// Set once by the application at start (process-wide, like the thread count).
void set_parameter_spelling(ParameterSpelling spelling);

/// The names of a table's entries (each with a `name` member), in its order: what a registry's "valid names" are.
template <class Table>
std::vector<std::string> table_names(const Table& table) {
  std::vector<std::string> v;
  for (const auto& entry : table) v.emplace_back(entry.name);
  return v;
}

/// "a, b, c": the valid names an "unknown X; valid: ..." message lists (with " | ": as --help lists alternatives).
inline std::string name_list(const std::vector<std::string>& names, const char* separator = ", ") {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : separator) + n;
  return s;
}

}  // namespace cords

#include "cords/core/error.h"

namespace cords {

const std::vector<ErrorKindInfo>& error_kinds() {
  static const std::vector<ErrorKindInfo> kinds = {
      {ErrorKind::Internal, "internal error"},
      {ErrorKind::InvalidArgument,
       "invalid arguments (bad option or value, unknown name, budget larger than the input, NaN in data)"},
      {ErrorKind::InputUnreadable, "input unreadable (missing file, directory, malformed or truncated file)"},
      {ErrorKind::ModelUnusable, "model unusable"},
      {ErrorKind::OutputUnwritable, "output unwritable"},
      {ErrorKind::BatchFailures, "batch finished with failures"},
  };
  return kinds;
}

namespace {

std::string as_is(const std::string& name) {
  return name;
}
std::string keyword(const std::string& name, const std::string& value) {
  return name + "=" + value;
}
ParameterSpelling g_spelling{as_is, keyword};

}  // namespace

std::string param(const std::string& name) {
  return g_spelling.flag(name);
}

std::string param(const std::string& name, const std::string& value) {
  return g_spelling.with_value(name, value);
}

void set_parameter_spelling(ParameterSpelling spelling) {
  if (spelling.flag) g_spelling.flag = spelling.flag;
  if (spelling.with_value) g_spelling.with_value = spelling.with_value;
}

}  // namespace cords

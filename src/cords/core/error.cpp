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

}  // namespace cords

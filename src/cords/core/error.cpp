#include "cords/core/error.h"

namespace cords {

const char* to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::Internal:
      return "internal error";
    case ErrorKind::InvalidArgument:
      return "invalid argument";
    case ErrorKind::InputUnreadable:
      return "input unreadable";
    case ErrorKind::ModelUnusable:
      return "model unusable";
    case ErrorKind::OutputUnwritable:
      return "output unwritable";
    case ErrorKind::BatchFailures:
      return "batch finished with failures";
  }
  return "error";
}

}  // namespace cords

#pragma once
// CORDS_CHECK(cond, message-stream): broken internal invariant -> cords::Error{Internal} with file:line.
// Use it for preconditions the caller must guarantee (REQUIRES: in headers), never for user input.
// (msg is a stream expression by design, e.g. "n = " << n: it cannot be parenthesised, hence the NOLINT.)
#include <sstream>

#include "cords/core/error.h"

#define CORDS_CHECK(cond, msg)                                                        \
  do {                                                                                \
    if (!(cond)) {                                                                    \
      std::ostringstream cords_check_os_;                                             \
      cords_check_os_ << __FILE__ << ":" << __LINE__ << ": check failed: " #cond ": " \
                      << msg; /* NOLINT(bugprone-macro-parentheses) */                \
      throw ::cords::Error(::cords::ErrorKind::Internal, cords_check_os_.str());      \
    }                                                                                 \
  } while (false)

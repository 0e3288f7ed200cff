#pragma once
// CORDS_CHECK(cond, message-stream): broken internal invariant -> cords::Error{Internal} with file:line.
// Use it for preconditions the caller must guarantee (REQUIRES: in headers), never for user input.
#include <sstream>

#include "cords/core/error.h"

#define CORDS_CHECK(cond, msg)                                                                \
  do {                                                                                        \
    if (!(cond)) {                                                                            \
      std::ostringstream cords_check_os_;                                                     \
      cords_check_os_ << __FILE__ << ":" << __LINE__ << ": check failed: " #cond ": " << msg; \
      throw ::cords::Error(::cords::ErrorKind::Internal, cords_check_os_.str());              \
    }                                                                                         \
  } while (false)

#pragma once
// The Python exception for a cords::Error, by its kind (the CLI's exit-code category), shared by the package's
// extension modules: invalid argument -> ValueError, unreadable input / unwritable output -> OSError, out of
// memory -> MemoryError (std::bad_alloc, by pybind11 itself), anything else -> `other`.
#include <pybind11/pybind11.h>

#include <exception>

#include "cords/core/error.h"

namespace cords::python {

/// Sets the Python error for e; returns false when e is of no kind mapped here (the caller raises its own type).
inline bool set_python_error(const cords::Error& e) {
  switch (e.kind()) {
    case cords::ErrorKind::InvalidArgument:
      PyErr_SetString(PyExc_ValueError, e.what());
      return true;
    case cords::ErrorKind::InputUnreadable:
    case cords::ErrorKind::OutputUnwritable:
      PyErr_SetString(PyExc_OSError, e.what());
      return true;
    default:
      return false;
  }
}

}  // namespace cords::python

#pragma once
// Reading and writing matrices and label vectors: NumPy .npy (format versions 1-3, C order, any numeric dtype,
// either byte order) and CSV. Every failure throws cords::Error with a one-line message that names the file:
//   - Error{InputUnreadable}: missing/unreadable/non-regular file, malformed or truncated .npy (every size in its
//     header is overflow-checked and compared with the bytes in the file before anything is allocated), malformed
//     or empty CSV;
//   - Error{InvalidArgument}: readable but unusable content (NaN/Inf, values beyond float32 for a matrix, wrong rank,
//     non-integer labels).
#include <cstdint>
#include <string>
#include <vector>

#include "cords/core/matrix.h"

namespace cords {

/// Throws Error{InputUnreadable} unless `path` names a regular file (or a link to one): missing files, folders,
/// FIFOs, devices and sockets are refused before anything reads them (a FIFO can block forever, /dev/zero never ends).
void check_regular_input(const std::string& path);

/// Reads an n x d matrix from `path` (.npy, or CSV for any other extension) as float32.
/// A 1-D array becomes n x 1. A CSV whose first row is not numeric treats it as a header.
/// REQUIRES nothing; throws as above, including for NaN or infinite values (message gives row and column).
Matrix read_matrix(const std::string& path);

/// Reads n integer labels: a 1-D (or n x 1) .npy of integers (or integral floats), or a text/CSV file with
/// one value per line (a non-numeric first line is a header).
std::vector<std::int64_t> read_labels(const std::string& path);

/// Reads n finite doubles (e.g. per-element costs), same formats as read_labels.
std::vector<double> read_vector(const std::string& path);

/// Writes a float32 .npy (format 1.0, C order) atomically.
void write_npy(const std::string& path, const Matrix& m);
/// Writes a 1-D int64 .npy atomically.
void write_npy(const std::string& path, const std::vector<std::int64_t>& v);

}  // namespace cords

#include "cords/core/io.h"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "cords/core/atomic_file.h"
#include "cords/core/error.h"

namespace cords {
namespace {

namespace fs = std::filesystem;

bool has_extension(const std::string& path, const char* ext) {
  std::string e = fs::path(path).extension().string();
  for (auto& c : e) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return e == ext;
}

// Opens a regular file for reading; `size` receives its length. FIFOs, devices and sockets are refused: they can
// block forever (a FIFO with no writer) or never end (/dev/zero).
std::ifstream open_input(const std::string& path, std::uint64_t& size) {
  check_regular_input(path);
  std::error_code ec;
  size = fs::file_size(path, ec);
  if (ec) throw input_unreadable("cannot read '" + path + "': " + ec.message());
  std::ifstream in(path, std::ios::binary);
  if (!in) throw input_unreadable("cannot read '" + path + "': " + std::strerror(errno));
  return in;
}

// ---- .npy -----------------------------------------------------------------------------------------------

struct NpyHeader {
  char kind = 0;      // 'f', 'i', 'u', 'b'
  int itemsize = 0;   // bytes
  bool swap = false;  // stored big-endian
  std::vector<Index> shape;
  std::size_t count = 0;  // elements: the product of shape, checked against the bytes in the file
};

[[noreturn]] void bad_npy(const std::string& path, const std::string& why) {
  throw input_unreadable("malformed .npy file '" + path + "': " + why);
}

std::string dict_value(const std::string& header, const std::string& key, const std::string& path) {
  auto pos = header.find("'" + key + "'");
  if (pos == std::string::npos) bad_npy(path, "header has no '" + key + "'");
  // (numpy would take the last of two, this reader took the first: a header that says it twice is not numpy's)
  if (header.find("'" + key + "'", pos + 1) != std::string::npos) bad_npy(path, "header gives '" + key + "' twice");
  pos = header.find(':', pos);
  if (pos == std::string::npos) bad_npy(path, "header entry '" + key + "' has no value");
  ++pos;
  while (pos < header.size() && header[pos] == ' ') ++pos;
  std::size_t end = pos;
  if (pos < header.size() && header[pos] == '(') {
    end = header.find(')', pos);
    if (end == std::string::npos) bad_npy(path, "unterminated shape");
    return header.substr(pos, end - pos + 1);
  }
  if (pos < header.size() && (header[pos] == '\'' || header[pos] == '"')) {
    end = header.find(header[pos], pos + 1);
    if (end == std::string::npos) bad_npy(path, "unterminated string");
    return header.substr(pos + 1, end - pos - 1);
  }
  while (end < header.size() && header[end] != ',' && header[end] != '}') ++end;
  return header.substr(pos, end - pos);
}

bool checked_mul(std::uint64_t a, std::uint64_t b, std::uint64_t& out) {
  if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a) return false;
  out = a * b;
  return true;
}

// "(3, 4)", "(5,)", "()": non-negative decimal integers separated by commas, optional spaces and trailing comma.
std::vector<Index> parse_shape(const std::string& text, const std::string& path) {
  std::vector<Index> shape;
  const auto bad = [&] { bad_npy(path, "malformed shape '" + text + "'"); };
  if (text.size() < 2 || text.front() != '(' || text.back() != ')') bad();
  std::size_t i = 1;
  const std::size_t end = text.size() - 1;
  const auto skip_spaces = [&] {
    while (i < end && text[i] == ' ') ++i;
  };
  skip_spaces();
  while (i < end) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) bad();
    std::uint64_t v = 0;
    while (i < end && std::isdigit(static_cast<unsigned char>(text[i]))) {
      const auto digit = static_cast<std::uint64_t>(text[i] - '0');
      if (v > (static_cast<std::uint64_t>(std::numeric_limits<Index>::max()) - digit) / 10)
        bad_npy(path, "shape '" + text + "' has a dimension too large");
      v = v * 10 + digit;
      ++i;
    }
    shape.push_back(static_cast<Index>(v));
    skip_spaces();
    if (i < end) {
      if (text[i] != ',') bad();
      ++i;
      skip_spaces();
    }
  }
  return shape;
}

// One piece: the format's fields checked in the order they appear in the file, each with its own message.
NpyHeader read_npy_header(std::ifstream& in, std::uint64_t file_size, const std::string& path) {
  char magic[8];
  if (!in.read(magic, 8) || std::memcmp(magic, "\x93NUMPY", 6) != 0) bad_npy(path, "not a NumPy file (bad magic)");
  const int major = static_cast<unsigned char>(magic[6]);
  std::uint32_t hlen = 0;
  if (major == 1) {
    unsigned char b[2];
    if (!in.read(reinterpret_cast<char*>(b), 2)) bad_npy(path, "truncated header");
    hlen = b[0] | (b[1] << 8);
  } else if (major == 2 || major == 3) {
    unsigned char b[4];
    if (!in.read(reinterpret_cast<char*>(b), 4)) bad_npy(path, "truncated header");
    hlen = b[0] | (b[1] << 8) | (b[2] << 16) | (static_cast<std::uint32_t>(b[3]) << 24);
  } else {
    bad_npy(path, "unsupported format version " + std::to_string(major));
  }
  if (hlen > (1u << 24)) bad_npy(path, "header too long");
  if (hlen > file_size - std::min<std::uint64_t>(file_size, static_cast<std::uint64_t>(in.tellg())))
    bad_npy(path, "truncated header (it declares " + std::to_string(hlen) + " bytes)");
  std::string header(hlen, '\0');
  if (!in.read(header.data(), hlen)) bad_npy(path, "truncated header");

  NpyHeader h;
  const std::string descr = dict_value(header, "descr", path);
  if (descr.size() < 3) bad_npy(path, "unsupported dtype '" + descr + "'");
  const char order = descr[0];
  h.kind = descr[1];
  try {
    h.itemsize = std::stoi(descr.substr(2));
  } catch (...) {
    bad_npy(path, "unsupported dtype '" + descr + "'");
  }
  h.swap = order == '>' && h.itemsize > 1;
  const bool ok_kind = (h.kind == 'f' && (h.itemsize == 4 || h.itemsize == 8)) ||
                       ((h.kind == 'i' || h.kind == 'u') &&
                        (h.itemsize == 1 || h.itemsize == 2 || h.itemsize == 4 || h.itemsize == 8)) ||
                       (h.kind == 'b' && h.itemsize == 1);
  if (!ok_kind || (order != '<' && order != '>' && order != '|' && order != '='))
    throw invalid_argument("unsupported dtype '" + descr + "' in '" + path +
                           "': expected float32/float64 or an integer type");
  const std::string fortran = dict_value(header, "fortran_order", path);
  if (fortran == "True")
    throw invalid_argument("'" + path + "' is in Fortran order; save it in C order (numpy.ascontiguousarray)");
  if (fortran != "False") bad_npy(path, "fortran_order is '" + fortran + "', expected True or False");
  h.shape = parse_shape(dict_value(header, "shape", path), path);
  // Every size below is checked before it is used: a crafted header can declare any shape.
  std::uint64_t count = 1;
  for (Index d : h.shape)
    if (!checked_mul(count, static_cast<std::uint64_t>(d), count))
      bad_npy(path, "shape " + dict_value(header, "shape", path) + " has more elements than can exist");
  std::uint64_t bytes = 0;
  if (!checked_mul(count, static_cast<std::uint64_t>(h.itemsize), bytes))
    bad_npy(path, "shape " + dict_value(header, "shape", path) + " has more bytes than can exist");
  const std::uint64_t offset = static_cast<std::uint64_t>(in.tellg());
  const std::uint64_t left = file_size > offset ? file_size - offset : 0;
  if (bytes > left)
    bad_npy(path, "truncated data (the header declares " + std::to_string(count) + " elements, " +
                      std::to_string(bytes) + " bytes; the file holds " + std::to_string(left) + " bytes of data)");
  h.count = static_cast<std::size_t>(count);
  return h;
}

double load_element(const unsigned char* p, const NpyHeader& h) {
  unsigned char b[8];
  for (int i = 0; i < h.itemsize; ++i) b[i] = h.swap ? p[h.itemsize - 1 - i] : p[i];
  switch (h.kind) {
    case 'f':
      if (h.itemsize == 4) {
        float f;
        std::memcpy(&f, b, 4);
        return f;
      } else {
        double d;
        std::memcpy(&d, b, 8);
        return d;
      }
    case 'b':
      return b[0] ? 1.0 : 0.0;
    case 'u': {
      std::uint64_t v = 0;
      std::memcpy(&v, b, static_cast<std::size_t>(h.itemsize));  // little-endian host
      return static_cast<double>(v);
    }
    default: {
      std::int64_t v = 0;
      std::memcpy(&v, b, static_cast<std::size_t>(h.itemsize));
      const int shift = 64 - 8 * h.itemsize;
      if (shift > 0) v = static_cast<std::int64_t>(static_cast<std::uint64_t>(v) << shift) >> shift;  // sign extend
      return static_cast<double>(v);
    }
  }
}

// Streams the payload, calling sink(index, value) for each element in C order.
template <class Sink>
void read_npy_payload(std::ifstream& in, const NpyHeader& h, const std::string& path, Sink sink) {
  const std::size_t total = h.count;
  const std::size_t chunk_elems = 1 << 16;
  std::vector<unsigned char> buf(chunk_elems * static_cast<std::size_t>(h.itemsize));
  std::size_t done = 0;
  while (done < total) {
    const std::size_t n = std::min(chunk_elems, total - done);
    if (!in.read(reinterpret_cast<char*>(buf.data()), static_cast<std::streamsize>(n * h.itemsize)))
      bad_npy(path, "truncated data (expected " + std::to_string(total) + " elements, file ends after " +
                        std::to_string(done + static_cast<std::size_t>(in.gcount()) / h.itemsize) + ")");
    if (h.kind == 'f' && h.itemsize == 4 && !h.swap) {
      const float* f = reinterpret_cast<const float*>(buf.data());
      for (std::size_t i = 0; i < n; ++i) sink(done + i, static_cast<double>(f[i]));
    } else {
      for (std::size_t i = 0; i < n; ++i) sink(done + i, load_element(buf.data() + i * h.itemsize, h));
    }
    done += n;
  }
}

[[noreturn]] void non_finite(const std::string& path, Index row, Index col, double v) {
  throw invalid_argument("'" + path + "' holds " + (std::isnan(v) ? "NaN" : "an infinite value") + " at row " +
                         std::to_string(row) + ", column " + std::to_string(col));
}

// A number as a person reads it in a message: 1e+300, 0.5, 4.611686e+18 (never 300 digits).
std::string short_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.7g", v);
  return buf;
}

// Element i of a matrix with `cols` columns as float32: NaN, infinities and values beyond float32's range are refused.
float to_float(const std::string& path, std::size_t i, Index cols, double v) {
  const auto row = static_cast<Index>(i) / cols, col = static_cast<Index>(i) % cols;
  if (!std::isfinite(v)) non_finite(path, row, col, v);
  const auto f = static_cast<float>(v);
  if (!std::isfinite(f))
    throw invalid_argument("'" + path + "' holds " + short_number(v) + " at row " + std::to_string(row) + ", column " +
                           std::to_string(col) + ", beyond float32's range (+-3.4e38)");
  return f;
}

Matrix read_npy_matrix(const std::string& path) {
  std::uint64_t size = 0;
  auto in = open_input(path, size);
  const NpyHeader h = read_npy_header(in, size, path);
  if (h.shape.empty() || h.shape.size() > 2)
    throw invalid_argument("'" + path + "' has " + std::to_string(h.shape.size()) +
                           " dimensions; expected a 2-D n x d matrix");
  const Index rows = h.shape[0];
  const Index cols = h.shape.size() == 2 ? h.shape[1] : 1;
  if (rows == 0 || cols == 0)
    throw invalid_argument("'" + path + "' is empty (shape " + std::to_string(rows) + " x " + std::to_string(cols) +
                           ")");
  Matrix m(rows, cols);
  float* out = m.data();
  read_npy_payload(in, h, path, [&](std::size_t i, double v) { out[i] = to_float(path, i, cols, v); });
  return m;
}

std::vector<double> read_npy_vector(const std::string& path) {
  std::uint64_t size = 0;
  auto in = open_input(path, size);
  const NpyHeader h = read_npy_header(in, size, path);
  if (h.shape.empty() || (h.shape.size() == 2 && h.shape[1] != 1) || h.shape.size() > 2)
    throw invalid_argument("'" + path + "' must be a 1-D array (or n x 1)");
  std::vector<double> v(h.count);
  read_npy_payload(in, h, path, [&](std::size_t i, double x) { v[i] = x; });
  return v;
}

// ---- CSV ------------------------------------------------------------------------------------------------

// The file's one separator, from its first data line (outside quotes): a semicolon if there is one (then commas are
// decimal commas: "1,5;2,5"), else a tab, else a comma; a space when there is none (columns separated by blanks).
char csv_separator(const std::string& line) {
  bool quoted = false;
  std::string seen;
  for (char c : line) {
    if (c == '"') quoted = !quoted;
    if (!quoted && (c == ',' || c == ';' || c == '\t')) seen += c;
  }
  for (char sep : {';', '\t', ','})
    if (seen.find(sep) != std::string::npos) return sep;
  return ' ';
}

// One field as a number: blanks around it and quotes ("0.5", as spreadsheets write them) removed; with ';' as the
// separator a decimal comma is read as a point (1,5 = 1.5: what Excel writes in many European locales). Decimal
// notation only (digits, sign, point, exponent; inf and nan, which the callers refuse with their position): no hex.
bool parse_field(std::string f, char sep, double& v) {
  const auto first = f.find_first_not_of(" \t\r"), last = f.find_last_not_of(" \t\r");
  if (first == std::string::npos) return false;
  f = f.substr(first, last - first + 1);
  if (f.size() >= 2 && f.front() == '"' && f.back() == '"') f = f.substr(1, f.size() - 2);
  if (sep == ';')
    for (char& c : f)
      if (c == ',') c = '.';
  if (f.empty() || f.find_first_of("xXpP") != std::string::npos) return false;
  char* end = nullptr;
  errno = 0;
  v = std::strtod(f.c_str(), &end);
  return end == f.c_str() + f.size();
}

// Splits a line on the file's separator; false if any field is not a number (`why` says which, and whether the line
// uses another separator).
bool parse_numbers(const std::string& line, char sep, std::vector<double>& out, std::string& why) {
  out.clear();
  std::size_t at = 0;
  while (at <= line.size()) {
    std::size_t next;
    if (sep == ' ') {
      at = line.find_first_not_of(" \t\r", at);
      if (at == std::string::npos) break;
      next = line.find_first_of(" \t\r", at);
    } else {
      next = line.find(sep, at);
    }
    if (next == std::string::npos) next = line.size();
    const std::string field = line.substr(at, next - at);
    double v = 0;
    if (!parse_field(field, sep, v)) {
      for (char other : std::string(",;\t"))
        if (other != sep && !(sep == ';' && other == ',') && field.find(other) != std::string::npos)
          return why = std::string("it uses '") + (other == '\t' ? "\\t" : std::string(1, other)) +
                       "' although the file's separator is '" + (sep == '\t' ? "\\t" : std::string(1, sep)) +
                       "' (one separator per file)",
                 false;
      std::string shown = field.substr(0, 40);  // (as printable text: a binary file's line is not)
      for (char& ch : shown)
        if (static_cast<unsigned char>(ch) < 0x20 || static_cast<unsigned char>(ch) >= 0x7f) ch = '?';
      return why = "'" + shown + (field.size() > 40 ? "...'" : "'") + " is not a number", false;
    }
    out.push_back(v);
    at = next + 1;
  }
  return true;
}

struct CsvTable {
  std::vector<double> values;
  Index rows = 0;
  Index cols = 0;
};

CsvTable read_csv(const std::string& path) {
  std::uint64_t size = 0;
  auto in = open_input(path, size);
  CsvTable t;
  std::string line;
  std::vector<double> fields;
  std::size_t lineno = 0;
  bool first = true;
  char sep = 0;  // fixed by the first data line
  std::string why;
  while (std::getline(in, line)) {
    ++lineno;
    if (lineno == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);  // UTF-8 byte-order mark (Excel)
    if (lineno == 1 && (line.rfind("\xFF\xFE", 0) == 0 || line.rfind("\xFE\xFF", 0) == 0))
      throw input_unreadable("cannot read '" + path + "': it is UTF-16 text; save it as UTF-8 (or ASCII) CSV");
    if (line.find('\0') != std::string::npos)
      throw input_unreadable("malformed CSV '" + path + "' at line " + std::to_string(lineno) +
                             ": it holds NUL bytes (not text)");
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const char line_sep = sep ? sep : csv_separator(line);
    if (!parse_numbers(line, line_sep, fields, why)) {
      if (first) {  // header row
        first = false;
        continue;
      }
      throw input_unreadable("malformed CSV '" + path + "' at line " + std::to_string(lineno) + ": " + why);
    }
    sep = line_sep;
    first = false;
    if (t.rows == 0) t.cols = static_cast<Index>(fields.size());
    if (static_cast<Index>(fields.size()) != t.cols)
      throw input_unreadable("malformed CSV '" + path + "' at line " + std::to_string(lineno) + ": expected " +
                             std::to_string(t.cols) + " values, found " + std::to_string(fields.size()));
    t.values.insert(t.values.end(), fields.begin(), fields.end());
    ++t.rows;
  }
  if (t.rows == 0) throw input_unreadable("cannot read '" + path + "': it holds no data rows");
  return t;
}

std::vector<double> read_any_vector(const std::string& path) {
  if (has_extension(path, ".npy")) return read_npy_vector(path);
  CsvTable t = read_csv(path);
  if (t.cols != 1)
    throw invalid_argument("'" + path + "' must hold one value per line, found " + std::to_string(t.cols));
  return std::move(t.values);
}

template <class T>
void write_npy_impl(const std::string& path, const char* descr, const std::string& shape, const T* data,
                    std::size_t count) {
  std::string header = std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  const std::size_t base = 10;  // magic(6) + version(2) + header length(2)
  std::size_t pad = 64 - (base + header.size() + 1) % 64;
  if (pad == 64) pad = 0;
  header.append(pad, ' ');
  header.push_back('\n');
  remove_stale_atomic_temporaries(path);
  AtomicFile f(path);
  f.write("\x93NUMPY\x01\x00", 8);
  const unsigned char len[2] = {static_cast<unsigned char>(header.size() & 0xff),
                                static_cast<unsigned char>(header.size() >> 8)};
  f.write(len, 2);
  f.write(header);
  f.write(data, count * sizeof(T));
  f.commit();
}

}  // namespace

void check_regular_input(const std::string& path) {
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (st.type() == fs::file_type::not_found) throw input_unreadable("cannot read '" + path + "': no such file");
  if (ec) throw input_unreadable("cannot read '" + path + "': " + ec.message());
  if (st.type() == fs::file_type::directory) throw input_unreadable("cannot read '" + path + "': it is a directory");
  if (st.type() != fs::file_type::regular)
    throw input_unreadable("cannot read '" + path + "': not a regular file (a FIFO, device or socket)");
}

Matrix read_matrix(const std::string& path) {
  if (has_extension(path, ".npy")) return read_npy_matrix(path);
  CsvTable t = read_csv(path);
  Matrix m(t.rows, t.cols);
  for (std::size_t i = 0; i < t.values.size(); ++i) m.data()[i] = to_float(path, i, t.cols, t.values[i]);
  return m;
}

std::vector<std::int64_t> read_labels(const std::string& path) {
  const std::vector<double> v = read_any_vector(path);
  std::vector<std::int64_t> out(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!std::isfinite(v[i]) || v[i] != std::floor(v[i]) || std::fabs(v[i]) > 9.0e15)
      throw invalid_argument("'" + path + "' holds " + short_number(v[i]) + " at position " + std::to_string(i) +
                             ", which is not an integer label (whole numbers of at most 9e15)");
    out[i] = static_cast<std::int64_t>(v[i]);
  }
  return out;
}

std::vector<double> read_vector(const std::string& path) {
  std::vector<double> v = read_any_vector(path);
  for (std::size_t i = 0; i < v.size(); ++i)
    if (!std::isfinite(v[i])) non_finite(path, static_cast<Index>(i), 0, v[i]);
  return v;
}

void write_npy(const std::string& path, const Matrix& m) {
  write_npy_impl(path, "<f4", "(" + std::to_string(m.rows()) + ", " + std::to_string(m.cols()) + ")", m.data(),
                 m.size());
}

void write_npy(const std::string& path, const std::vector<std::int64_t>& v) {
  write_npy_impl(path, "<i8", "(" + std::to_string(v.size()) + ",)", v.data(), v.size());
}

}  // namespace cords

#include "cords/core/io.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>

#include "../support/temp_dir.h"
#include "cords/core/error.h"

namespace cords {
namespace {
namespace fs = std::filesystem;

class IoTest : public test::TempDirTest {
 protected:
  void write(const std::string& name, const std::string& bytes) const {
    std::ofstream(path(name), std::ios::binary) << bytes;
  }
  // A raw .npy with the given version, descr, shape and payload.
  static std::string npy(int major, const std::string& descr, const std::string& shape, const std::string& payload,
                         bool fortran = false) {
    std::string h =
        "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': " + shape + ", }";
    const std::size_t prefix = major == 1 ? 10 : 12;
    while ((prefix + h.size() + 1) % 64) h += ' ';
    h += '\n';
    std::string out = std::string("\x93NUMPY", 6) + static_cast<char>(major) + '\0';
    if (major == 1) {
      out += static_cast<char>(h.size() & 0xff);
      out += static_cast<char>(h.size() >> 8);
    } else {
      for (int b = 0; b < 4; ++b) out += static_cast<char>((h.size() >> (8 * b)) & 0xff);
    }
    return out + h + payload;
  }
  template <class T>
  static std::string bytes(std::initializer_list<T> v, bool big_endian = false) {
    std::string s;
    for (T x : v) {
      char b[sizeof(T)];
      std::memcpy(b, &x, sizeof(T));
      if (big_endian) std::reverse(b, b + sizeof(T));
      s.append(b, sizeof(T));
    }
    return s;
  }
  static ErrorKind kind_of(const std::function<void()>& fn) {
    try {
      fn();
    } catch (const Error& e) {
      return e.kind();
    }
    return ErrorKind::Internal;
  }
};

TEST_F(IoTest, NpyRoundTrip) {
  Matrix m(3, 2);
  for (Index i = 0; i < 6; ++i) m.data()[i] = static_cast<float>(i) * 0.5f - 1.0f;
  write_npy(path("m.npy"), m);
  Matrix r = read_matrix(path("m.npy"));
  ASSERT_EQ(r.rows(), 3);
  ASSERT_EQ(r.cols(), 2);
  for (Index i = 0; i < 6; ++i) EXPECT_EQ(r.data()[i], m.data()[i]);
  write_npy(path("v.npy"), std::vector<std::int64_t>{4, -2, 9});
  EXPECT_EQ(read_labels(path("v.npy")), (std::vector<std::int64_t>{4, -2, 9}));
}

TEST_F(IoTest, ReadsFloat64VersionTwoBigEndianAndIntegers) {
  write("f8.npy", npy(2, "<f8", "(2, 2)", bytes<double>({1.5, -2, 3, 4})));
  Matrix a = read_matrix(path("f8.npy"));
  EXPECT_EQ(a(0, 0), 1.5f);
  EXPECT_EQ(a(1, 1), 4.0f);
  write("be.npy", npy(1, ">f4", "(1, 3)", bytes<float>({1, 2, -3}, true)));
  Matrix b = read_matrix(path("be.npy"));
  EXPECT_EQ(b(0, 2), -3.0f);
  write("i2.npy", npy(1, "<i2", "(3,)", bytes<std::int16_t>({-7, 0, 300})));
  EXPECT_EQ(read_labels(path("i2.npy")), (std::vector<std::int64_t>{-7, 0, 300}));
  write("u1.npy", npy(1, "|u1", "(2,)", bytes<std::uint8_t>({255, 1})));
  EXPECT_EQ(read_labels(path("u1.npy")), (std::vector<std::int64_t>{255, 1}));
}

TEST_F(IoTest, BadNpyFilesGetClearErrors) {
  EXPECT_EQ(kind_of([&] { read_matrix(path("missing.npy")); }), ErrorKind::InputUnreadable);
  EXPECT_EQ(kind_of([&] { read_matrix(dir.string() + "/"); }), ErrorKind::InputUnreadable);
  write("text.npy", "this is not numpy\n");
  EXPECT_EQ(kind_of([&] { read_matrix(path("text.npy")); }), ErrorKind::InputUnreadable);
  write("empty.npy", "");
  EXPECT_EQ(kind_of([&] { read_matrix(path("empty.npy")); }), ErrorKind::InputUnreadable);
  write("trunc.npy", npy(1, "<f4", "(10, 10)", bytes<float>({1, 2, 3})));
  try {
    read_matrix(path("trunc.npy"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::InputUnreadable);
    EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("trunc.npy"), std::string::npos);
  }
  write("fortran.npy", npy(1, "<f4", "(1, 2)", bytes<float>({1, 2}), true));
  EXPECT_EQ(kind_of([&] { read_matrix(path("fortran.npy")); }), ErrorKind::InvalidArgument);
  write("complex.npy", npy(1, "<c8", "(1,)", bytes<float>({1, 2})));
  EXPECT_EQ(kind_of([&] { read_matrix(path("complex.npy")); }), ErrorKind::InvalidArgument);
  write("3d.npy", npy(1, "<f4", "(1, 1, 2)", bytes<float>({1, 2})));
  EXPECT_EQ(kind_of([&] { read_matrix(path("3d.npy")); }), ErrorKind::InvalidArgument);
  write("zero.npy", npy(1, "<f4", "(0, 4)", ""));
  EXPECT_EQ(kind_of([&] { read_matrix(path("zero.npy")); }), ErrorKind::InvalidArgument);
}

TEST_F(IoTest, NonFiniteValuesAreRejectedWithTheirPosition) {
  write("nan.npy", npy(1, "<f4", "(2, 2)", bytes<float>({1, 2, 3, NAN})));
  try {
    read_matrix(path("nan.npy"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::InvalidArgument);
    EXPECT_NE(std::string(e.what()).find("NaN at row 1, column 1"), std::string::npos) << e.what();
  }
  write("inf.csv", "1,2\n3,inf\n");
  EXPECT_EQ(kind_of([&] { read_matrix(path("inf.csv")); }), ErrorKind::InvalidArgument);
}

TEST_F(IoTest, CsvWithHeaderAndSeparators) {
  // One separator per file, each kind on its own (blanks: spaces and tabs alike); CRLF and empty lines pass.
  for (const std::string text : {"x,y,z\n1,2,3\n\n4,5,6\r\n7, 8 ,9\n", "x;y;z\n1;2;3\n4;5;6\r\n7;8;9\n",
                                 "1\t2\t3\n4\t5\t6\n7\t8\t9\n", "x y z\n1 2 3\n4  5 6\n7 8\t9\n"}) {
    write("a.csv", text);
    Matrix m = read_matrix(path("a.csv"));
    ASSERT_EQ(m.rows(), 3) << text;
    ASSERT_EQ(m.cols(), 3) << text;
    EXPECT_EQ(m(2, 2), 9.0f) << text;
  }
  // A line with another separator is an error (it was read as more columns: the reliability review's K), and a
  // semicolon file's commas are decimal commas.
  write("mixed.csv", "x,y,z\n1,2,3\n4;5;6\n");
  EXPECT_EQ(kind_of([&] { read_matrix(path("mixed.csv")); }), ErrorKind::InputUnreadable);
  write("eu.csv", "1,5;2,25\n");
  Matrix eu = read_matrix(path("eu.csv"));
  ASSERT_EQ(eu.cols(), 2);
  EXPECT_EQ(eu(0, 1), 2.25f);
  write("ragged.csv", "1,2,3\n4,5\n");
  try {
    read_matrix(path("ragged.csv"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::InputUnreadable);
    EXPECT_NE(std::string(e.what()).find("line 2: expected 3 values, found 2"), std::string::npos) << e.what();
  }
  write("labels.txt", "label\n3\n1\n3\n");
  EXPECT_EQ(read_labels(path("labels.txt")), (std::vector<std::int64_t>{3, 1, 3}));
  write("frac.txt", "1.5\n");
  EXPECT_EQ(kind_of([&] { read_labels(path("frac.txt")); }), ErrorKind::InvalidArgument);
  write("header_only.csv", "a,b\n");
  EXPECT_EQ(kind_of([&] { read_matrix(path("header_only.csv")); }),
            ErrorKind::InputUnreadable);  // no data: like an empty file
}

}  // namespace
}  // namespace cords

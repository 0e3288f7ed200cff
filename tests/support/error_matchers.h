#pragma once
// EXPECT_CORDS_ERROR(statement, Kind): the statement throws a cords::Error of ErrorKind::Kind - the kind is the
// documented exit code, so a test that accepted any cords::Error would not notice an exit code that changed (the
// spirit of abseil's StatusIs). The failure message names the kind and message that came instead.
#include <gtest/gtest.h>

#include <exception>
#include <string>

#include "cords/core/error.h"

namespace cords::test {

inline std::string kind_text(ErrorKind kind) {
  for (const auto& k : error_kinds())
    if (k.kind == kind) return std::to_string(exit_code(kind)) + " (" + k.meaning + ")";
  return std::to_string(exit_code(kind));
}

template <class F>
::testing::AssertionResult throws_kind(F&& statement, ErrorKind kind, const char* text) {
  try {
    statement();
  } catch (const Error& e) {
    if (e.kind() == kind) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << text << " threw cords::Error of kind " << kind_text(e.kind()) << ": "
                                         << e.what() << "\n  expected kind " << kind_text(kind);
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << text << " threw a std::exception that is not a cords::Error: " << e.what();
  } catch (...) {
    return ::testing::AssertionFailure() << text << " threw something that is not a std::exception";
  }
  return ::testing::AssertionFailure() << text << " threw nothing; expected cords::Error of kind " << kind_text(kind);
}

}  // namespace cords::test

#define EXPECT_CORDS_ERROR(statement, kind) \
  EXPECT_TRUE(::cords::test::throws_kind([&] { (void)(statement); }, ::cords::ErrorKind::kind, #statement))
#define ASSERT_CORDS_ERROR(statement, kind) \
  ASSERT_TRUE(::cords::test::throws_kind([&] { (void)(statement); }, ::cords::ErrorKind::kind, #statement))

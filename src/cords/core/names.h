#pragma once
// Enums and the words that name them (in manifests, reports, options): one table per enum, read both ways.
//   constexpr Named<Color> kColors[] = {{Color::Red, "red"}, {Color::Blue, "blue"}};
//   name_in(kColors, Color::Blue) == "blue";  value_in(kColors, "red") == Color::Red;  value_in(kColors, "x") ==
//   nullopt
#include <cstddef>
#include <optional>
#include <string>

namespace cords {

template <class E>
struct Named {
  E value;
  const char* name;
};

/// The name of `value`; the table's first name when it is not in the table.
template <class E, std::size_t N>
const char* name_in(const Named<E> (&table)[N], E value) {
  for (const auto& n : table)
    if (n.value == value) return n.name;
  return table[0].name;
}

/// The value named `name`, or std::nullopt.
template <class E, std::size_t N>
std::optional<E> value_in(const Named<E> (&table)[N], const std::string& name) {
  for (const auto& n : table)
    if (name == n.name) return n.value;
  return std::nullopt;
}

}  // namespace cords

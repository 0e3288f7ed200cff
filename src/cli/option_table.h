#pragma once
// One option table per command (docs/cli.md, "Options"): a row names an option, the field it fills, its default,
// its range or its words, and its help, once. The table drives the parsing (Boost.Program_options), the range
// checks, --help, the man page (cords-summarize --man) and the bash completion (cords-summarize --complete-values
// COMMAND OPTION prints an option's words), so that no range, default or list of words is written twice. Ranges of
// library parameters come from the library's own range tables (the same Range objects its checks use).
#include <boost/program_options.hpp>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "cli/common.h"
#include "cords/core/error.h"
#include "cords/core/range.h"

namespace cords::cli {

namespace po = boost::program_options;

/// The words an option's value may be (shown in help, completed by bash); computed when asked (from registries).
using Words = std::function<std::vector<std::string>()>;

/// The words of a table whose entries have a `name` (a registry, a Named<E> table), read when asked.
template <class Table>
Words words_of(const Table& table) {
  return [&table] { return table_names(table); };
}

class OptionTable {
 public:
  /// `command`: "" for the summary (the main command), else "select", "train"; `usage`: the help's first lines.
  OptionTable(std::string command, std::string usage);

  /// An option with a value written into *field. The field's value is the default (shown in --help and the man page,
  /// and left as it is when the option is not given), or `shown_default` when given ("" for none: a field whose
  /// value matters only when the option is given).
  template <class T>
  OptionTable& value(const char* names, T* field, const char* value_name, const std::string& help,
                     std::optional<Range> range = std::nullopt,
                     std::optional<std::string> shown_default = std::nullopt) {
    static_assert(std::is_arithmetic_v<T> || std::is_same_v<T, std::string>, "a number or a string");
    Row& r = add_row(names, value_name, help);
    r.range = range;
    po::typed_value<T>* v = po::value<T>(field)->value_name(value_name);
    const std::string text = shown_default ? *shown_default : show(*field);
    if (!text.empty()) v->default_value(*field, text);
    r.default_text = text;
    if constexpr (std::is_arithmetic_v<T>) r.number = [field] { return static_cast<double>(*field); };
    desc_.add_options()(names, v, r.help_text().c_str());
    return *this;
  }
  /// A string option whose value is one of `words` (listed in --help and the man page, completed by bash), or, with
  /// `open`, also other values (the words are then what completion offers: names of a registry that also takes
  /// expressions or paths). The words come from the registry whose parser checks the value (the library's: it owns
  /// the names and the message), so the table does not check them again.
  OptionTable& choice(const char* names, std::string* field, const char* value_name, Words words,
                      const std::string& help, bool open = false);
  /// An on/off switch, off by default.
  OptionTable& flag(const char* names, bool* field, const std::string& help);
  /// An option given any number of times (or with several values: --extensions mp4 mkv).
  OptionTable& list(const char* names, std::vector<std::string>* field, const char* value_name, const std::string& help,
                    bool multitoken = false);
  /// The option that takes the positional arguments.
  OptionTable& positional(const char* name);
  /// Text printed after the options in --help and in the man page's DESCRIPTION (e.g. the functions' list).
  OptionTable& epilog(std::string text);

  /// Parses argv into the fields, then checks the ranges of the options given. Throws
  /// Error{InvalidArgument} naming the option ("--knn must be >= 0, got -1"). False when --help was asked (the
  /// help is then printed) or argv[1] is --complete-values [--OPTION] (the option names or the option's words are
  /// printed, one a line, for the bash completion); true otherwise.
  bool parse(int argc, char** argv);
  /// Whether the option was given on the command line (not defaulted).
  bool given(const std::string& name) const;

  void print_help(std::ostream& os) const;
  /// The OPTIONS section of a man page (roff), with each option's default and range.
  void print_man(std::ostream& os) const;
  /// The words of `option` (long name, without dashes); empty when it takes free text, a number or a path.
  std::vector<std::string> words_of(const std::string& option) const;
  /// Every long option name, with its dashes.
  std::vector<std::string> option_names() const;
  const std::string& command() const { return command_; }

 private:
  struct Row {
    std::string long_name, short_name, value_name, help, default_text;
    std::optional<Range> range;
    std::function<double()> number;  // the field, for range checks
    Words words;
    bool open_words = false;
    std::string help_text() const;  // help + default-independent range/words
  };
  Row& add_row(const char* names, const char* value_name, const std::string& help);
  template <class T>
  static std::string show(const T& v) {
    if constexpr (std::is_same_v<T, std::string>) {
      return v;
    } else if constexpr (std::is_same_v<T, bool>) {
      return v ? "true" : "false";
    } else if constexpr (std::is_floating_point_v<T>) {
      return fmt(static_cast<double>(v));
    } else {
      return std::to_string(v);
    }
  }

  std::string command_, usage_, epilog_;
  po::options_description desc_;
  po::positional_options_description pos_;
  std::vector<Row> rows_;
  po::variables_map vm_;
  bool flag_help_ = false;
};

/// The summary's and select's tables, for the man page and completion. Each command builds its table from fields it
/// owns; these build them over scratch fields. (train's is in the LibTorch plugin: `train --man-section`,
/// `train --complete-values OPTION`.)
std::unique_ptr<OptionTable> summarize_options_for_docs();
std::unique_ptr<OptionTable> select_options_for_docs();

/// cords-summarize --man: the man page's head and the summary's and select's options (roff); main() adds train's
/// section (from the plugin) and print_man_tail's.
void print_man_page(std::ostream& os);
void print_man_tail(std::ostream& os);
/// Text as roff prints it (dashes, backslashes and a leading dot escaped).
std::string roff(const std::string& s);
/// --complete-values OPTION: the words of an option of `t`, one a line; with no option, every option name.
int print_completion_words(const OptionTable& t, const std::string& option);

}  // namespace cords::cli

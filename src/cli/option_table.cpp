#include "cli/option_table.h"

#include <algorithm>
#include <iostream>

#include "cords/core/error.h"

namespace cords::cli {

OptionTable::OptionTable(std::string command, std::string usage)
    : command_(std::move(command)), usage_(std::move(usage)), desc_("Options", kHelpWidth, kHelpWidth / 2) {
  desc_.add_options()("help,h", po::bool_switch(&flag_help_), "show this help");
}

OptionTable::Row& OptionTable::add_row(const char* names, const char* value_name, const std::string& help) {
  Row r;
  const std::string n = names;
  const auto comma = n.find(',');
  r.long_name = n.substr(0, comma);
  if (comma != std::string::npos) r.short_name = n.substr(comma + 1);
  r.value_name = value_name ? value_name : "";
  r.help = help;
  rows_.push_back(std::move(r));
  return rows_.back();
}

std::string OptionTable::Row::help_text() const {
  std::string h = help;
  if (range && !range->unbounded()) h += " [" + range->describe() + "]";
  return h;
}

OptionTable& OptionTable::choice(const char* names, std::string* field, const char* value_name, Words words,
                                 const std::string& help, bool open) {
  Row& r = add_row(names, value_name, help);
  r.words = std::move(words);
  r.open_words = open;
  r.default_text = *field;
  po::typed_value<std::string>* v = po::value<std::string>(field)->value_name(value_name);
  if (!field->empty()) v->default_value(*field);
  std::string h = help;
  if (!open) h += " (" + alternatives(r.words()) + ")";
  desc_.add_options()(names, v, h.c_str());
  return *this;
}

OptionTable& OptionTable::flag(const char* names, bool* field, const std::string& help) {
  add_row(names, nullptr, help);
  desc_.add_options()(names, po::bool_switch(field), help.c_str());
  return *this;
}

OptionTable& OptionTable::list(const char* names, std::vector<std::string>* field, const char* value_name,
                               const std::string& help, bool multitoken) {
  add_row(names, value_name, help);
  po::typed_value<std::vector<std::string>>* v = po::value(field)->value_name(value_name);
  if (multitoken) v->multitoken();
  desc_.add_options()(names, v, help.c_str());
  return *this;
}

OptionTable& OptionTable::positional(const char* name) {
  pos_.add(name, -1);
  return *this;
}

OptionTable& OptionTable::epilog(std::string text) {
  epilog_ = std::move(text);
  return *this;
}

bool OptionTable::parse(int argc, char** argv) {
  if (argc >= 2 && std::string(argv[1]) == "--complete-values") {
    print_completion_words(*this, argc > 2 ? argv[2] : "");
    return false;
  }
  po::store(po::command_line_parser(argc, argv).options(desc_).positional(pos_).run(), vm_);
  if (vm_.count("help") && vm_["help"].as<bool>()) {
    print_help(std::cout);
    return false;
  }
  po::notify(vm_);
  for (const Row& r : rows_) {
    if (!given(r.long_name)) continue;
    std::string name = r.long_name;  // the parameter's name (snake_case): messages spell it as the application does
    std::replace(name.begin(), name.end(), '-', '_');
    if (r.range && r.number) check_range(name, r.number(), *r.range);
  }
  return true;
}

bool OptionTable::given(const std::string& name) const {
  const auto it = vm_.find(name);
  return it != vm_.end() && !it->second.defaulted();
}

void OptionTable::print_help(std::ostream& os) const {
  os << usage_ << "\n\n" << desc_ << "\n";
  if (!epilog_.empty()) os << epilog_ << "\n";
  os << exit_code_help();
}

// Roff text: a leading dot or quote would start a request; backslashes and dashes are escaped.
std::string roff(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else {
      out += c;
    }
  }
  if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out.insert(0, "\\&");
  return out;
}

void OptionTable::print_man(std::ostream& os) const {
  for (const Row& r : rows_) {
    os << ".TP\n\\fB\\-\\-" << roff(r.long_name) << "\\fR";
    if (!r.short_name.empty()) os << ", \\fB\\-" << roff(r.short_name) << "\\fR";
    if (!r.value_name.empty()) os << " \\fI" << roff(r.value_name) << "\\fR";
    os << "\n" << roff(r.help);
    if (r.words && !r.open_words) os << " One of: " << roff(name_list(r.words())) << ".";
    if (r.range && !r.range->unbounded()) os << " Range: " << roff(r.range->describe()) << ".";
    if (!r.default_text.empty()) os << " Default: " << roff(r.default_text) << ".";
    os << "\n";
  }
}

std::vector<std::string> OptionTable::words_of(const std::string& option) const {
  for (const Row& r : rows_)
    if (r.long_name == option && r.words) return r.words();
  return {};
}

std::vector<std::string> OptionTable::option_names() const {
  std::vector<std::string> names{"--help"};
  for (const Row& r : rows_) names.push_back("--" + r.long_name);
  return names;
}

int print_completion_words(const OptionTable& t, const std::string& option) {
  const std::string name = option.rfind("--", 0) == 0 ? option.substr(2) : option;
  if (name.empty()) {
    for (const auto& n : t.option_names()) std::cout << n << "\n";
    return 0;
  }
  for (const auto& w : t.words_of(name)) std::cout << w << "\n";
  return 0;
}

}  // namespace cords::cli

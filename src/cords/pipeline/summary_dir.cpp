#include "cords/pipeline/summary_dir.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <system_error>

#include "cords/core/cleanup.h"
#include "cords/core/error.h"
#include "cords/core/output_file.h"

namespace cords::pipeline {
namespace fs = std::filesystem;
namespace {

constexpr const char* kTempMarker = ".cords-summarize-partial";
// The marker's first line; the names the summary may write follow, one per line.
constexpr const char* kMarkerHeading =
    "a summary being written by cords-summarize; removed when it is done. Its files:";
constexpr std::uintmax_t kMaxManifestBytes = std::uintmax_t{64} << 20;

// A plain name inside the folder: one path component, not "." or "..".
bool plain_name(const std::string& s) {
  return !s.empty() && s != "." && s != ".." && s.find('/') == std::string::npos;
}

// The manifest as JSON, or null when it is missing, too large, not JSON or not this tool's.
nlohmann::json read_manifest(const fs::path& file) {
  std::error_code ec;
  if (fs::symlink_status(file, ec).type() != fs::file_type::regular) return nullptr;
  if (fs::file_size(file, ec) > kMaxManifestBytes || ec) return nullptr;
  std::ifstream in(file, std::ios::binary);
  nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return nullptr;
  // Only the tool's own tag: a manifest of another tool with the same generic keys (input, parameters, keyframes,
  // outputs) is not ours, and neither are the files it lists.
  const bool tagged = j.contains("tool") && j["tool"] == "cords-summarize" && j.contains("keyframes") &&
                      j["keyframes"].is_array() && j.contains("outputs") && j["outputs"].is_object();
  return tagged ? j : nlohmann::json(nullptr);
}

std::string quoted(const fs::path& p) {
  return "'" + p.filename().string() + "'";
}

}  // namespace

bool recognise_summary(const fs::path& dir, const std::string& manifest_name, SummaryContents& contents,
                       std::string& why) {
  contents = {};
  std::error_code ec;
  const fs::file_status st = fs::symlink_status(dir, ec);
  if (st.type() == fs::file_type::symlink) return why = "it is a symbolic link", false;
  if (st.type() != fs::file_type::directory) return why = "it is not a folder", false;
  const nlohmann::json m = read_manifest(dir / manifest_name);
  if (m.is_null()) {
    std::string first;
    for (const auto& e : fs::directory_iterator(dir, ec))
      if (first.empty() || e.path().filename().string() < first) first = e.path().filename().string();
    if (first.empty()) return true;  // an empty folder: replacing it loses nothing
    why = "it holds '" + first + "' and no summary manifest ('" + manifest_name + "') of this tool";
    return false;
  }
  // The names the manifest accounts for.
  std::set<std::string> top{manifest_name}, keyframes;
  // The files the manifest's outputs name, under the keys the tool writes them with (a sheet, a clip, the exports
  // list); a name under any other key is not one of the tool's outputs.
  const nlohmann::json& outputs = m["outputs"];
  for (const char* key : {"sheet", "clip", "page"})
    if (outputs.contains(key) && outputs[key].is_string() && plain_name(outputs[key].get<std::string>()))
      top.insert(outputs[key].get<std::string>());
  for (const char* key : {"exports", "thumbnails", "preview"})
    if (outputs.contains(key) && outputs[key].is_array())
      for (const auto& v : outputs[key])
        if (v.is_string() && plain_name(v.get<std::string>())) top.insert(v.get<std::string>());
  for (const auto& k : m["keyframes"]) {
    if (!k.is_object() || !k.contains("image") || !k["image"].is_string()) continue;
    const std::string image = k["image"];
    if (image.rfind("keyframes/", 0) == 0 && plain_name(image.substr(10))) keyframes.insert(image.substr(10));
  }
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    const fs::file_type type = e.symlink_status(ec).type();
    if (type == fs::file_type::directory && name == "keyframes") {
      contents.keyframes_dir = true;
      for (const auto& k : fs::directory_iterator(e.path(), ec)) {
        const std::string kn = k.path().filename().string();
        if (k.symlink_status(ec).type() != fs::file_type::regular || !keyframes.count(kn))
          return why = "it holds 'keyframes/" + kn + "', which this tool did not write", false;
        contents.files.push_back("keyframes/" + kn);
      }
      if (ec) return why = "cannot list 'keyframes/': " + ec.message(), false;
      continue;
    }
    if (type != fs::file_type::regular || !top.count(name))
      return why = "it holds " + quoted(e.path()) + ", which this tool did not write", false;
    contents.files.push_back(name);
  }
  if (ec) return why = "cannot list it: " + ec.message(), false;
  return true;
}

SummaryContents check_summary_destination(const std::string& dir, const std::string& input, bool force,
                                          const std::string& manifest_name) {
  SummaryContents contents;
  std::error_code ec;
  const fs::file_status st = fs::symlink_status(dir, ec);
  if (st.type() != fs::file_type::not_found) {
    if (!force)
      throw output_unwritable("output '" + dir + "' already exists; use " + param("force") +
                              " to replace a summary there");
    if (same_file(dir, input)) throw output_unwritable("will not replace '" + dir + "': it is the input video");
    if (is_within(input, dir))
      throw output_unwritable("will not replace '" + dir + "': it holds the input video '" + input +
                              "'; choose another output folder");
    std::string why;
    if (!recognise_summary(dir, manifest_name, contents, why))
      throw output_unwritable("will not replace '" + dir + "': " + why + "; " + param("force") +
                              " replaces only a summary this tool wrote");
  }
  const fs::path parent = fs::absolute(dir).parent_path();
  if (!fs::is_directory(parent, ec))
    throw output_unwritable("cannot write '" + dir + "': directory '" + parent.string() + "' does not exist");
  if (::access(parent.c_str(), W_OK) != 0)
    throw output_unwritable("cannot write '" + dir + "': directory '" + parent.string() + "' is not writable");
  return contents;
}

namespace {

// Removes exactly the listed files, then keyframes/ and the folder itself (rmdir: fails if anything else is there).
bool remove_summary(const fs::path& dir, const SummaryContents& contents) {
  std::error_code ec;
  for (const auto& f : contents.files) fs::remove(dir / f, ec);
  if (contents.keyframes_dir) fs::remove(dir / "keyframes", ec);
  return fs::remove(dir, ec) && !ec;
}

// A keyframe image's name as keyframe_name() makes it: a time of digits, '-' and '.', then "_f<frame>.jpg".
bool keyframe_file(const std::string& name) {
  const auto f = name.rfind("_f");
  if (f == std::string::npos || f == 0 || name.size() < f + 7 || name.compare(name.size() - 4, 4, ".jpg") != 0)
    return false;
  return name.find_first_not_of("0123456789-.") == f &&
         name.find_first_not_of("0123456789", f + 2) == name.size() - 4 && name.size() - 4 > f + 2;
}

// `name` itself, or a leftover of a write of it: `.<name>.tmp-<pid>-<n>` (core/atomic_file.h), or
// `.<stem>.tmp-<pid><extension>` (the clip, whose muxer follows the extension: output/clip.cpp).
bool written_as(const std::string& entry, const std::string& name) {
  const fs::path n(name);
  const std::string stem = "." + n.stem().string() + ".tmp-", ext = n.extension().string();
  return entry == name || entry.rfind("." + name + ".tmp-", 0) == 0 ||
         (entry.rfind(stem, 0) == 0 && entry.size() > stem.size() + ext.size() &&
          entry.compare(entry.size() - ext.size(), ext.size(), ext) == 0 &&
          entry.find_first_not_of("0123456789", stem.size()) == entry.size() - ext.size());
}

// The top-level names a marker lists; a marker of an older version (no list) stands for the default names.
std::vector<std::string> marker_names(const fs::path& marker) {
  std::vector<std::string> names;
  std::error_code ec;
  if (fs::file_size(marker, ec) > (64u << 10) || ec) return names;
  std::ifstream in(marker, std::ios::binary);
  std::string line;
  std::getline(in, line);
  const bool listed = line == kMarkerHeading;
  while (listed && std::getline(in, line))
    if (plain_name(line)) names.push_back(line);
  if (!listed) names = {"summary.json", "sheet.jpg", "summary.mp4", "shots.csv", "chapters.vtt"};
  return names;
}

// A killed run's marked temporary folder: removes what its marker lists (and their atomic-write leftovers), the
// keyframe images, then keyframes/ and the folder with rmdir, which leaves them (and whatever anyone else put there)
// when anything else is in them.
void remove_partial_summary(const fs::path& dir) {
  std::error_code ec;
  const std::vector<std::string> names = marker_names(dir / kTempMarker);
  const auto listed = [&](const std::string& entry) {
    for (const auto& n : names)
      if (written_as(entry, n)) return true;
    return false;
  };
  std::vector<fs::path> doomed;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    const fs::file_type type = e.symlink_status(ec).type();
    if (type == fs::file_type::regular && listed(name)) doomed.push_back(e.path());
    if (type != fs::file_type::directory || name != "keyframes") continue;
    for (const auto& k : fs::directory_iterator(e.path(), ec)) {
      const std::string kn = k.path().filename().string();
      if (k.symlink_status(ec).type() == fs::file_type::regular &&
          (keyframe_file(kn) || (kn.rfind('.', 0) == 0 && kn.find(".jpg.tmp-") != std::string::npos &&
                                 keyframe_file(kn.substr(1, kn.find(".jpg.tmp-") + 3)))))
        doomed.push_back(k.path());
    }
  }
  for (const auto& p : doomed) fs::remove(p, ec);
  fs::remove(dir / "keyframes", ec);  // rmdir: only when empty
  fs::remove(dir / kTempMarker, ec);
  fs::remove(dir, ec);
}

// The PID in "<base><tag><PID>", or -1.
long pid_suffix(const std::string& name, const std::string& prefix) {
  if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) return -1;
  long pid = 0;
  for (std::size_t i = prefix.size(); i < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9' || pid > 1'000'000'000) return -1;
    pid = pid * 10 + (name[i] - '0');
  }
  return pid;
}

std::string pid_name(const std::string& dir, const char* tag) {
  return dir + tag + std::to_string(::getpid());
}

}  // namespace

TempSummaryDir::TempSummaryDir(const std::string& dir, const std::vector<std::string>& names)
    : path_(pid_name(dir, ".tmp-")) {
  // Created and registered together: an interruption in between would leave the folder behind.
  const auto hold = defer_interrupt_cleanup();
  std::error_code ec;
  if (!fs::create_directory(path_, ec))
    throw output_unwritable("cannot create '" + path_ + "': " + (ec ? ec.message() : "it already exists"));
  registration_ = TempRegistration(path_);
  std::ofstream marker(fs::path(path_) / kTempMarker);
  marker << kMarkerHeading << "\n";
  for (const auto& n : names)
    if (plain_name(n) && n.find('\n') == std::string::npos) marker << n << "\n";
}

TempSummaryDir::~TempSummaryDir() {
  if (committed_) return;
  std::error_code ec;
  fs::remove_all(path_, ec);  // made by us, exclusively
}

void TempSummaryDir::commit(const std::string& dest, const std::string& input, const std::string& manifest_name) {
  std::error_code ec;
  fs::remove(fs::path(path_) / kTempMarker, ec);
  const auto hold = defer_interrupt_cleanup();  // the renames below happen together or not at all
  if (fs::symlink_status(dest, ec).type() == fs::file_type::not_found) {
    fs::rename(path_, dest, ec);
    if (ec) throw output_unwritable("cannot move the summary into '" + dest + "': " + ec.message());
    committed_ = true;
    registration_.release();
    return;
  }
  // Checked again: the folder may have changed while the summary was being made.
  const SummaryContents old = check_summary_destination(dest, input, true, manifest_name);
  const std::string aside = pid_name(dest, ".old-");
  fs::rename(dest, aside, ec);
  if (ec) throw output_unwritable("cannot replace '" + dest + "': " + ec.message());
  fs::rename(path_, dest, ec);
  if (ec) {
    std::error_code back;
    fs::rename(aside, dest, back);
    throw output_unwritable("cannot move the summary into '" + dest + "': " + ec.message());
  }
  committed_ = true;
  registration_.release();
  remove_summary(aside, old);
}

void remove_stale_temporaries(const fs::path& dir, const std::string& manifest_name) {
  std::error_code ec;
  const fs::path abs = fs::absolute(dir, ec);
  const std::string base = abs.filename().string();
  for (const auto& e : fs::directory_iterator(abs.parent_path(), ec)) {
    const std::string name = e.path().filename().string();
    if (e.symlink_status(ec).type() != fs::file_type::directory) continue;
    const long tmp_pid = pid_suffix(name, base + ".tmp-"), old_pid = pid_suffix(name, base + ".old-");
    const long pid = tmp_pid > 0 ? tmp_pid : old_pid;
    if (pid <= 0 || process_alive(pid)) continue;
    if (tmp_pid > 0 && fs::symlink_status(e.path() / kTempMarker, ec).type() == fs::file_type::regular) {
      remove_partial_summary(e.path());  // marked as the tool's when it was made: what the marker lists goes
      continue;
    }
    if (tmp_pid > 0 && fs::is_empty(e.path(), ec) && !ec) {
      fs::remove(e.path(), ec);  // killed before the marker was in it; rmdir, which refuses a folder that is not empty
      continue;
    }
    // A summary moved aside by a killed --force (.old-), or one finished but not yet moved into place (.tmp-: killed
    // after commit() took the marker away): removed only if it is the tool's and holds nothing else.
    SummaryContents left;
    std::string why;
    if (recognise_summary(e.path(), manifest_name, left, why)) remove_summary(e.path(), left);
  }
}

}  // namespace cords::pipeline

#include "cords/pipeline/report.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>

#include "cords/core/atomic_file.h"
#include "cords/core/error.h"
#include "cords/core/text.h"
#include "cords/core/timestamp.h"
#include "cords/pipeline/html.h"

namespace cords::pipeline {
namespace fs = std::filesystem;

namespace {

// Which of two reports of one video wins a merge: a complete one, else a failure, else a lock or nothing.
int rank(ItemStatus status) {
  if (complete(status)) return 3;
  if (status == ItemStatus::Failed) return 2;
  return 1;
}

}  // namespace

namespace {

// An item's summary folder as the report stores it: relative to OUT ("a/b/clip.summary"), so that OUT can be moved
// and `report` run from anywhere. Reports of earlier versions stored it as the batch saw it (absolute, or relative to
// the batch's working folder); an absolute one inside OUT is still taken. Anything else (absolute elsewhere, "..",
// empty) is not a folder of this batch: std::nullopt.
std::optional<fs::path> output_in_out(const std::string& output, const fs::path& out_abs) {
  fs::path p(output);
  if (p.empty()) return std::nullopt;
  if (p.is_absolute()) {
    p = p.lexically_normal().lexically_relative(out_abs);
    if (p.empty()) return std::nullopt;
  }
  for (const auto& part : p)
    if (part == ".." || part.empty() || part.is_absolute()) return std::nullopt;
  return p.lexically_normal();
}

// "report-shard-I-of-N.json" -> {I, N}; {-1, -1} for another name.
std::pair<int, int> shard_of(const std::string& name) {
  int i = -1, n = -1;
  char tail[8] = {0};
  if (std::sscanf(name.c_str(), "report-shard-%d-of-%d%7s", &i, &n, tail) != 3 || std::string(tail) != ".json")
    return {-1, -1};
  return {i, n};
}

}  // namespace

std::vector<BatchItem> read_reports(const std::string& out_dir, std::string* missing_shards) {
  std::map<std::string, BatchItem> merged;
  int reports = 0;
  std::error_code ec;
  const fs::path out_abs = fs::absolute(out_dir).lexically_normal();
  std::vector<fs::path> files;
  std::map<int, std::set<int>> shards;  // N -> the indices present
  for (const auto& e : fs::directory_iterator(out_dir, ec)) {
    const std::string n = e.path().filename().string();
    const auto [index, count] = shard_of(n);
    if (n == "report.json" || index >= 0) files.push_back(e.path());
    if (index >= 0) shards[count].insert(index);
  }
  if (ec) throw input_unreadable("cannot read '" + out_dir + "': " + ec.message());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    std::error_code size_ec;
    if (fs::symlink_status(f, size_ec).type() != fs::file_type::regular)
      throw input_unreadable("cannot read report '" + f.string() + "': not a regular file");
    if (fs::file_size(f, size_ec) > (std::uintmax_t{1} << 30))
      throw input_unreadable("cannot read report '" + f.string() + "': larger than 1 GiB");
    std::ifstream in(f, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    ++reports;
    for (BatchItem& i : parse_report(text.str(), f.string())) {
      const auto rel = output_in_out(i.output, out_abs);
      if (!rel)
        throw input_unreadable("malformed report '" + f.string() + "': the output of '" + i.relative + "' ('" +
                               i.output + "') is not a folder inside '" + out_dir + "'");
      i.output = (fs::path(out_dir) / *rel).string();
      auto found = merged.find(i.relative);
      if (found == merged.end() || rank(i.status) > rank(found->second.status)) merged[i.relative] = i;
    }
  }
  if (reports == 0) throw input_unreadable("no batch report (report.json or report-shard-*.json) in '" + out_dir + "'");
  // Shards: every one of 0..N-1 of one N, or the merge is incomplete (a shard still running, or lost).
  std::string missing;
  for (const auto& [count, have] : shards)
    for (int i = 0; i < std::max(count, *have.rbegin() + 1); ++i)
      if (!have.count(i) || i >= count || shards.size() > 1)
        missing += (missing.empty() ? "" : ", ") + std::to_string(i) + "/" + std::to_string(count);
  if (missing_shards) *missing_shards = missing;
  std::vector<BatchItem> out;
  for (auto& [rel, i] : merged) {
    // A summary a report calls complete must be there: a report can outlive the folders it lists.
    if (complete(i.status) && !fs::is_directory(i.output, ec)) {
      i.status = ItemStatus::Failed;
      i.exit_code = exit_code(ErrorKind::InputUnreadable);
      i.error = "its report says it was summarized, but '" + i.output + "' is not there";
    }
    out.push_back(i);
  }
  return out;
}

// One video's card in the gallery: its sheet (the hover preview on pointing), its clip playing, its links.
void write_card(std::ostringstream& h, const fs::path& root, const BatchItem& i, const std::string& sheet_name,
                const std::string& clip_name) {
  const fs::path dir =
      fs::path(i.output).is_absolute() ? fs::relative(i.output, root) : fs::relative(fs::absolute(i.output), root);
  std::error_code ec;
  h << "<div class=\"card\">";
  if (fs::exists(root / dir / sheet_name, ec))
    h << "<a href=\"" << url(dir / sheet_name) << "\"><img src=\"" << url(dir / sheet_name)
      << "\" alt=\"contact sheet of " << html(i.relative) << "\""
      << (fs::exists(root / dir / "preview.webp", ec)  // the hover preview, as video sites show one
              ? " data-preview=\"" + url(dir / "preview.webp") +
                    "\" onmouseenter=\"this.dataset.sheet=this.src;"
                    "this.src=this.dataset.preview\" onmouseleave=\"this.src=this.dataset.sheet\""
              : std::string())
      << "></a>";
  else
    h << "<div class=\"nosheet\">no contact sheet</div>";
  if (fs::exists(root / dir / clip_name, ec))  // the clip plays in the card (nothing loads until asked; the
    h << "<video controls preload=\"none\""    // preview stands in for it until then)
      << (fs::exists(root / dir / "preview.webp", ec) ? " poster=\"" + url(dir / "preview.webp") + "\"" : std::string())
      << " src=\"" << url(dir / clip_name) << "\"></video>";
  h << "<div class=\"body\"><h2>" << html(i.relative) << "</h2><div class=\"meta\">"
    << (i.duration > 0 ? format_time(i.duration) + " &middot; " : "") << plural(i.keyframes, "keyframe") << "</div>";
  for (const auto& w : i.warnings) h << "<div class=\"warning\">warning: " << html(w) << "</div>";
  h << "<div>";
  // Links only to what this summary has (clips, sheets and keyframes can each be turned off).
  if (fs::exists(root / dir / "index.html", ec))
    h << "<a href=\"" << url(dir / "index.html") << "\">page</a>";  // clip, original with seek thumbnails
  if (fs::exists(root / dir / clip_name, ec)) h << "<a href=\"" << url(dir / clip_name) << "\">clip</a>";
  h << "<a href=\"" << url(dir / "summary.json") << "\">manifest</a>";
  if (fs::is_directory(root / dir / "keyframes", ec))
    h << "<a href=\"" << url(dir / "keyframes") << "/\">keyframes</a>";
  h << "</div></div></div>\n";
}

// One piece: the gallery page, written in document order (head, summary line, one card per video).
void write_gallery(const std::string& out_dir, const std::vector<BatchItem>& items, const std::string& sheet_name,
                   const std::string& clip_name) {
  const fs::path root = fs::absolute(out_dir);
  std::ostringstream h;
  int ok = 0, failed = 0;
  for (const auto& i : items) {
    if (i.status == ItemStatus::Failed)
      ++failed;
    else if (complete(i.status))
      ++ok;
  }
  h << "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
       "<title>cords-summarize: "
    << html(root.filename().string())
    << "</title>\n<style>\n"
       "body{margin:0;font:15px/1.4 system-ui,-apple-system,'Segoe UI',sans-serif;background:#16181d;color:#e6e6e6}\n"
       "header{padding:20px 28px;border-bottom:1px solid #2c2f36}h1{margin:0 0 4px;font-size:22px}\n"
       ".meta{color:#9aa0aa}main{padding:24px 28px}\n"
       ".grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(360px,1fr));gap:20px}\n"
       ".card{background:#1f2228;border:1px solid #2c2f36;border-radius:10px;overflow:hidden}\n"
       ".card img{display:block;width:100%;aspect-ratio:16/10;object-fit:contain;background:#111}\n"
       ".card video{display:block;width:100%;max-height:220px;background:#000}\n"
       ".card .body{padding:10px 14px}.card h2{margin:0 0 4px;font-size:15px;word-break:break-all}\n"
       ".card a{color:#8ab4ff;text-decoration:none;margin-right:14px}.card a:hover{text-decoration:underline}\n"
       ".nosheet{aspect-ratio:16/"
       "10;display:flex;align-items:center;justify-content:center;background:#111;color:#777}\n"
       ".warning{color:#ffc66d;font-size:13px;margin:4px 0}\n"
       ".failed{margin-top:32px}.failed li{margin:6px 0}.failed code{color:#ff9a8a;word-break:break-all}\n"
       "</style></head><body>\n<header><h1>"
    << html(root.filename().string()) << "</h1><div class=\"meta\">" << plural(ok, "video") << " summarized"
    << (failed ? ", " + std::to_string(failed) + " failed" : "")
    << " &middot; cords-summarize</div></header>\n<main>\n<div class=\"grid\">\n";
  for (const auto& i : items)
    if (complete(i.status)) write_card(h, root, i, sheet_name, clip_name);
  h << "</div>\n";
  if (failed) {
    h << "<section class=\"failed\"><h2>Failed</h2><ul>\n";
    for (const auto& i : items)
      if (i.status == ItemStatus::Failed)
        h << "<li>" << html(i.relative) << ": "
          << (i.cause == FailureCause::Error ? std::string() : "<b>" + std::string(to_string(i.cause)) + "</b> ")
          << "<code>" << html(i.error) << "</code></li>\n";
    h << "</ul></section>\n";
  }
  // Once everything has loaded, record how many sheets really decoded: a browser test reads it from the DOM.
  h << "</main><script>window.addEventListener('load',function(){var i=document.querySelectorAll('.card img'),n=0;"
       "i.forEach(function(x){if(x.complete&&x.naturalWidth>0)n++;});document.body.dataset.sheets=n;"
       "document.body.dataset.cards=i.length;});</script></body></html>\n";
  write_file_atomic((root / "index.html").string(), h.str());
}

void write_report(const std::string& path, const std::string& out_dir, const std::vector<BatchItem>& items, Shard shard,
                  double seconds) {
  nlohmann::json list = nlohmann::json::array();
  int failed = 0;
  const fs::path out_abs = fs::absolute(out_dir).lexically_normal();
  for (const auto& i : items) {
    const std::string output = fs::absolute(i.output).lexically_normal().lexically_relative(out_abs).string();
    nlohmann::json e = {
        {"input", i.input},       {"relative", i.relative},   {"output", output},     {"status", to_string(i.status)},
        {"duration", i.duration}, {"keyframes", i.keyframes}, {"seconds", i.seconds}, {"warnings", i.warnings}};
    if (i.status == ItemStatus::Failed) {
      e["error"] = i.error;
      e["exit_code"] = i.exit_code;
      e["cause"] = to_string(i.cause);
      ++failed;
    }
    list.push_back(e);
  }
  const nlohmann::json shard_json =
      shard.count > 0 ? nlohmann::json{{"index", shard.index}, {"count", shard.count}} : nlohmann::json(nullptr);
  const nlohmann::json j = {{"shard", shard_json}, {"output_dir", out_dir}, {"videos", items.size()},
                            {"failed", failed},    {"seconds", seconds},    {"items", list}};
  write_file_atomic(path, json_text(j));
}

int merge_reports(const std::string& out_dir, std::string* missing_shards) {
  const std::vector<BatchItem> items = read_reports(out_dir, missing_shards);
  double seconds = 0;
  for (const auto& i : items) seconds += i.seconds;
  write_report((fs::path(out_dir) / "report.json").string(), out_dir, items, Shard{0, 0}, seconds);
  write_gallery(out_dir, items);
  return static_cast<int>(
      std::count_if(items.begin(), items.end(), [](const BatchItem& i) { return i.status == ItemStatus::Failed; }));
}

}  // namespace cords::pipeline

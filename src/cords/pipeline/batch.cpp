#include "cords/pipeline/batch.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "cords/core/atomic_file.h"
#include "cords/core/error.h"
#include "cords/core/output_file.h"
#include "cords/core/timer.h"
#include "cords/pipeline/report.h"
#include "cords/plugin/embedder_factory.h"

namespace cords::pipeline {
namespace fs = std::filesystem;

Shard parse_shard(const std::string& s) {
  const auto slash = s.find('/');
  try {
    if (slash != std::string::npos) {
      std::size_t a = 0, b = 0;
      const int i = std::stoi(s.substr(0, slash), &a), n = std::stoi(s.substr(slash + 1), &b);
      if (a == slash && b == s.size() - slash - 1 && n >= 1 && i >= 0 && i < n) return {i, n};
    }
  } catch (const std::exception&) {
  }
  throw invalid_argument("--shard must be I/N with 0 <= I < N (e.g. 0/4), got '" + s + "'");
}

namespace {

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  try {
    return std::stoi(v);
  } catch (const std::exception&) {
    throw invalid_argument(std::string("environment variable ") + name + " is not a number: '" + v + "'");
  }
}

std::uint64_t fnv1a(const std::string& s) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
  return h;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// An exclusive, non-blocking lock on a file; released when destroyed (or when the process dies).
class FileLock {
 public:
  explicit FileLock(const std::string& path) : fd_(::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644)) {
    if (fd_ < 0) throw output_unwritable("cannot create lock file '" + path + "'");
    held_ = ::flock(fd_, LOCK_EX | LOCK_NB) == 0;
  }
  ~FileLock() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  bool held() const { return held_; }

 private:
  int fd_;
  bool held_ = false;
};

void read_existing(BatchItem& item, const std::string& manifest_name) {
  try {
    std::ifstream in(fs::path(item.output) / manifest_name);
    item.warnings.clear();
    const auto j = nlohmann::json::parse(in);
    item.duration = j["input"].value("duration", -1.0);
    item.keyframes = static_cast<std::int64_t>(j["keyframes"].size());
    if (j.contains("warnings") && j["warnings"].is_array())
      for (const auto& w : j["warnings"])
        if (w.is_string()) item.warnings.push_back(w.get<std::string>());
  } catch (const std::exception&) {  // a summary we cannot read is still complete: counts stay unknown
  }
}

// Summarizes one video under its lock (or leaves it to the process that holds the lock). Nothing a video does may
// escape: its error is recorded in the item. `again`: a second look at a video that was locked, where a complete
// summary is taken as it is, even with force (the other process just made it).
void summarize_item(const BatchConfig& cfg, BatchItem& item, embed::Embedder* embedder, int threads, bool again) {
  Stopwatch sw;
  try {
    const std::string lock_name = std::to_string(fnv1a(item.relative)) + ".lock";
    FileLock lock((fs::path(cfg.output_dir) / ".locks" / lock_name).string());
    if (!lock.held()) {
      item.status = ItemStatus::Locked;
    } else if ((!cfg.force || again) && fs::exists(fs::path(item.output) / cfg.video.json_name)) {
      item.status = ItemStatus::Skipped;
      read_existing(item, cfg.video.json_name);
    } else {
      std::error_code ec;
      fs::create_directories(fs::path(item.output).parent_path(), ec);
      SummarizeConfig c = cfg.video;
      c.input = item.input;
      c.output_dir = item.output;
      c.force = true;  // replaces only a summary of this tool (summary_dir.h); anything else fails this video
      c.threads = threads;
      const SummaryResult r = run_summarize(c, {}, embedder);
      item.status = ItemStatus::Done;
      item.duration = r.info.duration;
      item.keyframes = static_cast<std::int64_t>(r.keyframes.size());
      item.warnings = r.warnings;
    }
  } catch (const Error& e) {
    item.status = ItemStatus::Failed;
    item.error = e.what();
    item.exit_code = exit_code(e.kind());
  } catch (const std::exception& e) {
    item.status = ItemStatus::Failed;
    item.error = e.what();
    item.exit_code = exit_code(ErrorKind::Internal);
  }
  item.seconds += sw.seconds();
}

}  // namespace

Shard shard_from_environment() {
  if (std::getenv("SLURM_ARRAY_TASK_ID")) {
    const int id = env_int("SLURM_ARRAY_TASK_ID", 0), min = env_int("SLURM_ARRAY_TASK_MIN", 0);
    const int count = env_int("SLURM_ARRAY_TASK_COUNT", 0);
    if (count < 1 || id - min < 0 || id - min >= count)
      throw invalid_argument("inconsistent Slurm array: SLURM_ARRAY_TASK_ID=" + std::to_string(id) +
                             ", MIN=" + std::to_string(min) + ", COUNT=" + std::to_string(count));
    return {id - min, count};
  }
  if (std::getenv("JOB_COMPLETION_INDEX")) {
    const int id = env_int("JOB_COMPLETION_INDEX", 0), count = env_int("CORDS_SHARD_COUNT", 0);
    if (count < 1 || id < 0 || id >= count)
      throw invalid_argument(
          "Kubernetes Indexed Job: set CORDS_SHARD_COUNT to the job's completions (JOB_COMPLETION_INDEX=" +
          std::to_string(id) + ")");
    return {id, count};
  }
  return {};
}

namespace {

struct Walk {
  const std::set<std::string>& exts;
  const std::string& out_dir;
  const std::string& manifest;
  std::vector<VideoEntry>& found;

  bool is_video(const fs::path& p) const { return exts.count(lower(p.extension().string())) > 0; }
  // Whether a folder is to be left out: the batch's own output folder, or a summary this tool wrote.
  bool ours(const fs::path& dir) const {
    std::error_code ec;
    if (same_file(dir.string(), out_dir)) return true;
    return lower(dir.extension().string()) == ".summary" && fs::is_regular_file(dir / manifest, ec);
  }
  // Relative paths come from the walk (the names as found), never from resolving links: a link to a file elsewhere
  // is summarized under its own name, inside OUT. Links to folders are not followed (no loops).
  void folder(const fs::path& dir, const fs::path& rel) {
    std::error_code ec;
    std::vector<fs::directory_entry> entries;
    fs::directory_iterator it(dir, ec);
    for (; !ec && it != fs::directory_iterator(); it.increment(ec)) entries.push_back(*it);
    if (ec) {  // an unreadable folder is reported, not skipped silently
      found.push_back({dir.string(), (rel.empty() ? fs::path(".") : rel).string() + "/",
                       "cannot read folder '" + dir.string() + "': " + ec.message()});
      return;
    }
    for (const auto& e : entries) {
      const fs::path name = e.path().filename();
      const fs::file_type type = e.symlink_status(ec).type();
      if (type == fs::file_type::directory) {
        if (!ours(e.path())) folder(e.path(), rel / name);
      } else if (is_video(name) && (type == fs::file_type::regular ||
                                    (type == fs::file_type::symlink && fs::is_regular_file(e.status(ec))))) {
        found.push_back({e.path().string(), (rel / name).string(), ""});
      }
    }
  }
};

// This shard's videos as report items: those found unreadable, or that would share an output folder with another
// input, are failed already (with why); the others are pending.
std::vector<BatchItem> shard_items(const BatchConfig& cfg, const std::vector<VideoEntry>& videos) {
  std::vector<BatchItem> items;
  const std::vector<std::string> names = output_names(videos);
  std::map<std::string, std::vector<std::size_t>> by_output;  // to find videos that would still share an output
  for (std::size_t v = 0; v < videos.size(); ++v) by_output[names[v]].push_back(v);
  for (std::size_t v = 0; v < videos.size(); ++v) {
    const auto& [path, rel, error] = videos[v];
    if (fnv1a(rel) % static_cast<std::uint64_t>(cfg.shard.count) != static_cast<std::uint64_t>(cfg.shard.index))
      continue;
    BatchItem item;
    item.input = path;
    item.relative = rel;
    item.output = (fs::path(cfg.output_dir) / names[v]).string();
    const auto& sharing = by_output[names[v]];
    if (!error.empty()) {
      item.status = ItemStatus::Failed;
      item.error = error;
      item.exit_code = exit_code(ErrorKind::InputUnreadable);
    } else if (sharing.size() > 1) {  // e.g. two input folders of one name: neither is done, both say why
      item.status = ItemStatus::Failed;
      item.error = "'" + path + "' and '" + videos[sharing[sharing[0] == v ? 1 : 0]].path +
                   "' would share the output '" + names[v] + "'; give them as separate batches";
      item.exit_code = exit_code(ErrorKind::InvalidArgument);
    }
    items.push_back(item);
  }
  return items;
}

// The pending items, cfg.jobs at a time (threads taking the next item in order), each with `threads` cores.
void summarize_items(const BatchConfig& cfg, std::vector<BatchItem>& items, embed::Embedder* embedder, int threads,
                     const BatchProgressFn& progress) {
  std::atomic<std::size_t> next{0};
  std::atomic<std::int64_t> done{0};
  std::mutex m;
  auto worker = [&] {
    for (std::size_t i = next++; i < items.size(); i = next++) {
      BatchItem& item = items[i];
      if (item.status == ItemStatus::Pending) summarize_item(cfg, item, embedder, threads, false);
      const std::int64_t d = ++done;
      if (progress) {
        std::lock_guard<std::mutex> g(m);
        progress(d, static_cast<std::int64_t>(items.size()), item);
      }
    }
  };
  std::vector<std::thread> pool;
  for (int j = 1; j < std::min<int>(cfg.jobs, static_cast<int>(items.size())); ++j) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
}

}  // namespace

std::vector<VideoEntry> discover_videos(const std::vector<std::string>& inputs,
                                        const std::vector<std::string>& extensions, const std::string& out_dir,
                                        const std::string& manifest) {
  std::set<std::string> exts;
  for (const auto& e : extensions)
    if (!e.empty()) exts.insert("." + lower(e[0] == '.' ? e.substr(1) : e));
  std::vector<VideoEntry> found;
  Walk walk{exts, out_dir, manifest, found};
  for (const auto& in : inputs) {
    std::error_code ec;
    if (fs::is_directory(in, ec)) {
      if (!out_dir.empty() && same_file(in, out_dir))
        throw invalid_argument("the output folder '" + out_dir + "' is the input folder '" + in +
                               "'; give -o another folder");
      fs::path abs = fs::absolute(in).lexically_normal();
      if (abs.filename().empty()) abs = abs.parent_path();
      walk.folder(in, inputs.size() > 1 ? abs.filename() : fs::path());
    } else if (fs::exists(in, ec)) {
      if (!out_dir.empty() && is_within(in, out_dir)) continue;  // one of our own outputs
      found.push_back({in, fs::path(in).filename().string(), ""});
    } else {
      throw input_unreadable("cannot read '" + in + "': no such file or directory");
    }
  }
  std::sort(found.begin(), found.end(),
            [](const VideoEntry& a, const VideoEntry& b) { return a.relative < b.relative; });
  return found;
}

std::vector<std::string> output_names(const std::vector<VideoEntry>& videos) {
  // OUT/<relative path without extension>.summary; where two videos share a stem (clip.mp4 and clip.mkv), each
  // keeps its extension (clip.mp4.summary, clip.mkv.summary).
  std::map<std::string, int> uses;
  std::vector<std::string> names;
  for (const auto& v : videos) ++uses[fs::path(v.relative).replace_extension(".summary").string()];
  for (const auto& v : videos) {
    const std::string plain = fs::path(v.relative).replace_extension(".summary").string();
    names.push_back(uses[plain] > 1 ? v.relative + ".summary" : plain);
  }
  return names;
}

BatchReport run_batch(const BatchConfig& cfg, const BatchProgressFn& progress) {
  Stopwatch total;
  if (cfg.inputs.empty()) throw invalid_argument("no input folders or files given");
  if (cfg.output_dir.empty()) throw invalid_argument("batch mode needs -o OUT, the folder for the summaries");
  if (cfg.jobs < 1) throw invalid_argument("--jobs must be >= 1");
  validate_config(cfg.video);  // every setting checked before the walk and any work
  BatchReport rep;
  rep.shard = cfg.shard;
  const auto videos = discover_videos(cfg.inputs, cfg.extensions, cfg.output_dir, cfg.video.json_name);
  if (videos.empty()) {
    std::string exts;
    for (const auto& e : cfg.extensions) exts += (exts.empty() ? "" : " ") + e;
    throw invalid_argument("no video files found under '" + cfg.inputs.front() + "'" +
                           (cfg.inputs.size() > 1 ? " and the other inputs" : "") + " (extensions: " + exts + ")");
  }
  std::error_code ec;  // the output folder is made only once there is something to put in it
  fs::create_directories(fs::path(cfg.output_dir) / ".locks", ec);
  if (ec || ::access(cfg.output_dir.c_str(), W_OK) != 0)
    throw output_unwritable("cannot write to '" + cfg.output_dir + "'" + (ec ? ": " + ec.message() : std::string()));
  rep.items = shard_items(cfg, videos);

  // One model for the whole batch, shared by the jobs; the cores (--threads, else the machine's) split between them.
  auto embedder = embed::make_embedder(cfg.video.embedder);
  const int cores = cores_to_use(cfg.video);
  summarize_items(cfg, rep.items, embedder.get(), std::max(1, cores / cfg.jobs), progress);
  // Videos another process had locked: done by it meanwhile (then complete here too), or free again after it failed
  // or died (then done now). So the process that finishes last writes a report of every video.
  for (auto& item : rep.items)
    if (item.status == ItemStatus::Locked) summarize_item(cfg, item, embedder.get(), cores, true);

  for (const auto& i : rep.items) rep.failed += i.status == ItemStatus::Failed;
  rep.seconds = total.seconds();
  const std::string name = cfg.shard.count == 1 ? "report.json"
                                                : "report-shard-" + std::to_string(cfg.shard.index) + "-of-" +
                                                      std::to_string(cfg.shard.count) + ".json";
  write_report((fs::path(cfg.output_dir) / name).string(), cfg.output_dir, rep.items, cfg.shard, rep.seconds);
  if (cfg.shard.count == 1) write_gallery(cfg.output_dir, rep.items, cfg.video.sheet_name, cfg.video.clip_name);
  return rep;
}

}  // namespace cords::pipeline

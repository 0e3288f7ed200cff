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
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "cords/core/atomic_file.h"
#include "cords/core/error.h"
#include "cords/core/timer.h"
#include "cords/embed/factory.h"
#include "cords/pipeline/report.h"

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

// REQUIRES: dir is canonical.
bool inside(const fs::path& p, const fs::path& dir) {
  const auto a = fs::weakly_canonical(p);
  auto it = std::mismatch(dir.begin(), dir.end(), a.begin(), a.end());
  return it.first == dir.end();
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

// Temporary directories a killed run left beside a summary (DIR.tmp-PID, DIR.old-PID). Called under the lock.
void remove_debris(const fs::path& out) {
  std::error_code ec;
  const std::string base = out.filename().string();
  for (const auto& e : fs::directory_iterator(out.parent_path(), ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind(base + ".tmp-", 0) == 0 || name.rfind(base + ".old-", 0) == 0) fs::remove_all(e.path(), ec);
  }
}

void read_existing(BatchItem& item) {
  try {
    std::ifstream in(fs::path(item.output) / "summary.json");
    const auto j = nlohmann::json::parse(in);
    item.duration = j["input"].value("duration", -1.0);
    item.keyframes = static_cast<std::int64_t>(j["keyframes"].size());
  } catch (const std::exception&) {  // a summary we cannot read is still complete: counts stay unknown
  }
}

}  // namespace

Shard shard_from_environment() {
  if (std::getenv("SLURM_ARRAY_TASK_ID")) {
    const int id = env_int("SLURM_ARRAY_TASK_ID", 0), min = env_int("SLURM_ARRAY_TASK_MIN", 0);
    const int count = env_int("SLURM_ARRAY_TASK_COUNT", 0);
    if (count < 1 || id - min < 0 || id - min >= count)
      throw invalid_argument("inconsistent Slurm array: SLURM_ARRAY_TASK_ID=" + std::to_string(id) + ", MIN=" +
                             std::to_string(min) + ", COUNT=" + std::to_string(count));
    return {id - min, count};
  }
  if (std::getenv("JOB_COMPLETION_INDEX")) {
    const int id = env_int("JOB_COMPLETION_INDEX", 0), count = env_int("CORDS_SHARD_COUNT", 0);
    if (count < 1 || id < 0 || id >= count)
      throw invalid_argument("Kubernetes Indexed Job: set CORDS_SHARD_COUNT to the job's completions (JOB_COMPLETION_INDEX=" +
                             std::to_string(id) + ")");
    return {id, count};
  }
  return {};
}

std::vector<std::pair<std::string, std::string>> discover_videos(const std::vector<std::string>& inputs,
                                                                 const std::vector<std::string>& extensions) {
  std::set<std::string> exts;
  for (const auto& e : extensions) exts.insert("." + lower(e[0] == '.' ? e.substr(1) : e));
  std::vector<std::pair<std::string, std::string>> found;  // (relative, path)
  for (const auto& in : inputs) {
    std::error_code ec;
    if (fs::is_directory(in, ec)) {
      const fs::path root(in);
      const std::string prefix = inputs.size() > 1 ? fs::absolute(root).lexically_normal().filename().string() : "";
      for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied, ec);
           it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (ec) break;
        if (!it->is_regular_file(ec) || !exts.count(lower(it->path().extension().string()))) continue;
        const fs::path rel = fs::relative(it->path(), root, ec);
        found.emplace_back((prefix.empty() ? rel : fs::path(prefix) / rel).string(), it->path().string());
      }
    } else if (fs::exists(in, ec)) {
      found.emplace_back(fs::path(in).filename().string(), in);
    } else {
      throw input_unreadable("cannot read '" + in + "': no such file or directory");
    }
  }
  std::sort(found.begin(), found.end());
  for (std::size_t i = 1; i < found.size(); ++i)
    if (found[i].first == found[i - 1].first)
      throw invalid_argument("'" + found[i - 1].second + "' and '" + found[i].second + "' would share the output '" +
                             found[i].first + "'; give them separately");
  std::vector<std::pair<std::string, std::string>> out;
  for (auto& [rel, path] : found) out.emplace_back(path, rel);
  return out;
}

BatchReport run_batch(const BatchConfig& cfg, const BatchProgressFn& progress) {
  Stopwatch total;
  if (cfg.inputs.empty()) throw invalid_argument("no input folders or files given");
  if (cfg.output_dir.empty()) throw invalid_argument("batch mode needs -o OUT, the folder for the summaries");
  if (cfg.jobs < 1) throw invalid_argument("--jobs must be >= 1");
  BatchReport rep;
  rep.shard = cfg.shard;
  const auto videos = discover_videos(cfg.inputs, cfg.extensions);
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
  const fs::path out_canonical = fs::weakly_canonical(cfg.output_dir);
  for (const auto& [path, rel] : videos) {
    if (inside(path, out_canonical)) continue;  // never summarize our own outputs
    if (fnv1a(rel) % static_cast<std::uint64_t>(cfg.shard.count) != static_cast<std::uint64_t>(cfg.shard.index)) continue;
    BatchItem item;
    item.input = path;
    item.relative = rel;
    item.output = (fs::path(cfg.output_dir) / fs::path(rel).replace_extension(".summary")).string();
    rep.items.push_back(item);
  }

  // One model for the whole batch, shared by the jobs; the cores (--threads, else the machine's) split between them.
  auto embedder = embed::make_embedder({cfg.video.features, cfg.video.model, cfg.video.device});
  const int cores =
      cfg.video.threads > 0 ? cfg.video.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::atomic<std::size_t> next{0};
  std::atomic<std::int64_t> done{0};
  std::mutex m;
  auto worker = [&] {
    for (std::size_t i = next++; i < rep.items.size(); i = next++) {
      BatchItem& item = rep.items[i];
      Stopwatch sw;
      try {  // nothing a video does may escape its worker thread
        const std::string lock_name = std::to_string(fnv1a(item.relative)) + ".lock";
        FileLock lock((fs::path(cfg.output_dir) / ".locks" / lock_name).string());
        if (!lock.held()) {
          item.status = "locked";
        } else if (!cfg.force && fs::exists(fs::path(item.output) / "summary.json")) {
          item.status = "skipped";
          read_existing(item);
        } else {
          std::error_code ec2;
          fs::create_directories(fs::path(item.output).parent_path(), ec2);
          remove_debris(item.output);
          SummarizeConfig c = cfg.video;
          c.input = item.input;
          c.output_dir = item.output;
          c.force = true;  // a complete summary was dealt with above; what is left may be replaced
          c.threads = std::max(1, cores / cfg.jobs);
          const SummaryResult r = run_summarize(c, {}, embedder.get());
          item.status = "done";
          item.duration = r.info.duration;
          item.keyframes = static_cast<std::int64_t>(r.keyframes.size());
        }
      } catch (const Error& e) {
        item.status = "failed";
        item.error = e.what();
        item.exit_code = exit_code(e.kind());
      } catch (const std::exception& e) {
        item.status = "failed";
        item.error = e.what();
        item.exit_code = exit_code(ErrorKind::Internal);
      }
      item.seconds = sw.seconds();
      const std::int64_t d = ++done;
      if (progress) {
        std::lock_guard<std::mutex> g(m);
        progress(d, static_cast<std::int64_t>(rep.items.size()), item);
      }
    }
  };
  std::vector<std::thread> pool;
  for (int j = 1; j < std::min<int>(cfg.jobs, static_cast<int>(rep.items.size())); ++j) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();

  for (const auto& i : rep.items) rep.failed += i.status == "failed";
  rep.seconds = total.seconds();
  const std::string name = cfg.shard.count == 1 ? "report.json"
                                                : "report-shard-" + std::to_string(cfg.shard.index) + "-of-" +
                                                      std::to_string(cfg.shard.count) + ".json";
  write_report((fs::path(cfg.output_dir) / name).string(), cfg.output_dir, rep.items, cfg.shard, rep.seconds);
  if (cfg.shard.count == 1) write_gallery(cfg.output_dir, rep.items, cfg.video.sheet_name, cfg.video.clip_name);
  return rep;
}

}  // namespace cords::pipeline

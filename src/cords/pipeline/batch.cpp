#include "cords/pipeline/batch.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <thread>

#include "cords/core/atomic_file.h"
#include "cords/core/error.h"
#include "cords/core/output_file.h"
#include "cords/core/timer.h"
#include "cords/core/worker_process.h"
#include "cords/pipeline/report.h"
#include "cords/pipeline/summary_dir.h"
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
  throw invalid_argument(param("shard") + " must be I/N with 0 <= I < N (e.g. 0/4), got '" + s + "'");
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

// The manifest of a finished summary (null when it cannot be read: a summary is still complete without it).
nlohmann::json read_manifest(const BatchItem& item, const std::string& manifest_name) {
  try {
    std::ifstream in(fs::path(item.output) / manifest_name, std::ios::binary);
    return nlohmann::json::parse(in);
  } catch (const std::exception&) {
    return nullptr;
  }
}

void take_counts(BatchItem& item, const nlohmann::json& j) {
  item.warnings.clear();
  if (!j.is_object()) return;
  if (j.contains("input") && j["input"].is_object()) item.duration = j["input"].value("duration", -1.0);
  if (j.contains("keyframes") && j["keyframes"].is_array())
    item.keyframes = static_cast<std::int64_t>(j["keyframes"].size());
  if (j.contains("warnings") && j["warnings"].is_array())
    for (const auto& w : j["warnings"])
      if (w.is_string()) item.warnings.push_back(w.get<std::string>());
}

// The options an earlier summary was made with that differ from this run's ("selector, clip_seconds"), "" when they
// are the same. A manifest without them (an older version's) differs in "options (not recorded)".
std::string changed_options(const nlohmann::json& manifest, const nlohmann::json& now) {
  if (!manifest.is_object() || !manifest.contains("options") || !manifest["options"].is_object())
    return "options (not recorded)";
  const nlohmann::json& then = manifest["options"];
  std::string changed;
  for (const auto& [key, value] : now.items())
    if (!then.contains(key) || then[key] != value) changed += (changed.empty() ? "" : ", ") + key;
  for (const auto& [key, value] : then.items())
    if (!now.contains(key)) changed += (changed.empty() ? "" : ", ") + key;
  return changed;
}

// One video in this process; its error (any exception) recorded in the item.
void summarize_here(const SummarizeConfig& c, BatchItem& item, embed::Embedder* embedder,
                    const ProgressFn& progress = {}) {
  try {
    const SummaryResult r = run_summarize(c, progress, embedder);
    item.status = ItemStatus::Done;
    item.duration = r.info.duration;
    item.keyframes = static_cast<std::int64_t>(r.keyframes.size());
    item.warnings.insert(item.warnings.end(), r.warnings.begin(), r.warnings.end());
  } catch (const Error& e) {
    item.status = ItemStatus::Failed;
    item.error = e.what();
    item.exit_code = exit_code(e.kind());
  } catch (const std::bad_alloc&) {
    item.status = ItemStatus::Failed;
    item.error = "out of memory";
    item.exit_code = exit_code(ErrorKind::Internal);
    item.cause = FailureCause::OutOfMemory;
  } catch (const std::exception& e) {
    item.status = ItemStatus::Failed;
    item.error = e.what();
    item.exit_code = exit_code(ErrorKind::Internal);
  }
}

// ---- worker processes: one video's crash, hang or memory costs that video only ----------------------------------

// Requests: input NUL output NUL threads. Replies: "p" (progress), "r" + JSON (the item's result), "ready",
// "fatal" + JSON (the worker cannot start: its model is unusable).
std::string request_of(const BatchItem& item, int threads) {
  return item.input + '\0' + item.output + '\0' + std::to_string(threads);
}

nlohmann::json result_of(const BatchItem& item) {
  return {{"status", to_string(item.status)}, {"error", item.error},       {"exit_code", item.exit_code},
          {"cause", to_string(item.cause)},   {"duration", item.duration}, {"keyframes", item.keyframes},
          {"warnings", item.warnings}};
}

void take_result(BatchItem& item, const nlohmann::json& r) {
  item.status = parse_item_status(r.value("status", std::string("failed"))).value_or(ItemStatus::Failed);
  item.error = r.value("error", std::string());
  item.exit_code = r.value("exit_code", 0);
  item.cause = parse_failure_cause(r.value("cause", std::string("error"))).value_or(FailureCause::Error);
  item.duration = r.value("duration", -1.0);
  item.keyframes = r.value("keyframes", std::int64_t{0});
  item.warnings.insert(item.warnings.end(), r["warnings"].begin(), r["warnings"].end());
}

// Seconds as a person reads them: "600", "0.5".
std::string short_seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", s);
  return buf;
}

// A worker thread's process, started on first use and again after one ended.
class WorkerSlot {
 public:
  explicit WorkerSlot(const BatchConfig& cfg) : cfg_(cfg) {}

  // One video through the worker: its result, or how the worker ended (crash, timeout) as the video's failure.
  void summarize(BatchItem& item, int threads) {
    start();  // again after a worker ended
    if (!worker_->send(request_of(item, threads))) return lost(item, "its worker process could not be reached");
    const double limit = cfg_.video_timeout > 0 ? cfg_.video_timeout : -1.0;
    std::string reply;
    while (true) {
      const MessageRead got = worker_->receive(reply, limit);
      if (got == MessageRead::Timeout) {
        worker_->kill();
        worker_.reset();
        remove_stale_temporaries(item.output, cfg_.video.json_name);
        item.status = ItemStatus::Failed;
        item.cause = FailureCause::Timeout;
        item.exit_code = exit_code(ErrorKind::Internal);
        item.error = "stopped: no progress for " + short_seconds(cfg_.video_timeout) + " s (" + param("video_timeout") +
                     "); the video may hang the decoder";
        return;
      }
      if (got == MessageRead::Closed) return lost(item, "");
      if (reply == "p") continue;
      if (reply.rfind('r', 0) == 0) {
        const auto r = nlohmann::json::parse(reply.substr(1), nullptr, false);
        if (!r.is_object()) return lost(item, "its worker process sent a malformed reply");
        return take_result(item, r);
      }
    }
  }

  // A new worker, once it has loaded the model (nothing when one is running); throws the worker's error when it
  // cannot load it, which fails the batch as a bad model does in one process.
  void start() {
    if (worker_) return;
    worker_ = std::make_unique<WorkerProcess>(cfg_.worker_command);
    std::string reply;
    if (worker_->receive(reply, -1) == MessageRead::Message && reply == "ready") return;
    const auto j =
        reply.rfind("fatal", 0) == 0 ? nlohmann::json::parse(reply.substr(5), nullptr, false) : nlohmann::json(nullptr);
    const ProcessEnd end = worker_->kill();
    worker_.reset();
    if (j.is_object())
      throw Error(static_cast<ErrorKind>(j.value("kind", 1)), j.value("error", std::string("worker failed")));
    throw Error(ErrorKind::Internal, "a batch worker process did not start (" + end.describe() + ")");
  }

 private:
  // The worker ended (or stopped answering) during a video: that video failed, with how the worker ended.
  void lost(BatchItem& item, const std::string& why) {
    const ProcessEnd end = worker_->kill();
    worker_.reset();
    remove_stale_temporaries(item.output, cfg_.video.json_name);  // what it was writing (it cannot clean up now)
    item.status = ItemStatus::Failed;
    item.exit_code = exit_code(ErrorKind::Internal);
    item.cause = FailureCause::Crash;  // a signal, or an exit without a reply (a sanitizer's report of a SEGV)
    std::string text = why.empty() ? "its worker process ended while summarizing it: " + end.describe() : why;
    if (end.signalled && end.signal == SIGKILL) {  // not ours (we kill only after a timeout): the OOM killer's
      item.cause = FailureCause::OutOfMemory;
      text += "; SIGKILL from outside is most likely the system's out-of-memory killer";
    }
    item.error = text;
  }

  const BatchConfig& cfg_;
  std::unique_ptr<WorkerProcess> worker_;
};

// Summarizes one video under its lock (or leaves it to the process that holds the lock). Nothing a video does may
// escape: its error is recorded in the item. `again`: a second look at a video that was locked, where a complete
// summary is taken as it is, even with force (the other process just made it). A summary made with other options
// than this run's is made again (its warnings say which options changed).
void summarize_item(const BatchConfig& cfg, BatchItem& item, embed::Embedder* embedder, WorkerSlot* worker, int threads,
                    bool again) {
  Stopwatch sw;
  try {
    const std::string lock_name = std::to_string(fnv1a(item.relative)) + ".lock";
    FileLock lock((fs::path(cfg.output_dir) / ".locks" / lock_name).string());
    std::string changed;
    if (!lock.held()) {
      item.status = ItemStatus::Locked;
    } else if ((!cfg.force || again) && fs::exists(fs::path(item.output) / cfg.video.json_name) &&
               (changed = changed_options(read_manifest(item, cfg.video.json_name),
                                          nlohmann::json::parse(options_record(cfg.video))))
                   .empty()) {
      item.status = ItemStatus::Skipped;
      take_counts(item, read_manifest(item, cfg.video.json_name));
    } else {
      std::error_code ec;
      fs::create_directories(fs::path(item.output).parent_path(), ec);
      item.warnings.clear();
      if (!changed.empty()) item.warnings.push_back("made again: the earlier summary had other " + changed);
      if (worker) {
        worker->summarize(item, threads);
      } else {
        SummarizeConfig c = cfg.video;
        c.input = item.input;
        c.output_dir = item.output;
        c.force = true;  // replaces only a summary of this tool (summary_dir.h); anything else fails this video
        c.threads = threads;
        summarize_here(c, item, embedder);
      }
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
      } else if (is_video(name) && type == fs::file_type::symlink && !fs::exists(e.status(ec))) {
        found.push_back({e.path().string(), (rel / name).string(),  // reported, not passed over in silence
                         "'" + e.path().string() + "' is a symbolic link to nothing (its target is gone)"});
      }
    }
  }
};

// The batch's own name in OUT that an output path would take as its first part ("" when none): the report, the
// gallery, the shards' reports and the lock folder.
std::string reserved_name(const std::string& output) {
  std::string first = fs::path(output).begin()->string();
  if (first == "report.json" || first == "index.html" || first == ".locks" ||
      (first.rfind("report-shard-", 0) == 0 && fs::path(first).extension() == ".json"))
    return first;
  return "";
}

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
    const std::string reserved = reserved_name(names[v]);
    if (!error.empty()) {
      item.status = ItemStatus::Failed;
      item.error = error;
      item.exit_code = exit_code(ErrorKind::InputUnreadable);
    } else if (!reserved.empty()) {  // an input folder named report.json would become OUT/report.json/
      item.status = ItemStatus::Failed;
      item.error = "its summary would be '" + names[v] + "', but OUT/" + reserved +
                   " is the batch's own; rename the input folder or give the video on its own";
      item.exit_code = exit_code(ErrorKind::InvalidArgument);
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

// The pending items, cfg.jobs at a time (threads taking the next item in order, each with a worker process when
// cfg.worker_command is set), each with `threads` cores.
void summarize_items(const BatchConfig& cfg, std::vector<BatchItem>& items, embed::Embedder* embedder, int threads,
                     const BatchProgressFn& progress) {
  std::atomic<std::size_t> next{0};
  std::atomic<std::int64_t> done{0};
  std::mutex m;
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(std::max(1, cfg.jobs)));
  auto worker = [&](std::size_t job) {
    std::optional<WorkerSlot> slot;
    try {
      if (!cfg.worker_command.empty()) slot.emplace(cfg).start();
    } catch (...) {  // the batch itself cannot go on (a worker that cannot load the model): the others stop too
      errors[job] = std::current_exception();
      next = items.size();
      return;
    }
    for (std::size_t i = next++; i < items.size(); i = next++) {
      BatchItem& item = items[i];
      if (item.status == ItemStatus::Pending)
        summarize_item(cfg, item, embedder, slot ? &*slot : nullptr, threads, false);
      const std::int64_t d = ++done;
      if (progress) {
        std::lock_guard<std::mutex> g(m);
        progress(d, static_cast<std::int64_t>(items.size()), item);
      }
    }
  };
  std::vector<std::thread> pool;
  for (int j = 1; j < std::min<int>(cfg.jobs, static_cast<int>(items.size())); ++j)
    pool.emplace_back(worker, static_cast<std::size_t>(j));
  worker(0);
  for (auto& t : pool) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
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
      const bool again = std::any_of(found.begin(), found.end(),
                                     [&](const VideoEntry& v) { return v.error.empty() && same_file(v.path, in); });
      if (again) continue;  // the same file named twice (v.mp4 ./v.mp4): summarized once
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

int serve_batch_worker(const BatchConfig& cfg) {
  std::unique_ptr<embed::Embedder> embedder;
  try {
    embedder = embed::make_embedder(cfg.video.embedder);
  } catch (const Error& e) {
    write_message(kReplyFd, "fatal" + nlohmann::json{{"kind", static_cast<int>(e.kind())}, {"error", e.what()}}.dump(
                                          -1, ' ', false, nlohmann::json::error_handler_t::replace));
    return exit_code(e.kind());
  }
  if (!write_message(kReplyFd, "ready")) return 0;
  std::string request;
  while (read_message(kRequestFd, request, -1) == MessageRead::Message) {
    const auto a = request.find('\0'), b = request.find('\0', a + 1);
    if (a == std::string::npos || b == std::string::npos) return exit_code(ErrorKind::Internal);
    BatchItem item;
    item.input = request.substr(0, a);
    item.output = request.substr(a + 1, b - a - 1);
    SummarizeConfig c = cfg.video;
    c.input = item.input;
    c.output_dir = item.output;
    c.force = true;  // replaces only a summary of this tool (summary_dir.h); anything else fails this video
    c.threads = std::max(1, std::atoi(request.c_str() + b + 1));
    // Progress, at most twice a second: the parent's sign that the video is not stuck (BatchConfig::video_timeout).
    Stopwatch since;
    bool gone = false;
    summarize_here(c, item, embedder.get(), [&](const std::string&, std::int64_t, std::int64_t) {
      if (since.seconds() < 0.5 || gone) return;
      gone = !write_message(kReplyFd, "p");
      since.restart();
    });
    if (!write_message(kReplyFd, "r" + result_of(item).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)))
      return 0;
  }
  return 0;
}

BatchReport run_batch(const BatchConfig& cfg, const BatchProgressFn& progress) {
  Stopwatch total;
  if (cfg.inputs.empty()) throw invalid_argument("no input folders or files given");
  if (cfg.output_dir.empty()) throw invalid_argument("batch mode needs -o OUT, the folder for the summaries");
  if (cfg.jobs < 1) throw invalid_argument(param("jobs") + " must be >= 1");
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
  if (fs::symlink_status(fs::path(cfg.output_dir) / ".locks", ec).type() != fs::file_type::directory)
    throw output_unwritable("will not write into '" + cfg.output_dir +
                            "': its .locks is not a folder (a link?); the batch keeps its locks there");
  rep.items = shard_items(cfg, videos);

  // In this process: one model for the whole batch, shared by the jobs. With worker processes, each loads its own.
  // The cores (--threads, else the machine's) split between the jobs.
  std::unique_ptr<embed::Embedder> embedder;
  if (cfg.worker_command.empty()) embedder = embed::make_embedder(cfg.video.embedder);
  const int cores = cores_to_use(cfg.video);
  summarize_items(cfg, rep.items, embedder.get(), std::max(1, cores / cfg.jobs), progress);
  // Videos another process had locked: done by it meanwhile (then complete here too), or free again after it failed
  // or died (then done now). So the process that finishes last writes a report of every video.
  std::optional<WorkerSlot> slot;
  if (!cfg.worker_command.empty()) slot.emplace(cfg);
  for (auto& item : rep.items)
    if (item.status == ItemStatus::Locked)
      summarize_item(cfg, item, embedder.get(), slot ? &*slot : nullptr, cores, true);

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

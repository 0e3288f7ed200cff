#include "cli/train_command.h"

#include <malloc.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/common.h"
#include "cli/option_table.h"
#include "cords/core/atomic_file.h"
#include "cords/core/error.h"
#include "cords/core/text.h"
#include "cords/train/models.h"
#include "cords/train/trainer.h"

namespace cords::cli {
namespace po = boost::program_options;
namespace fs = std::filesystem;
namespace tr = cords::train;
using json = nlohmann::json;

namespace {

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ','))
    if (!item.empty()) out.push_back(item);
  return out;
}

// Whether OUT/checkpoints holds only checkpoints of this tool (<run>-seed<S>.pt): what an interrupted run leaves.
bool only_checkpoints(const fs::path& dir) {
  std::error_code ec;
  if (fs::symlink_status(dir, ec).type() != fs::file_type::directory) return false;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    const auto seed = name.rfind("-seed");
    if (e.symlink_status(ec).type() != fs::file_type::regular || seed == std::string::npos || name.size() < seed + 9 ||
        name.compare(name.size() - 3, 3, ".pt") != 0 ||
        name.find_first_not_of("0123456789", seed + 5) != name.size() - 3)
      return false;
  }
  return !ec;
}

// A JSON file this tool wrote: a regular file (not a link) of at most 64 MiB holding an object whose "tool" is
// "cords-summarize" (metrics.json, runs/<run>.json, comparison.json all carry it).
bool tool_json(const fs::path& p) {
  std::error_code ec;
  if (fs::symlink_status(p, ec).type() != fs::file_type::regular || fs::file_size(p, ec) > (64u << 20)) return false;
  try {
    std::ifstream in(p, std::ios::binary);
    const json j = json::parse(in);
    return j.is_object() && j.value("tool", std::string()) == "cords-summarize";
  } catch (const std::exception&) {
    return false;
  }
}

// A leftover of an atomic write of one of the tool's files (`.<name>.tmp-<pid>-<n>`, core/atomic_file.h).
bool atomic_leftover(const std::string& name) {
  for (const char* ours : {"metrics.json", "comparison.json", "accuracy.png"})
    if (name.rfind("." + std::string(ours) + ".tmp-", 0) == 0) return true;
  return false;
}

// The name of a --compare run's folder: <strategy>-seed<S> (the strategy possibly with a warm-start tag).
bool run_folder_name(const std::string& name) {
  const auto seed = name.rfind("-seed");
  return seed != std::string::npos && seed > 0 && name.size() > seed + 5 &&
         name.find_first_not_of("0123456789", seed + 5) == std::string::npos;
}

// Whether every entry of `dir` is one that train writes, and its JSON files are the tool's: metrics.json,
// comparison.json, accuracy.png (beside one of those), runs/ (the tool's JSON only), checkpoints/ (the tool's
// checkpoints only), atomic-write leftovers, and at the top level the --compare runs' folders, each of the same
// kind. No symbolic links anywhere (OUT/runs as a link would put the records elsewhere). `why` names the first entry
// that is not the tool's.
bool training_output(const fs::path& dir, bool top, std::string& why) {
  std::error_code ec;
  bool json_seen = false, plot = false;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    const fs::file_type type = e.symlink_status(ec).type();
    bool ours = false;
    if (name == "metrics.json" || name == "comparison.json") {
      ours = tool_json(e.path());
      json_seen = json_seen || ours;
    } else if (name == "accuracy.png") {
      ours = plot = type == fs::file_type::regular;
    } else if (name == "runs" && type == fs::file_type::directory) {
      ours = true;
      for (const auto& r : fs::directory_iterator(e.path(), ec))
        ours = ours && r.path().extension() == ".json" && tool_json(r.path());
      json_seen = json_seen || ours;
    } else if (name == "checkpoints") {
      ours = only_checkpoints(e.path()) || (type == fs::file_type::directory && fs::is_empty(e.path(), ec));
    } else if (type == fs::file_type::regular) {
      ours = atomic_leftover(name);
    } else if (top && type == fs::file_type::directory && run_folder_name(name)) {
      ours = training_output(e.path(), false, why);
      if (!ours) return false;
      json_seen = true;
    }
    if (!ours) {
      why = (dir / name).string();
      return false;
    }
  }
  if (plot && !json_seen) {
    why = (dir / "accuracy.png").string() + " (without a training record of this tool beside it)";
    return false;
  }
  return !ec;
}

// Makes OUT (and checks that it is writable) before a long run starts; returns whether it was made here. train
// writes metrics.json, comparison.json, accuracy.png, runs/, checkpoints/ and one folder per --compare run into OUT
// and deletes nothing but its own checkpoint of a run it completed, so an existing OUT is taken only when it is
// empty or every entry in it is one that train writes (training_output): a folder with anything else in it (whose
// metrics.json or accuracy.png would be replaced, a TensorBoard runs/ folder, a link) is refused, as a file or a
// device is.
bool prepare_out(const std::string& out) {
  std::error_code ec;
  const fs::file_status st = fs::status(out, ec);
  if (st.type() != fs::file_type::not_found) {
    if (st.type() != fs::file_type::directory)
      throw output_unwritable("cannot write into '" + out + "': it is not a folder");
    std::string why;
    if (!training_output(out, true, why))
      throw output_unwritable("will not write into '" + out + "': it holds '" + why +
                              "', which is not a file of a training run of this tool; give a new or empty folder");
    if (::access(out.c_str(), W_OK) != 0) throw output_unwritable("cannot write into '" + out + "'");
    return false;
  }
  fs::create_directories(out, ec);
  if (ec || !fs::is_directory(out, ec))
    throw output_unwritable("cannot create the output folder '" + out + "'" + (ec ? ": " + ec.message() : ""));
  if (::access(out.c_str(), W_OK) != 0) throw output_unwritable("cannot write into '" + out + "'");
  return true;
}

// After a failed run: removes what prepare_out made if nothing was written into it (empty folders only).
void remove_if_empty(const std::string& out) {
  std::error_code ec;
  for (const char* sub : {"runs", "checkpoints"}) fs::remove(fs::path(out) / sub, ec);  // each fails unless empty
  fs::remove(out, ec);
}

// "0,1,2" -> {0, 1, 2}: each a decimal number.
std::vector<std::uint64_t> parse_seeds(const std::string& list) {
  std::vector<std::uint64_t> seeds;
  for (const auto& s : split_list(list)) {
    if (s.find_first_not_of("0123456789") != std::string::npos || s.size() > 19)
      throw invalid_argument("--seeds must be comma-separated numbers, got '" + s + "'");
    seeds.push_back(std::stoull(s));
  }
  return seeds;
}

struct Stats {
  double mean = 0, sd = 0;
};
Stats stats(const std::vector<double>& v) {
  Stats s;
  for (double x : v) s.mean += x / static_cast<double>(v.size());
  if (v.size() > 1) {
    for (double x : v) s.sd += (x - s.mean) * (x - s.mean);
    s.sd = std::sqrt(s.sd / static_cast<double>(v.size() - 1));
  }
  return s;
}

int run(tr::TrainOptions& o, const std::string& compare, std::vector<std::uint64_t> seeds, unsigned long long seed,
        bool lead);

}  // namespace

namespace {

// The train command's options and what they fill.
struct TrainArgs {
  tr::TrainOptions o;
  std::string compare, seeds_list;
  unsigned long long seed = 0;
  long long threads = 0;
  bool no_nesterov = false, plot_only = false;
  std::string mode, linear_layer = tr::to_string(o.linear_layer), encoder = tr::to_string(o.encoder);
};

// The strategies with their -pb aliases: what --strategy takes.
std::vector<std::string> strategy_words() {
  std::vector<std::string> w;
  for (const auto& s : tr::strategy_table()) {
    w.emplace_back(s.name);
    if (s.per_batch_alias) w.push_back(std::string(s.name) + "-pb");
  }
  return w;
}

// The table's second half: data, device, seeds, comparisons, processes, output.
void add_run_options(OptionTable& t, TrainArgs& a) {
  tr::TrainOptions& o = a.o;
  const auto r = [](const char* name) { return tr::train_range(name); };
  t.value("val-fraction", &o.data.val_fraction, "V", "share of the train set held out for validation")
      .value("image-size", &o.data.image_size, "PX", "folder: images resized to this square size")
      .value("limit", &o.data.limit, "N", "use only the first N training examples (quick runs)")
      .choice(
          "device", &o.device, "D",
          [] {
            return std::vector<std::string>{"auto", "cpu", "cuda", "cuda:0"};
          },
          "auto | cpu | cuda | cuda:N", true)
      .value("seed", &a.seed, "S", "seed: initial weights, subsets, order")
      .value("threads", &a.threads, "N", "intra-op threads; 0 = all cores; at most the processors online", r("threads"))
      .value("compare", &a.compare, "LIST",
             "run these strategies (comma-separated) into OUT/<strategy>-seed<S>/ and print a table against full")
      .value("seeds", &a.seeds_list, "LIST",
             "--compare: seeds to run each strategy with (comma-separated; default: --seed)")
      .value("world-size", &o.world, "W", "data-parallel processes (c10d Gloo); start one per rank", at_least(1))
      .value("rank", &o.rank, "R", "this process's rank in [0, world-size)", at_least(0))
      .value("dist-store", &o.store, "FILE", "rendezvous file shared by the ranks (c10d FileStore)")
      .flag("plot", &a.plot_only, "only redraw OUT/accuracy.png from the runs in OUT/runs/")
      .value("output,o", &o.out, "OUT", "output folder")
      .value("budget-time", &o.budget_time, "S",
             "equal-time mode: each run trains until S seconds of training + selection time are spent (evaluation "
             "excluded), its learning rate annealed over them; --epochs then caps the epochs",
             r("budget_time"), "")
      .flag("resume", &o.resume,
            "continue an interrupted run from OUT/checkpoints/ (written after every epoch; same options) to the "
            "uninterrupted run's result")
      .flag("quiet,q", &o.quiet, "no progress on stderr");
}

// The option table (one row per option: name, field, default, range or words, help).
std::unique_ptr<OptionTable> train_table(TrainArgs& a) {
  auto t = std::make_unique<OptionTable>(
      "train",
      "Usage: cords-summarize train --dataset NAME [--data-dir DIR] --strategy NAME --fraction F -o OUT [options]\n"
      "       cords-summarize train --compare full,random-online,craig-pb,... [options] -o OUT\n\n"
      "Trains a classifier on subsets chosen by a CORDS strategy and reports accuracy and time against full training\n"
      "(docs/training.md). Writes OUT/metrics.json, OUT/runs/<strategy>-seed<S>.json and OUT/accuracy.png\n"
      "(one line per run sharing OUT). Defaults where nothing is said are CORDS' (docs/training.md).");
  tr::TrainOptions& o = a.o;
  const auto r = [](const char* name) { return tr::train_range(name); };
  (*t).choice(
          "dataset", &o.data.dataset, "NAME", [] { return tr::dataset_names(); }, "the dataset")
      .value("data-dir", &o.data.data_dir, "DIR",
             "dataset files (fashion-mnist: /usr/share/datasets/fashion-mnist by default)")
      .choice(
          "model", &o.model, "NAME", [] { return tr::model_names(); },
          "the model (default: by dataset), or FILE.pt: a TorchScript module with embed(x) and a Linear head "
          "(docs/training.md)",
          true)
      .choice("strategy", &o.strategy, "NAME", strategy_words, tr::strategy_help())
      .choice("selection-mode", &a.mode, "M", words_of(tr::kModes), "where selection happens (default: the strategy's)",
              true)
      .value("fraction,f", &o.fraction, "F", "share of the train set per epoch", r("fraction"))
      .value("epochs", &o.epochs, "E", "epochs (auto: CORDS' default, 200; CIFAR-10 300)", r("epochs"), "auto")
      .value("select-every", &o.select_every, "R", "reselect every R epochs (auto: the strategy's CORDS default)",
             r("select_every"), "auto")
      .value("kappa", &o.kappa, "K", "warm start: share of the epochs before selection starts", r("kappa"))
      .value("prune-ratio", &o.prune_ratio, "R",
             "infobatch: share of the below-mean-loss examples left out each epoch (the kept ones count 1/(1-R))",
             r("prune_ratio"))
      .value("anneal", &o.anneal, "D", "infobatch: share of the epochs that prune; the rest train on all the data",
             r("anneal"))
      .value("batch-size", &o.batch, "B", "mini-batch size", r("batch_size"))
      .value("lr", &o.lr, "LR", "SGD learning rate (cosine annealing over the epochs)", r("lr"))
      .value("momentum", &o.momentum, "M", "SGD momentum")
      .value("weight-decay", &o.weight_decay, "W", "SGD weight decay")
      .flag("no-nesterov", &a.no_nesterov, "plain momentum instead of Nesterov's")
      .value("lambda", &o.lambda, "L", "gradmatch ridge lambda (auto: 0.5; per-batch 0)", std::nullopt, "auto")
      .value("pool", &o.pool, "P",
             "share of the train set whose gradients each selection computes (auto: min(1, 2 x fraction); 1 = CORDS)",
             r("pool"), "auto")
      .choice("linear-layer", &a.linear_layer, "L", words_of(tr::kLinearLayers),
              "last-layer weight gradients in the selection signal")
      .choice(
          "encoder", &a.encoder, "E",
          [] {
            return std::vector<std::string>{"pixels", "model", "cnn", "cnn:"};
          },
          "facloc-embed: pixels (the inputs) | model (the model's embedding at the start) | cnn (the bundled "
          "video CNN, fixed) | cnn:PATH (a TorchScript image model)",
          true);
  add_run_options(*t, a);
  return t;
}

int train_with(TrainArgs& a, const OptionTable& table);

}  // namespace

int run_train_command(int argc, char** argv) {
  use_cli_spelling();  // (this runs in the plugin, with its own copy of the library)
  TrainArgs a;
  const std::unique_ptr<OptionTable> table = train_table(a);
  if (argc >= 2 && std::string(argv[1]) == "--man-section") {
    std::cout << ".SH TRAIN OPTIONS\n";
    table->print_man(std::cout);
    return 0;
  }
  if (!table->parse(argc, argv)) return 0;  // --help
  return train_with(a, *table);
}

namespace {

// The parsed options checked (with_defaults) before OUT is made or data is read, then the run or the comparison.
int train_with(TrainArgs& a, const OptionTable&) {
  tr::TrainOptions& o = a.o;
  const std::string& compare = a.compare;
  const unsigned long long seed = a.seed;
  const bool plot_only = a.plot_only;
  if (plot_only) {
    if (o.out.empty()) throw invalid_argument("--plot needs -o OUT");
    std::string why;
    if (!fs::is_directory(o.out) || !training_output(o.out, true, why))
      throw output_unwritable(
          "will not draw into '" + o.out +
          "': " + (why.empty() ? "it is not a folder" : "it holds '" + why + "', which train did not write"));
    if (!tr::write_accuracy_plot(o.out))
      throw Error(ErrorKind::InputUnreadable, "no runs to plot in '" + o.out + "/runs' (or this build has no OpenCV)");
    std::printf("wrote %s/accuracy.png\n", o.out.c_str());
    return 0;
  }
  if (o.data.dataset.empty()) throw invalid_argument("train needs --dataset (" + name_list(tr::dataset_names()) + ")");
  if (o.out.empty()) throw invalid_argument("train needs -o OUT (a folder)");
  o.threads = resolve_threads(a.threads);
  const std::vector<std::uint64_t> listed_seeds = parse_seeds(a.seeds_list);
  o.seed = seed;
  o.nesterov = !a.no_nesterov;
  if (!a.mode.empty()) o.mode = tr::parse_mode(a.mode);
  o.linear_layer = tr::parse_linear_layer(a.linear_layer);
  o.encoder = tr::parse_encoder(a.encoder);
  tr::with_defaults(o);  // every option checked before OUT is made or data is read
  const bool lead = o.rank == 0;
  const bool made_out = lead && prepare_out(o.out);
  try {
    // Training allocates and frees the same large activation buffers every step; glibc would return each to the
    // kernel (mmap/munmap, then page faults to zero them again). Keep them in the heap: a process-wide choice, made
    // by the executable.
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    return run(o, compare, listed_seeds, seed, lead);
  } catch (...) {
    if (made_out) remove_if_empty(o.out);
    throw;
  }
}

// The progress lines of one run, prefixed with its label.
std::function<void(int, int, const std::string&)> progress_of(const std::string& label, bool quiet) {
  return [label, quiet](int, int, const std::string& line) {
    if (!quiet) std::fprintf(stderr, "cords-summarize train: %s%s\n", label.c_str(), line.c_str());
  };
}

// What --compare gathers per strategy over its seeds.
struct Row {
  std::vector<double> acc, time, sel, epochs;
  bool never_selected = false;  // in any of its runs
};

// Every strategy with every seed, each into OUT/<strategy>-seed<S>/ with a copy of its metrics in OUT/runs/ (the plot
// is redrawn after each); `order` gets the strategies in the order given.
std::map<std::string, Row> run_all(const tr::TrainOptions& o, const std::vector<std::string>& strategies,
                                   const std::vector<std::uint64_t>& seeds, std::vector<std::string>& order) {
  std::map<std::string, Row> rows;
  for (const auto& s : strategies)
    for (auto sd : seeds) {
      tr::TrainOptions t = o;
      t.strategy = s;
      t.seed = sd;
      const std::string label = s + tr::warm_tag(o.kappa) + "-seed" + std::to_string(sd);
      t.out = (fs::path(o.out) / label).string();
      const tr::RunSummary r = tr::run_training(t, progress_of(label + ": ", o.quiet));
      std::ifstream in(r.metrics_path);
      std::stringstream text;
      text << in.rdbuf();
      write_file_atomic((fs::path(o.out) / "runs" / (label + ".json")).string(), text.str());
      if (!rows.count(s)) order.push_back(s);
      rows[s].acc.push_back(100 * r.test_accuracy);
      rows[s].time.push_back(r.train_time_s);
      rows[s].sel.push_back(r.selection_time_s);
      rows[s].epochs.push_back(r.epochs);
      rows[s].never_selected = rows[s].never_selected || r.never_selected;
      tr::write_accuracy_plot(o.out);
    }
  return rows;
}

// The comparison table on stdout and OUT/comparison.json: mean and spread per strategy, against full training.
void report_comparison(const tr::TrainOptions& o, const std::vector<std::uint64_t>& seeds,
                       std::map<std::string, Row>& rows, const std::vector<std::string>& order) {
  const bool have_full = rows.count("full") > 0;
  const Stats full_acc = have_full ? stats(rows["full"].acc) : Stats{},
              full_time = have_full ? stats(rows["full"].time) : Stats{};
  json table = json::array();
  const bool timed = o.budget_time > 0;
  if (timed)
    std::printf(
        "\nequal train-time budget: %g s per run (training + selection, evaluation excluded); speed-up = full's time / "
        "this time\n",
        o.budget_time);
  // A strategy that never selected (a timed run too short) is a random run under its name: the table says so, in a
  // name column as wide as the longest name shown.
  const auto shown_name = [&](const std::string& s) { return rows[s].never_selected ? s + " (no selection)" : s; };
  int w = 16;
  for (const auto& s : order) w = std::max(w, static_cast<int>(shown_name(s).size()) + 1);
  std::printf("\n%-*s %6s %16s %12s %12s %9s %10s %8s\n", w, "strategy", "runs", "test acc (%)", "time (s)",
              "select (s)", "speed-up", "acc drop", "epochs");
  for (const auto& s : order) {
    const Stats a = stats(rows[s].acc), t = stats(rows[s].time), sl = stats(rows[s].sel), ep = stats(rows[s].epochs);
    const double speedup = have_full && t.mean > 0 ? full_time.mean / t.mean : 0,
                 drop = have_full ? full_acc.mean - a.mean : 0;
    const std::string shown = shown_name(s);
    if (have_full)
      std::printf("%-*s %6zu %9.2f +- %4.2f %12.1f %12.1f %8.2fx %9.2f %8.1f\n", w, shown.c_str(), rows[s].acc.size(),
                  a.mean, a.sd, t.mean, sl.mean, speedup, drop, ep.mean);
    else  // nothing to compare against
      std::printf("%-*s %6zu %9.2f +- %4.2f %12.1f %12.1f %9s %10s %8.1f\n", w, shown.c_str(), rows[s].acc.size(),
                  a.mean, a.sd, t.mean, sl.mean, "-", "-", ep.mean);
    table.push_back({{"strategy", s},
                     {"never_selected", rows[s].never_selected},
                     {"runs", rows[s].acc.size()},
                     {"test_accuracy_mean", a.mean / 100},
                     {"test_accuracy_sd", a.sd / 100},
                     {"train_time_s_mean", t.mean},
                     {"selection_time_s_mean", sl.mean},
                     {"speedup_vs_full", have_full ? json(speedup) : json(nullptr)},
                     {"accuracy_drop_points", have_full ? json(drop) : json(nullptr)},
                     {"epochs_mean", ep.mean}});
  }
  json summary{{"tool", "cords-summarize"}, {"seeds", seeds}, {"strategies", table}};
  if (timed) summary["budget_time_s"] = o.budget_time;
  write_file_atomic((fs::path(o.out) / "comparison.json").string(), json_text(summary));
  std::printf("\nwrote %s/comparison.json, %s/accuracy.png and one folder per run\n", o.out.c_str(), o.out.c_str());
}

int run(tr::TrainOptions& o, const std::string& compare, std::vector<std::uint64_t> seeds, unsigned long long seed,
        bool lead) {
  if (compare.empty()) {
    const tr::RunSummary r = tr::run_training(o, progress_of("", o.quiet));
    if (lead) {
      tr::write_accuracy_plot(o.out);
      std::printf("%s: test accuracy %.2f%%, train time %.1f s (selection %.1f s); wrote %s\n", r.strategy.c_str(),
                  100 * r.test_accuracy, r.train_time_s, r.selection_time_s, r.metrics_path.c_str());
    }
    return 0;
  }

  if (o.world > 1) throw invalid_argument("--compare runs in one process; do not combine it with --world-size");
  if (seeds.empty()) seeds.push_back(seed);
  const auto strategies = split_list(compare);
  if (strategies.empty()) throw invalid_argument("--compare needs a comma-separated list of strategies");
  for (const auto& s : strategies) {  // all names and schedules checked before the first run
    tr::TrainOptions t = o;
    t.strategy = s;
    tr::check_schedule(t);
  }
  fs::create_directories(fs::path(o.out) / "runs");
  std::vector<std::string> order;
  std::map<std::string, Row> rows = run_all(o, strategies, seeds, order);
  report_comparison(o, seeds, rows, order);
  return 0;
}

}  // namespace

}  // namespace cords::cli

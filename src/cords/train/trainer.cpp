#include "cords/train/trainer.h"

#include <torch/torch.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>
#include <sstream>

#include "cords/accel/torch_functions.h"
#include "cords/core/atomic_file.h"
#include "cords/core/error.h"
#include "cords/core/text.h"
#include "cords/core/timer.h"
#include "cords/train/checkpoint.h"
#include "cords/train/dist.h"
#include "cords/train/epoch_strategy.h"
#include "cords/train/metrics.h"
#include "cords/train/models.h"

namespace cords::train {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

std::vector<std::int64_t> example_shape(const at::Tensor& x) {
  auto s = x.sizes().vec();
  s.erase(s.begin());
  return s;
}

// The train time the next epoch will take, from the last one's: its training, plus its last selection's time when
// the next epoch selects (0 for the first).
double next_epoch_estimate(const LoopState& st, bool selects) {
  if (st.epochs.empty()) return 0.0;
  const json& last = st.epochs.back();
  double est = last.value("epoch_time_s", 0.0) - last.value("selection_time_s", 0.0);
  if (selects)
    for (auto it = st.epochs.rbegin(); it != st.epochs.rend(); ++it)
      if (it->value("selection_time_s", 0.0) > 0) {
        est += it->value("selection_time_s", 0.0);
        break;
      }
  return est;
}

// One run: the model and its optimizer, the strategy, the epoch loop (with checkpoints and --resume), metrics.json.
// The strategy decides each epoch's data (epoch_strategy.h); this class trains on it and records.
// The adaptive schedule of a run of `epochs` epochs (loop.h's Schedule).
Schedule make_schedule(const TrainOptions& o, bool adaptive, int epochs) {
  Schedule sc;
  sc.adaptive = adaptive;
  sc.T = epochs;
  sc.R = o.select_every;
  sc.select_after = sc.adaptive && o.kappa > 0 ? static_cast<int>(o.kappa * sc.T) : 0;
  sc.warmup = sc.adaptive && o.kappa > 0 ? static_cast<int>(std::ceil(sc.select_after * o.fraction)) : 0;
  while (sc.adaptive && !sc.selects_at(sc.first)) ++sc.first;  // (ends: past the warm start, every R-th selects)
  return sc;
}

class Run {
 public:
  Run(const TrainOptions& o, Splits data)
      : o_(o),
        choice_(resolve_strategy(o.strategy, o.mode)),
        data_(std::move(data)),
        device_(accel::resolve_device(o.device)) {}

  using ProgressFn = std::function<void(int, int, const std::string&)>;
  RunSummary go(const ProgressFn& progress);

 private:
  std::string set_up_model();
  Schedule schedule() const;
  std::string never_selects(const LoopState& st) const;
  std::optional<RunSummary> resume_or_start(LoopState& st, const std::string& label, const std::string& model_name);
  EpochResult run_epoch(int e, const EpochPlan& plan, LoopState& st);
  void train_epoch(const Subset& s, Rng& rng, double& loss_sum, std::int64_t& seen);
  void sum_gradients();
  void record_epoch(int e, const EpochPlan& plan, const EpochResult& r, LoopState& st, const ProgressFn& progress);
  RunSummary finish(const LoopState& st, const std::string& model_name, const std::string& label,
                    const std::string& never_note);
  void fields(CheckpointIO& io, LoopState& st);
  void save_checkpoint(LoopState& st);
  bool load_checkpoint(LoopState& st);
  bool timed() const { return o_.budget_time > 0; }
  // --budget-time: train time spent before the current epoch, and the current epoch's clock; spent() is the
  // budget used so far (what the time-based schedule follows).
  double spent() const { return spent_before_ + epoch_clock_.seconds(); }

  TrainOptions o_;
  StrategyChoice choice_;
  Splits data_;
  c10::Device device_;
  Schedule sched_;
  std::int64_t k_ = 0;  // the subset size
  bool lead_ = true;    // rank 0 (or the only process): evaluates and writes
  Subset all_;          // every train example, weight 1
  std::shared_ptr<Classifier> model_;
  std::unique_ptr<torch::optim::SGD> opt_;
  std::unique_ptr<Communicator> comm_;
  std::unique_ptr<TrainContext> ctx_;
  std::unique_ptr<EpochStrategy> strategy_;
  std::int64_t steps_ = 0;  // optimizer steps taken
  double spent_before_ = 0;
  Stopwatch epoch_clock_;
  // Checkpoint file (one process only; empty: none) and the options it must have been written with.
  std::string checkpoint_;
  json fingerprint_;
};

// Builds the model on the device (channels-last convolution weights on the CPU), identical on every rank, and its
// optimizer; returns the model's name.
std::string Run::set_up_model() {
  const TensorData& train = data_.train;
  torch::manual_seed(o_.seed);
  std::string model_name = o_.model.empty() ? default_model(o_.data.dataset, example_shape(train.x)) : o_.model;
  model_ = make_model(model_name, example_shape(train.x), train.classes);
  model_->to(device_);
  if (device_.is_cpu()) {
    // Convolution weights in channels-last: oneDNN then keeps every activation channels-last (a 1-channel input
    // alone cannot ask for it), which makes its convolutions and ATen's max-pool several times faster on CPU.
    // Copied into a fresh channels-last tensor rather than .contiguous(ChannelsLast): for a 1-channel weight (the
    // first layer on grey images) both layouts count as contiguous, .contiguous() keeps the NCHW strides and oneDNN
    // then writes that layer's output as NCHW; the next layer converted it back each step, and the ReLU between them
    // ran its backward on mismatched layouts (together about 20% of a MnistNet step).
    torch::NoGradGuard ng;
    for (auto& p : model_->parameters())
      if (p.dim() == 4) {
        at::Tensor q = at::empty(p.sizes(), p.options().memory_format(at::MemoryFormat::ChannelsLast));
        q.copy_(p);
        p.set_data(q);
      }
  }
  if (comm_)  // identical initial weights on every rank
    for (auto& p : model_->parameters()) {
      at::Tensor c = p.detach().to(at::kCPU).contiguous();
      comm_->broadcast(c, 0);
      torch::NoGradGuard ng;
      p.copy_(c);
    }
  torch::manual_seed(o_.seed + 7919ULL * static_cast<std::uint64_t>(o_.rank) + 1);
  model_->seed_dropout(o_.seed * 0x2545f4914f6cdd1dULL + static_cast<std::uint64_t>(o_.rank) + 1);  // masks per rank
  opt_ = std::make_unique<torch::optim::SGD>(
      model_->parameters(),
      torch::optim::SGDOptions(o_.lr).momentum(o_.momentum).nesterov(o_.nesterov).weight_decay(o_.weight_decay));
  return model_name;
}

Schedule Run::schedule() const {
  return make_schedule(o_, choice_.info->adaptive, o_.epochs);
}

// An adaptive strategy whose schedule never reached a selection trained on its first random subset throughout: the
// note that says so (stderr and metrics.json) instead of passing for the strategy; "" when it selected. Only a timed
// run can end so (a fixed schedule that cannot select is refused before the run: check_schedule).
std::string Run::never_selects(const LoopState& st) const {
  if (!choice_.info->adaptive || !timed() || st.selections > 0) return "";
  return o_.strategy + " selects every " + std::to_string(sched_.R) + " epochs, first at epoch " +
         std::to_string(sched_.first + 1) + ", but the " + std::to_string(o_.budget_time) + " s budget allowed " +
         std::to_string(st.epochs.size()) + ": it never selected and trained on its first random subset (a random run)";
}

// One pass over the subset in a shuffled order, mini-batches of B, loss sum(w l) / sum(w) per mini-batch (or / B:
// per_count). With several ranks each takes a contiguous share of every mini-batch and the gradients are summed:
// the same update as one process.
void Run::train_epoch(const Subset& s, Rng& rng, double& loss_sum, std::int64_t& seen) {
  const auto m = static_cast<std::int64_t>(s.indices.size());
  const at::Tensor perm = at::tensor(rng.sample_without_replacement(m, m), at::kLong);
  const at::Tensor idx_all = at::tensor(s.indices, at::kLong), w_all = at::tensor(s.weights, at::kFloat);
  const int world = comm_ ? comm_->world() : 1, rank = comm_ ? comm_->rank() : 0;
  at::Tensor* scores = strategy_->loss_scores();
  at::Tensor loss_acc = at::zeros({}, at::TensorOptions().dtype(at::kDouble).device(device_));  // no sync per step
  for (std::int64_t b0 = 0; b0 < m; b0 += o_.batch) {
    const std::int64_t bn = std::min<std::int64_t>(o_.batch, m - b0);
    const at::Tensor pos = perm.narrow(0, b0, bn);
    const at::Tensor idx = idx_all.index_select(0, pos), w = w_all.index_select(0, pos);
    const double wsum = s.per_count ? static_cast<double>(bn) : w.sum().item<double>();
    const std::int64_t share = (bn + world - 1) / world, lo = std::min(bn, rank * share), hi = std::min(bn, lo + share);
    for (auto& p : model_->parameters())  // set_to_none: no memset of every gradient each step
      if (p.grad().defined()) p.mutable_grad().reset();
    if (hi > lo) {
      const at::Tensor mine = idx.narrow(0, lo, hi - lo);
      const at::Tensor x = ctx_->model.batch(data_.train.x.index_select(0, mine.to(data_.train.x.device())));
      const at::Tensor y = data_.train.y.index_select(0, mine).to(device_);
      const at::Tensor losses = torch::nn::functional::cross_entropy(
          model_->forward(x), y, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone));
      const at::Tensor loss = (losses * w.narrow(0, lo, hi - lo).to(device_)).sum() / wsum;
      loss.backward();
      if (scores) scores->index_put_({mine.to(device_)}, losses.detach().to(at::kFloat));  // (one process)
      loss_acc += loss.detach().to(at::kDouble) * wsum;
    }
    if (comm_) sum_gradients();
    if (auto lr = strategy_->step_lr(steps_))
      for (auto& group : opt_->param_groups()) static_cast<torch::optim::SGDOptions&>(group.options()).lr(*lr);
    ++steps_;
    opt_->step();
    seen += bn;
  }
  loss_sum += loss_acc.item<double>();
  if (comm_) {  // each rank summed the loss of its share
    std::vector<at::Tensor> total{at::tensor(std::vector<double>{loss_sum}, at::kDouble)};
    comm_->allreduce_sum(total);
    loss_sum = total[0].item<double>();
  }
}

// The ranks' gradients summed, in place (Gloo works on CPU tensors: one flat buffer per step).
void Run::sum_gradients() {
  std::vector<at::Tensor> grads, flat_parts;
  for (auto& p : model_->parameters()) {
    if (!p.grad().defined()) p.mutable_grad() = at::zeros_like(p);
    grads.push_back(p.grad());
    flat_parts.push_back(p.grad().flatten().to(at::kCPU));
  }
  std::vector<at::Tensor> one{at::cat(flat_parts)};
  comm_->allreduce_sum(one);
  std::int64_t off = 0;
  for (auto& g : grads) {
    g.copy_(one[0].narrow(0, off, g.numel()).view_as(g));
    off += g.numel();
  }
}

// Trains epoch e on the plan's data (learning rate: cosine annealing over the epochs or the time budget, or the
// strategy's per-step rate) and returns what it gave.
EpochResult Run::run_epoch(int e, const EpochPlan& plan, LoopState& st) {
  EpochResult r;
  r.lr = strategy_->step_lr(steps_).value_or(
      ctx_->cosine(timed() ? st.train_time / o_.budget_time : static_cast<double>(e) / sched_.T));
  for (auto& group : opt_->param_groups()) static_cast<torch::optim::SGDOptions&>(group.options()).lr(r.lr);
  if (plan.use) {
    train_epoch(*plan.use, st.order_rng, r.loss_sum, r.seen);
    for (auto i : plan.use->indices) st.covered[static_cast<std::size_t>(i)] = 1;
  }
  if (device_.is_cuda()) torch::cuda::synchronize();
  r.seconds = epoch_clock_.seconds();
  st.train_time += r.seconds;
  st.selection_time += plan.selection_s;
  return r;
}

// Rank 0 after an epoch: evaluation (not timed; a skipped epoch left the model as the last evaluation saw it), the
// epoch's record, the checkpoint, then the progress line (what it reports is on disk).
void Run::record_epoch(int e, const EpochPlan& plan, const EpochResult& r, LoopState& st, const ProgressFn& progress) {
  if (plan.use || st.epochs.empty()) {
    st.val = evaluate(ctx_->model, data_.val);
    st.test = evaluate(ctx_->model, data_.test);
  }
  st.epochs.push_back(epoch_record(e, plan, r, st));
  st.next_epoch = e + 1;
  if (!checkpoint_.empty()) save_checkpoint(st);
  if (progress) progress(e + 1, sched_.T, epoch_line(o_, sched_.T, st.epochs.back(), st));
}

// The run's summary; rank 0 also writes metrics.json and runs/<label>.json, and removes its checkpoint.
RunSummary Run::finish(const LoopState& st, const std::string& model_name, const std::string& label,
                       const std::string& never_note) {
  RunSummary r;
  r.strategy = o_.strategy;
  r.mode = choice_.info->modes.empty() ? "" : to_string(choice_.mode);
  r.test_accuracy = st.test.accuracy;
  r.val_accuracy = st.val.accuracy;
  r.train_time_s = st.train_time;
  r.selection_time_s = st.selection_time;
  r.never_selected = !never_note.empty();
  r.epochs = static_cast<int>(st.epochs.size());
  if (!lead_) return r;
  const RunFacts facts{model_name, device_.str(), r.mode, sched_.T, sched_.R, k_, choice_.info->picks == Picks::All};
  json m = metrics_json(o_, data_, st, facts);
  m["never_selected"] = r.never_selected;
  if (r.never_selected) m["note"] = never_note;
  const std::string diverged = divergence(st.epochs);
  m["diverged"] = !diverged.empty();
  if (!diverged.empty()) {
    m["divergence"] = diverged;
    if (!o_.quiet) std::fprintf(stderr, "cords-summarize train: warning: %s\n", diverged.c_str());
  }
  if (!fingerprint_.is_null()) m["options"] = fingerprint_;  // what --resume compares
  strategy_->describe(m);
  fs::create_directories(fs::path(o_.out) / "runs");
  const std::string text = json_text(m);
  r.metrics_path = (fs::path(o_.out) / "metrics.json").string();
  write_file_atomic(r.metrics_path, text);
  write_file_atomic((fs::path(o_.out) / "runs" / (label + ".json")).string(), text);
  if (!checkpoint_.empty()) {  // the run is complete and recorded: its checkpoint (ours) goes
    std::error_code ec;
    fs::remove(checkpoint_, ec);
  }
  return r;
}

// Everything a checkpoint holds, one field list for save and load (checkpoint.h): the loop's state, the model, the
// optimizer, the strategy's own state and every random generator, so that a resumed run continues exactly as the
// uninterrupted one.
void Run::fields(CheckpointIO& io, LoopState& st) {
  const std::int64_t n = data_.train.size(), big = std::numeric_limits<std::int64_t>::max();
  io.integer("next_epoch", st.next_epoch, 0, o_.epochs);
  std::vector<at::Tensor> model = model_->state_tensors();
  auto count = static_cast<std::int64_t>(model.size());
  io.integer("model_tensors", count);
  if (count != static_cast<std::int64_t>(model.size()))
    throw invalid_argument(param("resume") + ": the checkpoint's model has another shape");
  for (std::size_t i = 0; i < model.size(); ++i) io.tensor("model_" + std::to_string(i), model[i], /*finite=*/true);
  io.nested("optimizer", *opt_);
  io.longs("subset_indices", st.current.indices, 0, n - 1);
  io.weights("subset_weights", st.current.weights);
  if (st.current.weights.size() != st.current.indices.size()) io.malformed("its subset does not index this train set");
  io.flag("subset_per_count", st.current.per_count);
  io.bits("covered", st.covered);
  io.json_text("epochs", st.epochs);
  std::vector<double> times{st.train_time,   st.selection_time, st.val.loss,
                            st.val.accuracy, st.test.loss,      st.test.accuracy};
  io.numbers("times", times);
  st.train_time = times[0];
  st.selection_time = times[1];
  st.val = {times[2], times[3]};
  st.test = {times[4], times[5]};
  io.integer("selections", st.selections, 0, st.next_epoch);
  io.rngs("rngs", st.order_rng, st.prune_rng);
  strategy_->fields(io);
  io.integer("steps", steps_, 0, big);
  auto dropout = static_cast<std::int64_t>(model_->dropout_calls());
  io.integer("dropout_calls", dropout, 0, big);
  model_->set_dropout_calls(static_cast<std::uint64_t>(dropout));
  at::Generator gen = at::detail::getDefaultCPUGenerator();  // (a handle: the process's generator itself)
  at::Tensor rng_state = gen.get_state();
  io.raw("torch_rng", rng_state);
  if (io.loading()) gen.set_state(rng_state);
}

// After every epoch, atomically (a kill leaves the previous checkpoint or this one, never a torn file).
void Run::save_checkpoint(LoopState& st) {
  torch::serialize::OutputArchive a;
  a.write("fingerprint", c10::IValue(fingerprint_.dump()));
  CheckpointIO io(a);
  fields(io, st);
  std::ostringstream os;
  a.save_to(os);
  fs::create_directories(fs::path(checkpoint_).parent_path());
  write_file_atomic(checkpoint_, os.str());
}

// What passed the fields' own checks but no run writes: "" when nothing, else the first implausible field.
std::string implausible(const LoopState& st) {
  for (double t : {st.train_time, st.selection_time, st.val.loss, st.test.loss})
    if (t < 0) return "times holds a negative value";
  for (double acc : {st.val.accuracy, st.test.accuracy})
    if (!(acc >= 0 && acc <= 1)) return "times holds an accuracy outside [0, 1]";
  if (!st.epochs.is_array() || st.epochs.size() != static_cast<std::size_t>(st.next_epoch))
    return "epochs does not list the " + std::to_string(st.next_epoch) + " epochs before next_epoch";
  for (const auto& e : st.epochs)
    if (!e.is_object()) return "epochs holds an entry that is not an epoch's record";
  return "";
}

// --resume: continues from the checkpoint when there is one (false: none, the run starts at epoch 1). Throws
// InvalidArgument when it was written with other options, InputUnreadable when it cannot be read or is malformed.
bool Run::load_checkpoint(LoopState& st) {
  std::error_code ec;
  if (!fs::is_regular_file(checkpoint_, ec)) {
    if (!o_.quiet)
      std::fprintf(stderr, "cords-summarize train: --resume: no checkpoint at %s, starting at epoch 1\n",
                   checkpoint_.c_str());
    return false;
  }
  torch::serialize::InputArchive a;
  c10::IValue v;
  try {
    a.load_from(checkpoint_, device_);
    a.read("fingerprint", v);
  } catch (const std::exception& e) {
    throw Error(ErrorKind::InputUnreadable, "checkpoint '" + checkpoint_ + "' cannot be read (" +
                                                first_line(e.what(), kQuotedMessage) +
                                                "); delete it to start the run over");
  }
  const json saved = v.isString() ? json::parse(v.toStringRef(), nullptr, false) : json();
  for (const auto& [key, value] : fingerprint_.items())
    if (!saved.is_object() || !saved.contains(key) || saved[key] != value)
      throw invalid_argument(param("resume") + ": checkpoint '" + checkpoint_ + "' is of a run with " + key + " = " +
                             (saved.is_object() && saved.contains(key) ? saved[key].dump() : std::string("(unknown)")) +
                             ", this run has " + value.dump() +
                             "; resume with the same options, or delete the checkpoint to start over");
  CheckpointIO io(a, checkpoint_);
  try {
    fields(io, st);
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {  // a missing field, a wrong type: LibTorch's words, one line
    io.malformed(first_line(e.what(), kQuotedMessage));
  }
  const std::string bad = implausible(st);
  if (!bad.empty()) io.malformed(bad);
  return true;
}

// The checkpoint file of this run (one process only), and --resume: a run already complete is not run again (its
// summary is returned, for go to return), one stopped continues after its last epoch.
std::optional<RunSummary> Run::resume_or_start(LoopState& st, const std::string& label, const std::string& model_name) {
  checkpoint_ = (fs::path(o_.out) / "checkpoints" / (label + ".pt")).string();
  fingerprint_ = run_fingerprint(o_, model_name, data_.train.size());
  if (!o_.resume) return std::nullopt;
  if (auto done = completed_run(o_, label, checkpoint_, fingerprint_)) return done;
  if (load_checkpoint(st) && !o_.quiet)
    std::fprintf(stderr, "cords-summarize train: resuming %s after epoch %d of %d (%s)\n", label.c_str(), st.next_epoch,
                 sched_.T, checkpoint_.c_str());
  return std::nullopt;
}

RunSummary Run::go(const ProgressFn& progress) {
  comm_ = make_communicator(o_.store, o_.rank, o_.world);
  if (device_.is_cuda())  // the inputs live on the device for the whole run (labels stay on the host)
    for (TensorData* d : {&data_.train, &data_.val, &data_.test})
      if (d->size() > 0) d->x = d->x.to(device_);
  lead_ = !comm_ || comm_->rank() == 0;
  const std::int64_t n = data_.train.size();
  k_ = budget_of(n, o_.fraction);
  const std::string model_name = set_up_model();
  sched_ = schedule();
  all_.indices.resize(static_cast<std::size_t>(n));
  std::iota(all_.indices.begin(), all_.indices.end(), 0);
  all_.weights.assign(static_cast<std::size_t>(n), 1.0f);
  ctx_.reset(new TrainContext{o_, choice_, data_, ModelOn{*model_, device_}, k_, lead_, comm_.get(), all_, sched_,
                              [this] { return spent(); }});
  strategy_ = make_strategy(*ctx_);
  LoopState st(o_.seed, n);
  strategy_->start(st);
  const std::string label = o_.strategy + (choice_.info->modes.empty() ? "" : "-" + to_string(choice_.mode)) +
                            warm_tag(o_.kappa) + "-seed" + std::to_string(o_.seed);
  if (!comm_)  // (checkpoints: one process only)
    if (auto done = resume_or_start(st, label, model_name)) return *done;
  for (int e = st.next_epoch; e < sched_.T; ++e) {
    spent_before_ = st.train_time;
    epoch_clock_ = Stopwatch();
    // --budget-time: every run gets the same train time (training + selection, evaluation excluded), and stops
    // before an epoch that would end past the budget by more than half of it (so the budget is overrun or left
    // unused by at most half an epoch, either way), estimated from the last epoch.
    if (timed() && !st.epochs.empty() &&
        st.train_time + next_epoch_estimate(st, sched_.selects_at(e)) / 2 > o_.budget_time)
      break;
    const EpochPlan plan = strategy_->plan(e, st);
    const EpochResult r = run_epoch(e, plan, st);
    if (lead_) record_epoch(e, plan, r, st, progress);
  }
  const std::string never_note = never_selects(st);
  if (!never_note.empty() && lead_ && !o_.quiet)
    std::fprintf(stderr, "cords-summarize train: warning: %s\n", never_note.c_str());
  return finish(st, model_name, label, never_note);
}

}  // namespace

std::string warm_tag(double kappa) {
  if (!(kappa > 0)) return "";
  char b[32];
  std::snprintf(b, sizeof b, "-warm%g", kappa);
  return b;
}

TrainOptions with_defaults(TrainOptions o) {
  const auto check = [](const char* name, double v) { check_range(name, v, train_range(name)); };
  const StrategyChoice c = resolve_strategy(o.strategy, o.mode);
  o.strategy = c.info->name;
  o.mode = c.mode;
  const StrategyInfo& info = *c.info;
  check("budget_time", o.budget_time);
  if (o.budget_time > 0 && o.kappa > 0)
    throw invalid_argument(param("budget_time") + " has no warm start (" + param("kappa") +
                           "): the run's length is not known up front");
  if (o.budget_time > 0 && o.world > 1)
    throw invalid_argument(param("budget_time") + " runs in one process (no " + param("world_size") + ")");
  if (o.epochs <= 0)
    o.epochs = o.budget_time > 0 ? 1000000 : o.data.dataset == "cifar10" || o.data.dataset == "folder" ? 300 : 200;
  if (o.select_every <= 0) o.select_every = default_select_every(c);
  if (o.pool <= 0) o.pool = std::min(1.0, 2 * o.fraction);
  if (o.lambda < 0) o.lambda = default_lambda(c);
  for (const auto& [name, v] : {std::pair<const char*, double>{"epochs", o.epochs},
                                {"select_every", o.select_every},
                                {"pool", o.pool},
                                {"kappa", o.kappa},
                                {"prune_ratio", o.prune_ratio},
                                {"anneal", o.anneal},
                                {"batch_size", o.batch},
                                {"lr", o.lr},
                                {"threads", o.threads}})
    check(name, v);
  if (info.one_process && o.world > 1)
    throw invalid_argument(o.strategy + " runs in one process (no " + param("world_size") + ")");
  if (o.resume && o.world > 1)
    throw invalid_argument(param("resume") + " continues one process's run (no " + param("world_size") + ")");
  if (info.own_epoch_rule && o.kappa > 0)
    throw invalid_argument(o.strategy + " has no warm start (" + param("kappa") + ")");
  check("fraction", o.fraction);
  if (o.out.empty()) throw invalid_argument("train needs -o OUT (a folder)");
  return o;
}

void check_schedule(const TrainOptions& opts) {
  const TrainOptions o = with_defaults(opts);
  const StrategyChoice choice = resolve_strategy(o.strategy, o.mode);
  if (!choice.info->adaptive || o.budget_time > 0) return;  // (a timed run's epochs are not known before)
  const Schedule sc = make_schedule(o, true, o.epochs);
  if (sc.first < sc.T) return;
  int need = o.epochs;  // the fewest epochs with a selection in them (the warm start grows with the epochs)
  while (need < o.epochs + 100000 && make_schedule(o, true, need).first >= need) ++need;
  std::string why = o.strategy + " selects every " + std::to_string(sc.R) + " epoch" + (sc.R == 1 ? "" : "s") +
                    " from the third on" + (o.kappa > 0 ? " after its warm start" : "") +
                    ", so its first selection is at epoch " + std::to_string(make_schedule(o, true, need).first + 1) +
                    ": a run of " + plural(o.epochs, "epoch") +
                    " never selects (it would train on a random subset under its name); give " + param("epochs") + " " +
                    std::to_string(need) + " or more";
  if (sc.R > 1) why += ", or a smaller " + param("select_every");
  throw invalid_argument(why);
}

RunSummary run_training(const TrainOptions& opts, const std::function<void(int, int, const std::string&)>& progress) {
  const TrainOptions o = with_defaults(opts);
  check_schedule(o);
  // --threads 0 is every core online, as documented (LibTorch's own default is the physical cores: 1 of 2 vCPUs).
  at::set_num_threads(o.threads > 0 ? o.threads : std::max(1, static_cast<int>(::sysconf(_SC_NPROCESSORS_ONLN))));
  accel::resolve_device(o.device);  // a bad --device fails before the data is read
  Run run(o, load_splits(o.data));
  return run.go(progress);
}

}  // namespace cords::train

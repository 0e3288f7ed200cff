// The trainer without the CLI (for the torch-only GPU build, which has no Boost): one run, one JSON line with the
// images/s of each epoch and the totals.
//   train_bench --dataset fashion-mnist --data-dir DIR [--strategy full] [--epochs 1] [--fraction 0.1]
//               [--select-every 5] [--kappa 0] [--seed 0] [--device auto] [--limit 0] [--threads 0] [--batch 128]
//               [--out DIR]
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "cords/core/blas_cpu.h"
#include "cords/core/error.h"
#include "cords/train/trainer.h"

int main(int argc, char** argv) {
  cords::tune_openblas_core();  // see cords/core/blas_cpu.h
  cords::train::TrainOptions o;
  o.data.dataset = "fashion-mnist";
  o.epochs = 1;
  o.out = "train-bench-out";
  o.quiet = true;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--dataset")
      o.data.dataset = v;
    else if (k == "--data-dir")
      o.data.data_dir = v;
    else if (k == "--strategy")
      o.strategy = v;
    else if (k == "--epochs")
      o.epochs = std::stoi(v);
    else if (k == "--fraction")
      o.fraction = std::stod(v);
    else if (k == "--select-every")
      o.select_every = std::stoi(v);
    else if (k == "--kappa")
      o.kappa = std::stod(v);
    else if (k == "--seed")
      o.seed = std::stoull(v);
    else if (k == "--device")
      o.device = v;
    else if (k == "--limit")
      o.data.limit = std::stoll(v);
    else if (k == "--threads")
      o.threads = std::stoi(v);
    else if (k == "--batch")
      o.batch = std::stoi(v);
    else if (k == "--out")
      o.out = v;
    else {
      std::fprintf(stderr, "unknown argument %s\n", k.c_str());
      return 2;
    }
  }
  try {
    const auto r = cords::train::run_training(o);
    std::ifstream in(r.metrics_path);
    const auto m = nlohmann::json::parse(in);
    nlohmann::json rates = nlohmann::json::array();
    for (const auto& e : m["per_epoch"])
      if (e["epoch_time_s"].get<double>() > 0)
        rates.push_back(e["examples"].get<double>() / e["epoch_time_s"].get<double>());
    std::printf("%s\n", nlohmann::json{{"impl", "cords-summarize"},
                                       {"strategy", m["strategy"]},
                                       {"device", m["device"]},
                                       {"threads", m["threads"]},
                                       {"blas_core", m.value("blas_core", "")},
                                       {"batch", m["batch_size"]},
                                       {"images_per_s_per_epoch", rates},
                                       {"epochs", m["epochs"]},
                                       {"seed", o.seed},
                                       {"test_accuracy", m["test_accuracy"]},
                                       {"train_time_s", m["train_time_s"]},
                                       {"selection_time_s", m["selection_time_s"]}}
                            .dump()
                            .c_str());
  } catch (const cords::Error& e) {
    std::fprintf(stderr, "train_bench: %s\n", e.what());
    return cords::exit_code(e.kind());
  }
  return 0;
}

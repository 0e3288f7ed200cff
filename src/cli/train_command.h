#pragma once

namespace cords::cli {

/// `cords-summarize train`: subset training (docs/training.md). argv[0] is "train".
int run_train_command(int argc, char** argv);

}  // namespace cords::cli

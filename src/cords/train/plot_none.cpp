// Builds without OpenCV: no plot (metrics.json is still written).
#include "cords/train/trainer.h"

namespace cords::train {
bool write_accuracy_plot(const std::string&) {
  return false;
}
}  // namespace cords::train

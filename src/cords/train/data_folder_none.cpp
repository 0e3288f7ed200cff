// Builds without OpenCV (e.g. the torch-only GPU build): image folders are refused with a clear error.
#include "cords/core/error.h"
#include "cords/train/data.h"

namespace cords::train {

TensorData read_image_folder(const std::string& dir, int) {
  throw invalid_argument("cannot read the image folder '" + dir + "': this build has no OpenCV (use another dataset)");
}

}  // namespace cords::train

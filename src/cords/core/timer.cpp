#include "cords/core/timer.h"

#include <sys/resource.h>

namespace cords {

long long peak_rss_bytes() {
  struct rusage usage {};
  if (getrusage(RUSAGE_SELF, &usage) != 0) return 0;
  return static_cast<long long>(usage.ru_maxrss) * 1024LL;  // Linux reports KiB
}

}  // namespace cords

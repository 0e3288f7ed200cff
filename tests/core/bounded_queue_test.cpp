// core::BoundedQueue across threads (the decode -> embed queue of pass 1, the decode -> encode queue of pass 2): every
// item arrives once and in order, a producer blocks while the queue is full, close() drains, and fail() carries the
// producer's exception to the consumer. Run under ThreadSanitizer in CI (scripts/test.sh).
#include "cords/core/bounded_queue.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <thread>
#include <vector>

namespace cords {
namespace {

TEST(BoundedQueue, EveryItemArrivesOnceInOrderAcrossThreads) {
  BoundedQueue<std::vector<int>> q(3);
  constexpr int kItems = 2000;
  std::thread producer([&] {
    for (int i = 0; i < kItems; ++i) ASSERT_TRUE(q.push(std::vector<int>(16, i)));
    q.close();
  });
  std::vector<int> got;
  for (std::vector<int> item; q.pop(item);) {
    ASSERT_EQ(item.size(), 16u);
    got.push_back(item[0]);
  }
  producer.join();
  ASSERT_EQ(got.size(), static_cast<std::size_t>(kItems));
  for (int i = 0; i < kItems; ++i) EXPECT_EQ(got[static_cast<std::size_t>(i)], i);
}

TEST(BoundedQueue, AProducersErrorReachesTheConsumerAndAClosedQueueRefusesMore) {
  BoundedQueue<int> q(2);
  std::thread producer([&] {
    q.push(1);
    q.push(2);
    q.fail(std::make_exception_ptr(std::runtime_error("decoder broke")));
  });
  int v = 0;
  std::vector<int> got;
  try {
    while (q.pop(v)) got.push_back(v);
    ADD_FAILURE() << "the error was lost";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "decoder broke");
  }
  producer.join();
  EXPECT_LE(got.size(), 2u);
  EXPECT_FALSE(q.push(3)) << "a failed queue takes nothing more";
  // A consumer that gives up (close) releases a producer blocked on a full queue.
  BoundedQueue<int> full(1);
  ASSERT_TRUE(full.push(0));
  std::thread blocked([&] { EXPECT_FALSE(full.push(1)); });
  full.close();
  blocked.join();
}

}  // namespace
}  // namespace cords

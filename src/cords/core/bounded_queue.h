#pragma once
// A bounded, closable multi-producer/multi-consumer queue for pipelines (decode -> embed). push() blocks while
// full, pop() while empty. close() ends the stream: pop() then drains what is left and returns false. fail()
// closes it with an exception that pop() rethrows on the consumer's thread, so a worker's error is never lost.
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>

namespace cords {

template <class T>
class BoundedQueue {
 public:
  explicit BoundedQueue(std::size_t capacity) : capacity_(capacity ? capacity : 1) {}

  /// Returns false (dropping the item) when the queue was closed, e.g. because the consumer gave up.
  bool push(T item) {
    std::unique_lock<std::mutex> lock(m_);
    not_full_.wait(lock, [&] { return closed_ || items_.size() < capacity_; });
    if (closed_) return false;
    items_.push_back(std::move(item));
    not_empty_.notify_one();
    return true;
  }

  /// Next item, or false once the queue is closed and empty. Rethrows the error passed to fail().
  bool pop(T& out) {
    std::unique_lock<std::mutex> lock(m_);
    not_empty_.wait(lock, [&] { return closed_ || !items_.empty(); });
    if (error_) std::rethrow_exception(error_);
    if (items_.empty()) return false;
    out = std::move(items_.front());
    items_.pop_front();
    not_full_.notify_one();
    return true;
  }

  void close() {
    std::lock_guard<std::mutex> lock(m_);
    closed_ = true;
    not_empty_.notify_all();
    not_full_.notify_all();
  }

  void fail(std::exception_ptr e) {
    std::lock_guard<std::mutex> lock(m_);
    error_ = std::move(e);
    closed_ = true;
    not_empty_.notify_all();
    not_full_.notify_all();
  }

 private:
  std::size_t capacity_;
  std::mutex m_;
  std::condition_variable not_full_, not_empty_;
  std::deque<T> items_;
  bool closed_ = false;
  std::exception_ptr error_;
};

}  // namespace cords

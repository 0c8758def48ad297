// IoThreads: N threads, each running its own io_context (shard-per-core: a connection lives on
// one context and never hops threads). Started by the constructor, stopped and joined by Stop()
// or the destructor. The last reference may be dropped on one of its own threads (a late reply
// finishing there): teardown then moves to a reaper thread, since a thread cannot join itself
// nor destroy the context it is running. Thread-safe.
#pragma once

#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace dubbo::rpc {

class IoThreads {
 public:
  // `count` 0 means one thread per core.
  explicit IoThreads(size_t count, std::string name = "dubbo-io");
  ~IoThreads();
  IoThreads(const IoThreads&) = delete;
  IoThreads& operator=(const IoThreads&) = delete;

  size_t size() const { return contexts_.size(); }
  asio::io_context& at(size_t i) { return *contexts_[i]; }
  // Round-robin over the contexts.
  asio::io_context& Next();
  // True on one of this pool's threads.
  bool InPool() const;
  // Stops every context and joins the threads; idempotent. On a pool thread it only stops them
  // (the destructor finishes the job).
  void Stop();

 private:
  using Guard = asio::executor_work_guard<asio::io_context::executor_type>;
  std::vector<std::unique_ptr<asio::io_context>> contexts_;
  std::vector<Guard> guards_;
  std::vector<std::thread> threads_;
  std::atomic<size_t> next_{0};
  std::atomic<bool> stopped_{false};
};

}  // namespace dubbo::rpc

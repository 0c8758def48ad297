// WorkerPool: a fixed set of threads for blocking handlers (Dubbo's `threads`, dispatcher=all),
// with a bounded number of tasks admitted at once: beyond threads + queues a task is refused so
// the provider can answer status 100 at once, as Java's fixed pool with a SynchronousQueue does.
// Thread-safe.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace dubbo::rpc {

class WorkerPool {
 public:
  WorkerPool(size_t threads, size_t queues);
  ~WorkerPool();  // finishes admitted tasks, then joins
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // False (and `task` not run) when threads + queues tasks are already admitted.
  bool TrySubmit(std::function<void()> task);
  size_t threads() const { return workers_.size(); }

 private:
  void Run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  size_t admitted_ = 0;  // queued + running
  size_t limit_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace dubbo::rpc

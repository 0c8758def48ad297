#include "rpc/io_threads.h"

#include <pthread.h>

namespace dubbo::rpc {

namespace {
thread_local const IoThreads* t_pool = nullptr;
}  // namespace

IoThreads::IoThreads(size_t count, std::string name) {
  if (count == 0) count = std::max(1u, std::thread::hardware_concurrency());
  for (size_t i = 0; i < count; ++i) {
    // The hint 1 tells Asio each context is run by exactly one thread: it can skip locking.
    contexts_.push_back(std::make_unique<asio::io_context>(1));
    guards_.emplace_back(contexts_.back()->get_executor());
  }
  for (size_t i = 0; i < count; ++i) {
    threads_.emplace_back([this, i, name] {
      t_pool = this;
      const std::string thread_name = (name + "-" + std::to_string(i)).substr(0, 15);
      pthread_setname_np(pthread_self(), thread_name.c_str());
      contexts_[i]->run();
    });
  }
}

IoThreads::~IoThreads() {
  if (!InPool()) {
    Stop();
    return;
  }
  // Destroyed from inside a handler on one of our threads: stop everything, and let a detached
  // thread join the threads (this one included, once its handler returns) and free the contexts.
  for (auto& g : guards_) g.reset();
  for (auto& c : contexts_) c->stop();
  stopped_ = true;
  auto contexts =
      std::make_shared<std::vector<std::unique_ptr<asio::io_context>>>(std::move(contexts_));
  auto threads = std::make_shared<std::vector<std::thread>>(std::move(threads_));
  std::thread([contexts, threads] {
    for (auto& t : *threads)
      if (t.joinable()) t.join();
  }).detach();
}

asio::io_context& IoThreads::Next() {
  return *contexts_[next_.fetch_add(1, std::memory_order_relaxed) % contexts_.size()];
}

bool IoThreads::InPool() const { return t_pool == this; }

void IoThreads::Stop() {
  if (InPool()) {  // cannot join ourselves: stop, and leave the joining to the destructor
    for (auto& c : contexts_) c->stop();
    return;
  }
  if (stopped_.exchange(true)) return;
  for (auto& g : guards_) g.reset();
  for (auto& c : contexts_) c->stop();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
}

}  // namespace dubbo::rpc

namespace dubbo::rpc {
bool OnIoThread() { return t_pool != nullptr; }
}  // namespace dubbo::rpc

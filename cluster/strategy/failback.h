// "failback": one attempt; on a failure the caller gets an empty result at once (a null value, as
// failsafe) and the call is retried in the background: every `failback.period` ms (default
// 5000, Dubbo's fixed 5 s), up to `retries` times (`<method>.retries`, `retries`, the IDL's
// @retries; default 3 here, a negative count means 3, 0 turns retrying off), each time on a
// provider chosen again, avoiding the one that failed last. At most `failbacktasks` (default
// 100) retries wait at once; beyond that a failed call is logged and not retried. For
// notifications that must eventually get through.
//
// What is retried: Java retries only errors thrown while sending. Here the rule of safe retries
// applies (cluster/strategy/retry_policy.h): any failure of an idempotent method, and for other
// methods only failures that prove the request never reached a provider. A failure that will
// not be retried is returned to the caller, as Java returns failures that arrive after sending.
//
// Retries wait on timers of the providers' I/O threads (no thread sleeps per task); the cluster
// starts one timer thread of its own only when its providers have none (test doubles). Pending
// retries are dropped when the cluster is destroyed.
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>

#include "cluster/cluster_invoker.h"
#include "rpc/io_threads.h"

namespace dubbo::cluster {

class FailbackCluster final : public ClusterInvoker,
                              public std::enable_shared_from_this<FailbackCluster> {
 public:
  using ClusterInvoker::ClusterInvoker;
  Status Configure() override;

  // Retries waiting for their timer.
  size_t pending() const { return pending_.load(std::memory_order_relaxed); }

 protected:
  void DoInvoke(std::shared_ptr<const rpc::Invocation> inv,
                std::shared_ptr<const ProviderList> invokers, rpc::ResponseCallback done) override;

 private:
  struct Task;
  // Returns the failure, or an empty result and queues a retry.
  void OnFailure(const Attempt& a, rpc::RpcResult r, rpc::ResponseCallback done);
  // Queues `task` for another attempt after the period; false when failbacktasks are waiting.
  bool Schedule(std::shared_ptr<Task> task, const std::shared_ptr<ProviderInvoker>& last);
  void Retry(std::shared_ptr<Task> task);
  void OnRetried(std::shared_ptr<Task> task, const std::shared_ptr<ProviderInvoker>& invoker,
                 const Status& status);
  asio::io_context& TimerContext(const std::shared_ptr<ProviderInvoker>& via);

  int64_t max_tasks_ = 100;
  std::chrono::milliseconds period_{5000};
  std::atomic<size_t> pending_{0};
  std::mutex timers_mu_;
  std::unique_ptr<rpc::IoThreads> own_timers_;
};

}  // namespace dubbo::cluster

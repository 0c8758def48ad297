#include "cluster/strategy/failback.h"

#include <asio/steady_timer.hpp>

#include "common/log.h"

namespace dubbo::cluster {

struct FailbackCluster::Task {
  std::shared_ptr<const rpc::Invocation> inv;
  std::weak_ptr<ProviderInvoker> last;  // weak: a waiting task must not keep a provider alive
  int32_t max_retries = 3;
  int32_t retried = 0;
};

namespace {

std::string Describe(const rpc::Invocation& inv) {
  return inv.method + " of " + ServiceKey(inv.settings.group, inv.interface, inv.settings.version);
}

// Gives back a pending slot exactly once: when the timer fires, or when its handler is destroyed
// unrun (the I/O threads stopped first).
class PendingSlot {
 public:
  explicit PendingSlot(std::weak_ptr<FailbackCluster> cluster, std::atomic<size_t>* counter)
      : cluster_(std::move(cluster)), counter_(counter) {}
  ~PendingSlot() { Release(); }
  PendingSlot(const PendingSlot&) = delete;
  PendingSlot& operator=(const PendingSlot&) = delete;
  void Release() {
    if (released_.exchange(true)) return;
    if (auto c = cluster_.lock()) counter_->fetch_sub(1, std::memory_order_relaxed);
  }

 private:
  std::weak_ptr<FailbackCluster> cluster_;
  std::atomic<size_t>* counter_;  // a member of the cluster: used only while it is alive
  std::atomic<bool> released_{false};
};

}  // namespace

Status FailbackCluster::Configure() {
  DUBBO_RETURN_IF_ERROR(ClusterInvoker::Configure());
  DUBBO_ASSIGN_OR_RETURN(max_tasks_, url().GetInt("failbacktasks", 100));
  if (max_tasks_ <= 0) max_tasks_ = 100;  // as Dubbo
  DUBBO_ASSIGN_OR_RETURN(const int64_t period, url().GetInt("failback.period", 5000));
  if (period <= 0) {
    return Status(StatusCode::kInvalidArgument,
                  "parameter failback.period=" + url().Get("failback.period") +
                      " must be a positive number of milliseconds in " + url().ToString());
  }
  period_ = std::chrono::milliseconds(period);
  return Status::Ok();
}

void FailbackCluster::DoInvoke(std::shared_ptr<const rpc::Invocation> inv,
                               std::shared_ptr<const ProviderList> invokers,
                               rpc::ResponseCallback done) {
  auto invoker = Select(*inv, *invokers, {});
  InvokeOnce(shared_from_this(), {std::move(inv), std::move(invoker), invokers->size()},
             std::move(done), &FailbackCluster::OnFailure);
}

void FailbackCluster::OnFailure(const Attempt& a, rpc::RpcResult r, rpc::ResponseCallback done) {
  const rpc::Invocation& inv = *a.inv;
  if (const std::string why = NotResendable(inv, r.status); !why.empty()) {
    r.status = Failed(a, r.status, why);
    done(std::move(r));
    return;
  }
  const Status failure = Failed(a, r.status);
  int32_t retries = Retries(inv, 3);
  if (retries < 0) retries = 3;
  if (retries == 0) {
    LogError() << "Failback to invoke method " << inv.method
               << ", retries=0: not retried. Ignored exception: " << failure.message();
  } else {
    LogError() << "Failback to invoke method " << inv.method
               << ", wait for retry in background. Ignored exception: " << failure.message();
    auto task = std::make_shared<Task>();
    task->inv = a.inv;
    task->max_retries = retries;
    Schedule(std::move(task), a.invoker);
  }
  ReturnEmpty(a, std::move(r), std::move(done));
}

bool FailbackCluster::Schedule(std::shared_ptr<Task> task,
                               const std::shared_ptr<ProviderInvoker>& last) {
  if (pending_.fetch_add(1, std::memory_order_relaxed) >= static_cast<size_t>(max_tasks_)) {
    pending_.fetch_sub(1, std::memory_order_relaxed);
    LogError() << "Failback background works error, invocation " << Describe(*task->inv)
               << ": the failback queue is full (failbacktasks=" << max_tasks_
               << "); the call is not retried";
    return false;
  }
  task->last = last;
  auto slot = std::make_shared<PendingSlot>(weak_from_this(), &pending_);
  auto timer = std::make_shared<asio::steady_timer>(TimerContext(last), period_);
  std::weak_ptr<FailbackCluster> weak = weak_from_this();
  timer->async_wait([timer, slot, task = std::move(task), weak](const std::error_code& ec) mutable {
    slot->Release();
    auto self = weak.lock();
    if (ec || !self) return;
    self->Retry(std::move(task));
  });
  return true;
}

void FailbackCluster::Retry(std::shared_ptr<Task> task) {
  auto invokers = directory_->List();
  if (invokers->empty()) {
    OnRetried(std::move(task), nullptr, NoProvider(*task->inv));
    return;
  }
  std::vector<ProviderInvoker*> avoid;
  auto last = task->last.lock();
  if (last) avoid.push_back(last.get());
  auto invoker = Select(*task->inv, *invokers, avoid);
  invoker->Invoke(task->inv, [self = shared_from_this(), task, invoker](rpc::RpcResult r) mutable {
    self->Report(*invoker, *task->inv, r.status);
    self->OnRetried(std::move(task), invoker, r.status);
  });
}

void FailbackCluster::OnRetried(std::shared_ptr<Task> task,
                                const std::shared_ptr<ProviderInvoker>& invoker,
                                const Status& status) {
  ++task->retried;
  const std::string where = invoker ? " on " + invoker->url().Address() : std::string();
  if (status.ok()) {
    LogInfo() << "Failback retry " << task->retried << " of " << Describe(*task->inv)
              << " succeeded" << where;
    return;
  }
  if (task->retried >= task->max_retries) {
    LogError() << "Failed retry times exceed threshold (" << task->max_retries
               << "), We have to abandon, invocation " << Describe(*task->inv) << "; last error"
               << where << ": " << status.message();
    return;
  }
  if (const std::string why = NotResendable(*task->inv, status); !why.empty()) {
    LogError() << "Failback retry " << task->retried << " of " << Describe(*task->inv) << " failed"
               << where << ", " << why << ": " << status.message();
    return;
  }
  Schedule(std::move(task), invoker);
}

asio::io_context& FailbackCluster::TimerContext(const std::shared_ptr<ProviderInvoker>& via) {
  // The channel keeps its I/O threads alive; a timer on them only needs them until it fires
  // (a stopped context destroys the waiting handler, releasing the task).
  if (via) {
    if (auto io = via->io_threads()) return io->Next();
  }
  std::lock_guard<std::mutex> lock(timers_mu_);
  if (!own_timers_) own_timers_ = std::make_unique<rpc::IoThreads>(1, "dubbo-failback");
  return own_timers_->Next();
}

}  // namespace dubbo::cluster

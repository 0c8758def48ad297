// "actives": Dubbo's ActiveLimitFilter, a consumer filter in each provider invoker's chain. At
// most `actives` calls of a method (`<method>.actives` per method; 0 or less: no limit) are in
// flight to the provider. A call over the limit waits in a queue without holding a thread: the
// call that completes hands its slot to the oldest waiter, which is then sent on the completing
// thread. A waiter still queued when its timeout passes fails with kLimitExceeded and Dubbo's
// message ("Waiting concurrent invoke timeout in client-side ..."). The wait counts against the
// call's timeout: a waiter goes out with what is left of it (Dubbo restarts the clock).
//
// The counters are the filter's own — one filter per provider invoker, so per provider URL and
// method. Waiters keep the provider invoker alive (ProviderInvoker holds itself until `done`),
// which keeps `next` alive too. Timeouts run on one shared timer thread, started on first need.
// Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "cluster/filter.h"
#include "rpc/method_table.h"

namespace dubbo::rpc {
class IoThreads;
}

namespace dubbo::cluster {

class ActiveLimitFilter final : public Filter,
                                public std::enable_shared_from_this<ActiveLimitFilter> {
 public:
  // Null when neither `actives` nor any `<method>.actives` is above 0; an error naming the
  // parameter when one is not an integer.
  static Result<std::shared_ptr<Filter>> Create(const Url& url);

  void Invoke(rpc::Invoker& next, std::shared_ptr<const rpc::Invocation> inv,
              rpc::ResponseCallback done) override;

  // Calls of `method` in flight through this filter, and calls waiting for a slot.
  int64_t active(std::string_view method);
  size_t waiting(std::string_view method);

 private:
  struct Waiter;
  struct Slots {
    explicit Slots(int64_t m) : max(m) {}
    const int64_t max;
    std::mutex mu;
    int64_t active = 0;
    std::deque<std::shared_ptr<Waiter>> queue;
  };

  ActiveLimitFilter(const Url& url, rpc::MethodTable<int64_t> limits);
  Slots& SlotsOf(std::string_view method);
  void Run(rpc::Invoker& next, Slots& slots, std::shared_ptr<const rpc::Invocation> inv,
           rpc::ResponseCallback done);
  // Frees a slot of `slots`: to the oldest live waiter (returned, to be started) or to the pool.
  std::shared_ptr<Waiter> Release(Slots& slots);
  // Starts waiters that were handed a slot; nested hand-offs on one thread are queued and run by
  // the outermost call, so a burst of inline failures cannot grow the stack.
  void Resume(std::shared_ptr<Waiter> w);
  void StartWaiter(const std::shared_ptr<Waiter>& w);
  void Expire(const std::shared_ptr<Waiter>& w);
  rpc::RpcResult Rejection(const rpc::Invocation& inv, Slots& slots,
                           std::chrono::steady_clock::duration elapsed);

  const std::string address_;
  rpc::MethodStates<Slots> slots_;
  std::mutex timers_mu_;
  std::shared_ptr<rpc::IoThreads> timers_;  // once a call had to wait
};

}  // namespace dubbo::cluster

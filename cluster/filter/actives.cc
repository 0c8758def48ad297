#include "cluster/filter/actives.h"

#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <vector>

#include "rpc/io_threads.h"

namespace dubbo::cluster {

namespace {

using Clock = std::chrono::steady_clock;

// One timer thread for every actives filter of the process, alive while one of them needs it.
std::shared_ptr<rpc::IoThreads> SharedTimers() {
  static std::mutex mu;
  static std::weak_ptr<rpc::IoThreads> weak;
  std::lock_guard<std::mutex> lock(mu);
  auto timers = weak.lock();
  if (!timers) {
    timers = std::make_shared<rpc::IoThreads>(1, "dubbo-actives");
    weak = timers;
  }
  return timers;
}

int64_t Millis(Clock::duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

}  // namespace

struct ActiveLimitFilter::Waiter {
  rpc::Invoker* next = nullptr;
  Slots* slots = nullptr;
  std::shared_ptr<const rpc::Invocation> inv;
  rpc::ResponseCallback done;
  Clock::time_point since;
  std::atomic<bool> settled{false};  // handed a slot or expired: whoever sets it owns the waiter
  std::unique_ptr<asio::steady_timer> timer;
};

Result<std::shared_ptr<Filter>> ActiveLimitFilter::Create(const Url& url) {
  DUBBO_ASSIGN_OR_RETURN(auto limits, rpc::IntMethodTable(url, "actives", 0));
  bool any = limits.fallback() > 0;
  limits.ForEach([&](const std::string&, int64_t v) { any = any || v > 0; });
  if (!any) return std::shared_ptr<Filter>();
  return std::shared_ptr<Filter>(new ActiveLimitFilter(url, std::move(limits)));
}

ActiveLimitFilter::ActiveLimitFilter(const Url& url, rpc::MethodTable<int64_t> limits)
    : address_(url.Address()), slots_(url, std::move(limits)) {}

ActiveLimitFilter::Slots& ActiveLimitFilter::SlotsOf(std::string_view method) {
  return slots_.Of(method);
}

int64_t ActiveLimitFilter::active(std::string_view method) {
  Slots& s = SlotsOf(method);
  std::lock_guard<std::mutex> lock(s.mu);
  return s.active;
}

size_t ActiveLimitFilter::waiting(std::string_view method) {
  Slots& s = SlotsOf(method);
  std::lock_guard<std::mutex> lock(s.mu);
  return s.queue.size();
}

void ActiveLimitFilter::Invoke(rpc::Invoker& next, std::shared_ptr<const rpc::Invocation> inv,
                               rpc::ResponseCallback done) {
  Slots& slots = SlotsOf(inv->method);
  if (slots.max <= 0) return next.Invoke(std::move(inv), std::move(done));
  {
    std::unique_lock<std::mutex> lock(slots.mu);
    if (slots.active < slots.max && slots.queue.empty()) {
      ++slots.active;
      lock.unlock();
      return Run(next, slots, std::move(inv), std::move(done));
    }
    if (inv->settings.timeout.count() <= 0) {
      lock.unlock();
      return done(Rejection(*inv, slots, Clock::duration::zero()));
    }
  }
  std::shared_ptr<rpc::IoThreads> timers;
  {
    std::lock_guard<std::mutex> lock(timers_mu_);
    if (!timers_) timers_ = SharedTimers();
    timers = timers_;
  }
  auto w = std::make_shared<Waiter>();
  w->next = &next;
  w->slots = &slots;
  w->since = Clock::now();
  w->timer = std::make_unique<asio::steady_timer>(timers->Next(), w->since + inv->settings.timeout);
  w->inv = std::move(inv);
  w->done = std::move(done);
  // Armed before the waiter is visible to Release(), which cancels it from another thread.
  w->timer->async_wait([self = shared_from_this(), w](const std::error_code& ec) {
    if (!ec) self->Expire(w);
  });
  std::unique_lock<std::mutex> lock(slots.mu);
  if (slots.active < slots.max && slots.queue.empty()) {
    // A slot freed since the first look: there is no one to wait for.
    if (w->settled.exchange(true)) return;  // expired already (a zero-length wait)
    ++slots.active;
    lock.unlock();
    asio::post(w->timer->get_executor(), [self = shared_from_this(), w] { w->timer->cancel(); });
    return Run(next, slots, std::move(w->inv), std::move(w->done));
  }
  if (w->settled.load()) return;  // expired and answered already
  slots.queue.push_back(std::move(w));
}

void ActiveLimitFilter::Run(rpc::Invoker& next, Slots& slots,
                            std::shared_ptr<const rpc::Invocation> inv,
                            rpc::ResponseCallback done) {
  next.Invoke(std::move(inv),
              [self = shared_from_this(), &slots, done = std::move(done)](rpc::RpcResult r) {
                auto handed = self->Release(slots);
                done(std::move(r));
                if (handed) self->Resume(std::move(handed));
              });
}

std::shared_ptr<ActiveLimitFilter::Waiter> ActiveLimitFilter::Release(Slots& slots) {
  std::lock_guard<std::mutex> lock(slots.mu);
  while (!slots.queue.empty()) {
    auto w = std::move(slots.queue.front());
    slots.queue.pop_front();
    if (!w->settled.exchange(true)) return w;  // the slot passes to it: `active` stays
  }
  --slots.active;
  return nullptr;
}

void ActiveLimitFilter::Resume(std::shared_ptr<Waiter> w) {
  thread_local std::deque<std::pair<std::shared_ptr<ActiveLimitFilter>, std::shared_ptr<Waiter>>>*
      pending = nullptr;
  if (pending != nullptr) {
    pending->emplace_back(shared_from_this(), std::move(w));
    return;
  }
  std::deque<std::pair<std::shared_ptr<ActiveLimitFilter>, std::shared_ptr<Waiter>>> local;
  local.emplace_back(shared_from_this(), std::move(w));
  pending = &local;
  while (!local.empty()) {
    auto [filter, waiter] = std::move(local.front());
    local.pop_front();
    filter->StartWaiter(waiter);
  }
  pending = nullptr;
}

void ActiveLimitFilter::StartWaiter(const std::shared_ptr<Waiter>& w) {
  // The timer has nothing left to do; cancel it on its own thread (timers are not thread-safe).
  // The filter, holding the timer thread, lives until then.
  asio::post(w->timer->get_executor(), [self = shared_from_this(), w] { w->timer->cancel(); });
  Slots& slots = *w->slots;
  const auto waited = Clock::now() - w->since;
  const auto left =
      w->inv->settings.timeout - std::chrono::duration_cast<std::chrono::milliseconds>(waited);
  if (left.count() <= 0) {
    auto handed = Release(slots);
    w->done(Rejection(*w->inv, slots, waited));
    if (handed) Resume(std::move(handed));
    return;
  }
  std::shared_ptr<const rpc::Invocation> inv = std::move(w->inv);
  if (left != inv->settings.timeout) {
    auto copy = std::make_shared<rpc::Invocation>(*inv);
    copy->settings.timeout = left;
    inv = std::move(copy);
  }
  Run(*w->next, slots, std::move(inv), std::move(w->done));
}

void ActiveLimitFilter::Expire(const std::shared_ptr<Waiter>& w) {
  if (w->settled.exchange(true)) return;  // handed a slot meanwhile
  Slots& slots = *w->slots;
  {
    std::lock_guard<std::mutex> lock(slots.mu);
    for (auto it = slots.queue.begin(); it != slots.queue.end(); ++it) {
      if (*it == w) {
        slots.queue.erase(it);
        break;
      }
    }
  }
  w->done(Rejection(*w->inv, slots, Clock::now() - w->since));
}

rpc::RpcResult ActiveLimitFilter::Rejection(const rpc::Invocation& inv, Slots& slots,
                                            Clock::duration elapsed) {
  int64_t active = 0;
  {
    std::lock_guard<std::mutex> lock(slots.mu);
    active = slots.active;
  }
  rpc::RpcResult r;
  r.remote = address_;
  r.status =
      Status(StatusCode::kLimitExceeded,
             "Waiting concurrent invoke timeout in client-side for service:  " + inv.interface +
                 ", method: " + inv.method + ", elapsed: " + std::to_string(Millis(elapsed)) +
                 ", timeout: " + std::to_string(inv.settings.timeout.count()) +
                 ". concurrent invokes: " + std::to_string(active) +
                 ". max concurrent invoke limit: " + std::to_string(slots.max));
  return r;
}

}  // namespace dubbo::cluster

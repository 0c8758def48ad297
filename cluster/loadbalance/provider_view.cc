#include "cluster/loadbalance/provider_view.h"

#include <random>

#include "common/log.h"

namespace dubbo::cluster {

std::string IdentityString(const Url& url) {
  std::string s;
  if (!url.protocol().empty()) s += url.protocol() + "://";
  if (!url.username().empty()) {
    s += url.username();
    if (!url.password().empty()) s += ":" + url.password();
    s += '@';
  }
  if (!url.host().empty()) {
    s += url.host();
    if (url.port() > 0) s += ":" + std::to_string(url.port());
  }
  if (!url.path().empty()) s += "/" + url.path();
  return s;
}

ProviderView::ProviderView(const ProviderList& invokers, std::string_view method, Needs needs) {
  const size_t n = invokers.size();
  owners_.reserve(n);
  specs_.reserve(n);
  final_.reserve(n);
  final_prefix_.reserve(n);
  int64_t total = 0;
  for (const auto& invoker : invokers) {
    owners_.emplace_back(invoker);
    const Url& url = invoker->url();
    Status bad;
    const WeightSpec spec = ReadWeightSpec(url, method, &bad);
    // Once per list, not per call: a provider URL does not change under its invoker.
    if (!bad.ok()) LogWarning() << "load balancing: " << bad.message() << "; using the default";
    specs_.push_back(spec);
    if (!url.GetMethod(method, "weight").empty() || !url.Get("timestamp").empty()) weighted_ = true;
    if (spec.weight > 0 && spec.timestamp > 0) {
      warm_until_ms_ = std::max(warm_until_ms_, spec.timestamp + std::max<int64_t>(spec.warmup, 0));
    }
    const int32_t w = std::max(spec.weight, 0);
    if (!final_.empty() && w != final_.front()) final_equal_ = false;
    final_.push_back(w);
    total += w;
    final_prefix_.push_back(total);
    if (needs.stats) {
      stats_.push_back(&invoker->Stats(method));
    }
    if (needs.identities) identities_.push_back(IdentityString(url));
  }
}

bool ProviderView::Matches(const ProviderList& invokers) const {
  if (invokers.size() != owners_.size()) return false;
  for (size_t i = 0; i < owners_.size(); ++i) {
    // Owner equality: the control blocks, which our weak_ptrs keep from being reused.
    if (owners_[i].owner_before(invokers[i]) || invokers[i].owner_before(owners_[i])) return false;
  }
  return true;
}

std::shared_ptr<const ProviderView> ViewCache::Get(const ProviderList& invokers,
                                                   std::string_view method) {
  Recent& recent = methods_.Get(method);
  auto first = recent.views[0].load(std::memory_order_acquire);
  if (first && first->Matches(invokers)) return first;
  if (auto second = recent.views[1].load(std::memory_order_acquire);
      second && second->Matches(invokers)) {
    return second;
  }
  auto view = std::make_shared<const ProviderView>(invokers, method, needs_);
  recent.views[1].store(std::move(first), std::memory_order_release);
  recent.views[0].store(view, std::memory_order_release);
  return view;
}

uint64_t RandomBelow(uint64_t n) {
  thread_local std::mt19937_64 rng(std::random_device{}());
  return std::uniform_int_distribution<uint64_t>(0, n - 1)(rng);
}

}  // namespace dubbo::cluster

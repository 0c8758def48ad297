// ProviderView: what the balancers need to know about one invoker list for one method — each
// provider's weight settings and final weight, its call statistics, its identity — read from the
// URLs once per list instead of on every call (a URL lookup parses text; 1,000 providers would
// cost hundreds of microseconds per pick). Provider URLs never change under an invoker, so a view
// stays right for as long as the directory hands out the same list.
//
// ViewCache keeps the views of the two lists a balancer saw last for each method (the directory's
// list and, after a failure, the strategy's reselect candidates) and builds a new one when the
// list differs. Invokers are compared by identity (owner), so a view never keeps a removed
// provider alive and cannot mistake a new invoker for an old one at the same address.
//
// Views are immutable and shared. ViewCache is thread-safe; a hit takes no lock.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/directory.h"
#include "cluster/loadbalance/load_balance.h"
#include "cluster/loadbalance/per_method.h"
#include "cluster/provider_invoker.h"

namespace dubbo::cluster {

class ProviderView {
 public:
  struct Needs {
    bool stats = false;       // MethodStats of ProviderInvokers (leastactive, shortestresponse)
    bool identities = false;  // URL identity strings (roundrobin)
  };

  ProviderView(const ProviderList& invokers, std::string_view method, Needs needs);

  // True when `invokers` holds exactly the invokers this view was built from, in order.
  bool Matches(const ProviderList& invokers) const;
  size_t size() const { return owners_.size(); }

  // Dubbo's needWeightLoadBalance: some provider has an explicit weight or a timestamp.
  bool weighted() const { return weighted_; }
  // True while some weight still ramps up (or a timestamp lies in the future).
  bool warming(int64_t now_ms) const { return now_ms < warm_until_ms_; }
  int32_t WeightAt(size_t i, int64_t now_ms) const {
    return warming(now_ms) ? WarmupWeight(specs_[i], now_ms) : final_[i];
  }
  // Prefix sums of the weights after warm-up, and whether they are all equal.
  const std::vector<int64_t>& final_prefix() const { return final_prefix_; }
  bool final_equal() const { return final_equal_; }

  // Null without Needs::stats.
  MethodStats* stats(size_t i) const { return stats_.empty() ? nullptr : stats_[i]; }
  // Java's URL.toIdentityString(): protocol://[user[:password]@]host[:port][/path].
  const std::string& identity(size_t i) const { return identities_[i]; }

 private:
  std::vector<std::weak_ptr<ProviderInvoker>> owners_;
  std::vector<WeightSpec> specs_;
  std::vector<int32_t> final_;
  std::vector<int64_t> final_prefix_;
  bool final_equal_ = true;
  bool weighted_ = false;
  int64_t warm_until_ms_ = INT64_MIN;
  std::vector<MethodStats*> stats_;
  std::vector<std::string> identities_;
};

// Java's URL.toIdentityString().
std::string IdentityString(const Url& url);

class ViewCache {
 public:
  explicit ViewCache(ProviderView::Needs needs = {}) : needs_(needs) {}
  // The view of `invokers` for `method`, built when neither recent view matches.
  std::shared_ptr<const ProviderView> Get(const ProviderList& invokers, std::string_view method);

 private:
  struct Recent {
    std::atomic<std::shared_ptr<const ProviderView>> views[2];
  };
  ProviderView::Needs needs_;
  PerMethod<Recent> methods_;
};

// A uniform random integer in [0, n), n > 0, from a per-thread generator.
uint64_t RandomBelow(uint64_t n);

}  // namespace dubbo::cluster

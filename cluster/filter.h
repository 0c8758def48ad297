// Filter: Dubbo's consumer-side Filter. A filter sees a call on its way to one provider (the
// chain inside a ProviderInvoker) or to the whole cluster (cluster filters wrap the
// ClusterInvoker), and either passes it on to `next` — possibly with a changed copy of the
// invocation — or answers `done` itself (mock, limits). It must call `done` exactly once.
//
// Filters are created by name from the consumer/provider URL (Filters(); built-ins registered by
// RegisterBuiltins); a factory returns a null filter when its setting is absent. Thread-safe.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/extension.h"
#include "common/url.h"
#include "rpc/invoker.h"

namespace dubbo::cluster {

class Filter {
 public:
  virtual ~Filter() = default;
  virtual void Invoke(rpc::Invoker& next, std::shared_ptr<const rpc::Invocation> inv,
                      rpc::ResponseCallback done) = 0;
};

// Factories get the URL of what they wrap: the merged provider URL for provider filters, the
// consumer URL for cluster filters.
using FilterRegistry = ExtensionRegistry<Filter, const Url&>;
FilterRegistry& Filters();

// An invoker that runs `filter` in front of `next`.
class FilterInvoker final : public rpc::Invoker {
 public:
  FilterInvoker(std::shared_ptr<Filter> filter, std::shared_ptr<rpc::Invoker> next)
      : filter_(std::move(filter)), next_(std::move(next)) {}
  void Invoke(std::shared_ptr<const rpc::Invocation> inv, rpc::ResponseCallback done) override {
    filter_->Invoke(*next_, std::move(inv), std::move(done));
  }
  const Url& url() const override { return next_->url(); }
  bool IsAvailable() const override { return next_->IsAvailable(); }

 private:
  std::shared_ptr<Filter> filter_;
  std::shared_ptr<rpc::Invoker> next_;
};

// Wraps `invoker` in the filters `names` lists (in order: the first runs first), then the URL's
// `key` list ("reference.filter" style: comma names, "-name" removes, "-default" drops `names`).
Result<std::shared_ptr<rpc::Invoker>> WrapWithFilters(std::shared_ptr<rpc::Invoker> invoker,
                                                      const std::vector<std::string>& names,
                                                      const Url& url, std::string_view key);

}  // namespace dubbo::cluster

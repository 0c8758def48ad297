// ProviderFilter: Dubbo's provider-side Filter, around every call of one exported instance.
// Before() runs once the arguments and attachments are read and the instance is resolved, before
// the method: a non-OK Status answers the call with it and the method never runs (token,
// executes, tps reject this way). After() runs once the call is answered — possibly seconds
// later on another thread, for asynchronous methods — and only for calls Before() let through.
//
// Filters are built per export from the provider URL by name (ProviderFilters(); the built-ins
// are registered once by dubbo::RegisterBuiltins), run in order, and must be thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/extension.h"
#include "common/url.h"
#include "rpc/message.h"

namespace dubbo::rpc {

// How an answered call ended.
struct CallOutcome {
  enum class Kind : uint8_t { kValue, kNull, kException, kError };
  Kind kind = Kind::kValue;
  StatusCode status = StatusCode::kOk;  // for kError
  std::chrono::steady_clock::duration elapsed{};
};

class ProviderFilter {
 public:
  virtual ~ProviderFilter() = default;
  virtual Status Before(const RequestInfo& request) = 0;
  virtual void After(const RequestInfo& request, const CallOutcome& outcome) {
    (void)request;
    (void)outcome;
  }
};

using ProviderFilterChain = std::vector<std::shared_ptr<ProviderFilter>>;

// Factories get the provider URL; one that is not configured there (no `executes`, no `token`)
// returns a null filter and is left out of the chain.
using ProviderFilterRegistry = ExtensionRegistry<ProviderFilter, const Url&>;
ProviderFilterRegistry& ProviderFilters();
// The built-in provider filters (rpc/filter/builtins.cc): token, tps, executes, timeout, accesslog.
void RegisterBuiltinProviderFilters();

// The chain for a provider URL: the built-in names in Dubbo's order, then the URL's
// `service.filter` list (comma-separated names; "-name" removes one, "-default" all built-ins).
// Unknown names are an error.
Result<std::shared_ptr<const ProviderFilterChain>> BuildProviderFilters(const Url& provider);

// The built-in names, in order: what "default" expands to.
const std::vector<std::string>& DefaultProviderFilterNames();

}  // namespace dubbo::rpc

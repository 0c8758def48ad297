// MethodTable<T>: a filter's per-method settings, Dubbo's "<method>.<key>" over "<key>", parsed
// once when the filter is created so that a call only looks its method up (no URL parsing on the
// call path). Shared by the built-in filters; user filters may use it too.
//
// Immutable after construction; thread-safe.
#pragma once

#include <algorithm>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/result.h"
#include "common/url.h"

namespace dubbo::rpc {

template <typename T>
class MethodTable {
 public:
  MethodTable() = default;
  explicit MethodTable(T fallback) : fallback_(std::move(fallback)) {}

  // The setting of `method`: its own when it has one, else the service-wide one.
  const T& Get(std::string_view method) const {
    if (per_method_.empty()) return fallback_;
    const auto it = per_method_.find(method);
    return it == per_method_.end() ? fallback_ : it->second;
  }
  const T& fallback() const { return fallback_; }
  void SetFallback(T value) { fallback_ = std::move(value); }
  void Set(std::string method, T value) {
    per_method_.insert_or_assign(std::move(method), std::move(value));
  }
  // Every method with its own setting.
  template <typename F>
  void ForEach(F f) const {
    for (const auto& [m, v] : per_method_) f(m, v);
  }

 private:
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  T fallback_{};
  std::unordered_map<std::string, T, StringHash, std::equal_to<>> per_method_;
};

// A limit filter's mutable state per method: one T per method, made from that method's limit.
// The URL's `methods` get theirs up front and are looked up without a lock; other methods
// ($echo, $invoke) on first use, under a mutex. Entries live as long as this object.
//
// Thread-safe.
template <typename T>
class MethodStates {
 public:
  MethodStates(const Url& url, MethodTable<int64_t> limits) : limits_(std::move(limits)) {
    const std::string methods = url.Get("methods");
    size_t start = 0;
    while (start < methods.size()) {
      const size_t comma = std::min(methods.find(',', start), methods.size());
      std::string m = methods.substr(start, comma - start);
      start = comma + 1;
      if (!m.empty() && !listed_.count(m)) {
        const int64_t limit = limits_.Get(m);
        listed_.emplace(std::move(m), std::make_unique<T>(limit));
      }
    }
  }

  T& Of(std::string_view method) {
    if (auto it = listed_.find(method); it != listed_.end()) return *it->second;
    std::lock_guard<std::mutex> lock(others_mu_);
    auto it = others_.find(method);
    if (it == others_.end())
      it = others_.emplace(std::string(method), std::make_unique<T>(limits_.Get(method))).first;
    return *it->second;
  }

 private:
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Map = std::unordered_map<std::string, std::unique_ptr<T>, StringHash, std::equal_to<>>;
  const MethodTable<int64_t> limits_;
  Map listed_;
  std::mutex others_mu_;
  Map others_;
};

// The "<method>.<key>" parameters of `url` as (method, value) pairs, values non-empty. When the
// URL lists its `methods` (provider URLs do), only those count, so that "connect.timeout" is not
// taken for a method named "connect".
std::vector<std::pair<std::string, std::string>> MethodParameters(const Url& url,
                                                                  std::string_view key);

// `value` as an integer; kInvalidArgument "parameter <name>=<value> is not an integer ..." else.
Result<int64_t> ParseIntParameter(std::string_view name, std::string_view value);

// An integer setting per method: "<key>" (absent: `fallback`) and every "<method>.<key>",
// each parsed once; errors name the parameter.
Result<MethodTable<int64_t>> IntMethodTable(const Url& url, std::string_view key, int64_t fallback);

}  // namespace dubbo::rpc

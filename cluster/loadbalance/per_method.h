// PerMethod<T>: one T per method name, for state kept per method on the call path: balancer state
// (Dubbo keys it by "serviceKey.method"; a balancer here serves one reference, so the method is
// enough) and a provider's call statistics. A T is
// created on first use and lives as long as the table, so references to it stay valid.
//
// Thread-safe. Lookups take no lock: they read an immutable index, which adding a method replaces
// (under a mutex; the old indexes are kept until the table dies, a few per service).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace dubbo::cluster {

template <typename T>
class PerMethod {
 public:
  PerMethod() = default;
  PerMethod(const PerMethod&) = delete;
  PerMethod& operator=(const PerMethod&) = delete;

  T& Get(std::string_view method) {
    if (const Index* index = index_.load(std::memory_order_acquire)) {
      if (auto it = index->find(method); it != index->end()) return *it->second;
    }
    return Add(method);
  }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Index = std::unordered_map<std::string, T*, Hash, std::equal_to<>>;

  T& Add(std::string_view method) {
    std::lock_guard<std::mutex> lock(mu_);
    const Index* old = index_.load(std::memory_order_relaxed);
    if (old != nullptr) {
      if (auto it = old->find(method); it != old->end()) return *it->second;
    }
    auto next = old != nullptr ? std::make_unique<Index>(*old) : std::make_unique<Index>();
    T* value = values_.emplace_back(std::make_unique<T>()).get();
    next->emplace(std::string(method), value);
    index_.store(next.get(), std::memory_order_release);
    indexes_.push_back(std::move(next));
    return *value;
  }

  std::atomic<const Index*> index_{nullptr};
  std::mutex mu_;
  std::vector<std::unique_ptr<Index>> indexes_;
  std::vector<std::unique_ptr<T>> values_;
};

}  // namespace dubbo::cluster

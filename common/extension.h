// ExtensionRegistry<T, Args...>: plugins of one kind (registries by URL scheme, load balancers,
// cluster strategies, filters) found by Dubbo's name. Factories are registered explicitly — the
// built-ins once per process by dubbo::RegisterBuiltins() (app/builtins.h) — never by static
// initialisers, which static libraries drop and whose order is unspecified. A name is taken by
// whoever registers it first: a user's plugin registered before or after the built-ins keeps its
// name unless someone asks to replace it.
//
// Thread-safe: registration and lookup may happen concurrently (lookups are not on a per-call
// path; plugins are created when a service is referred or exported).
#pragma once

#include <algorithm>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace dubbo {

// Whether Register may replace a factory already registered under the same name.
enum class Replace { kNo, kYes };

template <typename T, typename... Args>
class ExtensionRegistry {
 public:
  using Factory = std::function<Result<std::shared_ptr<T>>(Args...)>;

  // `kind` names the plugin kind in error messages ("load balancer", "registry").
  explicit ExtensionRegistry(std::string kind) : kind_(std::move(kind)) {}

  // Adds the factory for `name`. kAlreadyExists when the name is taken, unless `replace` says so.
  Status Register(std::string name, Factory factory, Replace replace = Replace::kNo) {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [n, f] : factories_) {
      if (n == name) {
        if (replace == Replace::kNo) {
          return Status(StatusCode::kAlreadyExists,
                        kind_ + " \"" + name + "\" is already registered");
        }
        f = std::move(factory);
        return Status::Ok();
      }
    }
    factories_.emplace_back(std::move(name), std::move(factory));
    return Status::Ok();
  }

  // Adds a built-in factory unless `name` is taken: a user's plugin registered before the built-ins
  // keeps its name.
  void RegisterBuiltin(std::string name, Factory factory) {
    (void)Register(std::move(name), std::move(factory), Replace::kNo);
  }

  bool Contains(std::string_view name) const {
    std::lock_guard<std::mutex> lock(mu_);
    return Find(name) != nullptr;
  }

  // A new plugin; kInvalidArgument naming the unknown name and the known ones.
  Result<std::shared_ptr<T>> Create(std::string_view name, Args... args) const {
    Factory factory;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (const Factory* f = Find(name)) factory = *f;
    }
    if (!factory) {
      return Status(StatusCode::kInvalidArgument,
                    "unknown " + kind_ + " \"" + std::string(name) + "\" (known: " + Known() + ")");
    }
    return factory(std::forward<Args>(args)...);
  }

  std::vector<std::string> Names() const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> names;
    for (const auto& [n, f] : factories_) names.push_back(n);
    std::sort(names.begin(), names.end());
    return names;
  }

 private:
  const Factory* Find(std::string_view name) const {
    for (const auto& [n, f] : factories_)
      if (n == name) return &f;
    return nullptr;
  }
  std::string Known() const {
    std::string s;
    for (const auto& n : Names()) s += (s.empty() ? "" : ", ") + n;
    return s;
  }

  std::string kind_;
  mutable std::mutex mu_;
  std::vector<std::pair<std::string, Factory>> factories_;
};

}  // namespace dubbo

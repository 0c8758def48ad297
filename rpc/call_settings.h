// CallSettings: what one call is made with. Every setting is decided exactly once:
//   - per reference, from its URL and the IDL (ReferenceSettings, below): version, group,
//     timeout, retries, idempotent. The stub resolves them as it builds the Invocation, which
//     carries them down the path (Invocation::settings), so the cluster strategies and the
//     exchange read them instead of looking the URL up again;
//   - per provider, from the provider's merged URL (ProviderSettings, rpc/channel_invoker.h):
//     its positive timeout, token and serialization, applied as the frame is encoded.
// docs/architecture.md ("Where each setting is decided") has the table. Code that builds an
// Invocation by hand (generic calls: dubboctl invoke, QoS invoke) starts from
// ReferenceSettings(reference.url()).For(method), as the stub does, or the reference's `retries`
// and `idempotent` do not apply.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "common/url.h"
#include "rpc/method_table.h"

namespace dubbo::rpc {

struct CallSettings {
  std::string version;  // "" when unversioned (sent as "0.0.0", as Java does)
  std::string group;    // sent as the `group` attachment
  std::chrono::milliseconds timeout{1000};
  // nullopt: the cluster strategy's default (failover 2, failback 3). Dubbo reads a negative count
  // as "no retry".
  std::optional<int32_t> retries;
  // Whether calling the method again after the request may have reached a provider does no harm.
  bool idempotent = false;
};

// What the IDL declares for a method (rpc/stub.h MethodInfo carries the same).
struct MethodDefaults {
  int64_t timeout_ms = 0;   // @timeout; 0: none (1000 ms)
  int32_t retries = -1;     // @retries; -1: none
  bool idempotent = false;  // @idempotent
};

// A reference's settings read from its URL in one pass: `timeout`, `retries`, `idempotent` and
// their `<method>.` forms, each method's own value over the service-wide one over the IDL's.
// Immutable; thread-safe.
class ReferenceSettings {
 public:
  ReferenceSettings() = default;
  // A value that does not parse counts as absent (a malformed `<method>.timeout` gives the IDL's
  // timeout, not `timeout`); error() names the first malformed `retries` or `idempotent`.
  ReferenceSettings(const Url& reference, std::string version, std::string group);
  explicit ReferenceSettings(const Url& reference) : ReferenceSettings(reference, {}, {}) {}

  // The settings of one call of `method`.
  CallSettings For(std::string_view method, const MethodDefaults& defaults = {}) const;

  // OK, or a kInvalidArgument "parameter <key>=<value> is not ... in <url>" for the first
  // malformed `retries` / `idempotent` (a cluster refuses such a reference).
  const Status& error() const { return error_; }

 private:
  // nullopt inside a present entry: the value was malformed.
  template <typename T>
  struct Setting {
    bool present = false;
    std::optional<T> value;
  };
  std::string version_;
  std::string group_;
  MethodTable<Setting<int64_t>> timeout_;
  MethodTable<Setting<int32_t>> retries_;
  MethodTable<Setting<bool>> idempotent_;
  Status error_;
};

}  // namespace dubbo::rpc

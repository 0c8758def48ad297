#include "rpc/call_settings.h"

#include <cstdint>

namespace dubbo::rpc {

ReferenceSettings::ReferenceSettings(const Url& reference, std::string version, std::string group)
    : version_(std::move(version)), group_(std::move(group)) {
  auto note = [&](const Status& s) {
    if (error_.ok()) error_ = s;
  };
  for (const auto& [key, value] : reference.parameters()) {
    if (value.empty()) continue;  // an empty value is no value
    const size_t dot = key.rfind('.');
    const std::string_view field =
        dot == std::string::npos ? std::string_view(key) : std::string_view(key).substr(dot + 1);
    const std::string method = dot == std::string::npos ? std::string() : key.substr(0, dot);
    auto store = [&](auto& table, auto setting) {
      if (method.empty()) {
        table.SetFallback(setting);
      } else {
        table.Set(method, setting);
      }
    };
    if (field == "timeout") {
      const Result<int64_t> ms = reference.GetInt(key, 0);
      store(timeout_, Setting<int64_t>{true, ms.ok() ? std::optional<int64_t>(*ms) : std::nullopt});
    } else if (field == "retries") {
      Result<int64_t> n = reference.GetInt(key, 0);
      if (n.ok() && (*n > INT32_MAX || *n < INT32_MIN)) {
        n = Status(StatusCode::kInvalidArgument, "parameter " + key + "=" + value +
                                                     " is not a 32-bit integer in " +
                                                     reference.ToString());
      }
      if (!n.ok()) note(n.status());
      store(retries_,
            Setting<int32_t>{
                true, n.ok() ? std::optional<int32_t>(static_cast<int32_t>(*n)) : std::nullopt});
    } else if (field == "idempotent") {
      const Result<bool> on = reference.GetBool(key, false);
      if (!on.ok()) note(on.status());
      store(idempotent_, Setting<bool>{true, on.ok() ? std::optional<bool>(*on) : std::nullopt});
    }
  }
}

CallSettings ReferenceSettings::For(std::string_view method, const MethodDefaults& defaults) const {
  CallSettings s;
  s.version = version_;
  s.group = group_;
  // A method's own malformed timeout gives the IDL's, not the service-wide one.
  const int64_t idl_timeout = defaults.timeout_ms > 0 ? defaults.timeout_ms : 1000;
  const Setting<int64_t>& timeout = timeout_.Get(method);
  s.timeout = std::chrono::milliseconds(timeout.present ? timeout.value.value_or(idl_timeout)
                                                        : idl_timeout);
  const Setting<int32_t>& retries = retries_.Get(method);
  if (retries.value) {
    s.retries = retries.value;
  } else if (defaults.retries >= 0) {
    s.retries = defaults.retries;
  }
  const Setting<bool>& idempotent = idempotent_.Get(method);
  s.idempotent = idempotent.value.value_or(defaults.idempotent);
  return s;
}

}  // namespace dubbo::rpc

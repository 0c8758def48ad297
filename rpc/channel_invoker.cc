#include "rpc/channel_invoker.h"

namespace dubbo::rpc {

Result<std::shared_ptr<ChannelInvoker>> ChannelInvoker::Create(Url url, Client& client) {
  DUBBO_ASSIGN_OR_RETURN(const Serialization* s,
                         SerializationRegistry::Global().Get(url.Get("serialization", "hessian2")));
  Timeouts timeouts;
  constexpr std::string_view kSuffix = ".timeout";
  for (const auto& [key, value] : url.parameters()) {
    const bool all = key == "timeout";
    if (!all && !(key.size() > kSuffix.size() && key.ends_with(kSuffix))) continue;
    DUBBO_ASSIGN_OR_RETURN(const int64_t ms, url.GetInt(key, 0));
    if (ms <= 0) continue;  // Java's getMethodPositiveParameter: not a timeout
    if (all) {
      timeouts.SetFallback(std::chrono::milliseconds(ms));
    } else {
      timeouts.Set(key.substr(0, key.size() - kSuffix.size()), std::chrono::milliseconds(ms));
    }
  }
  DUBBO_ASSIGN_OR_RETURN(auto channel, client.GetChannel(url.Address()));
  return std::shared_ptr<ChannelInvoker>(
      new ChannelInvoker(std::move(url), std::move(channel), s, std::move(timeouts)));
}

void ChannelInvoker::Invoke(std::shared_ptr<const Invocation> inv, ResponseCallback done) {
  // As in Java, the reference decides version and group (its URL), and the provider's registry
  // URL carries the token its TokenFilter checks; all are applied as the frame is encoded.
  CallOverrides overrides;
  overrides.version = version_;
  overrides.group = group_;
  overrides.token = token_;
  overrides.timeout = timeouts_.Get(inv->method);
  channel_->Call(*inv, *serialization_, std::move(done), overrides);
}

}  // namespace dubbo::rpc

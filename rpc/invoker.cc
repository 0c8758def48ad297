#include "rpc/invoker.h"

namespace dubbo::rpc {

Result<std::shared_ptr<ChannelInvoker>> ChannelInvoker::Create(Url url, Client& client) {
  DUBBO_ASSIGN_OR_RETURN(const Serialization* s,
                         SerializationRegistry::Global().Get(url.Get("serialization", "hessian2")));
  DUBBO_ASSIGN_OR_RETURN(auto channel, client.GetChannel(url.Address()));
  return std::shared_ptr<ChannelInvoker>(new ChannelInvoker(std::move(url), std::move(channel), s));
}

void ChannelInvoker::Invoke(std::shared_ptr<const Invocation> inv, ResponseCallback done) {
  // As in Java, the reference decides version and group (its URL), and the provider's registry
  // URL carries the token its TokenFilter checks.
  const std::string version = inv->version.empty() ? url_.Get("version") : std::string();
  const std::string group = inv->group.empty() ? url_.Get("group") : std::string();
  const std::string token = url_.Get("token");
  if (version.empty() && group.empty() && token.empty()) {
    channel_->Call(*inv, *serialization_, std::move(done));
    return;
  }
  Invocation copy = *inv;
  if (!version.empty()) copy.version = version;
  if (!group.empty()) copy.group = group;
  if (!token.empty()) copy.attachments.Set("token", token);
  channel_->Call(copy, *serialization_, std::move(done));
}

}  // namespace dubbo::rpc

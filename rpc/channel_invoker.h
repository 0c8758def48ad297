// ChannelInvoker: the last stage of the consumer path (rpc/invoker.h), the invoker of one
// provider over a shared Channel. Thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/url.h"
#include "rpc/client.h"
#include "rpc/invoker.h"
#include "rpc/method_table.h"

namespace dubbo::rpc {

// The invoker of one provider over a shared Channel. Encodes with the serialization the URL names
// (`serialization`, default hessian2), takes version and group from the URL when the invocation
// leaves them empty, and adds the provider's `token` when it has one. The URL's positive
// `<method>.timeout` or `timeout` replaces the invocation's, as Java's DubboInvoker reads it from
// the invoker's URL: a registry directory's URL is the consumer's settings merged over the
// provider's with override:// configurators over both, so a provider's or an operator's timeout
// takes effect on calls; the stub's value (the reference's, else the IDL's, else 1000 ms) is the
// fallback.
class ChannelInvoker final : public Invoker {
 public:
  // Fails when the URL names an unknown serialization, a bad address or a timeout that is not
  // an integer.
  static Result<std::shared_ptr<ChannelInvoker>> Create(Url url, Client& client);

  void Invoke(std::shared_ptr<const Invocation> inv, ResponseCallback done) override;
  const Url& url() const override { return url_; }
  bool IsAvailable() const override { return channel_->IsAvailable(); }
  const std::shared_ptr<Channel>& channel() const { return channel_; }

 private:
  // The URL's positive `timeout` and `<method>.timeout`s, read once (0 = none).
  using Timeouts = MethodTable<std::chrono::milliseconds>;

  ChannelInvoker(Url url, std::shared_ptr<Channel> channel, const Serialization* s,
                 Timeouts timeouts)
      : url_(std::move(url)),
        channel_(std::move(channel)),
        serialization_(s),
        timeouts_(std::move(timeouts)),
        version_(url_.Get("version")),
        group_(url_.Get("group")),
        token_(url_.Get("token")) {}

  Url url_;
  std::shared_ptr<Channel> channel_;
  const Serialization* serialization_;
  Timeouts timeouts_;
  // Read from url_ once: every call applies them (CallOverrides).
  const std::string version_;
  const std::string group_;
  const std::string token_;
};

}  // namespace dubbo::rpc

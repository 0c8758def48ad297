// Invoker: the one interface of the consumer path. A consumer call travels
//   stub -> cluster strategy -> directory -> load balancer -> filters -> exchange
// and every stage is an Invoker wrapping the next: the stub holds the cluster's invoker, the
// cluster picks among provider invokers, a provider invoker is a filter chain ending in a
// ChannelInvoker, which encodes the call and sends it over the provider's Channel.
//
// An Invocation is immutable once the stub built it (shared_ptr<const>): a stage that needs other
// attachments makes a copy, so concurrent attempts (forking, broadcast) never race.
// Invoke() delivers exactly one RpcResult to `done`, on an I/O thread or inline; implementations
// are thread-safe.
#pragma once

#include <memory>

#include "common/url.h"
#include "rpc/client.h"
#include "rpc/message.h"

namespace dubbo::rpc {

class Invoker {
 public:
  virtual ~Invoker() = default;
  virtual void Invoke(std::shared_ptr<const Invocation> inv, ResponseCallback done) = 0;
  // The provider's URL (provider invokers: consumer parameters merged over it), or the consumer
  // URL of a cluster.
  virtual const Url& url() const = 0;
  // False when calls could not currently reach the provider (disconnected, read-only).
  virtual bool IsAvailable() const = 0;
};

// The invoker of one provider over a shared Channel. Encodes with the serialization the URL names
// (`serialization`, default hessian2), takes version and group from the URL when the invocation
// leaves them empty, and adds the provider's `token` when it has one.
class ChannelInvoker final : public Invoker {
 public:
  // Fails when the URL names an unknown serialization or a bad address.
  static Result<std::shared_ptr<ChannelInvoker>> Create(Url url, Client& client);

  void Invoke(std::shared_ptr<const Invocation> inv, ResponseCallback done) override;
  const Url& url() const override { return url_; }
  bool IsAvailable() const override { return channel_->IsAvailable(); }
  const std::shared_ptr<Channel>& channel() const { return channel_; }

 private:
  ChannelInvoker(Url url, std::shared_ptr<Channel> channel, const Serialization* s)
      : url_(std::move(url)), channel_(std::move(channel)), serialization_(s) {}

  Url url_;
  std::shared_ptr<Channel> channel_;
  const Serialization* serialization_;
};

}  // namespace dubbo::rpc

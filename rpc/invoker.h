// Invoker: the one interface of the consumer path. A consumer call travels
//   stub -> cluster strategy -> directory -> load balancer -> filters -> exchange
// and every stage is an Invoker wrapping the next: the stub holds the cluster's invoker, the
// cluster picks among provider invokers, a provider invoker is a filter chain ending in a
// ChannelInvoker (rpc/channel_invoker.h), which encodes the call and sends it over the
// provider's Channel.
//
// An Invocation is immutable once the stub built it (shared_ptr<const>): a stage that needs other
// attachments makes a copy, so concurrent attempts (forking, broadcast) never race.
// Invoke() delivers exactly one RpcResult to `done`, on an I/O thread or inline; implementations
// are thread-safe. This header is free of the transport: balancers, strategies and filters
// compile against it alone.
#pragma once

#include <memory>
#include <vector>

#include "common/url.h"
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

// The providers a cluster chooses among: an immutable snapshot shared by readers.
using InvokerList = std::vector<std::shared_ptr<Invoker>>;

}  // namespace dubbo::rpc

// "random" (Dubbo's default): weighted random by Weight(); uniform when no provider URL carries a
// `weight` or `timestamp`, or when every weight is equal.
#pragma once

#include "cluster/loadbalance/load_balance.h"

namespace dubbo::cluster {

class RandomLoadBalance final : public LoadBalance {
 public:
  std::shared_ptr<rpc::Invoker> Select(const InvokerList& invokers, const Url& consumer,
                                       const rpc::Invocation& inv) override;
};

}  // namespace dubbo::cluster

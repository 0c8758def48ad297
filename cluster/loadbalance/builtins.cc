#include "cluster/cluster_invoker.h"
#include "cluster/loadbalance/random.h"

namespace dubbo::cluster {

void RegisterBuiltinLoadBalances() {
  LoadBalances().Register("random", []() -> Result<std::shared_ptr<LoadBalance>> {
    return std::shared_ptr<LoadBalance>(std::make_shared<RandomLoadBalance>());
  });
}

}  // namespace dubbo::cluster

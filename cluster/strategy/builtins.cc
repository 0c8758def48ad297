#include "cluster/cluster_invoker.h"
#include "cluster/strategy/failover.h"

namespace dubbo::cluster {

void RegisterBuiltinStrategies() {
  Clusters().Register("failover", [](std::shared_ptr<Directory> d, std::shared_ptr<LoadBalance> lb)
                                      -> Result<std::shared_ptr<ClusterInvoker>> {
    return std::shared_ptr<ClusterInvoker>(std::make_shared<FailoverCluster>(std::move(d), std::move(lb)));
  });
}

}  // namespace dubbo::cluster

#include "cluster/cluster_invoker.h"
#include "cluster/strategy/available.h"
#include "cluster/strategy/broadcast.h"
#include "cluster/strategy/failback.h"
#include "cluster/strategy/failfast.h"
#include "cluster/strategy/failover.h"
#include "cluster/strategy/failsafe.h"
#include "cluster/strategy/forking.h"

namespace dubbo::cluster {

void RegisterBuiltinStrategies() {
  Clusters().RegisterBuiltin("failover", MakeCluster<FailoverCluster>);
  Clusters().RegisterBuiltin("failfast", MakeCluster<FailfastCluster>);
  Clusters().RegisterBuiltin("failsafe", MakeCluster<FailsafeCluster>);
  Clusters().RegisterBuiltin("failback", MakeCluster<FailbackCluster>);
  Clusters().RegisterBuiltin("forking", MakeCluster<ForkingCluster>);
  Clusters().RegisterBuiltin("broadcast", MakeCluster<BroadcastCluster>);
  Clusters().RegisterBuiltin("available", MakeCluster<AvailableCluster>);
}

}  // namespace dubbo::cluster

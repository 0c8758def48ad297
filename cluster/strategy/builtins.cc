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
  Clusters().Register("failover", MakeCluster<FailoverCluster>);
  Clusters().Register("failfast", MakeCluster<FailfastCluster>);
  Clusters().Register("failsafe", MakeCluster<FailsafeCluster>);
  Clusters().Register("failback", MakeCluster<FailbackCluster>);
  Clusters().Register("forking", MakeCluster<ForkingCluster>);
  Clusters().Register("broadcast", MakeCluster<BroadcastCluster>);
  Clusters().Register("available", MakeCluster<AvailableCluster>);
}

}  // namespace dubbo::cluster

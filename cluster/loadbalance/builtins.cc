#include "cluster/cluster_invoker.h"
#include "cluster/loadbalance/consistent_hash.h"
#include "cluster/loadbalance/least_active.h"
#include "cluster/loadbalance/random.h"
#include "cluster/loadbalance/round_robin.h"
#include "cluster/loadbalance/shortest_response.h"

namespace dubbo::cluster {

namespace {
template <typename T>
void Add(const char* name) {
  LoadBalances().RegisterBuiltin(name, []() -> Result<std::shared_ptr<LoadBalance>> {
    return std::shared_ptr<LoadBalance>(std::make_shared<T>());
  });
}
}  // namespace

void RegisterBuiltinLoadBalances() {
  Add<RandomLoadBalance>("random");
  Add<RoundRobinLoadBalance>("roundrobin");
  Add<LeastActiveLoadBalance>("leastactive");
  Add<ShortestResponseLoadBalance>("shortestresponse");
  Add<ConsistentHashLoadBalance>("consistenthash");
}

}  // namespace dubbo::cluster

#include "cluster/cluster_invoker.h"

namespace dubbo::cluster {

// Consumer filters (Filters()) and provider filters (rpc::ProviderFilters()).
void RegisterBuiltinFilters() {}

}  // namespace dubbo::cluster

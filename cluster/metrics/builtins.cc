#include "cluster/cluster_invoker.h"

namespace dubbo::cluster {

// The "metrics" consumer and provider filters.
void RegisterMetrics() {}

}  // namespace dubbo::cluster

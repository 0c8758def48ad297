#include "cluster/directory.h"

#include "cluster/provider_invoker.h"
#include "common/log.h"

namespace dubbo::cluster {

void Directory::InitOutliers(const Url& consumer_url) {
  int64_t percent = consumer_url.GetInt("outlier.max.ejection.percent", 50).value_or(50);
  if (percent < 0 || percent > 100) percent = 50;
  outliers_ = std::make_shared<OutlierGroup>(static_cast<int32_t>(percent));
}

void Directory::Adopt(const ProviderList& invokers, const ProviderList& gone) {
  if (!outliers_) return;
  for (const auto& i : gone) i->LeaveGroup();
  for (const auto& i : invokers) i->JoinGroup(outliers_);
  outliers_->members.store(static_cast<int32_t>(invokers.size()), std::memory_order_relaxed);
}

}  // namespace dubbo::cluster

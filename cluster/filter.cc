#include "cluster/filter.h"

#include "common/name_list.h"

namespace dubbo::cluster {

FilterRegistry& Filters() {
  static FilterRegistry registry("filter");
  return registry;
}

Result<std::shared_ptr<rpc::Invoker>> WrapWithFilters(std::shared_ptr<rpc::Invoker> invoker,
                                                      const std::vector<std::string>& names,
                                                      const Url& url, std::string_view key) {
  std::vector<std::string> defaults;
  for (const auto& n : names)
    if (Filters().Contains(n)) defaults.push_back(n);
  const std::vector<std::string> chain = ResolveNameList(defaults, url.Get(key));
  // Built from the innermost out, so chain[0] runs first.
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    DUBBO_ASSIGN_OR_RETURN(auto filter, Filters().Create(*it, url));
    if (filter) invoker = std::make_shared<FilterInvoker>(std::move(filter), std::move(invoker));
  }
  return invoker;
}

}  // namespace dubbo::cluster

#include "cluster/cluster_invoker.h"

#include <algorithm>

#include "cluster/filter.h"
#include "rpc/result.h"

namespace dubbo::cluster {

namespace {
bool Tried(const std::vector<ProviderInvoker*>& tried, const ProviderInvoker* i) {
  return std::find(tried.begin(), tried.end(), i) != tried.end();
}
}  // namespace

ClusterRegistry& Clusters() {
  static ClusterRegistry registry("cluster");
  return registry;
}

const std::vector<std::string>& ClusterLevelFilterNames() {
  static const std::vector<std::string> kNames = {"mock"};
  return kNames;
}

Result<std::shared_ptr<rpc::Invoker>> JoinCluster(std::shared_ptr<Directory> directory) {
  const Url url = directory->consumer_url();
  DUBBO_ASSIGN_OR_RETURN(auto lb, MakeLoadBalance(url));  // `loadbalance`, `<method>.loadbalance`
  DUBBO_ASSIGN_OR_RETURN(auto cluster, Clusters().Create(url.Get("cluster", "failover"),
                                                         std::move(directory), std::move(lb)));
  return WrapWithFilters(std::move(cluster), ClusterLevelFilterNames(), url, "cluster.filter");
}

Status ClusterInvoker::Configure() {
  // The stub resolves `retries` and `idempotent` per call (rpc/call_settings.h); a malformed one
  // fails the reference here.
  DUBBO_RETURN_IF_ERROR(rpc::ReferenceSettings(url()).error());
  DUBBO_ASSIGN_OR_RETURN(auto budget, RetryBudget::ParseOptions(url()));
  budget_ = std::make_unique<RetryBudget>(budget);
  DUBBO_ASSIGN_OR_RETURN(check_available_, url().GetBool("cluster.availablecheck", true));
  // Read by the directory's outlier group; checked here, where a bad value can fail the reference.
  DUBBO_ASSIGN_OR_RETURN(const int64_t percent, url().GetInt("outlier.max.ejection.percent", 50));
  if (percent < 0 || percent > 100) {
    return Status(StatusCode::kInvalidArgument, "parameter outlier.max.ejection.percent=" +
                                                    url().Get("outlier.max.ejection.percent") +
                                                    " is not in [0, 100] in " + url().ToString());
  }
  return OutlierOptions::Parse(url()).status();
}

void ClusterInvoker::Invoke(std::shared_ptr<const rpc::Invocation> inv,
                            rpc::ResponseCallback done) {
  budget_->RecordCall();
  auto invokers = directory_->List();
  if (invokers->empty()) {
    rpc::RpcResult r;
    r.status = NoProvider(*inv);
    done(std::move(r));
    return;
  }
  DoInvoke(std::move(inv), std::move(invokers), std::move(done));
}

bool ClusterInvoker::IsAvailable() const {
  const auto invokers = directory_->List();
  return std::any_of(invokers->begin(), invokers->end(),
                     [](const auto& i) { return i->IsAvailable(); });
}

std::shared_ptr<ProviderInvoker> ClusterInvoker::Select(
    const rpc::Invocation& inv, const ProviderList& invokers,
    const std::vector<ProviderInvoker*>& tried) {
  if (invokers.empty()) return nullptr;
  // Read from the first provider's merged URL, where a provider or an override may set it.
  ProviderInvoker& first = *invokers.front();
  const bool sticky = first.Sticky(inv.method);
  const bool check = check_available_;
  if (sticky) {
    std::lock_guard<std::mutex> lock(sticky_mu_);
    auto s = sticky_.lock();
    if (s && std::find(invokers.begin(), invokers.end(), s) != invokers.end() &&
        !Tried(tried, s.get()) && (!check || s->IsAvailable()) && s->Admit()) {
      return s;
    }
  }
  std::shared_ptr<ProviderInvoker> pick =
      invokers.size() == 1 ? invokers.front()
                           : load_balance_->Select(SelectIn{invokers, url(), inv, &tried, check});
  if (sticky) {
    std::lock_guard<std::mutex> lock(sticky_mu_);
    sticky_ = pick;
  }
  return pick;
}

Status ClusterInvoker::NoProvider(const rpc::Invocation& inv) const {
  return Status(
      StatusCode::kUnavailable,
      "No provider available for the service " +
          ServiceKey(inv.settings.group, inv.interface, inv.settings.version) + " from " +
          directory_->Source() +
          ", please check status of providers (disabled, not registered or in blacklist)");
}

Status ClusterInvoker::Failed(const rpc::Invocation& inv,
                              const std::vector<ProviderInvoker*>& tried, size_t listed,
                              const Status& last, std::string_view why_stopped) const {
  std::string providers;
  size_t distinct = 0;
  for (size_t k = 0; k < tried.size(); ++k) {
    providers += (providers.empty() ? "" : ", ") + tried[k]->url().Address();
    distinct += std::find(tried.begin(), tried.begin() + static_cast<std::ptrdiff_t>(k),
                          tried[k]) == tried.begin() + static_cast<std::ptrdiff_t>(k);
  }
  std::string message = "Failed to invoke the method " + inv.method + " in the service " +
                        ServiceKey(inv.settings.group, inv.interface, inv.settings.version) +
                        ". Tried " + std::to_string(tried.size()) + " times of the providers [" +
                        providers + "] (" + std::to_string(distinct) + "/" +
                        std::to_string(listed) + ") from " + directory_->Source() +
                        ". Last error is: " + last.message();
  if (!why_stopped.empty()) message += " (" + std::string(why_stopped) + ")";
  return Status(last.code(), std::move(message)).WithException(last.exception());
}

Status ClusterInvoker::Failed(const rpc::Invocation& inv, const ProviderList& tried, size_t listed,
                              const Status& last, std::string_view why_stopped) const {
  std::vector<ProviderInvoker*> raw;
  raw.reserve(tried.size());
  for (const auto& i : tried) raw.push_back(i.get());
  return Failed(inv, raw, listed, last, why_stopped);
}

std::string ClusterInvoker::NotResendable(const rpc::Invocation& inv, const Status& failure) const {
  if (MayResend(inv, failure)) return {};
  return "not retried: " + inv.method +
         " is not idempotent and the request may have reached the provider; mark it @idempotent in "
         "the IDL "
         "or set " +
         inv.method + ".idempotent=true if running it twice is harmless";
}

void ClusterInvoker::ReturnFailure(const Attempt& a, rpc::RpcResult failed,
                                   rpc::ResponseCallback done) const {
  failed.status = Failed(a, failed.status);
  done(std::move(failed));
}

void ClusterInvoker::ReturnEmpty(const Attempt& a, rpc::RpcResult failed,
                                 rpc::ResponseCallback done) const {
  const Serialization* s =
      SerializationRegistry::Global().Find(a.invoker->url().Get("serialization", "hessian2"));
  if (s == nullptr)
    s = SerializationRegistry::Global().Find(static_cast<uint8_t>(SerializationId::kHessian2));
  rpc::RpcResult empty = rpc::NullResult(*s);
  empty.remote = std::move(failed.remote);
  done(std::move(empty));
}

}  // namespace dubbo::cluster

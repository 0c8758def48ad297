#include "metrics/metrics_filter.h"

#include <chrono>
#include <cstring>
#include <mutex>

namespace dubbo::metrics {

namespace {

MethodMetrics* Find(const std::vector<std::pair<std::string, MethodMetrics*>>& table,
                    std::string_view name) {
  for (const auto& [n, cell] : table) {
    if (n.size() == name.size() && std::memcmp(n.data(), name.data(), name.size()) == 0)
      return cell;
  }
  return nullptr;
}

int64_t Micros(std::chrono::steady_clock::duration d) {
  return std::chrono::duration_cast<std::chrono::microseconds>(d).count();
}

}  // namespace

ServiceMetrics::ServiceMetrics(MetricsRegistry& registry, MetricsSide side, const Url& url)
    : registry_(registry) {
  base_.side = side;
  base_.application = url.Get("application");
  base_.interface = url.Get("interface", url.path());
  base_.group = url.Get("group");
  base_.version = url.Get("version");
  if (base_.version == "0.0.0") base_.version.clear();
  const std::string methods = url.Get("methods");
  size_t start = 0;
  while (start < methods.size()) {
    size_t end = methods.find(',', start);
    if (end == std::string::npos) end = methods.size();
    const std::string name = methods.substr(start, end - start);
    start = end + 1;
    if (name.empty() || Find(known_, name) != nullptr) continue;
    MethodMetricsKey key = base_;
    key.method = name;
    known_.emplace_back(name, &registry_.Get(key));
  }
}

MethodMetrics& ServiceMetrics::Method(std::string_view name) {
  if (MethodMetrics* m = Find(known_, name)) return *m;
  {
    std::shared_lock<std::shared_mutex> lock(mu_);
    if (MethodMetrics* m = Find(added_, name)) return *m;
  }
  return Add(name);
}

MethodMetrics& ServiceMetrics::Add(std::string_view name) {
  std::unique_lock<std::shared_mutex> lock(mu_);
  if (MethodMetrics* m = Find(added_, name)) return *m;
  MethodMetricsKey key = base_;
  key.method = std::string(name);
  MethodMetrics* m = &registry_.Get(key);
  added_.emplace_back(std::string(name), m);
  return *m;
}

void ConsumerMetricsFilter::Invoke(rpc::Invoker& next, std::shared_ptr<const rpc::Invocation> inv,
                                   rpc::ResponseCallback done) {
  MethodMetrics& m = metrics_.Method(inv->method);
  m.Started();
  const auto start = std::chrono::steady_clock::now();
  // `m` lives as long as the registry (the process): the callback may outlive this filter.
  next.Invoke(std::move(inv), [&m, start, done = std::move(done)](rpc::RpcResult r) {
    m.Finished(KindOf(r), Micros(std::chrono::steady_clock::now() - start));
    done(std::move(r));
  });
}

Status ProviderMetricsFilter::Before(const rpc::RequestInfo& request) {
  metrics_.Method(request.method).Started();
  return Status::Ok();
}

void ProviderMetricsFilter::After(const rpc::RequestInfo& request,
                                  const rpc::CallOutcome& outcome) {
  metrics_.Method(request.method).Finished(KindOf(outcome), Micros(outcome.elapsed));
}

}  // namespace dubbo::metrics

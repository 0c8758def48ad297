#include "cluster/registry_directory.h"

#include <algorithm>
#include <span>

#include "cluster/provider_invoker.h"
#include "common/log.h"
#include "rpc/channel_invoker.h"

namespace dubbo::cluster {

namespace {

// Provider settings that mean nothing to a consumer (thread pools and the like).
constexpr std::string_view kProviderOnly[] = {"threadname", "threadpool",  "threads",    "queues",
                                              "alive",      "corethreads", "iothreads",  "accepts",
                                              "dispatcher", "executes",    "transporter"};
// The provider's value wins for these even when the consumer has one.
constexpr std::string_view kProviderWins[] = {"release", "dubbo", "methods", "timestamp", "tag"};
// Keys of an override:// URL that select what it applies to rather than what it sets.
constexpr std::string_view kConditionKeys[] = {
    "category", "check",     "dynamic",       "enabled",          "group", "version", "application",
    "side",     "interface", "configVersion", "compatible_config"};

bool Contains(std::span<const std::string_view> keys, std::string_view k) {
  return std::find(keys.begin(), keys.end(), k) != keys.end();
}

bool IsProvider(const Url& u) {
  if (u.protocol() == "empty" || u.protocol() == "override" || u.protocol() == "route" ||
      u.protocol() == "condition" || u.protocol() == "script") {
    return false;
  }
  const std::string category = u.Get("category", "providers");
  return category == "providers";
}

bool IsConfigurator(const Url& u) {
  return u.protocol() == "override" || u.Get("category") == "configurators";
}

}  // namespace

Url MergeProviderUrl(const Url& provider, const Url& consumer) {
  Url merged = provider;
  for (auto k : kProviderOnly) merged.Remove(k);
  for (const auto& [k, v] : consumer.parameters()) {
    if (Contains(kProviderWins, k)) continue;
    if ((k == "group" || k == "version") && provider.Has(k)) continue;
    merged.Set(k, v);
  }
  if (provider.Has("application")) merged.Set("remote.application", provider.Get("application"));
  return merged;
}

bool ApplyConfigurators(const std::vector<Url>& configurators, Url* provider) {
  for (const Url& c : configurators) {
    if (c.protocol() == "empty") continue;
    const bool any_host = c.host().empty() || c.host() == "0.0.0.0" || c.host() == "*";
    if (!any_host &&
        (c.host() != provider->host() || (c.port() != 0 && c.port() != provider->port()))) {
      continue;
    }
    const std::string app = c.Get("application");
    if (!app.empty() && app != "*" && app != provider->Get("application")) continue;
    if (!c.Get("enabled", "true").empty() && c.Get("enabled", "true") == "false") continue;
    for (const auto& [k, v] : c.parameters()) {
      if (Contains(kConditionKeys, k)) continue;
      provider->Set(k, v);
    }
  }
  return provider->Get("disabled") != "true" && provider->Get("enabled", "true") != "false";
}

RegistryDirectory::RegistryDirectory(Url consumer_url, std::shared_ptr<registry::Registry> registry,
                                     std::shared_ptr<rpc::Client> client)
    : consumer_url_(std::move(consumer_url)),
      registry_(std::move(registry)),
      client_(std::move(client)) {
  InitOutliers(consumer_url_);
}

RegistryDirectory::~RegistryDirectory() { Destroy(); }

Result<std::shared_ptr<RegistryDirectory>> RegistryDirectory::Create(
    Url consumer_url, std::shared_ptr<registry::Registry> registry,
    std::shared_ptr<rpc::Client> client) {
  std::shared_ptr<RegistryDirectory> dir(
      new RegistryDirectory(std::move(consumer_url), std::move(registry), std::move(client)));
  std::weak_ptr<RegistryDirectory> weak = dir;
  DUBBO_ASSIGN_OR_RETURN(
      dir->subscription_,
      dir->registry_->Subscribe(dir->consumer_url_, [weak](const std::vector<Url>& urls) {
        if (auto d = weak.lock()) d->Notify(urls);
      }));
  return dir;
}

std::shared_ptr<const ProviderList> RegistryDirectory::List() const {
  std::lock_guard<std::mutex> lock(mu_);
  return invokers_;
}

void RegistryDirectory::Notify(const std::vector<Url>& urls) {
  std::vector<Url> configurators;
  for (const Url& u : urls)
    if (IsConfigurator(u)) configurators.push_back(u);

  std::vector<std::pair<std::string, std::shared_ptr<ProviderInvoker>>> next;
  for (const Url& u : urls) {
    if (!IsProvider(u) || !registry::IsMatch(consumer_url_, u)) continue;
    Url merged = MergeProviderUrl(u, consumer_url_);
    if (!ApplyConfigurators(configurators, &merged)) continue;
    std::string key = merged.ToFullString();
    if (std::any_of(next.begin(), next.end(), [&](const auto& e) { return e.first == key; }))
      continue;
    std::shared_ptr<ProviderInvoker> invoker;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (const auto& [k, inv] : by_url_)
        if (k == key) invoker = inv;
    }
    if (!invoker) {
      auto channel = rpc::ChannelInvoker::Create(merged, *client_);
      auto created = channel.ok() ? MakeProviderInvoker(*channel) : channel.status();
      if (!created.ok()) {
        LogWarning() << "ignoring provider " << merged.ToString() << ": " << created.status();
        continue;
      }
      invoker = *created;
    }
    next.emplace_back(std::move(key), std::move(invoker));
  }

  std::vector<std::string> gone;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (destroyed_) return;
    if (next.empty() && !by_url_.empty() &&
        consumer_url_.GetBool("enable-empty-protection", false).value_or(false)) {
      LogWarning() << "registry reported no provider for " << consumer_url_.ServiceKey()
                   << "; keeping the previous " << by_url_.size() << " (empty protection)";
      return;
    }
    ProviderList dropped;
    for (const auto& entry : by_url_) {
      const auto& inv = entry.second;  // not a structured binding: clang 14 cannot capture one
      const bool kept =
          std::any_of(next.begin(), next.end(), [&](const auto& e) { return e.second == inv; });
      if (!kept) {
        gone.push_back(inv->url().Address());
        dropped.push_back(inv);
      }
    }
    by_url_ = std::move(next);
    auto list = std::make_shared<ProviderList>();
    for (const auto& [k, inv] : by_url_) list->push_back(inv);
    Adopt(*list, dropped);
    invokers_ = std::move(list);
  }
  // Connections are shared by every service of a provider: close only those nothing uses now.
  for (const auto& address : gone) client_->RemoveChannelIfUnused(address);
}

void RegistryDirectory::Destroy() {
  std::vector<std::string> gone;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (destroyed_) return;
    destroyed_ = true;
    // Later calls find no provider (Java's RegistryDirectory.destroy empties its invokers).
    ProviderList dropped;
    for (const auto& entry : by_url_) {
      gone.push_back(entry.second->url().Address());
      dropped.push_back(entry.second);
    }
    by_url_.clear();
    Adopt({}, dropped);
    invokers_ = std::make_shared<const ProviderList>();
  }
  if (subscription_ != 0) (void)registry_->Unsubscribe(subscription_);
  for (const auto& address : gone) client_->RemoveChannelIfUnused(address);
}

}  // namespace dubbo::cluster

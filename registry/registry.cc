#include "registry/registry.h"

#include <algorithm>
#include <mutex>

#include "registry/file_registry.h"
#include "registry/internal.h"
#include "registry/zookeeper_registry.h"

namespace dubbo::registry {

namespace internal {

std::vector<std::string> SplitCommaList(std::string_view s) {
  auto is_space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  };
  std::vector<std::string> items;
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    const bool last = comma == std::string_view::npos;
    if (last) comma = s.size();
    std::string_view item = s.substr(start, comma - start);
    // The pattern eats whitespace next to commas only: the list's own ends keep theirs.
    if (start > 0)
      while (!item.empty() && is_space(item.front())) item.remove_prefix(1);
    if (!last)
      while (!item.empty() && is_space(item.back())) item.remove_suffix(1);
    if (!item.empty()) items.emplace_back(item);
    if (last) break;
    start = comma + 1;
  }
  return items;
}

bool GetJavaBool(const Url& url, std::string_view key, bool fallback) {
  const std::string v = url.Get(key);
  if (v.empty()) return fallback;
  if (v.size() != 4) return false;
  for (size_t i = 0; i < 4; ++i)
    if ((v[i] | 0x20) != "true"[i]) return false;
  return true;
}

std::vector<std::string> CategoriesOf(const Url& url, const std::vector<std::string>& fallback) {
  const std::string param = url.Get("category");
  if (param.empty()) return fallback;
  if (param.find('*') != std::string::npos) {
    return {std::string(kProvidersCategory), std::string(kConsumersCategory),
            std::string(kRoutersCategory), std::string(kConfiguratorsCategory)};
  }
  std::vector<std::string> out;
  for (auto& c : SplitCommaList(param)) {
    if (c.front() == '-') continue;
    if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(std::move(c));
  }
  return out;
}

bool IsSafeName(std::string_view name) {
  return !name.empty() && name.front() != '.' && name.find('/') == std::string_view::npos &&
         name.find('\0') == std::string_view::npos;
}

std::vector<std::string> DefaultSubscribeCategories() {
  return {std::string(kProvidersCategory), std::string(kConfiguratorsCategory),
          std::string(kRoutersCategory)};
}

Result<Query> MakeQuery(const Url& consumer, const std::vector<std::string>& default_categories,
                        bool (*is_name)(std::string_view), std::string_view interface_what,
                        std::string_view category_what) {
  Query q;
  q.interface = consumer.Get("interface", consumer.path());
  if (q.interface.empty()) {
    return Status(
        StatusCode::kInvalidArgument,
        "consumer URL names no interface (path or interface parameter): " + consumer.ToString());
  }
  if (q.interface != "*" && !is_name(UrlEncode(q.interface))) {
    return Status(StatusCode::kInvalidArgument,
                  "interface \"" + q.interface + "\" cannot name " + std::string(interface_what));
  }
  q.categories = CategoriesOf(consumer, default_categories);
  for (const auto& c : q.categories) {
    if (!is_name(c)) {
      return Status(StatusCode::kInvalidArgument,
                    "category \"" + c + "\" cannot name " + std::string(category_what));
    }
  }
  q.consumer = consumer;
  if (consumer.Get("category").empty()) {
    std::string list;
    for (const auto& c : q.categories) list += (list.empty() ? "" : ",") + c;
    q.consumer.Set("category", list);
  }
  return q;
}

void SortMatched(std::vector<Matched>* matched) {
  std::sort(matched->begin(), matched->end(), [](const Matched& a, const Matched& b) {
    return a.category != b.category ? a.category < b.category : a.key < b.key;
  });
  matched->erase(std::unique(matched->begin(), matched->end(),
                             [](const Matched& a, const Matched& b) { return a.key == b.key; }),
                 matched->end());
}

}  // namespace internal

namespace {

constexpr std::string_view kAny = "*";

// UrlUtils.isMatchCategory. Java tests the consumer's list with String.contains — a substring
// test, so "providers" also matches a list holding "providersX"; kept as Java has it.
bool IsMatchCategory(std::string_view category, std::string_view categories) {
  if (categories.empty()) return category == internal::kProvidersCategory;
  if (categories.find(kAny) != std::string_view::npos) return true;
  if (categories.find('-') != std::string_view::npos) {
    return categories.find("-" + std::string(category)) == std::string_view::npos;
  }
  return categories.find(category) != std::string_view::npos;
}

}  // namespace

bool IsMatch(const Url& consumer, const Url& provider) {
  const std::string consumer_interface = consumer.Get("interface", consumer.path());
  const std::string provider_interface = provider.Get("interface", provider.path());
  if (consumer_interface != kAny && provider_interface != kAny &&
      consumer_interface != provider_interface) {
    return false;
  }
  if (!IsMatchCategory(provider.Get("category", internal::kProvidersCategory),
                       consumer.Get("category", internal::kProvidersCategory))) {
    return false;
  }
  if (!internal::GetJavaBool(provider, "enabled", true) && consumer.Get("enabled") != kAny)
    return false;

  // Java tells an absent parameter (null) from an empty one; Url does not, so "group=" and no
  // group are the same here (both "no group") where Java would call them different.
  const std::string consumer_group = consumer.Get("group");
  const std::string provider_group = provider.Get("group");
  bool group_ok = consumer_group == kAny || consumer_group == provider_group;
  if (!group_ok && !provider_group.empty()) {
    for (const auto& g : internal::SplitCommaList(consumer_group))
      group_ok = group_ok || g == provider_group;
  }
  const std::string consumer_version = consumer.Get("version");
  const bool version_ok = consumer_version == kAny || consumer_version == provider.Get("version");
  const std::string consumer_classifier = consumer.Get("classifier", kAny);
  const bool classifier_ok =
      consumer_classifier == kAny || consumer_classifier == provider.Get("classifier", kAny);
  return group_ok && version_ok && classifier_ok;
}

RegistryFactoryRegistry& RegistryFactories() {
  static RegistryFactoryRegistry registry("registry");
  return registry;
}

void RegisterBuiltinRegistries() {
  // Once per process; OpenRegistry calls it too, so the registry layer works without the rest.
  static std::once_flag once;
  std::call_once(once, [] {
    RegistryFactories().RegisterBuiltin("file", OpenFileRegistry);
    RegistryFactories().RegisterBuiltin("zookeeper", OpenZookeeperRegistry);
  });
}

Result<std::shared_ptr<Registry>> OpenRegistry(const Url& url) {
  if (url.protocol().empty()) {
    return Status(StatusCode::kInvalidArgument,
                  "registry address \"" + url.ToString() +
                      "\" has no scheme (expected zookeeper://host:port, file:///dir or file://)");
  }
  RegisterBuiltinRegistries();
  auto registry = RegistryFactories().Create(url.protocol(), url);
  if (!registry.ok()) return registry.status().WithContext("registry \"" + url.ToString() + "\"");
  return registry;
}

Result<std::shared_ptr<Registry>> OpenRegistry(std::string_view url) {
  auto parsed = Url::Parse(url);
  if (!parsed.ok()) return parsed.status().WithContext("registry address");
  return OpenRegistry(*parsed);
}

}  // namespace dubbo::registry

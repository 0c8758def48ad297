// libFuzzer target for Dubbo URLs from the outside world: Url::Parse (registry addresses,
// provider and override:// URLs), UrlDecode (ZooKeeper node names, QoS paths), the ZooKeeper
// node-name parser, the file registry's entry files and the registry cache file's values.
// Properties: UrlDecode(UrlEncode(x)) == x; a parsed URL's ToFullString() that parses again is a
// fixed point (unless it ends in bytes Parse trims); a node name made from a URL parses back to it.
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/url.h"
#include "registry/cache_file.h"
#include "registry/internal.h"

namespace {

// The accessors a consumer calls on the URLs it is notified of.
void Use(const dubbo::Url& url) {
  (void)url.Address();
  (void)url.ServiceKey();
  (void)url.ToString();
  (void)url.GetInt("timeout", 1000);
  (void)url.GetBool("enabled", true);
  (void)url.GetMethodInt("sayHello", "retries", 2);
  (void)url.GetMethod("sayHello", "loadbalance", "random");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  if (auto decoded = dubbo::UrlDecode(dubbo::UrlEncode(input)); !decoded.ok() || *decoded != input)
    __builtin_trap();
  (void)dubbo::UrlDecode(input);

  if (auto url = dubbo::Url::Parse(input); url.ok()) {
    Use(*url);
    const std::string full = url->ToFullString();
    // Parse trims the whole text as Java's String.trim() does, so a part ending in control
    // characters or spaces before an empty query ("h\0?") cannot come back.
    const bool trims = static_cast<unsigned char>(full.back()) <= ' ';
    if (auto again = dubbo::Url::Parse(full); again.ok() && !trims) {
      if (again->ToFullString() != full) __builtin_trap();
      if (!url->protocol().empty()) {
        auto node = dubbo::registry::internal::ParseNodeName(dubbo::UrlEncode(full));
        if (!node.ok() || node->ToFullString() != full) __builtin_trap();
      }
    }
  }

  if (auto node = dubbo::registry::internal::ParseNodeName(input); node.ok()) Use(*node);
  if (auto entry = dubbo::registry::internal::ParseEntry(input); entry.ok()) Use(entry->url);
  for (const auto& url : dubbo::registry::ParseCachedUrls(input)) Use(url);
  return 0;
}

// libFuzzer target for dubbo.properties (ApplicationConfig::Parse, what ApplicationConfig::Load
// reads) and the registry's local cache file (Java Properties as Properties.store writes them).
// Property: the cache file's writer and reader agree: what ParseJavaProperties reads, written
// back by FormatJavaProperties, reads back the same.
#include <cstddef>
#include <cstdint>
#include <string>

#include "app/application.h"
#include "registry/cache_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  (void)dubbo::ApplicationConfig::Parse(input, "dubbo.properties");

  const auto entries = dubbo::registry::ParseJavaProperties(input);
  const std::string stored = dubbo::registry::FormatJavaProperties(entries, "Dubbo Registry Cache");
  if (dubbo::registry::ParseJavaProperties(stored) != entries) __builtin_trap();
  for (const auto& [key, value] : entries) (void)dubbo::registry::ParseCachedUrls(value);
  return 0;
}

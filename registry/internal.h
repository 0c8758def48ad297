// Helpers shared by the registry implementations (file, ZooKeeper); not part of the public API.
// Stateless functions, thread-safe.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/url.h"

namespace dubbo::registry::internal {

// Dubbo's categories (RegistryConstants) and the list a subscription reads by default.
inline constexpr std::string_view kProvidersCategory = "providers";
inline constexpr std::string_view kConsumersCategory = "consumers";
inline constexpr std::string_view kRoutersCategory = "routers";
inline constexpr std::string_view kConfiguratorsCategory = "configurators";

// Splits a comma list as Dubbo's COMMA_SPLIT_PATTERN ("\\s*[,]+\\s*") does, dropping empty items.
std::vector<std::string> SplitCommaList(std::string_view s);

// Java's URL.getParameter(key, boolean): absent or empty gives `fallback`, anything else
// Boolean.parseBoolean (only "true", in any case, is true — so enabled=no means disabled).
bool GetJavaBool(const Url& url, std::string_view key, bool fallback);

// The category directories a subscription or lookup of `url` reads, as ZookeeperRegistry's
// toCategoriesPath: the URL's `category` list ("*" anywhere = all four), else `fallback`.
// Items Dubbo uses only for matching ("-routers") are not directories and are left out.
std::vector<std::string> CategoriesOf(const Url& url, const std::vector<std::string>& fallback);

// Whether `name` can be one path component of the layout: not empty, no '/', no NUL, not
// starting with '.' (hidden names are reserved for temporary files, and "." / ".." escape).
bool IsSafeName(std::string_view name);

// The parsers of what other processes wrote (registry/parse.cc): bytes from ZooKeeper and from
// the file registry's directory, so they are fuzzed (fuzz/url_fuzz.cc).

// A child of a ZooKeeper category node: its name is the URL-encoded URL (URLDecoder: '+' and
// %20 are spaces). Dubbo's consumers accept only names holding "://" once decoded.
Result<Url> ParseNodeName(std::string_view name);

// A file registry entry: the URL's ToFullString() on the first line, then zero or more owner
// lines ("owner pid=<pid> start=<ticks> boot=<id>"). No owner line = persistent
// (dynamic=false). Other lines are ignored, for formats to come.
struct EntryOwner {
  pid_t pid = 0;
  uint64_t start = 0;  // 0 when the writer could not read it: not checked
  std::string boot;    // empty when unknown: not checked
};
struct Entry {
  Url url;
  std::vector<EntryOwner> owners;
};
Result<EntryOwner> ParseOwnerLine(std::string_view line);
Result<Entry> ParseEntry(std::string_view text);

}  // namespace dubbo::registry::internal

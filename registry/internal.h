// Helpers shared by the registry implementations (file, ZooKeeper); not part of the public API.
// Stateless functions, thread-safe.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/status.h"
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

// What a subscription reads when its URL names no category: providers, configurators, routers.
std::vector<std::string> DefaultSubscribeCategories();

// A lookup or subscription: the consumer URL as matched (its category list filled in) and the
// categories it reads, in delivery order.
struct Query {
  Url consumer;
  std::string interface;  // "*" = every service
  std::vector<std::string> categories;
};

// The query of `consumer` for a registry whose layout names each interface (URL-encoded) and
// category by one path component: `is_name` says whether a string can be one, and a rejected
// interface or category is reported as "cannot name <interface_what>" / "<category_what>"
// (the registry's word: "a directory", "a ZooKeeper node").
Result<Query> MakeQuery(const Url& consumer, const std::vector<std::string>& default_categories,
                        bool (*is_name)(std::string_view), std::string_view interface_what,
                        std::string_view category_what);

// A URL a query matched, with what orders it: category (the query's order), then full string.
struct Matched {
  size_t category;
  std::string key;  // the URL's full string
  Url url;
};

// Sorts by (category, key) and drops entries whose key equals the one before, so equal states
// give equal lists.
void SortMatched(std::vector<Matched>* matched);

// errno's message (std::generic_category: thread-safe, unlike strerror). registry/file_io.cc.
std::string ErrnoText(int err);

// A kIoError status reading "<what> <path>: <errno message>".
Status IoError(std::string_view what, const std::string& path, int err);

// Writes `content` to `path` atomically: a new file `<tmp_prefix><pid>.<n>` (created with
// `mode` less the umask; it must be on the same file system) renamed over `path`, so readers
// see the old file or the new one, never half of one. `st`, when not null, gets the new file's
// identity. On failure the temporary file is removed.
Status WriteFileAtomically(const std::string& tmp_prefix, const std::string& path,
                           const std::string& content, mode_t mode, struct stat* st);

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

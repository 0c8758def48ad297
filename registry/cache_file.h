// Dubbo's local registry cache file (AbstractRegistry's "dubbo-registry-*.cache"): a Java
// Properties file mapping a subscriber's service key "[group/]interface[:version]" to the
// space-separated full URLs last notified for it (providers, configurators, routers, with
// `empty://` placeholders for empty categories). A registry writes it after notifications and
// reads it when it cannot reach its server, so consumers keep their providers across a
// registry outage at startup.
//
// The file is shared by every process of one application on one host: saves take `<file>.lock`
// (flock and an fcntl open-file-description lock, which also excludes Java's FileChannel.lock),
// merge this object's entries over the file's current content and replace the file atomically
// (temporary file + rename), so readers never see half a file and concurrent writers do not drop
// each other's keys. Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/url.h"

namespace dubbo::registry {

class RegistryCacheFile {
 public:
  // Loads `path` if it exists (a missing or unreadable file is an empty cache; unreadable is
  // logged).
  explicit RegistryCacheFile(std::string path);

  const std::string& path() const { return path_; }

  // The raw value stored for `key`: this object's latest Put, else what the file held at load.
  std::optional<std::string> Get(const std::string& key) const;
  // The URLs stored for `key`: the value split at spaces and parsed, `empty://` placeholders and
  // unparsable items left out.
  std::vector<Url> GetUrls(const std::string& key) const;

  // Records `value` for `key`; written by the next Save. Returns whether it differs from before.
  bool Put(const std::string& key, std::string value);
  // Whether a Put has not been saved yet.
  bool dirty() const;

  // Writes this object's entries over the file's current content. kUnavailable when another
  // process holds the lock (try again later), kIoError on I/O failure; the entries stay dirty.
  Status Save();

 private:
  const std::string path_;
  mutable std::mutex mu_;
  std::map<std::string, std::string> loaded_;  // the file's content at load
  std::map<std::string, std::string> mine_;    // this object's entries (all of them, saved or not)
  bool dirty_ = false;
};

// Java's Properties.store escaping (saveConvert with escapeUnicode): '\\' '=' ':' '#' '!' and
// (in keys, or leading in values) ' ' get a backslash, \t \n \r \f their escapes, and every
// UTF-16 unit outside 0x20..0x7e becomes \uXXXX (uppercase hex). Input is UTF-8.
std::string EscapeJavaProperty(std::string_view text, bool is_key);

// Java's Properties.load(InputStream): comments (# !), blank lines, line continuations, key
// separators (= : whitespace), escapes including \uXXXX (surrogate pairs combined), Latin-1 bytes.
// Keys and values come back as UTF-8. Later duplicates win.
std::map<std::string, std::string> ParseJavaProperties(std::string_view text);

// One cached value: the URLs it lists (space-separated), `empty://` placeholders and unparsable
// items left out (RegistryCacheFile::GetUrls).
std::vector<Url> ParseCachedUrls(std::string_view value);

// The text Properties.store(out, comment) writes: "#<comment>", "#<date as Java's Date.toString>",
// then key=value lines (sorted by key here).
std::string FormatJavaProperties(const std::map<std::string, std::string>& entries,
                                 std::string_view comment);

}  // namespace dubbo::registry

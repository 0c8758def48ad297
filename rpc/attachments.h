// Attachments: the string-keyed map every Dubbo request and response body ends with (path,
// interface, version, group, timeout, token, and user context). Values are usually strings, but
// peers also send numbers (dubbo-js sends `timeout` as a number of seconds) and Java 3.x allows
// any object, so values are dynamic. Insertion order is kept. A plain value; not thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "codec/serialization.h"
#include "codec/value.h"

namespace dubbo::rpc {

class Attachments {
 public:
  using Entry = std::pair<std::string, Value>;

  const Value* Find(std::string_view key) const;
  // A string value as is; an integer or double formatted as text; nullopt when absent or null.
  std::optional<std::string> GetString(std::string_view key) const;
  void Set(std::string key, std::string value) { Set(std::move(key), Value::String(std::move(value))); }
  void Set(std::string key, Value value);
  void Remove(std::string_view key);
  bool empty() const { return entries_.empty(); }
  size_t size() const { return entries_.size(); }
  const std::vector<Entry>& entries() const { return entries_; }

  // As the last value of a body: an untyped map ('H' in Hessian).
  void WriteTo(ObjectOutput& out) const;
  // Reads a map of any form ('H' or 'M' in Hessian) or null; entries with non-string keys are
  // ignored. Errors are recorded on `in`.
  void ReadFrom(ObjectInput& in);
  // Writes one attachment value (strings directly).
  static void WriteValue(ObjectOutput& out, const Value& v);

 private:
  std::vector<Entry> entries_;
};

}  // namespace dubbo::rpc

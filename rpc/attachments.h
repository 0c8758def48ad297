// Attachments: the string-keyed map every Dubbo request and response body ends with (path,
// interface, version, group, timeout, token, and user context). Values are usually strings, but
// peers also send numbers (dubbo-js sends `timeout` as a number of seconds) and Java 3.x allows
// any object, so values are dynamic. Insertion order is kept. A value type whose copies share the
// entries until one of them changes (copy on write), so a provider hands the attachments it
// decoded for one request to the next identical one without copying strings. A single object is
// not thread-safe; copies may be used on different threads.
#pragma once

#include <memory>
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
  void Set(std::string key, std::string value) {
    Set(std::move(key), Value::String(std::move(value)));
  }
  void Set(std::string key, Value value);
  void Remove(std::string_view key);
  bool empty() const { return entries().empty(); }
  size_t size() const { return entries().size(); }
  const std::vector<Entry>& entries() const { return entries_ ? *entries_ : Empty(); }

  // As the last value of a body: an untyped map ('H' in Hessian).
  void WriteTo(ObjectOutput& out) const;
  // Reads a map of any form ('H' or 'M' in Hessian) or null; entries with non-string keys are
  // ignored. Errors are recorded on `in`.
  void ReadFrom(ObjectInput& in);
  // Writes one attachment value (strings directly).
  static void WriteValue(ObjectOutput& out, const Value& v);

 private:
  static const std::vector<Entry>& Empty();
  // The entries, unshared first.
  std::vector<Entry>& Mutable();

  std::shared_ptr<std::vector<Entry>> entries_;  // null: none
};

}  // namespace dubbo::rpc

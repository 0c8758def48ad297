#include "rpc/method_table.h"

#include <algorithm>
#include <charconv>

namespace dubbo::rpc {

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool Listed(std::string_view methods, std::string_view method) {
  size_t start = 0;
  while (start <= methods.size()) {
    const size_t comma = std::min(methods.find(',', start), methods.size());
    if (Trim(methods.substr(start, comma - start)) == method) return true;
    start = comma + 1;
  }
  return false;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> MethodParameters(const Url& url,
                                                                  std::string_view key) {
  std::vector<std::pair<std::string, std::string>> out;
  const std::string methods = url.Get("methods");
  for (const auto& [k, v] : url.parameters()) {
    if (v.empty() || k.size() <= key.size() + 1) continue;
    const std::string_view name(k);
    if (!name.ends_with(key) || name[name.size() - key.size() - 1] != '.') continue;
    const std::string_view method = name.substr(0, name.size() - key.size() - 1);
    if (method.find('.') != std::string_view::npos) continue;  // "a.b.key" is no method's
    if (!methods.empty() && !Listed(methods, method)) continue;
    out.emplace_back(std::string(method), v);
  }
  return out;
}

Result<int64_t> ParseIntParameter(std::string_view name, std::string_view value) {
  const std::string_view t = Trim(value);
  int64_t out = 0;
  const auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), out);
  if (t.empty() || ec != std::errc() || ptr != t.data() + t.size()) {
    return Status(StatusCode::kInvalidArgument, "parameter " + std::string(name) + "=" +
                                                    std::string(value) + " is not an integer");
  }
  return out;
}

Result<MethodTable<int64_t>> IntMethodTable(const Url& url, std::string_view key,
                                            int64_t fallback) {
  int64_t service = fallback;
  if (const std::string v = url.Get(key); !v.empty()) {
    DUBBO_ASSIGN_OR_RETURN(service, ParseIntParameter(key, v));
  }
  MethodTable<int64_t> table(service);
  for (const auto& [method, value] : MethodParameters(url, key)) {
    DUBBO_ASSIGN_OR_RETURN(int64_t v, ParseIntParameter(method + "." + std::string(key), value));
    table.Set(method, v);
  }
  return table;
}

}  // namespace dubbo::rpc

// The registry parsers of bytes other processes wrote (registry/internal.h).
#include <algorithm>
#include <charconv>

#include "registry/internal.h"

namespace dubbo::registry::internal {

Result<Url> ParseNodeName(std::string_view name) {
  DUBBO_ASSIGN_OR_RETURN(std::string decoded, UrlDecode(name));
  // Dubbo's consumers accept only children holding "://" (PROTOCOL_SEPARATOR_ENCODED).
  if (decoded.find("://") == std::string::npos) {
    return Status(StatusCode::kDecodeError, "not a URL (no \"://\" once decoded)");
  }
  return Url::Parse(decoded);
}

Result<EntryOwner> ParseOwnerLine(std::string_view line) {
  EntryOwner o;
  bool has_pid = false;
  bool has_start = false;
  line.remove_prefix(5);  // "owner"
  while (!line.empty()) {
    while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    const auto end = std::min(line.find(' '), line.size());
    const std::string_view token = line.substr(0, end);
    line.remove_prefix(end);
    const auto eq = token.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view key = token.substr(0, eq);
    const std::string_view value = token.substr(eq + 1);
    if (key == "pid") {
      int pid = 0;
      const auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), pid);
      if (ec != std::errc() || p != value.data() + value.size() || pid <= 0) {
        return Status(StatusCode::kDecodeError, "bad owner pid \"" + std::string(value) + "\"");
      }
      o.pid = pid;
      has_pid = true;
    } else if (key == "start") {
      const auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), o.start);
      if (ec != std::errc() || p != value.data() + value.size()) {
        return Status(StatusCode::kDecodeError, "bad owner start \"" + std::string(value) + "\"");
      }
      has_start = true;
    } else if (key == "boot") {
      o.boot = std::string(value);
    }
  }
  if (!has_pid || !has_start)
    return Status(StatusCode::kDecodeError, "owner line without pid= and start=");
  return o;
}

Result<Entry> ParseEntry(std::string_view text) {
  auto next_line = [&text]() {
    const auto nl = std::min(text.find('\n'), text.size());
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(std::min(nl + 1, text.size()));
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
      line.remove_suffix(1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    return line;
  };
  const std::string_view first = next_line();
  if (first.empty()) return Status(StatusCode::kDecodeError, "empty first line (expected a URL)");
  if (first.find('\0') != std::string_view::npos)
    return Status(StatusCode::kDecodeError, "binary content");
  // Dubbo's consumers accept only children holding "://" (PROTOCOL_SEPARATOR_ENCODED).
  if (first.find("://") == std::string_view::npos) {
    return Status(StatusCode::kDecodeError, "first line is not a URL (no \"://\")");
  }
  Entry entry;
  DUBBO_ASSIGN_OR_RETURN(entry.url, Url::Parse(first));
  while (!text.empty()) {
    const std::string_view line = next_line();
    if (line.size() > 5 && line.substr(0, 6) == "owner ") {
      DUBBO_ASSIGN_OR_RETURN(EntryOwner o, ParseOwnerLine(line));
      entry.owners.push_back(std::move(o));
    }
  }
  return entry;
}

}  // namespace dubbo::registry::internal

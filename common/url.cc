#include "common/url.h"

#include <charconv>

namespace dubbo {

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && static_cast<unsigned char>(s.front()) <= ' ') s.remove_prefix(1);
  while (!s.empty() && static_cast<unsigned char>(s.back()) <= ' ') s.remove_suffix(1);
  return s;
}

Status Invalid(std::string_view url, std::string_view what) {
  return Status(StatusCode::kInvalidArgument,
                "invalid URL \"" + std::string(url) + "\": " + std::string(what));
}

}  // namespace

Result<Url> Url::Parse(std::string_view text) {
  const std::string_view whole = Trim(text);
  if (whole.empty()) return Invalid(text, "empty");
  std::string_view rest = whole;
  Url url;

  if (const auto q = rest.find('?'); q != std::string_view::npos) {
    std::string_view query = rest.substr(q + 1);
    rest = rest.substr(0, q);
    while (!query.empty()) {
      const auto amp = query.find('&');
      const std::string_view part = query.substr(0, amp);
      query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
      if (part.empty()) continue;
      const auto eq = part.find('=');
      // Java's URL.valueOf stores a bare key as key=key.
      if (eq == std::string_view::npos) {
        url.parameters_[std::string(part)] = std::string(part);
      } else {
        url.parameters_[std::string(part.substr(0, eq))] = std::string(part.substr(eq + 1));
      }
    }
  }

  if (const auto p = rest.find("://"); p != std::string_view::npos) {
    if (p == 0) return Invalid(text, "missing protocol");
    url.protocol_ = std::string(rest.substr(0, p));
    rest = rest.substr(p + 3);
  } else if (const auto p2 = rest.find(":/"); p2 != std::string_view::npos) {
    if (p2 == 0) return Invalid(text, "missing protocol");
    url.protocol_ = std::string(rest.substr(0, p2));
    rest = rest.substr(p2 + 1);
  }

  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    url.path_ = std::string(rest.substr(slash + 1));
    rest = rest.substr(0, slash);
  }
  if (const auto at = rest.rfind('@'); at != std::string_view::npos) {
    const std::string_view user = rest.substr(0, at);
    rest = rest.substr(at + 1);
    const auto colon = user.find(':');
    url.username_ = std::string(user.substr(0, colon));
    if (colon != std::string_view::npos) url.password_ = std::string(user.substr(colon + 1));
  }
  // Host and port; "[::1]:20880" keeps the brackets out of the host.
  std::string_view host = rest;
  std::string_view port;
  if (!rest.empty() && rest.front() == '[') {
    const auto close = rest.find(']');
    if (close == std::string_view::npos) return Invalid(text, "unterminated '[' in host");
    host = rest.substr(1, close - 1);
    const std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return Invalid(text, "unexpected text after ']'");
      port = after.substr(1);
    }
  } else if (const auto colon = rest.rfind(':'); colon != std::string_view::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  url.host_ = std::string(host);
  if (!port.empty()) {
    unsigned value = 0;
    const auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || ptr != port.data() + port.size() || value > 65535) {
      return Invalid(text, "bad port \"" + std::string(port) + "\"");
    }
    url.port_ = static_cast<uint16_t>(value);
  }
  return url;
}

std::string Url::Address() const {
  // An IPv6 host keeps its brackets without a port too: "::1" would parse back as host ":".
  const bool v6 = host_.find(':') != std::string::npos;
  const std::string host = v6 ? "[" + host_ + "]" : host_;
  return port_ == 0 ? host : host + ":" + std::to_string(port_);
}

std::string Url::Get(std::string_view key, std::string_view fallback) const {
  const auto it = parameters_.find(key);
  if (it == parameters_.end() || it->second.empty()) return std::string(fallback);
  return it->second;
}

Result<int64_t> Url::GetInt(std::string_view key, int64_t fallback) const {
  const std::string v = Get(key);
  if (v.empty()) return fallback;
  int64_t out = 0;
  const std::string_view t = Trim(v);
  const auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), out);
  if (ec != std::errc() || ptr != t.data() + t.size()) {
    return Status(StatusCode::kInvalidArgument, "parameter " + std::string(key) + "=" + v +
                                                    " is not an integer in " + ToString());
  }
  return out;
}

Result<bool> Url::GetBool(std::string_view key, bool fallback) const {
  const std::string v = Get(key);
  if (v.empty()) return fallback;
  if (v == "true") return true;
  if (v == "false") return false;
  return Status(StatusCode::kInvalidArgument,
                "parameter " + std::string(key) + "=" + v + " is not true/false in " + ToString());
}

std::string Url::GetMethod(std::string_view method, std::string_view key,
                           std::string_view fallback) const {
  std::string method_key(method);
  method_key += '.';
  method_key += key;
  const std::string v = Get(method_key);
  return v.empty() ? Get(key, fallback) : v;
}

Result<int64_t> Url::GetMethodInt(std::string_view method, std::string_view key,
                                  int64_t fallback) const {
  std::string method_key(method);
  method_key += '.';
  method_key += key;
  if (!Get(method_key).empty()) return GetInt(method_key, fallback);
  return GetInt(key, fallback);
}

Url& Url::Set(std::string key, std::string value) {
  parameters_[std::move(key)] = std::move(value);
  return *this;
}

Url& Url::Remove(std::string_view key) {
  if (auto it = parameters_.find(key); it != parameters_.end()) parameters_.erase(it);
  return *this;
}

std::string ServiceKey(std::string_view group, std::string_view interface,
                       std::string_view version) {
  std::string key;
  if (!group.empty()) {
    key += group;
    key += '/';
  }
  key += interface;
  if (!version.empty() && version != "0.0.0") {
    key += ':';
    key += version;
  }
  return key;
}

std::string Url::ServiceKey() const {
  return dubbo::ServiceKey(Get("group"), Get("interface", path_), Get("version"));
}

std::string Url::ToFullString() const {
  std::string s = protocol_;
  s += "://";
  if (!username_.empty()) {
    s += username_;
    if (!password_.empty()) {
      s += ':';
      s += password_;
    }
    s += '@';
  }
  s += Address();
  if (!path_.empty()) {
    s += '/';
    s += path_;
  }
  bool first = true;
  for (const auto& [k, v] : parameters_) {
    if (k.empty()) continue;
    s += first ? '?' : '&';
    first = false;
    s += k;
    s += '=';
    s += Trim(v);
  }
  return s;
}

std::string Url::ToString() const {
  Url copy = *this;
  copy.username_.clear();
  copy.password_.clear();
  return copy.ToFullString();
}

std::string UrlEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3 / 2);
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
        c == '-' || c == '*' || c == '_') {
      out.push_back(ch);
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  return out;
}

Result<std::string> UrlDecode(std::string_view s) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%') {
      if (i + 2 >= s.size()) {
        return Status(StatusCode::kDecodeError, "incomplete %-escape at offset " +
                                                    std::to_string(i) + " in \"" + std::string(s) +
                                                    "\"");
      }
      const int a = hex(s[i + 1]);
      const int b = hex(s[i + 2]);
      if (a < 0 || b < 0) {
        return Status(StatusCode::kDecodeError, "bad %-escape at offset " + std::to_string(i) +
                                                    " in \"" + std::string(s) + "\"");
      }
      out.push_back(static_cast<char>(a * 16 + b));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

}  // namespace dubbo

// Url: Dubbo's URL model — `protocol://[user[:password]@]host[:port]/path?key=value&...` — which
// carries every option (timeout, loadbalance, serialization ...) as a parameter under Dubbo's
// own name, for providers, consumers, registries and overrides alike.
//
// Parsing follows org.apache.dubbo.common.URL.valueOf; ToFullString() reproduces
// URL.toFullString() (parameters sorted as Java's TreeMap sorts them, values trimmed), which is
// what Dubbo registries store. A Url is a plain value; const methods are thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace dubbo {

class Url {
 public:
  // Sorted by key with byte order, which equals Java's String order for ASCII keys.
  using Parameters = std::map<std::string, std::string, std::less<>>;

  Url() = default;
  Url(std::string protocol, std::string host, uint16_t port, std::string path = "")
      : protocol_(std::move(protocol)),
        host_(std::move(host)),
        port_(port),
        path_(std::move(path)) {}

  // Errors name the URL and what is wrong with it.
  static Result<Url> Parse(std::string_view text);

  const std::string& protocol() const { return protocol_; }
  const std::string& username() const { return username_; }
  const std::string& password() const { return password_; }
  const std::string& host() const { return host_; }
  uint16_t port() const { return port_; }
  // Without the leading '/' (Dubbo's convention): "org.apache.dubbo.demo.DemoService".
  const std::string& path() const { return path_; }
  // "host:port", or the host alone when there is no port; an IPv6 host in brackets ("[::1]:20880").
  std::string Address() const;

  void set_protocol(std::string v) { protocol_ = std::move(v); }
  void set_host(std::string v) { host_ = std::move(v); }
  void set_port(uint16_t v) { port_ = v; }
  void set_path(std::string v) { path_ = std::move(v); }
  void set_credentials(std::string user, std::string password) {
    username_ = std::move(user);
    password_ = std::move(password);
  }

  const Parameters& parameters() const { return parameters_; }
  bool Has(std::string_view key) const { return parameters_.find(key) != parameters_.end(); }
  // The parameter, or `fallback` when absent or empty.
  std::string Get(std::string_view key, std::string_view fallback = "") const;
  // Integer/boolean parameters; a present but malformed value is a kInvalidArgument naming the key.
  Result<int64_t> GetInt(std::string_view key, int64_t fallback) const;
  Result<bool> GetBool(std::string_view key, bool fallback) const;
  // Dubbo's per-method lookup: "<method>.<key>" first, then "<key>".
  std::string GetMethod(std::string_view method, std::string_view key,
                        std::string_view fallback = "") const;
  Result<int64_t> GetMethodInt(std::string_view method, std::string_view key,
                               int64_t fallback) const;

  Url& Set(std::string key, std::string value);
  Url& Remove(std::string_view key);

  // Dubbo's service key: "[group/]interface[:version]" (interface from the `interface` parameter,
  // else the path; version "" and "0.0.0" are omitted).
  std::string ServiceKey() const;

  // protocol://user:password@host:port/path?sorted parameters — URL.toFullString().
  std::string ToFullString() const;
  // The same without user and password, for logs and error messages.
  std::string ToString() const;

  friend bool operator==(const Url&, const Url&) = default;

 private:
  std::string protocol_;
  std::string username_;
  std::string password_;
  std::string host_;
  uint16_t port_ = 0;
  std::string path_;
  Parameters parameters_;
};

// java.net.URLEncoder.encode(s, "UTF-8"): A-Z a-z 0-9 . - * _ kept, space -> '+', every other
// byte -> %XX with uppercase hex.
std::string UrlEncode(std::string_view s);
// URLDecoder.decode: '+' -> space, %XX -> byte. A '%' not followed by two hex digits is an error.
Result<std::string> UrlDecode(std::string_view s);

// Dubbo's service key from its parts (see Url::ServiceKey).
std::string ServiceKey(std::string_view group, std::string_view interface,
                       std::string_view version);

}  // namespace dubbo

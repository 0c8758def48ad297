// "token": Dubbo's TokenFilter, a provider filter. A provider URL with `token` (Application turns
// token=true/default into a random UUID at export; consumers copy the token from the registered
// URL into the `token` attachment) admits only calls carrying that exact token; any other call is
// rejected before the method runs with kForbidden and Dubbo's message ("Invalid token! Forbid
// invoke remote service ..."), which reaches the consumer as wire status 70. Thread-safe.
#pragma once

#include <memory>
#include <string>

#include "rpc/provider_filter.h"

namespace dubbo::rpc {

class TokenFilter final : public rpc::ProviderFilter {
 public:
  // Null when the URL has no `token`.
  static Result<std::shared_ptr<rpc::ProviderFilter>> Create(const Url& url);

  Status Before(const rpc::RequestInfo& request) override;

 private:
  TokenFilter(std::string token, std::string interface, std::string host)
      : token_(std::move(token)), interface_(std::move(interface)), host_(std::move(host)) {}

  const std::string token_;
  const std::string interface_;
  const std::string host_;
};

}  // namespace dubbo::rpc

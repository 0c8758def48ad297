#include "rpc/filter/token.h"

namespace dubbo::rpc {

Result<std::shared_ptr<rpc::ProviderFilter>> TokenFilter::Create(const Url& url) {
  const std::string token = url.Get("token");
  if (token.empty()) return std::shared_ptr<rpc::ProviderFilter>();
  return std::shared_ptr<rpc::ProviderFilter>(
      new TokenFilter(token, url.Get("interface", url.path()), url.host()));
}

Status TokenFilter::Before(const rpc::RequestInfo& request) {
  const std::optional<std::string> remote = request.attachments.GetString("token");
  if (remote && *remote == token_) return Status::Ok();
  // Java names the hosts only (RpcContext.getRemoteHost / getLocalHost).
  const std::string consumer = request.remote.substr(0, request.remote.rfind(':'));
  return Status(StatusCode::kForbidden,
                "Invalid token! Forbid invoke remote service interface " + interface_ + " method " +
                    request.method + "() from consumer " + consumer + " to provider " + host_);
}

}  // namespace dubbo::rpc

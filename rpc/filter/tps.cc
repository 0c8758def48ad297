#include "rpc/filter/tps.h"

#include "rpc/method_table.h"

namespace dubbo::rpc {

Result<std::shared_ptr<rpc::ProviderFilter>> TpsLimitFilter::Create(const Url& url) {
  const std::string tps = url.Get("tps");
  if (tps.empty()) return std::shared_ptr<rpc::ProviderFilter>();
  DUBBO_ASSIGN_OR_RETURN(const int64_t rate, ParseIntParameter("tps", tps));
  int64_t interval = 60000;
  if (const std::string v = url.Get("tps.interval"); !v.empty()) {
    DUBBO_ASSIGN_OR_RETURN(interval, ParseIntParameter("tps.interval", v));
    if (interval <= 0) {
      return Status(StatusCode::kInvalidArgument,
                    "parameter tps.interval=" + v + " must be a positive number of ms");
    }
  }
  if (rate <= 0) return std::shared_ptr<rpc::ProviderFilter>();
  const std::string interface = url.Get("interface", url.path());
  return std::shared_ptr<rpc::ProviderFilter>(
      new TpsLimitFilter(interface, rate, std::chrono::milliseconds(interval)));
}

TpsLimitFilter::TpsLimitFilter(std::string interface, int64_t rate,
                               std::chrono::milliseconds interval)
    : interface_(std::move(interface)),
      rate_(rate),
      interval_(interval),
      tokens_(rate),
      window_start_(std::chrono::steady_clock::now()) {}

Status TpsLimitFilter::Before(const rpc::RequestInfo& request) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    const auto now = std::chrono::steady_clock::now();
    if (now > window_start_ + interval_) {
      tokens_ = rate_;
      window_start_ = now;
    }
    if (tokens_ > 0) {
      --tokens_;
      return Status::Ok();
    }
  }
  return Status(StatusCode::kLimitExceeded, "Failed to invoke service " + interface_ + "." +
                                                request.method +
                                                " because exceed max service tps.");
}

}  // namespace dubbo::rpc

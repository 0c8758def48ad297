// "timeout": Dubbo's provider TimeoutFilter. When a call took longer than the provider URL's
// `timeout` (`<method>.timeout` per method) it logs a warning "invoke timed out. method: ..."
// once the call is answered; it never aborts the call (the consumer's own timer decides what the
// caller sees). Only in the chain when the provider URL sets a timeout. Thread-safe.
#pragma once

#include <memory>

#include "rpc/method_table.h"
#include "rpc/provider_filter.h"

namespace dubbo::rpc {

class TimeoutFilter final : public rpc::ProviderFilter {
 public:
  // Null when neither `timeout` nor any `<method>.timeout` is above 0.
  static Result<std::shared_ptr<rpc::ProviderFilter>> Create(const Url& url);

  Status Before(const rpc::RequestInfo&) override { return Status::Ok(); }
  void After(const rpc::RequestInfo& request, const rpc::CallOutcome& outcome) override;

 private:
  TimeoutFilter(Url url, MethodTable<int64_t> limits)
      : url_(std::move(url)), limits_(std::move(limits)) {}

  const Url url_;
  const MethodTable<int64_t> limits_;
};

// "Ljava/lang/String;I[J" -> "java.lang.String,int,[J": parameter types as Java's Class.getName()
// prints them, for log lines. A malformed descriptor is returned as it is.
std::string JavaTypeNames(std::string_view descriptor);

}  // namespace dubbo::rpc

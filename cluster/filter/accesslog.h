// "accesslog" on the consumer side (not in Dubbo): each provider invoker's chain records every
// call it sends, in the provider filter's line format and through the same background writer
// (rpc/filter/accesslog.h). Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "cluster/filter.h"
#include "rpc/filter/accesslog.h"

namespace dubbo::cluster {

// The consumer side (not in Dubbo): records each call sent to this provider.
class ConsumerAccessLogFilter final : public Filter {
 public:
  static Result<std::shared_ptr<Filter>> Create(const Url& url);
  void Invoke(rpc::Invoker& next, std::shared_ptr<const rpc::Invocation> inv,
              rpc::ResponseCallback done) override;

 private:
  ConsumerAccessLogFilter(std::shared_ptr<rpc::AccessLogWriter> writer, std::string destination,
                          const Url& url);
  const std::shared_ptr<rpc::AccessLogWriter> writer_;
  const std::string destination_;
  const std::string from_;
  const std::string to_;
  const std::string version_;
  const std::string group_;
  const uint8_t serialization_;
};

}  // namespace dubbo::cluster

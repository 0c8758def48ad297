#include "cluster/filter/accesslog.h"

#include <chrono>

#include "codec/serialization.h"

namespace dubbo::cluster {

using rpc::AccessLogDestination;
using rpc::AccessLogEntry;
using rpc::AccessLogWriter;

Result<std::shared_ptr<Filter>> ConsumerAccessLogFilter::Create(const Url& url) {
  std::string destination;
  if (!AccessLogDestination(url, &destination)) return std::shared_ptr<Filter>();
  auto writer = AccessLogWriter::Shared();
  DUBBO_RETURN_IF_ERROR(writer->Open(destination));
  return std::shared_ptr<Filter>(
      new ConsumerAccessLogFilter(std::move(writer), std::move(destination), url));
}

ConsumerAccessLogFilter::ConsumerAccessLogFilter(std::shared_ptr<AccessLogWriter> writer,
                                                 std::string destination, const Url& url)
    : writer_(std::move(writer)),
      destination_(std::move(destination)),
      from_(url.Get("application", "consumer")),
      to_(url.Address()),
      version_(url.Get("version")),
      group_(url.Get("group")),
      serialization_([&] {
        const Serialization* s =
            SerializationRegistry::Global().Find(url.Get("serialization", "hessian2"));
        return s != nullptr ? static_cast<uint8_t>(s->id()) : uint8_t{2};
      }()) {}

void ConsumerAccessLogFilter::Invoke(rpc::Invoker& next, std::shared_ptr<const rpc::Invocation> inv,
                                     rpc::ResponseCallback done) {
  AccessLogEntry e;
  e.time = std::chrono::system_clock::now();
  e.from = from_;
  e.to = to_;
  e.service = ServiceKey(inv->settings.group.empty() ? group_ : inv->settings.group, inv->interface,
                         inv->settings.version.empty() ? version_ : inv->settings.version);
  e.method = inv->method;
  e.descriptor = inv->descriptor;
  e.serialization = serialization_;
  e.arguments = inv->arguments;
  writer_->Append(destination_, std::move(e));
  next.Invoke(std::move(inv), std::move(done));
}

}  // namespace dubbo::cluster

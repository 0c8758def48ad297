#include "rpc/filter/timeout.h"

#include <chrono>

#include "common/log.h"
#include "rpc/frame.h"

namespace dubbo::rpc {

std::string JavaTypeNames(std::string_view descriptor) {
  auto parts = rpc::SplitDescriptor(descriptor);
  if (!parts.ok()) return std::string(descriptor);
  std::string out;
  for (std::string_view p : *parts) {
    if (!out.empty()) out += ',';
    if (p.front() == '[') {  // arrays print in descriptor form, with dots
      for (char c : p) out += c == '/' ? '.' : c;
      continue;
    }
    switch (p.front()) {
      case 'Z':
        out += "boolean";
        break;
      case 'B':
        out += "byte";
        break;
      case 'C':
        out += "char";
        break;
      case 'D':
        out += "double";
        break;
      case 'F':
        out += "float";
        break;
      case 'I':
        out += "int";
        break;
      case 'J':
        out += "long";
        break;
      case 'S':
        out += "short";
        break;
      case 'V':
        out += "void";
        break;
      default:  // Lpkg/Name;
        for (char c : p.substr(1, p.size() - 2)) out += c == '/' ? '.' : c;
    }
  }
  return out;
}

Result<std::shared_ptr<rpc::ProviderFilter>> TimeoutFilter::Create(const Url& url) {
  DUBBO_ASSIGN_OR_RETURN(auto limits, IntMethodTable(url, "timeout", 0));
  bool any = limits.fallback() > 0;
  limits.ForEach([&](const std::string&, int64_t v) { any = any || v > 0; });
  if (!any) return std::shared_ptr<rpc::ProviderFilter>();
  return std::shared_ptr<rpc::ProviderFilter>(new TimeoutFilter(url, std::move(limits)));
}

void TimeoutFilter::After(const rpc::RequestInfo& request, const rpc::CallOutcome& outcome) {
  const int64_t limit = limits_.Get(request.method);
  const int64_t elapsed =
      std::chrono::duration_cast<std::chrono::milliseconds>(outcome.elapsed).count();
  if (limit <= 0 || elapsed <= limit) return;
  Url url = url_;
  if (url.port() == 0) url.set_port(request.port);
  LogWarning() << "invoke timed out. method: " << request.method << " arguments: ("
               << JavaTypeNames(request.descriptor) << ") , url is " << url.ToString()
               << ", invoke elapsed " << elapsed << " ms.";
}

}  // namespace dubbo::rpc

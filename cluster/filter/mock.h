// "mock": service degradation, Dubbo's MockClusterInvoker + MockInvoker, as the cluster-level
// filter in front of every reference. Per method (`<method>.mock` over `mock`):
//   force:<action>          never calls a provider; answers with <action>
//   fail:<action>, <action> calls; when the call fails for a reason that is not the method's own
//                           (any non-OK status: no provider, timeout, rejection ...) answers with
//                           <action> instead. Business exceptions are results and pass through.
//   false or empty          no mock
// where <action> is
//   return                  null (as "return null")
//   return null|true|false  that value
//   return empty            the empty value of the return type: answered as a null result, which a
//                           typed stub decodes as R{} ("" / 0 / false / empty container / default
//                           struct); an optional<R> gets nullopt, a generic call null
//   return "text" | 'text'  that string;  return <JSON number|object|array>  that value (objects
//                           decode into structs, arrays into lists);  return <other text>  that
//                           text
//   throw                   a failure (kUnavailable) "mock error : mocked exception for service
//                           degradation." (with ", invoke error is :<cause>" in fail mode)
//   throw <class>           a business exception of that Java class with message "mocked exception
//                           for service degradation.", as the provider would send it (the stub's
//                           ExceptionAs<E> sees it)
// Backquotes stand for double quotes, as in Dubbo. Mock implementation classes (mock=true,
// default, fail, force, or a class name: Java's <Interface>Mock) have no C++ counterpart and are
// rejected when the reference is created, as are unreadable values (mock=return {bad).
//
// Answers are encoded once, at creation, in the reference's serialization (`serialization`,
// default hessian2) exactly as a provider's response body. Thread-safe.
#pragma once

#include <memory>
#include <string>

#include "cluster/filter.h"
#include "rpc/method_table.h"

namespace dubbo::cluster {

class MockFilter final : public Filter, public std::enable_shared_from_this<MockFilter> {
 public:
  // Null when no method has a mock; an error naming the parameter for an unsupported value.
  static Result<std::shared_ptr<Filter>> Create(const Url& url);

  void Invoke(rpc::Invoker& next, std::shared_ptr<const rpc::Invocation> inv,
              rpc::ResponseCallback done) override;

  struct Mock;

 private:
  MockFilter(rpc::MethodTable<std::shared_ptr<const Mock>> mocks, std::string url)
      : mocks_(std::move(mocks)), url_(std::move(url)) {}

  const rpc::MethodTable<std::shared_ptr<const Mock>> mocks_;
  const std::string url_;  // for the log lines
};

}  // namespace dubbo::cluster

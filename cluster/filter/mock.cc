#include "cluster/filter/mock.h"

#include <algorithm>
#include <cctype>

#include "codec/json.h"
#include "codec/typed.h"
#include "common/log.h"
#include "rpc/frame.h"

namespace dubbo::cluster {

struct MockFilter::Mock {
  enum class Mode : uint8_t { kOff, kForce, kFail };
  Mode mode = Mode::kOff;
  bool fails = false;  // `throw` without a class: a failure status, not a body
  uint8_t serialization = 2;
  std::string body;  // the response body otherwise

  rpc::RpcResult Answer(const Status* cause) const {
    rpc::RpcResult r;
    r.remote = "mock";
    if (fails) {
      std::string message = "mock error : mocked exception for service degradation.";
      if (cause != nullptr) message += ", invoke error is :" + cause->ToString();
      r.status = Status(StatusCode::kUnavailable, std::move(message));
      return r;
    }
    r.serialization = serialization;
    r.body = body;
    return r;
  }
};

namespace {

using Mock = MockFilter::Mock;
constexpr std::string_view kDegraded = "mocked exception for service degradation.";

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool IsJsonNumber(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && s[i] == '-') ++i;
  const size_t int_start = i;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
  if (i == int_start) return false;
  if (i < s.size() && s[i] == '.') {
    const size_t frac = ++i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    if (i == frac) return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    const size_t exp = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    if (i == exp) return false;
  }
  return i == s.size();
}

bool IsJavaClassName(std::string_view s) {
  if (s.empty() || s.front() == '.' || s.back() == '.') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$' || c == '.';
  });
}

Status Unsupported(std::string_view name, std::string_view value, std::string_view why) {
  return Status(StatusCode::kInvalidArgument, "parameter " + std::string(name) + "=" +
                                                  std::string(value) + ": " + std::string(why));
}

// MockInvoker.parseMockValue without the return type: nullopt answers a null result.
Result<std::optional<Value>> ParseReturnValue(std::string_view name, std::string_view value,
                                              std::string_view text) {
  if (text == "empty" || text == "null") return std::optional<Value>();
  if (text == "true") return std::optional<Value>(Value::Bool(true));
  if (text == "false") return std::optional<Value>(Value::Bool(false));
  if (text.size() >= 2 && ((text.front() == '"' && text.back() == '"') ||
                           (text.front() == '\'' && text.back() == '\''))) {
    return std::optional<Value>(Value::String(std::string(text.substr(1, text.size() - 2))));
  }
  if (IsJsonNumber(text) || text.front() == '{' || text.front() == '[') {
    auto parsed = ParseJson(text);
    if (!parsed.ok())
      return Unsupported(name, value, "not a valid value: " + parsed.status().message());
    return std::optional<Value>(std::move(*parsed));
  }
  return std::optional<Value>(Value::String(std::string(text)));
}

Result<std::shared_ptr<const Mock>> ParseMock(std::string_view name, std::string_view value,
                                              const Serialization& serialization) {
  auto mock = std::make_shared<Mock>();
  std::string_view v = Trim(value);
  if (v.empty() || EqualsIgnoreCase(v, "false"))
    return std::shared_ptr<const Mock>(std::move(mock));
  mock->mode = v.starts_with("force") ? Mock::Mode::kForce : Mock::Mode::kFail;
  mock->serialization = static_cast<uint8_t>(serialization.id());
  // MockInvoker.normalizeMock.
  for (std::string_view word : {"true", "default", "fail", "force"}) {
    if (EqualsIgnoreCase(v, word)) {
      return Unsupported(
          name, value,
          "a mock implementation class (Java's <Interface>Mock) has no C++ counterpart; use "
          "[force:|fail:]return <value> or [force:|fail:]throw [<exception class>]");
    }
  }
  if (v.starts_with("fail:")) v = Trim(v.substr(5));
  if (v.starts_with("force:")) v = Trim(v.substr(6));
  std::string action(v);
  if (EqualsIgnoreCase(action, "return")) action = "return null";
  if (action.starts_with("return ") || action.starts_with("throw"))
    std::replace(action.begin(), action.end(), '`', '"');

  std::optional<Value> result;
  std::optional<JavaException> exception;
  if (action.starts_with("return ")) {
    DUBBO_ASSIGN_OR_RETURN(result,
                           ParseReturnValue(name, value, Trim(std::string_view(action).substr(7))));
  } else if (action.starts_with("throw")) {
    const std::string_view cls = Trim(std::string_view(action).substr(5));
    if (cls.empty()) {
      mock->fails = true;
      return std::shared_ptr<const Mock>(std::move(mock));
    }
    if (!IsJavaClassName(cls))
      return Unsupported(name, value, "\"" + std::string(cls) + "\" is not a Java class name");
    exception.emplace(std::string(cls), std::string(kDegraded));
  } else {
    return Unsupported(
        name, value,
        "mock implementation classes are a Java feature; use [force:|fail:]return <value> or "
        "[force:|fail:]throw [<exception class>]");
  }
  serialization.Encode(&mock->body, [&](ObjectOutput& o) {
    if (exception) {
      o.WriteInt(static_cast<int32_t>(rpc::ResultFlag::kException));
      WriteThrowable(o, *exception);
    } else if (result) {
      o.WriteInt(static_cast<int32_t>(rpc::ResultFlag::kValue));
      o.WriteValue(*result);
    } else {
      o.WriteInt(static_cast<int32_t>(rpc::ResultFlag::kNull));
    }
  });
  return std::shared_ptr<const Mock>(std::move(mock));
}

}  // namespace

Result<std::shared_ptr<Filter>> MockFilter::Create(const Url& url) {
  DUBBO_ASSIGN_OR_RETURN(const Serialization* s,
                         SerializationRegistry::Global().Get(url.Get("serialization", "hessian2")));
  DUBBO_ASSIGN_OR_RETURN(auto fallback, ParseMock("mock", url.Get("mock"), *s));
  bool any = fallback->mode != Mock::Mode::kOff;
  rpc::MethodTable<std::shared_ptr<const Mock>> mocks(std::move(fallback));
  for (const auto& [method, value] : rpc::MethodParameters(url, "mock")) {
    DUBBO_ASSIGN_OR_RETURN(auto m, ParseMock(method + ".mock", value, *s));
    any = any || m->mode != Mock::Mode::kOff;
    mocks.Set(method, std::move(m));
  }
  if (!any) return std::shared_ptr<Filter>();
  return std::shared_ptr<Filter>(new MockFilter(std::move(mocks), url.ToString()));
}

void MockFilter::Invoke(rpc::Invoker& next, std::shared_ptr<const rpc::Invocation> inv,
                        rpc::ResponseCallback done) {
  const std::shared_ptr<const Mock>& mock = mocks_.Get(inv->method);
  switch (mock->mode) {
    case Mock::Mode::kOff:
      return next.Invoke(std::move(inv), std::move(done));
    case Mock::Mode::kForce:
      LogInfo() << "force-mock: " << inv->method << " force-mock enabled , url : " << url_;
      return done(mock->Answer(nullptr));
    case Mock::Mode::kFail:
      break;
  }
  auto call = inv;  // for the log line
  next.Invoke(std::move(inv), [self = shared_from_this(), mock, call = std::move(call),
                               done = std::move(done)](rpc::RpcResult r) {
    // A business exception is a result (OK status, exception in the body): not a failure here.
    if (r.status.ok() || r.status.code() == StatusCode::kBizException) return done(std::move(r));
    LogWarning() << "fail-mock: " << call->method << " fail-mock enabled , url : " << self->url_
                 << ": " << r.status;
    done(mock->Answer(&r.status));
  });
}

}  // namespace dubbo::cluster

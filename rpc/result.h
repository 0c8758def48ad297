// Decoding a response body (the result flag and what follows) into what a caller asked for:
// a typed value, nothing (void), or a dynamic Value (generic calls). A business exception comes
// back as a kBizException Status carrying the decoded exception; a body that cannot be decoded is
// kClientError (90), as Java's consumer reports it. Stateless; thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <type_traits>

#include "codec/typed.h"
#include "rpc/frame.h"
#include "rpc/message.h"

namespace dubbo::rpc {

namespace internal {
// Reads the flag and, for an exception, the exception; returns the flag (-1 after an error).
int32_t ReadResultHead(ObjectInput& in, Status* exception);
// After the value: reads the attachments of flags 3-5 (of `r`'s body, which `in` reads).
void ReadResultTail(ObjectInput& in, int32_t flag, const RpcResult& r);
Status DecodeBody(const RpcResult& r, FunctionRef<void(ObjectInput&)> read);
}  // namespace internal

template <typename T>
Result<T> DecodeResult(const RpcResult& r) {
  if (!r.status.ok()) return r.status;
  T value{};
  Status exception;
  const Status st = internal::DecodeBody(r, [&](ObjectInput& in) {
    const int32_t flag = internal::ReadResultHead(in, &exception);
    if (flag == static_cast<int32_t>(ResultFlag::kValue) ||
        flag == static_cast<int32_t>(ResultFlag::kValueWithAttachments)) {
      ReadTyped(in, &value);
    }
    internal::ReadResultTail(in, flag, r);
  });
  if (!st.ok()) return st;
  if (!exception.ok()) return exception;
  return value;
}

// The attachments a provider answered with (result flags 3-5); empty for other answers, failures
// and bodies that do not decode.
Attachments ResponseAttachments(const RpcResult& r);

// For void methods: OK, or the failure / business exception.
Status DecodeVoidResult(const RpcResult& r);

// True when `r` is a response carrying a business exception (OK status, result flag 0 or 3):
// reads only the flag, not the exception.
bool IsException(const RpcResult& r);

// An OK result whose body is a null value (result flag 2) in serialization `s`: what a call that
// is answered without a provider (failsafe, failback) returns, so a stub decodes its type's
// default value, or nothing for void methods.
RpcResult NullResult(const Serialization& s);
// The result as a dynamic value (generic calls); back-references inside it are numbered from 0.
Result<Value> DecodeValueResult(const RpcResult& r);

// An Invocation of `$invoke` (Dubbo's generic call): the target method by name and Java parameter
// type names, the arguments as dynamic values (structs as maps with a "class" key).
Invocation GenericInvocation(std::string interface, std::string method,
                             std::vector<std::string> parameter_types, std::vector<Value> args);

}  // namespace dubbo::rpc

#include "rpc/result.h"

#include <utility>

#include "rpc/call_context.h"
#include "rpc/dubbo_codec.h"

namespace dubbo::rpc {

namespace internal {

int32_t ReadResultHead(ObjectInput& in, Status* exception) {
  const int32_t flag = in.ReadInt();
  if (!in.ok()) return -1;
  if (flag < 0 || flag > 5) {
    in.Fail("Unknown result flag, expect '0' '1' '2' '3' '4' '5', but received: " +
            std::to_string(flag));
    return -1;
  }
  if (flag == static_cast<int32_t>(ResultFlag::kException) ||
      flag == static_cast<int32_t>(ResultFlag::kExceptionWithAttachments)) {
    auto e = std::make_shared<JavaException>();
    ReadThrowable(in, e.get());
    if (in.ok())
      *exception = Status(StatusCode::kBizException, e->ToString()).WithException(std::move(e));
  }
  return flag;
}

void ReadResultTail(ObjectInput& in, int32_t flag, const RpcResult& r) {
  if (flag < 3 || !in.ok() || in.AtEnd()) return;
  // The response attachments: usually exactly what a provider without attachments of its own
  // sends, which needs no decoding.
  if (in.offset() <= r.body.size() &&
      std::string_view(r.body).substr(in.offset()) == EncodedResponseAttachments(in.id())) {
    return;
  }
  in.Skip();
}

Status DecodeBody(const RpcResult& r, FunctionRef<void(ObjectInput&)> read) {
  const Serialization* s = SerializationRegistry::Global().Find(r.serialization);
  if (s == nullptr) {
    return Status(StatusCode::kClientError, "response from " + r.remote +
                                                " uses unknown serialization " +
                                                std::to_string(r.serialization));
  }
  const Status st = s->Decode(r.body, read);
  if (!st.ok()) {
    return Status(StatusCode::kClientError,
                  "cannot decode the response from " + r.remote + ": " + st.message());
  }
  return st;
}

}  // namespace internal

Status DecodeVoidResult(const RpcResult& r) {
  if (!r.status.ok()) return r.status;
  Status exception;
  const Status st = internal::DecodeBody(r, [&](ObjectInput& in) {
    const int32_t flag = internal::ReadResultHead(in, &exception);
    if (flag == 1 || flag == 4) in.Skip();
    internal::ReadResultTail(in, flag, r);
  });
  return st.ok() ? exception : st;
}

Result<Value> DecodeValueResult(const RpcResult& r) { return DecodeResult<Value>(r); }

bool IsException(const RpcResult& r) {
  if (!r.status.ok() || r.body.empty()) return false;
  const Serialization* s = SerializationRegistry::Global().Find(r.serialization);
  if (s == nullptr) return false;
  int32_t flag = -1;
  const Status st = s->Decode(r.body, [&](ObjectInput& in) { flag = in.ReadInt(); });
  return st.ok() && (flag == static_cast<int32_t>(ResultFlag::kException) ||
                     flag == static_cast<int32_t>(ResultFlag::kExceptionWithAttachments));
}

RpcResult NullResult(const Serialization& s) {
  RpcResult r;
  r.serialization = static_cast<uint8_t>(s.id());
  s.Encode(&r.body,
           [](ObjectOutput& out) { out.WriteInt(static_cast<int32_t>(ResultFlag::kNull)); });
  return r;
}

Invocation GenericInvocation(std::string interface, std::string method,
                             std::vector<std::string> parameter_types, std::vector<Value> args) {
  Invocation inv;
  inv.interface = std::move(interface);
  inv.method = "$invoke";
  inv.descriptor = "Ljava/lang/String;[Ljava/lang/String;[Ljava/lang/Object;";
  List types{"[string", {}};
  for (auto& t : parameter_types) types.items.push_back(Value::String(std::move(t)));
  Value type_list = Value::FromList(std::move(types));
  Value arg_list = Value::FromList(List{"[object", std::move(args)});
  inv.arguments = MakeArguments([method = std::move(method), type_list = std::move(type_list),
                                 arg_list = std::move(arg_list)](ObjectOutput& out) {
    out.WriteString(method);
    out.WriteValue(type_list);
    out.WriteValue(arg_list);
  });
  inv.attachments.Set("generic", "true");
  return inv;
}

Attachments ResponseAttachments(const RpcResult& r) {
  Attachments out;
  if (!r.status.ok() || r.body.empty()) return out;
  const Serialization* s = SerializationRegistry::Global().Find(r.serialization);
  if (s == nullptr) return out;
  Attachments read;
  const Status st = s->Decode(r.body, [&](ObjectInput& in) {
    const int32_t flag = in.ReadInt();
    if (flag < 3 || flag > 5) return;
    if (flag != static_cast<int32_t>(ResultFlag::kNullWithAttachments)) in.Skip();
    read.ReadFrom(in);
  });
  if (st.ok()) out = std::move(read);
  return out;
}

void CallContext::SetResponse(const RpcResult& r) {
  Attachments a = ResponseAttachments(r);
  std::lock_guard<std::mutex> lock(mu_);
  response_ = std::move(a);
}

namespace {
thread_local std::shared_ptr<CallContext> current_context;
}  // namespace

CallContextScope::CallContextScope(std::shared_ptr<CallContext> ctx)
    : previous_(std::exchange(current_context, std::move(ctx))) {}
CallContextScope::~CallContextScope() { current_context = std::move(previous_); }
const std::shared_ptr<CallContext>& CallContextScope::Current() { return current_context; }

}  // namespace dubbo::rpc

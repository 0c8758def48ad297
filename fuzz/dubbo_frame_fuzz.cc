// libFuzzer target for Dubbo 2 frames as they arrive on a connection: the 16-byte header, then
//   - a request body decoded as the server decodes it (rpc/server.cc Dispatch: the prelude, the
//     arguments per the descriptor, or $echo / $invoke's generic arguments, then the attachments),
//   - an event body (heartbeat, "R"/"W"),
//   - a response body decoded as the client decodes it (rpc/result.h: typed, void, dynamic,
//     IsException), or an error response's message.
// Hessian2 (2) and msgpack (27) bodies; an unknown serialization id is tried as both.
// Properties: a request whose body decodes completely re-encodes through AppendRequestFrame to a
// frame that decodes to the same service, method, descriptor and argument count; decoding it the
// way the server does with its per-thread memory of recent requests (rpc/recent_requests.h), once
// and again, gives what plain decoding gives.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "rpc/dubbo_codec.h"
#include "rpc/recent_requests.h"
#include "rpc/result.h"

namespace fuzz {

struct Item {
  int32_t a = 0;
  std::optional<std::string> b;
};
DUBBO_STRUCT(Item, "demo.Item", a, b)

struct Reply {
  std::string name;
  std::vector<Item> items;
  std::map<std::string, int64_t> counts;
  dubbo::Value any;
};
DUBBO_STRUCT(Reply, "demo.Reply", name, items, counts, any)

struct DecodedRequest {
  dubbo::rpc::RequestInfo info;
  std::vector<dubbo::Value> arguments;
};

constexpr std::string_view kGenericDescriptor =
    "Ljava/lang/String;[Ljava/lang/String;[Ljava/lang/Object;";

// ServerCore::Dispatch's reads; `skip` reads the arguments as NotFound does (Skip), else as values;
// `remembered` reads the prelude and attachments through the server's memory of recent requests.
dubbo::Status DecodeRequest(const dubbo::Serialization& s, std::string_view body, bool skip,
                            DecodedRequest* out, bool remembered = false) {
  return s.Decode(body, [&](dubbo::ObjectInput& in) {
    dubbo::rpc::RequestInfo& info = out->info;
    dubbo::rpc::internal::RecentRequestRef recent;
    if (remembered) {
      recent = dubbo::rpc::internal::ReadPreludeRemembered(in, body, &info);
    } else {
      dubbo::rpc::ReadRequestPrelude(in, &info);
    }
    if (!in.ok()) return;
    (void)dubbo::rpc::SupportsResponseAttachments(info.dubbo_version);
    if ((info.method == "$invoke" || info.method == "$invokeAsync") &&
        info.descriptor == kGenericDescriptor) {
      std::string method;
      dubbo::Value types;
      dubbo::Value args;
      in.ReadString(&method);
      in.ReadValue(&types);
      in.ReadValue(&args);
      if (!in.ok()) return;
      out->arguments = {dubbo::Value::String(method), types, args};
    } else if (info.method == "$echo" && info.descriptor == "Ljava/lang/Object;") {
      dubbo::Value v;
      in.ReadValue(&v);
      out->arguments.push_back(std::move(v));
    } else {
      auto params = dubbo::rpc::SplitDescriptor(info.descriptor);
      if (!params.ok()) {
        in.Fail(params.status().message());
        return;
      }
      for (size_t i = 0; i < params->size() && in.ok(); ++i) {
        if (skip) {
          in.Skip();
        } else {
          dubbo::Value v;
          in.ReadValue(&v);
          out->arguments.push_back(std::move(v));
        }
      }
    }
    if (!in.ok()) return;
    if (remembered) {
      dubbo::rpc::internal::ReadAttachmentsRemembered(in, body, recent, &info);
      return;
    }
    info.attachments.ReadFrom(in);
    info.group = info.attachments.GetString("group").value_or("");
  });
}

bool SameRequest(const DecodedRequest& a, const DecodedRequest& b) {
  const auto& x = a.info;
  const auto& y = b.info;
  if (x.dubbo_version != y.dubbo_version || x.path != y.path || x.version != y.version ||
      x.method != y.method || x.descriptor != y.descriptor || x.group != y.group ||
      a.arguments.size() != b.arguments.size() || x.attachments.size() != y.attachments.size()) {
    return false;
  }
  for (size_t i = 0; i < x.attachments.size(); ++i) {
    if (x.attachments.entries()[i].first != y.attachments.entries()[i].first) return false;
  }
  return true;
}

void CheckRequestRoundTrip(const dubbo::Serialization& s, const DecodedRequest& req) {
  dubbo::rpc::Invocation inv;
  inv.interface = req.info.path;
  inv.settings.version = req.info.version;
  inv.method = req.info.method;
  inv.descriptor = req.info.descriptor;
  inv.settings.group = req.info.group;
  const std::vector<dubbo::Value>* args = &req.arguments;
  inv.arguments = dubbo::rpc::MakeArguments([args](dubbo::ObjectOutput& o) {
    for (const auto& v : *args) o.WriteValue(v);
  });
  std::string frame;
  if (!dubbo::rpc::AppendRequestFrame(inv, s, 7, 0, &frame).ok()) __builtin_trap();
  auto h = dubbo::rpc::DecodeHeader(std::string_view(frame).substr(0, dubbo::rpc::kHeaderSize));
  if (!h.ok() || !h->is_request() || h->serialization() != static_cast<uint8_t>(s.id()))
    __builtin_trap();
  if (static_cast<size_t>(h->body_length) != frame.size() - dubbo::rpc::kHeaderSize)
    __builtin_trap();
  DecodedRequest again;
  const dubbo::Status st =
      DecodeRequest(s, std::string_view(frame).substr(dubbo::rpc::kHeaderSize), false, &again);
  const std::string_view version =
      req.info.version.empty() ? std::string_view("0.0.0") : req.info.version;
  if (!st.ok() || again.info.path != req.info.path || again.info.version != version ||
      again.info.method != req.info.method || again.info.descriptor != req.info.descriptor ||
      again.info.group != req.info.group || again.arguments.size() != req.arguments.size()) {
    __builtin_trap();
  }
}

void Request(const dubbo::rpc::FrameHeader& h, const dubbo::Serialization& s,
             std::string_view body) {
  if (h.is_event()) {
    // Connection::HandleEvent.
    if (!dubbo::rpc::IsHeartbeatBody(s, body) && body.size() <= dubbo::rpc::kMaxEventPayload) {
      (void)dubbo::rpc::DecodeErrorMessage(&s, body);
    }
    return;
  }
  DecodedRequest skipped;
  (void)DecodeRequest(s, body, true, &skipped);
  DecodedRequest read;
  const bool ok = DecodeRequest(s, body, false, &read).ok();
  for (int pass = 0; pass < 2; ++pass) {  // the second pass finds the first one's memory
    DecodedRequest remembered;
    const bool remembered_ok = DecodeRequest(s, body, false, &remembered, true).ok();
    if (remembered_ok != ok || (ok && !SameRequest(read, remembered))) __builtin_trap();
  }
  if (ok) CheckRequestRoundTrip(s, read);
}

void Response(const dubbo::rpc::FrameHeader& h, const dubbo::Serialization& s,
              std::string_view body) {
  if (h.is_event()) return;  // a heartbeat answer is not read
  if (h.status != static_cast<uint8_t>(dubbo::StatusCode::kOk)) {
    (void)dubbo::rpc::DecodeErrorMessage(&s, body);
    return;
  }
  dubbo::rpc::RpcResult r;
  r.serialization = static_cast<uint8_t>(s.id());
  r.body = std::string(body);
  r.remote = "fuzz";
  (void)dubbo::rpc::IsException(r);
  (void)dubbo::rpc::DecodeVoidResult(r);
  (void)dubbo::rpc::DecodeValueResult(r);
  (void)dubbo::rpc::DecodeResult<std::string>(r);
  (void)dubbo::rpc::DecodeResult<int64_t>(r);
  (void)dubbo::rpc::DecodeResult<Reply>(r);
  (void)dubbo::rpc::DecodeResult<std::optional<std::vector<Item>>>(r);
}

}  // namespace fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (input.size() < dubbo::rpc::kHeaderSize) return 0;
  auto header = dubbo::rpc::DecodeHeader(input.substr(0, dubbo::rpc::kHeaderSize));
  if (!header.ok()) return 0;
  // The connection hands over exactly body_length bytes once they have all arrived.
  std::string_view body = input.substr(dubbo::rpc::kHeaderSize);
  if (body.size() > static_cast<size_t>(header->body_length))
    body = body.substr(0, static_cast<size_t>(header->body_length));

  std::vector<const dubbo::Serialization*> serializations;
  if (const dubbo::Serialization* s =
          dubbo::SerializationRegistry::Global().Find(header->serialization())) {
    serializations.push_back(s);
  } else {
    serializations.push_back(dubbo::SerializationRegistry::Global().Find(2));
    serializations.push_back(dubbo::SerializationRegistry::Global().Find(27));
  }
  for (const dubbo::Serialization* s : serializations) {
    if (header->is_request()) {
      fuzz::Request(*header, *s, body);
    } else {
      fuzz::Response(*header, *s, body);
    }
  }
  return 0;
}

#include "rpc/dubbo_codec.h"

#include <atomic>
#include <charconv>

namespace dubbo::rpc {

int64_t NextRequestId() {
  static std::atomic<int64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

namespace {

// Reserves the header, lets `body` append, and returns the body length.
size_t AppendBody(const Serialization& s, std::string* out, FunctionRef<void(ObjectOutput&)> body) {
  const size_t start = out->size();
  out->resize(start + kHeaderSize);
  s.Encode(out, body);
  return out->size() - start - kHeaderSize;
}

std::string TooLarge(size_t length, uint32_t payload) {
  return "Data length too large: " + std::to_string(length) + ", max payload: " + std::to_string(payload);
}

}  // namespace

namespace {
// Attachments the exchange sets from the invocation; the caller's own entries of these names are
// replaced, as Java's invoker replaces them.
constexpr std::string_view kFrameworkKeys[] = {"path", "interface", "version", "group", "timeout"};
bool IsFrameworkKey(std::string_view k) {
  for (auto f : kFrameworkKeys)
    if (f == k) return true;
  return false;
}
}  // namespace

Status AppendRequestFrame(const Invocation& inv, const Serialization& s, int64_t id,
                          uint32_t payload, std::string* out, const CallOverrides& overrides) {
  const size_t start = out->size();
  out->reserve(start + kHeaderSize + 192 + inv.interface.size() * 3);
  std::string_view version = inv.version.empty() ? overrides.version : std::string_view(inv.version);
  if (version.empty()) version = "0.0.0";
  const std::string_view group = inv.group.empty() ? overrides.group : std::string_view(inv.group);
  const std::string_view token = overrides.token;
  // The provider's token replaces a caller's own "token" entry.
  auto framework = [&](std::string_view k) { return IsFrameworkKey(k) || (!token.empty() && k == "token"); };
  const size_t length = AppendBody(s, out, [&](ObjectOutput& o) {
    o.WriteString(kDubboProtocolVersion);
    o.WriteString(inv.interface);
    o.WriteString(version);
    o.WriteString(inv.method);
    o.WriteString(inv.descriptor);
    if (inv.arguments) inv.arguments->Write(o);
    size_t user = 0;
    for (const auto& [k, v] : inv.attachments.entries()) user += framework(k) ? 0 : 1;
    o.WriteMapBegin(4 + (group.empty() ? 0 : 1) + (token.empty() ? 0 : 1) + user);
    o.WriteString("path");
    o.WriteString(inv.interface);
    o.WriteString("interface");
    o.WriteString(inv.interface);
    o.WriteString("version");
    o.WriteString(version);
    if (!group.empty()) {
      o.WriteString("group");
      o.WriteString(group);
    }
    o.WriteString("timeout");
    char timeout[24];
    const int64_t ms = overrides.timeout.count() > 0 ? overrides.timeout.count() : inv.timeout.count();
    const auto end = std::to_chars(timeout, timeout + sizeof timeout, ms).ptr;
    o.WriteString(std::string_view(timeout, static_cast<size_t>(end - timeout)));
    for (const auto& [k, v] : inv.attachments.entries()) {
      if (framework(k)) continue;
      o.WriteString(k);
      Attachments::WriteValue(o, v);
    }
    if (!token.empty()) {
      o.WriteString("token");
      o.WriteString(token);
    }
    o.WriteMapEnd();
  });
  if (payload > 0 && length > payload) {
    out->resize(start);
    return Status(StatusCode::kLimitExceeded, TooLarge(length, payload));
  }
  FrameHeader h;
  h.flags = static_cast<uint8_t>(kFlagRequest | (inv.one_way ? 0 : kFlagTwoWay) |
                                 static_cast<uint8_t>(s.id()));
  h.id = id;
  h.body_length = static_cast<int32_t>(length);
  EncodeHeader(h, out->data() + start);
  return Status::Ok();
}

void AppendResponseFrame(int64_t id, const Serialization& s, uint32_t payload,
                         FunctionRef<void(ObjectOutput&)> write_body, std::string* out) {
  const size_t start = out->size();
  out->reserve(start + 128);
  const size_t length = AppendBody(s, out, write_body);
  if (payload > 0 && length > payload) {
    out->resize(start);
    AppendErrorFrame(id, s, static_cast<uint8_t>(StatusCode::kSerializationError),
                     TooLarge(length, payload), out);
    return;
  }
  FrameHeader h;
  h.flags = static_cast<uint8_t>(s.id());
  h.status = static_cast<uint8_t>(StatusCode::kOk);
  h.id = id;
  h.body_length = static_cast<int32_t>(length);
  EncodeHeader(h, out->data() + start);
}

void AppendErrorFrame(int64_t id, const Serialization& s, uint8_t status, std::string_view message,
                      std::string* out) {
  const size_t start = out->size();
  const size_t length = AppendBody(s, out, [&](ObjectOutput& o) { o.WriteString(message); });
  FrameHeader h;
  h.flags = static_cast<uint8_t>(s.id());
  h.status = status;
  h.id = id;
  h.body_length = static_cast<int32_t>(length);
  EncodeHeader(h, out->data() + start);
}

void AppendHeartbeat(int64_t id, bool request, const Serialization& s, std::string* out) {
  FrameHeader h;
  h.flags = static_cast<uint8_t>(kFlagEvent | static_cast<uint8_t>(s.id()) |
                                 (request ? kFlagRequest | kFlagTwoWay : 0));
  h.status = request ? 0 : static_cast<uint8_t>(StatusCode::kOk);
  h.id = id;
  const std::string_view null = s.NullBytes();
  h.body_length = static_cast<int32_t>(null.size());
  AppendHeader(h, out);
  out->append(null);
}

void AppendEvent(int64_t id, std::string_view event, const Serialization& s, std::string* out) {
  const size_t start = out->size();
  const size_t length = AppendBody(s, out, [&](ObjectOutput& o) { o.WriteString(event); });
  FrameHeader h;
  h.flags = static_cast<uint8_t>(kFlagRequest | kFlagEvent | static_cast<uint8_t>(s.id()));
  h.id = id;
  h.body_length = static_cast<int32_t>(length);
  EncodeHeader(h, out->data() + start);
}

void ReadRequestPrelude(ObjectInput& in, RequestInfo* info) {
  in.ReadString(&info->dubbo_version);
  in.ReadString(&info->path);
  in.ReadString(&info->version);  // null reads as ""
  in.ReadString(&info->method);
  // Dubbox 2.8 clients put an int (-1) between the method name and the descriptor.
  const Value::Kind next = in.PeekKind();
  if (in.ok() && next != Value::Kind::kString && next != Value::Kind::kNull) {
    if (next != Value::Kind::kInt && next != Value::Kind::kLong) {
      in.Fail("expected the parameter descriptor, found " + std::string(KindName(next)));
      return;
    }
    in.Skip();
  }
  in.ReadString(&info->descriptor);
}

bool IsHeartbeatBody(const Serialization& s, std::string_view body) {
  return body.empty() || body == s.NullBytes();
}

std::string DecodeErrorMessage(const Serialization* s, std::string_view body) {
  std::string message;
  if (s != nullptr) {
    const Status st = s->Decode(body, [&](ObjectInput& in) { in.ReadString(&message); });
    if (st.ok()) return message;
  }
  return std::string(body);
}

}  // namespace dubbo::rpc

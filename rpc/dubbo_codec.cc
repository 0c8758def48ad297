#include "rpc/dubbo_codec.h"

#include <atomic>
#include <charconv>
#include <deque>

#include "rpc/recent_slots.h"

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
  return "Data length too large: " + std::to_string(length) +
         ", max payload: " + std::to_string(payload);
}

}  // namespace

namespace {

// The parts of a request that repeat from call to call of one method with the same reference
// settings: the prelude (dubbo version, path, version, method, descriptor) and the framework
// attachments (path, interface, version, group, timeout, token). Each thread encodes them once
// and appends the bytes afterwards; Java encodes them afresh each time, the bytes are the same.
struct RequestParts {
  SerializationId serialization{};
  std::string interface, version, method, descriptor, group, token;
  int64_t timeout_ms = 0;
  std::string prelude;    // five encoded strings
  std::string framework;  // encoded key, value, key, value ...
  size_t framework_pairs = 0;

  bool Matches(SerializationId s, const Invocation& inv, std::string_view v, std::string_view g,
               std::string_view t, int64_t ms) const {
    return method == inv.method && interface == inv.interface && descriptor == inv.descriptor &&
           version == v && group == g && token == t && timeout_ms == ms && serialization == s;
  }
};

// Eight methods per thread cover a stub's hot methods; longer keys are encoded but not kept.
constexpr size_t kRequestPartsSlots = 8;
constexpr size_t kMaxCachedKeyBytes = 1024;

void EncodeRequestParts(const Serialization& s, RequestParts* p) {
  p->prelude.clear();
  p->framework.clear();
  s.Encode(&p->prelude, [&](ObjectOutput& o) {
    o.WriteString(kDubboProtocolVersion);
    o.WriteString(p->interface);
    o.WriteString(p->version);
    o.WriteString(p->method);
    o.WriteString(p->descriptor);
  });
  char timeout[24];
  const auto end = std::to_chars(timeout, timeout + sizeof timeout, p->timeout_ms).ptr;
  s.Encode(&p->framework, [&](ObjectOutput& o) {
    o.WriteString("path");
    o.WriteString(p->interface);
    o.WriteString("interface");
    o.WriteString(p->interface);
    o.WriteString("version");
    o.WriteString(p->version);
    if (!p->group.empty()) {
      o.WriteString("group");
      o.WriteString(p->group);
    }
    o.WriteString("timeout");
    o.WriteString(std::string_view(timeout, static_cast<size_t>(end - timeout)));
    if (!p->token.empty()) {
      o.WriteString("token");
      o.WriteString(p->token);
    }
  });
  p->framework_pairs = 4 + (p->group.empty() ? 0 : 1) + (p->token.empty() ? 0 : 1);
}

// The encoded parts for this call: from the thread's cache, or encoded now (into `scratch` when
// the key is too long to keep).
const RequestParts& FindRequestParts(const Serialization& s, const Invocation& inv,
                                     std::string_view version, std::string_view group,
                                     std::string_view token, int64_t timeout_ms,
                                     RequestParts* scratch) {
  thread_local internal::RecentSlots<RequestParts, kRequestPartsSlots> cache;
  if (const RequestParts* hit = cache.Find([&](const RequestParts& p) {
        return p.Matches(s.id(), inv, version, group, token, timeout_ms);
      })) {
    return *hit;
  }
  const size_t key_bytes = inv.interface.size() + inv.method.size() + inv.descriptor.size() +
                           version.size() + group.size() + token.size();
  RequestParts* p = key_bytes <= kMaxCachedKeyBytes ? &cache.Replace() : scratch;
  p->serialization = s.id();
  p->interface = inv.interface;
  p->version = version;
  p->method = inv.method;
  p->descriptor = inv.descriptor;
  p->group = group;
  p->token = token;
  p->timeout_ms = timeout_ms;
  EncodeRequestParts(s, p);
  return *p;
}

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
  std::string_view version = overrides.VersionOf(inv);
  if (version.empty()) version = "0.0.0";
  const std::string_view group = overrides.GroupOf(inv);
  const std::string_view token = overrides.token;
  const int64_t timeout_ms = overrides.TimeoutOf(inv).count();
  RequestParts scratch;
  const RequestParts& parts = FindRequestParts(s, inv, version, group, token, timeout_ms, &scratch);
  out->reserve(start + kHeaderSize + parts.prelude.size() + parts.framework.size() + 64);
  // The provider's token replaces a caller's own "token" entry.
  auto framework = [&](std::string_view k) {
    return IsFrameworkKey(k) || (!token.empty() && k == "token");
  };
  const size_t length = AppendBody(s, out, [&](ObjectOutput& o) {
    o.WriteEncoded(parts.prelude);
    if (inv.arguments) inv.arguments->Write(o);
    size_t user = 0;
    for (const auto& [k, v] : inv.attachments.entries()) user += framework(k) ? 0 : 1;
    o.WriteMapBegin(parts.framework_pairs + user);
    o.WriteEncoded(parts.framework);
    for (const auto& [k, v] : inv.attachments.entries()) {
      if (framework(k)) continue;
      o.WriteString(k);
      Attachments::WriteValue(o, v);
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

std::string_view EncodedResponseAttachments(SerializationId id) {
  // One entry per serialization id seen by this thread; a deque keeps earlier entries in place.
  thread_local std::deque<std::pair<SerializationId, std::string>> encoded;
  for (const auto& [known, bytes] : encoded)
    if (known == id) return bytes;
  std::string bytes;
  if (const Serialization* s = SerializationRegistry::Global().Find(static_cast<uint8_t>(id))) {
    s->Encode(&bytes, [](ObjectOutput& o) {
      o.WriteMapBegin(1);
      o.WriteString("dubbo");
      o.WriteString(kDubboProtocolVersion);
      o.WriteMapEnd();
    });
  }
  return encoded.emplace_back(id, std::move(bytes)).second;
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

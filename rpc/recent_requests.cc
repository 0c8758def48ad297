#include "rpc/recent_requests.h"

#include <cstring>
#include <string>

#include "rpc/dubbo_codec.h"
#include "rpc/recent_slots.h"

namespace dubbo::rpc::internal {

struct RecentRequest {
  uint64_t stamp = 0;  // 0: empty
  SerializationId serialization{};
  std::string prelude_bytes;
  std::string dubbo_version, path, version, method, descriptor;
  bool attachments_known = false;
  std::string attachment_bytes;
  Attachments attachments;
  std::string group;
  RecentResolution resolution;
};

namespace {

// Enough for the hot methods of the services one thread serves; larger preludes and attachments
// (unusual) are decoded every time.
constexpr size_t kSlots = 8;
constexpr size_t kMaxPreludeBytes = 1024;
constexpr size_t kMaxAttachmentBytes = 2048;

struct Table {
  RecentSlots<RecentRequest, kSlots> slots;
  uint64_t next_stamp = 1;
};

Table& ThreadTable() {
  thread_local Table table;
  return table;
}

// The entry `ref` names, unless it has been replaced since.
RecentRequest* Current(RecentRequestRef ref) {
  return ref.entry != nullptr && ref.entry->stamp == ref.stamp ? ref.entry : nullptr;
}

bool StartsWith(std::string_view body, const RecentRequest& r) {
  const size_t n = r.prelude_bytes.size();
  return n != 0 && body.size() > n && std::memcmp(body.data(), r.prelude_bytes.data(), n) == 0;
}

bool OnlyScalars(const Attachments& a) {
  for (const auto& [k, v] : a.entries()) {
    switch (v.kind()) {
      case Value::Kind::kNull:
      case Value::Kind::kBool:
      case Value::Kind::kInt:
      case Value::Kind::kLong:
      case Value::Kind::kDouble:
      case Value::Kind::kString:
        break;
      default:
        return false;
    }
  }
  return true;
}

// A Hessian typed map ('M') may name its type by an index into the type names the arguments
// introduced: such bytes can mean something else (or be invalid) in another request.
bool ContextFree(SerializationId serialization, std::string_view attachments) {
  if (serialization != SerializationId::kHessian2 || attachments.size() < 2 ||
      attachments[0] != 'M')
    return true;
  const auto type = static_cast<uint8_t>(attachments[1]);
  return type <= 0x1f || (type >= 0x30 && type <= 0x33) || type == 'S' || type == 'R';  // a string
}

}  // namespace

RecentRequestRef ReadPreludeRemembered(ObjectInput& in, std::string_view body, RequestInfo* info) {
  Table& t = ThreadTable();
  const SerializationId serialization = in.id();
  if (RecentRequest* r = t.slots.Find([&](const RecentRequest& r) {
        return r.serialization == serialization && StartsWith(body, r);
      })) {
    info->dubbo_version = r->dubbo_version;
    info->path = r->path;
    info->version = r->version;
    info->method = r->method;
    info->descriptor = r->descriptor;
    in.SkipEncoded(r->prelude_bytes.size());
    return {r, r->stamp};
  }
  ReadRequestPrelude(in, info);
  const size_t length = in.offset();
  if (!in.ok() || length > kMaxPreludeBytes || length >= body.size()) return {};
  RecentRequest& r = t.slots.Replace();
  r.stamp = t.next_stamp++;
  r.serialization = serialization;
  r.prelude_bytes.assign(body.data(), length);
  r.dubbo_version = info->dubbo_version;
  r.path = info->path;
  r.version = info->version;
  r.method = info->method;
  r.descriptor = info->descriptor;
  r.attachments_known = false;
  r.attachment_bytes.clear();
  r.attachments = Attachments();
  r.group.clear();
  r.resolution = {};
  return {&r, r.stamp};
}

RecentResolution* ResolutionOf(RecentRequestRef ref) {
  RecentRequest* r = Current(ref);
  return r != nullptr ? &r->resolution : nullptr;
}

void ReadAttachmentsRemembered(ObjectInput& in, std::string_view body, RecentRequestRef recent,
                               RequestInfo* info) {
  RecentRequest* r = Current(recent);
  const size_t at = in.offset();
  const std::string_view rest = in.ok() && at <= body.size() ? body.substr(at) : std::string_view();
  if (r != nullptr && r->attachments_known && rest == r->attachment_bytes) {
    info->attachments = r->attachments;
    info->group = r->group;
    in.SkipEncoded(rest.size());
    return;
  }
  info->attachments.ReadFrom(in);
  if (!in.ok()) return;
  info->group = info->attachments.GetString("group").value_or("");
  if (r != nullptr && rest.size() <= kMaxAttachmentBytes && ContextFree(in.id(), rest) &&
      OnlyScalars(info->attachments)) {
    r->attachments_known = true;
    r->attachment_bytes.assign(rest);
    r->attachments = info->attachments;
    r->group = info->group;
  }
}

}  // namespace dubbo::rpc::internal

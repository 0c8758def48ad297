// Recognises a request whose prelude (dubbo version, path, version, method, descriptor) and
// attachments repeat, byte for byte, those of a request this thread decoded recently: a consumer
// sends the same bytes for every call of one method (Java, Go and JavaScript encode them afresh
// each time, identically). The provider then copies the decoded strings and shares the decoded
// attachments instead of decoding them again. Only values that define nothing later values refer
// to (strings, numbers) are remembered, so equal bytes always mean equal values.
//
// Thread-confined: each thread has its own small table; a RecentRequestRef is used on the thread
// that produced it, while the request is being decoded.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "codec/serialization.h"
#include "rpc/message.h"

namespace dubbo::rpc::internal {

struct RecentRequest;

// An entry of the calling thread's table, valid while its stamp is unchanged.
struct RecentRequestRef {
  RecentRequest* entry = nullptr;
  uint64_t stamp = 0;
};

// Where a server's dispatch sends a request: the export entry for path:version and, for a
// declared method, its definition (opaque here; the server's types).
struct RequestRoute {
  enum Kind { kMethod, kEcho, kGeneric };
  const void* entry = nullptr;
  const void* method = nullptr;
  Kind kind = kMethod;
};

// A route remembered for a prelude, valid in the export table it was found in. The table is held
// weakly, for its identity only: a replaced table never matches again.
struct RecentResolution {
  std::weak_ptr<const void> table;
  RequestRoute route;

  template <typename Table>
  bool In(const std::shared_ptr<Table>& current) const {
    return route.entry != nullptr && !table.owner_before(current) && !current.owner_before(table);
  }
};

// The resolution remembered with `ref`'s prelude; null when the entry has been replaced since.
RecentResolution* ResolutionOf(RecentRequestRef ref);

// Reads the prelude of `body` (what `in` reads, from its start) into `info`: copied from the table
// when the leading bytes repeat a remembered prelude, otherwise decoded and remembered. Errors are
// recorded on `in`.
RecentRequestRef ReadPreludeRemembered(ObjectInput& in, std::string_view body, RequestInfo* info);

// Reads the attachments that start at in.offset() in `body` into info->attachments and
// info->group: shared from `recent` when the remaining bytes repeat the ones remembered with its
// prelude, otherwise decoded (and remembered when they hold only strings and numbers).
void ReadAttachmentsRemembered(ObjectInput& in, std::string_view body, RecentRequestRef recent,
                               RequestInfo* info);

}  // namespace dubbo::rpc::internal

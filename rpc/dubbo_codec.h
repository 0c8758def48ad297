// Dubbo request/response bodies and whole frames (DubboCodec / ExchangeCodec in Java), written
// and read through a runtime-selected serialization. docs/protocol.md has the layouts: request
// body (#request-body), response body (#response-body), error statuses (#status-codes), events
// (#events-heartbeat-and-read-only), payload limit (#payload-limit), and captured hex dumps of
// each kind of frame (#captured-frames).
// Thread-safe. Each thread keeps the encoded parts of the requests it sent last (prelude and
// framework attachments, a few methods' worth) and appends them verbatim when they repeat.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "codec/serialization.h"
#include "common/function_ref.h"
#include "rpc/frame.h"
#include "rpc/message.h"

namespace dubbo::rpc {

// A process-wide increasing request id (Java's Request id is an AtomicLong too).
int64_t NextRequestId();

// Appends a request frame for `inv` with `overrides` applied: dubbo version "2.0.2", path,
// version ("0.0.0" when none), method, descriptor, arguments, then attachments (the
// invocation's, plus path, interface, version, group when set, timeout in ms, token when set).
// A body over `payload` bytes (0 = no limit) is not appended and fails with kLimitExceeded, as
// Java's ExceedPayloadLimitException.
Status AppendRequestFrame(const Invocation& inv, const Serialization& s, int64_t id,
                          uint32_t payload, std::string* out, const CallOverrides& overrides = {});

// The response attachments a provider sends when it has none of its own, {"dubbo": "2.0.2"} as
// Java adds, encoded in serialization `id` (empty for an unregistered one). Valid for the calling
// thread's lifetime.
std::string_view EncodedResponseAttachments(SerializationId id);

// Appends a response frame whose body `write_body` writes (result flag and what follows).
// A body over `payload` is replaced by a status-25 frame carrying Java's message, so the caller
// learns at once instead of waiting for its timeout.
void AppendResponseFrame(int64_t id, const Serialization& s, uint32_t payload,
                         FunctionRef<void(ObjectOutput&)> write_body, std::string* out);

// Appends a response with a non-OK status; the body is the message as one string.
void AppendErrorFrame(int64_t id, const Serialization& s, uint8_t status, std::string_view message,
                      std::string* out);

// Heartbeat request (two-way event) or response (event), with a serialized null body.
void AppendHeartbeat(int64_t id, bool request, const Serialization& s, std::string* out);
// A one-way event request carrying a short string: "R" (read-only) or "W" (writable again).
void AppendEvent(int64_t id, std::string_view event, const Serialization& s, std::string* out);

// Reads the request prelude: dubbo version, path, version, method, descriptor. Accepts a null
// version and Dubbox's extra int (-1) after the method name.
void ReadRequestPrelude(ObjectInput& in, RequestInfo* info);

// True when a body is the serialization's null: the event is a heartbeat.
bool IsHeartbeatBody(const Serialization& s, std::string_view body);

// The message of an error response (its body is one string); falls back to the raw bytes.
std::string DecodeErrorMessage(const Serialization* s, std::string_view body);

}  // namespace dubbo::rpc

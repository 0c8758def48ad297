// The Dubbo 2 frame: a 16-byte header and a body (docs/protocol.md#frame-header).
//
//   0-1  magic 0xdabb
//   2    flags: 0x80 request, 0x40 two-way, 0x20 event; low 5 bits the serialization id
//   3    status (responses; 0 in requests)
//   4-11 request id, signed 64-bit
//   12-15 body length, signed 32-bit
//
// Also the protocol-level rules that are not byte layouts: Dubbo's version-number parsing (which
// decides whether a response may carry attachments, docs/protocol.md#the-dubbo-version-rule) and
// the JVM parameter descriptor (docs/protocol.md#request-body). Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace dubbo::rpc {

inline constexpr size_t kHeaderSize = 16;
inline constexpr uint8_t kMagicHigh = 0xda;
inline constexpr uint8_t kMagicLow = 0xbb;
inline constexpr uint8_t kFlagRequest = 0x80;
inline constexpr uint8_t kFlagTwoWay = 0x40;
inline constexpr uint8_t kFlagEvent = 0x20;
inline constexpr uint8_t kSerializationMask = 0x1f;

// The protocol version Java has sent since 2.7 and that we send and register.
inline constexpr std::string_view kDubboProtocolVersion = "2.0.2";
inline constexpr uint32_t kDefaultPayload = 8 * 1024 * 1024;
// Event payloads other than a heartbeat's null are short strings ("R", "W").
inline constexpr size_t kMaxEventPayload = 15;

struct FrameHeader {
  uint8_t flags = 0;
  uint8_t status = 0;
  int64_t id = 0;
  int32_t body_length = 0;

  bool is_request() const { return (flags & kFlagRequest) != 0; }
  bool is_two_way() const { return (flags & kFlagTwoWay) != 0; }
  bool is_event() const { return (flags & kFlagEvent) != 0; }
  uint8_t serialization() const { return flags & kSerializationMask; }
};

// Writes the 16 header bytes to `out`.
void EncodeHeader(const FrameHeader& h, char* out);
void AppendHeader(const FrameHeader& h, std::string* out);

// Reads a header from 16 bytes. A wrong magic or a negative length is a kDecodeError: the stream
// cannot be resynchronised.
Result<FrameHeader> DecodeHeader(std::string_view bytes);

// org.apache.dubbo.common.Version.getIntVersion: "a.b.c[.d]" as sum(digits_i * 100^(n-1-i)),
// times 100 when there are exactly three parts; leading digits of each part count, and a value
// that does not parse is the legacy 10000.
int64_t DubboVersionNumber(std::string_view version);
// Version.isSupportResponseAttachment: 2.0.2 <= version <= 2.0.99 (so "2.0.2" yes; "2.0.0", "",
// "2.5.3.6", "2.6.5" no). Responses carry attachments (flags 3/4/5) only for such requests.
bool SupportsResponseAttachments(std::string_view version);

// Splits a JVM parameter descriptor ("Ljava/lang/String;I[J") into one entry per parameter
// ("Ljava/lang/String;", "I", "[J"). Errors name the offset.
Result<std::vector<std::string_view>> SplitDescriptor(std::string_view descriptor);
// The descriptor of one Java type name as Dubbo writes it: "int" -> "I", "java.lang.String" ->
// "Ljava/lang/String;", "int[]" or "[I" -> "[I", "java.lang.String[]" -> "[Ljava/lang/String;".
std::string DescriptorOf(std::string_view java_type);

// Response body flags (DubboCodec.RESPONSE_*), written as an int of the serialization
// (docs/protocol.md#response-body).
enum class ResultFlag : int32_t {
  kException = 0,
  kValue = 1,
  kNull = 2,
  kExceptionWithAttachments = 3,
  kValueWithAttachments = 4,
  kNullWithAttachments = 5,
};

}  // namespace dubbo::rpc

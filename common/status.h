// Status: the outcome of an operation as a value (code + message), used by every layer.
//
// Codes 20..100 are exactly Dubbo's response status bytes
// (org.apache.dubbo.remoting.exchange.Response), so a Status travels to and from the wire without
// translation. Codes from 200 up are local outcomes that never appear as a wire status;
// ToWireStatus() maps them to the status a Dubbo peer expects. A Status is a plain value: copyable,
// cheap when OK (no allocation), not thread-safe to mutate concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>

namespace dubbo {

struct JavaException;  // codec/java_types.h

enum class StatusCode : uint8_t {
  // Dubbo wire status codes.
  kOk = 20,
  kSerializationError = 25,  // response exceeded payload / could not be serialized
  kClientTimeout = 30,       // timed out before the request was sent
  kServerTimeout = 31,       // sent, no answer within the timeout
  kChannelInactive = 35,     // connection closed with the call pending
  kBadRequest = 40,          // provider could not decode the request
  kBadResponse = 50,         // provider could not encode the response
  kServiceNotFound = 60,     // defined by Dubbo, not emitted by Java (it sends 70)
  kServiceError = 70,        // unknown service/method, handler failure before invocation
  kServerError = 80,
  kClientError = 90,           // consumer could not decode the response
  kThreadPoolExhausted = 100,  // provider worker queue full
  // Local outcomes.
  kInvalidArgument = 200,  // caller passed something unusable (bad URL, bad option value)
  kDecodeError = 201,      // malformed input bytes or text; the message says what and where
  kNotFound = 202,
  kAlreadyExists = 203,
  kUnavailable = 204,    // no provider / cannot connect / channel read-only
  kLimitExceeded = 205,  // a configured limit rejected the call (actives, executes, tps, payload)
  kForbidden = 206,      // token mismatch, disabled provider
  kBizException = 207,   // the remote method threw a business exception
  kCancelled = 208,      // shutting down or cancelled by the caller
  kIoError = 209,        // local I/O failure (file, socket)
  kUnimplemented = 210,
  kInternal = 211,
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // "CODE_NAME(code): message", or "OK".
  std::string ToString() const;

  // Prefixes the message with context ("while decoding argument 2: ...") keeping the code.
  Status WithContext(std::string_view context) const;

  // The status byte a Dubbo peer should see for this outcome when it must travel in a response
  // header.
  uint8_t ToWireStatus() const;

  // A kBizException carries the exception the remote method threw (may be null otherwise).
  const std::shared_ptr<const JavaException>& exception() const { return exception_; }
  Status WithException(std::shared_ptr<const JavaException> e) const {
    Status s = *this;
    s.exception_ = std::move(e);
    return s;
  }

  friend bool operator==(const Status& a, const Status& b) {
    return a.code_ == b.code_ && a.message_ == b.message_;
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::shared_ptr<const JavaException> exception_;
};

std::ostream& operator<<(std::ostream& os, const Status& s);

// True for the wire statuses Dubbo defines (20, 25, ..., 100).
bool IsWireStatus(uint8_t status);

}  // namespace dubbo

// Returns early from the enclosing function when `expr` (a Status or Result) is not OK.
#define DUBBO_RETURN_IF_ERROR(expr)                                                    \
  do {                                                                                 \
    if (auto dubbo_status_ = ::dubbo::internal::StatusOf(expr); !dubbo_status_.ok()) { \
      return dubbo_status_;                                                            \
    }                                                                                  \
  } while (0)

namespace dubbo::internal {
inline const Status& StatusOf(const Status& s) { return s; }
}  // namespace dubbo::internal

#include "common/status.h"

namespace dubbo {

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "OK";
    case StatusCode::kSerializationError:
      return "SERIALIZATION_ERROR";
    case StatusCode::kClientTimeout:
      return "CLIENT_TIMEOUT";
    case StatusCode::kServerTimeout:
      return "SERVER_TIMEOUT";
    case StatusCode::kChannelInactive:
      return "CHANNEL_INACTIVE";
    case StatusCode::kBadRequest:
      return "BAD_REQUEST";
    case StatusCode::kBadResponse:
      return "BAD_RESPONSE";
    case StatusCode::kServiceNotFound:
      return "SERVICE_NOT_FOUND";
    case StatusCode::kServiceError:
      return "SERVICE_ERROR";
    case StatusCode::kServerError:
      return "SERVER_ERROR";
    case StatusCode::kClientError:
      return "CLIENT_ERROR";
    case StatusCode::kThreadPoolExhausted:
      return "SERVER_THREADPOOL_EXHAUSTED_ERROR";
    case StatusCode::kInvalidArgument:
      return "INVALID_ARGUMENT";
    case StatusCode::kDecodeError:
      return "DECODE_ERROR";
    case StatusCode::kNotFound:
      return "NOT_FOUND";
    case StatusCode::kAlreadyExists:
      return "ALREADY_EXISTS";
    case StatusCode::kUnavailable:
      return "UNAVAILABLE";
    case StatusCode::kLimitExceeded:
      return "LIMIT_EXCEEDED";
    case StatusCode::kForbidden:
      return "FORBIDDEN";
    case StatusCode::kBizException:
      return "BIZ_EXCEPTION";
    case StatusCode::kCancelled:
      return "CANCELLED";
    case StatusCode::kIoError:
      return "IO_ERROR";
    case StatusCode::kUnimplemented:
      return "UNIMPLEMENTED";
    case StatusCode::kInternal:
      return "INTERNAL";
  }
  return "UNKNOWN";
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string s(StatusCodeName(code_));
  s += '(';
  s += std::to_string(static_cast<int>(code_));
  s += "): ";
  s += message_;
  return s;
}

Status Status::WithContext(std::string_view context) const {
  if (ok()) return *this;
  std::string m(context);
  m += ": ";
  m += message_;
  return Status(code_, std::move(m));
}

bool IsWireStatus(uint8_t s) {
  switch (s) {
    case 20:
    case 25:
    case 30:
    case 31:
    case 35:
    case 40:
    case 50:
    case 60:
    case 70:
    case 80:
    case 90:
    case 100:
      return true;
    default:
      return false;
  }
}

uint8_t Status::ToWireStatus() const {
  const auto c = static_cast<uint8_t>(code_);
  if (IsWireStatus(c)) return c;
  switch (code_) {
    case StatusCode::kDecodeError:
    case StatusCode::kInvalidArgument:
      return static_cast<uint8_t>(StatusCode::kBadRequest);
    case StatusCode::kLimitExceeded:
    case StatusCode::kForbidden:
    case StatusCode::kNotFound:
    case StatusCode::kUnimplemented:
    case StatusCode::kBizException:
      return static_cast<uint8_t>(StatusCode::kServiceError);
    default:
      return static_cast<uint8_t>(StatusCode::kServerError);
  }
}

std::ostream& operator<<(std::ostream& os, const Status& s) { return os << s.ToString(); }

}  // namespace dubbo

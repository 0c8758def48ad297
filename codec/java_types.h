// C++ types for Java classes that Dubbo payloads carry with a special shape. Each codec maps them:
// Hessian 2 uses exactly hessian-lite's shapes (docs/wire-format.md), MessagePack uses Jackson's.
// Plain values; thread-safety as for any struct.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "codec/reflect.h"
#include "codec/value.h"
#include "common/result.h"

namespace dubbo {

// java.math.BigDecimal, kept as its toString() text ("123.45", "1E+3").
struct BigDecimal {
  std::string value;
  friend bool operator==(const BigDecimal&, const BigDecimal&) = default;
};

// java.math.BigInteger, kept as decimal text ("-12345678901234567890"). On the Hessian wire it is a
// reflected object whose portable fields are `signum` (int) and `mag` (big-endian int[] magnitude).
struct BigInteger {
  std::string value = "0";
  friend bool operator==(const BigInteger&, const BigInteger&) = default;

  // Decimal text <-> (signum, magnitude). FromMagnitude validates nothing beyond signum's range.
  static Result<BigInteger> FromMagnitude(int32_t signum, const std::vector<int32_t>& mag);
  Status ToMagnitude(int32_t* signum, std::vector<int32_t>* mag) const;
};

// java.sql.Timestamp / java.sql.Date / java.sql.Time: an object with one field `value` (a date).
struct SqlTimestamp {
  int64_t millis = 0;
  friend bool operator==(const SqlTimestamp&, const SqlTimestamp&) = default;
};
struct SqlDate {
  int64_t millis = 0;
  friend bool operator==(const SqlDate&, const SqlDate&) = default;
};
struct SqlTime {
  int64_t millis = 0;
  friend bool operator==(const SqlTime&, const SqlTime&) = default;
};

// java.lang.StackTraceElement. Hessian writes JDK 9+'s eight fields (loader and module null,
// format 0), which JDK 8 readers accept; on reading only these four are kept.
struct StackTraceElement {
  std::string declaring_class;
  std::string method_name;
  std::string file_name;
  int32_t line_number = 0;
  friend bool operator==(const StackTraceElement&, const StackTraceElement&) = default;
};

// Java field names, in the order JDK 8's serializers write them.
constexpr auto DubboDescribe(const StackTraceElement*) {
  return MakeStruct<StackTraceElement>(
      "java.lang.StackTraceElement",
      DUBBO_FIELD_AS(StackTraceElement, declaring_class, "declaringClass"),
      DUBBO_FIELD_AS(StackTraceElement, method_name, "methodName"),
      DUBBO_FIELD_AS(StackTraceElement, file_name, "fileName"),
      DUBBO_FIELD_AS(StackTraceElement, line_number, "lineNumber"));
}

// The part of a java.lang.Throwable that travels: message, stack trace and cause. User exception
// types (generated from the IDL) derive from it and add their own fields.
struct Throwable {
  std::optional<std::string> message;  // detailMessage
  std::vector<StackTraceElement> stack_trace;
  // Absent when Java's cause is the exception itself (its "no cause" marker) or null.
  std::shared_ptr<const struct JavaException> cause;
};

// Any Java exception, decoded generically: its class name, Throwable fields, and the subclass's
// own fields (in wire order) as dynamic values. Encodes with the Throwable shape Java expects.
struct JavaException : Throwable {
  std::string class_name = "java.lang.RuntimeException";
  std::vector<std::pair<std::string, Value>> extra_fields;

  JavaException() = default;
  JavaException(std::string cls, std::optional<std::string> msg) : class_name(std::move(cls)) {
    message = std::move(msg);
  }
  // "java.lang.IllegalStateException: message" as Java's Throwable.toString() prints it.
  std::string ToString() const;
};

bool operator==(const JavaException& a, const JavaException& b);

}  // namespace dubbo

// Generic calls ($invoke) with JSON on the outside, as the tools that make them by hand use it
// (dubboctl invoke, the QoS `invoke` command): the arguments from a JSON array (codec/json.h),
// and the exception a generic call reports, unwrapped from Java's GenericException and as JSON.
// Stateless; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "codec/java_types.h"
#include "codec/value.h"
#include "common/result.h"

namespace dubbo::rpc {

// The arguments of one call: a JSON array, one element per argument, "$ref" numbers spanning
// every argument (one message). Errors say what was expected or where the JSON is wrong.
Result<std::vector<Value>> ParseJsonArguments(std::string_view json_array);

// The exception as the provider threw it: Java's GenericFilter wraps it in a GenericException
// carrying the original class (exceptionClass) and message (exceptionMessage).
struct ThrownException {
  std::string class_name;
  std::optional<std::string> message;
  // "class: message", or the class alone.
  std::string ToString() const { return message ? class_name + ": " + *message : class_name; }
};
ThrownException UnwrapGenericException(const JavaException& e);

// {"class": ..., "message": ... [, "cause": {...}]}, unwrapped at every level.
Value ExceptionToJsonValue(const JavaException& e);

}  // namespace dubbo::rpc

// JSON <-> Value: the text form of dynamic values, for tools (dubboctl), tests and generic calls.
//
// Plain JSON maps onto Value directly: null, true/false, an integer literal -> int (int32) or long
// (int64; larger is an error), a number with '.' or an exponent -> double, string, array ->
// untyped list, object -> untyped map with string keys in document order.
//
// Where plain JSON cannot say what a Value is, a hessian.js-style hint is used: an object whose
// FIRST key is "$class" or "$ref" (anywhere else those keys are ordinary keys).
//   {"$ref": N}                                  Ref(N); N must name a container already begun
//   {"$class": S, "$": X}                        S one of:
//     "int" "short" "byte"  X integer or numeric string -> int (range-checked per type)
//     "long"                X integer or numeric string -> long
//     "double" "float"      X number, numeric string, "NaN", "Infinity" or "-Infinity" -> double
//                           (float: rounded as Java's float and widened as hessian-lite does)
//     "boolean"             X true/false;  "string": X string
//     "date"                X "2023-11-14T22:13:20[.000](Z|+hh:mm)" or epoch milliseconds
//     "binary"              X standard base64 (padding optional)
//   {"$class": C, "$": [...]}                    list of type C ("java.util.ArrayList" = untyped)
//   {"$class": C, "$": {...} | [[k, v], ...]}    map when C's simple name ends in Map, Hashtable or
//                                                Properties ("java.util.HashMap" = untyped 'H');
//                                                the pairs form allows keys of any kind
//   {"$class": C, "$": {field: value, ...}}      object of class C, fields in document order
//   {"$class": C, "$kind": "list"|"map"|"object", "$": ...}
//                                                forces the kind; C is then taken literally (so
//                                                {"$class":"java.util.HashMap","$kind":"map",...}
//                                                is a map typed "java.util.HashMap")
//   "$": null with any "$class" is null. Keys must come in the order shown.
//
// ToJson emits hints exactly where plain JSON would lose information, so ParseJson(ToJson(v)) == v
// for every Value whose refs point backwards and whose strings are UTF-8 (unpaired surrogates in
// their 3-byte form, as the Hessian reader produces them); hence a message's Hessian bytes
// round-trip through JSON unchanged (NaN payloads aside: every NaN is written as "NaN"). Bytes
// that are not UTF-8 are written as the \u escape of the UTF-16 unit a Java peer would receive.
//
// Errors are kDecodeError "json: <what> at line L, column C (offset O)": line and column 1-based,
// column counted in characters, offset in bytes. Stateless and thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "codec/value.h"
#include "common/result.h"

namespace dubbo {

// Containers nest at most this deep (the Hessian reader's default limit), counted in Values:
// hint wrappers and [key, value] pairs do not count.
inline constexpr int kJsonMaxDepth = 128;

// One JSON document as one Value; "$ref" numbers count the containers of this value.
Result<Value> ParseJson(std::string_view text);

// A JSON array whose elements are the top-level values of one Hessian message; "$ref" numbers
// span all of them.
Result<std::vector<Value>> ParseJsonValues(std::string_view text);

// `indent` spaces per level, 0 for compact output. Scalar hints and refs stay on one line.
std::string ToJson(const Value& v, int indent = 0);
// The values of one message as a JSON array (what ParseJsonValues reads).
std::string ToJson(const std::vector<Value>& values, int indent = 0);

// A date as ToJson writes it: ISO-8601 UTC with milliseconds ("2023-11-14T22:13:20.000Z") for
// years 0000-9999, else the decimal milliseconds since the epoch.
std::string FormatJsonDate(int64_t millis);

}  // namespace dubbo

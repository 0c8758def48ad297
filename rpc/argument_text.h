// AppendJavaText: what Java's String.valueOf(argument) gives for a call argument, so that
// consistenthash hashes the same key a Java consumer would (Dubbo's key is the concatenation of
// String.valueOf(args[i]) for the hashed indexes). Only computed when such a balancer asks.
//
//   std::string    the string itself
//   integers       decimal; bool "true"/"false"
//   double, float  Double.toString / Float.toString (JDK 19+ shortest digits: "1.0", "1.0E10")
//   empty optional "null"
//   enums          the constant's name
//   BigDecimal     its text; BigInteger its decimal text
//   vector, set    "[a, b]" (AbstractCollection.toString; a HashSet's Java order may differ)
//   map            "{k=v, k2=v2}" (AbstractMap.toString, in C++ iteration order)
//   DUBBO_STRUCT   "SimpleName(field=value, ...)", as Lombok's @ToString/@Data writes it
// Anything else (byte[], dates, dynamic Values) has no stable Java text: AppendJavaText returns
// false and appends nothing. Pure functions; thread-safe.
#pragma once

#include <charconv>
#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "codec/java_types.h"
#include "codec/reflect.h"

namespace dubbo::rpc {

namespace internal {

template <typename T, template <typename...> class Template>
struct IsSpecialization : std::false_type {};
template <template <typename...> class Template, typename... Args>
struct IsSpecialization<Template<Args...>, Template> : std::true_type {};

template <typename T>
inline constexpr bool kIsSequence = (IsSpecialization<T, std::vector>::value &&
                                     !std::is_same_v<T, std::vector<uint8_t>>) ||
                                    IsSpecialization<T, std::set>::value
                                    || IsSpecialization<T, std::unordered_set>::value;
template <typename T>
inline constexpr bool kIsMap =
    IsSpecialization<T, std::map>::value || IsSpecialization<T, std::unordered_map>::value;

// Double.toString / Float.toString: the shortest digits (at least 2) that read back as `v`, plain
// between 10^-3 and 10^7, else "d.dddE<exp>".
template <typename F>
void AppendJavaFloating(F v, std::string* out) {
  if (std::isnan(v)) {
    *out += "NaN";
    return;
  }
  if (std::isinf(v)) {
    *out += v < 0 ? "-Infinity" : "Infinity";
    return;
  }
  if (v == 0) {
    *out += std::signbit(v) ? "-0.0" : "0.0";
    return;
  }
  if (v < 0) *out += '-';
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, std::fabs(v), std::chars_format::scientific);
  if (buf[1] == 'e') {
    // One digit reads back as v: Java then writes the 2-digit decimal closest to v (4.9E-324 for
    // Double.MIN_VALUE, where the shortest would be 5E-324; 1.0 for 1).
    r = std::to_chars(buf, buf + sizeof buf, std::fabs(v), std::chars_format::scientific, 1);
  }
  const std::string_view s(buf, static_cast<size_t>(r.ptr - buf));  // "d[.ddd]e±XX"
  const size_t e = s.find('e');
  std::string digits(1, s[0]);
  if (e > 1) digits += s.substr(2, e - 2);
  while (digits.size() > 1 && digits.back() == '0') digits.pop_back();
  int exp = 0;
  std::from_chars(s.data() + e + (s[e + 1] == '+' ? 2 : 1), s.data() + s.size(), exp);
  if (exp >= -3 && exp < 7) {
    const int point = exp + 1;  // digits before the decimal point
    if (point <= 0) {
      *out += "0.";
      out->append(static_cast<size_t>(-point), '0');
      *out += digits;
    } else if (static_cast<size_t>(point) >= digits.size()) {
      *out += digits;
      out->append(static_cast<size_t>(point) - digits.size(), '0');
      *out += ".0";
    } else {
      *out += std::string_view(digits).substr(0, static_cast<size_t>(point));
      *out += '.';
      *out += std::string_view(digits).substr(static_cast<size_t>(point));
    }
  } else {
    *out += digits[0];
    *out += '.';
    *out += digits.size() > 1 ? std::string_view(digits).substr(1) : std::string_view("0");
    *out += 'E';
    *out += std::to_string(exp);
  }
}

template <typename T>
bool AppendText(const T& v, std::string* out) {
  if constexpr (std::is_same_v<T, std::string>) {
    *out += v;
  } else if constexpr (std::is_same_v<T, bool>) {
    *out += v ? "true" : "false";
  } else if constexpr (std::is_integral_v<T>) {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out->append(buf, r.ptr);
  } else if constexpr (std::is_floating_point_v<T>) {
    internal::AppendJavaFloating(v, out);
  } else if constexpr (internal::IsSpecialization<T, std::optional>::value) {
    if (!v) {
      *out += "null";
      return true;
    }
    return AppendText(*v, out);
  } else if constexpr (DescribedEnum<T>) {
    *out += DescribeEnum<T>().NameOf(v);
  } else if constexpr (std::is_same_v<T, BigDecimal> || std::is_same_v<T, BigInteger>) {
    *out += v.value;
  } else if constexpr (internal::kIsSequence<T>) {
    *out += '[';
    bool first = true;
    for (const auto& e : v) {
      if (!first) *out += ", ";
      first = false;
      // (A copy of the element type: vector<bool> iterates over proxies.)
      if (!AppendText(static_cast<const typename T::value_type&>(e), out)) return false;
    }
    *out += ']';
  } else if constexpr (internal::kIsMap<T>) {
    *out += '{';
    bool first = true;
    for (const auto& [k, e] : v) {
      if (!first) *out += ", ";
      first = false;
      if (!AppendText(k, out)) return false;
      *out += '=';
      if (!AppendText(e, out)) return false;
    }
    *out += '}';
  } else if constexpr (DescribedStruct<T>) {
    constexpr auto desc = DescribeStruct<T>();
    std::string_view name = desc.java_class;
    if (const size_t dot = name.rfind('.'); dot != std::string_view::npos)
      name.remove_prefix(dot + 1);
    for (const char c : name)
      *out += c == '$' ? '.' : c;  // Lombok names a nested class Outer.Inner
    *out += '(';
    bool ok = true;
    bool first = true;
    ForEachField(v, [&](const auto& field, const auto& value) {
      if (!ok) return;
      if (!first) *out += ", ";
      first = false;
      *out += field.name;
      *out += '=';
      ok = AppendText(value, out);
    });
    if (!ok) return false;
    *out += ')';
  } else {
    return false;
  }
  return true;
}

}  // namespace internal

// Appends String.valueOf(v) to `out`; false (appending nothing) when v has no stable Java text.
template <typename T>
bool AppendJavaText(const T& v, std::string* out) {
  const size_t size = out->size();
  if (internal::AppendText(v, out)) return true;
  out->resize(size);
  return false;
}

}  // namespace dubbo::rpc

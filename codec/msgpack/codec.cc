#include "codec/msgpack/codec.h"

#include <algorithm>
#include <cmath>

namespace dubbo::msgpack {

namespace {

using ObjectType = ::msgpack::type::object_type;

// A decimal number as java.math.BigDecimal holds it: value = (-1)^negative * digits * 10^-scale.
struct Decimal {
  bool negative = false;
  std::string digits;  // unscaled magnitude without leading zeros; "" is zero
  int64_t scale = 0;
};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

void StripLeadingZeros(std::string* digits) {
  const size_t first = digits->find_first_not_of('0');
  digits->erase(0, first == std::string::npos ? digits->size() : first);
}

// The grammar of Java's BigDecimal(String): [sign] (digits [. [digits]] | . digits) [e [sign]
// digits].
bool ParseDecimal(std::string_view s, Decimal* out) {
  *out = Decimal{};
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) out->negative = s[i++] == '-';
  bool any = false, point = false;
  int64_t fraction = 0;
  for (; i < s.size(); ++i) {
    if (IsDigit(s[i])) {
      out->digits.push_back(s[i]);
      any = true;
      fraction += point ? 1 : 0;
    } else if (s[i] == '.' && !point) {
      point = true;
    } else {
      break;
    }
  }
  if (!any) return false;
  int64_t exponent = 0;
  if (i < s.size()) {
    if (s[i] != 'e' && s[i] != 'E') return false;
    bool negative_exponent = false;
    if (++i < s.size() && (s[i] == '+' || s[i] == '-')) negative_exponent = s[i++] == '-';
    if (i == s.size()) return false;
    for (; i < s.size(); ++i) {
      if (!IsDigit(s[i])) return false;
      exponent = exponent * 10 + (s[i] - '0');
      if (exponent > std::numeric_limits<int32_t>::max()) return false;  // Java's limit too
    }
    if (negative_exponent) exponent = -exponent;
  }
  StripLeadingZeros(&out->digits);
  out->scale = fraction - exponent;
  return true;
}

// BigDecimal.stripTrailingZeros(); zero becomes scale 0.
void StripTrailingZeros(Decimal* d) {
  while (!d->digits.empty() && d->digits.back() == '0') {
    d->digits.pop_back();
    --d->scale;
  }
  if (d->digits.empty()) d->scale = 0;
}

// BigDecimal.toString(): plain when the scale is non-negative and the adjusted exponent is at
// least -6, scientific ("1.0E+20") otherwise.
std::string JavaToString(const Decimal& d) {
  const std::string coeff = d.digits.empty() ? "0" : d.digits;
  const auto size = static_cast<int64_t>(coeff.size());
  const int64_t adjusted = -d.scale + (size - 1);
  std::string out = d.negative && !d.digits.empty() ? "-" : "";
  if (d.scale >= 0 && adjusted >= -6) {
    if (d.scale == 0) {
      out += coeff;
    } else if (size > d.scale) {
      out += coeff.substr(0, static_cast<size_t>(size - d.scale));
      out += '.';
      out += coeff.substr(static_cast<size_t>(size - d.scale));
    } else {
      out += "0.";
      out.append(static_cast<size_t>(d.scale - size), '0');
      out += coeff;
    }
    return out;
  }
  out += coeff[0];
  if (size > 1) out += "." + coeff.substr(1);
  out += adjusted >= 0 ? "E+" : "E";
  out += std::to_string(adjusted);
  return out;
}

// BigDecimal.valueOf(d), i.e. new BigDecimal(Double.toString(d)): the shortest digits that
// round-trip, laid out as Java prints a double (plain with at least one fraction digit for
// 1e-3 <= |d| < 1e7, else d.dddE<n> with at least one digit after the point). d is finite.
Decimal JavaDecimalOf(double d) {
  if (d == 0) return Decimal{false, "", 1};  // "0.0"
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof(buf), d, std::chars_format::scientific);
  const std::string_view text(buf, static_cast<size_t>(res.ptr - buf));
  Decimal out;
  out.negative = text[0] == '-';
  const size_t e = text.find('e');
  std::string mantissa;
  for (char c : text.substr(0, e)) {
    if (IsDigit(c)) mantissa.push_back(c);
  }
  int64_t exponent = 0;
  std::string_view exp_text = text.substr(e + 1);
  if (!exp_text.empty() && exp_text[0] == '+') exp_text.remove_prefix(1);
  std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exponent);
  const auto size = static_cast<int64_t>(mantissa.size());
  const double a = std::fabs(d);
  if (a >= 1e-3 && a < 1e7) {
    const int64_t fraction = std::max<int64_t>(size - 1 - exponent, 1);
    mantissa.append(static_cast<size_t>(fraction - (size - 1 - exponent)), '0');
    out.scale = fraction;
  } else {
    if (size == 1) mantissa += '0';
    out.scale = static_cast<int64_t>(mantissa.size()) - 1 - exponent;
  }
  out.digits = std::move(mantissa);
  StripLeadingZeros(&out.digits);
  return out;
}

// Packs digits * 10^zeros (with sign) as an integer when it fits msgpack's 64 bits, as
// msgpack-java's packBigInteger does; false when it does not fit.
bool PackIntegral(Packer& p, bool negative, const std::string& digits, int64_t zeros) {
  if (static_cast<int64_t>(digits.size()) + zeros > 20) return false;
  uint64_t v = 0;
  auto push = [&v](unsigned digit) {
    if (v > (std::numeric_limits<uint64_t>::max() - digit) / 10) return false;
    v = v * 10 + digit;
    return true;
  };
  for (char c : digits) {
    if (!push(static_cast<unsigned>(c - '0'))) return false;
  }
  for (int64_t i = 0; i < zeros; ++i) {
    if (!push(0)) return false;
  }
  if (!negative) {
    p.PackUint(v);
    return true;
  }
  constexpr uint64_t kMinMagnitude = uint64_t{1} << 63;
  if (v > kMinMagnitude) return false;
  p.PackInt(v == kMinMagnitude ? std::numeric_limits<int64_t>::min() : -static_cast<int64_t>(v));
  return true;
}

// Integer text ([sign] digits) without sign noise or leading zeros; false when not an integer.
bool CanonicalInteger(std::string_view s, bool* negative, std::string* digits) {
  *negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    *negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.empty() || !std::all_of(s.begin(), s.end(), IsDigit)) return false;
  digits->assign(s);
  StripLeadingZeros(digits);
  if (digits->empty()) *negative = false;
  return true;
}

std::string IntegerText(bool negative, const std::string& digits) {
  return digits.empty() ? "0" : (negative ? "-" : "") + digits;
}

}  // namespace

namespace internal {

int FieldIndex(std::span<const std::string_view> names, std::string_view name) {
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return static_cast<int>(i);
  return -1;
}

void WriteThrowableHead(Packer& p, const Throwable& t, size_t own_fields) {
  p.PackMapHeader(own_fields + 5);
  p.PackString("cause");
  if (t.cause) {
    Codec<JavaException>::Write(p, *t.cause);
  } else {
    p.PackNil();
  }
  p.PackString("stackTrace");
  Write(p, t.stack_trace);
}

void WriteThrowableTail(Packer& p, const Throwable& t) {
  p.PackString("message");
  Write(p, t.message);
  p.PackString("localizedMessage");  // Throwable.getLocalizedMessage() defaults to getMessage()
  Write(p, t.message);
  p.PackString("suppressed");
  p.PackArrayHeader(0);
}

bool ReadThrowableField(Reader& r, std::string_view name, const ::msgpack::object& value,
                        Throwable* t) {
  if (name == "message" || name == "detailMessage") {
    Read(r, value, &t->message);
  } else if (name == "stackTrace") {
    Read(r, value, &t->stack_trace);
  } else if (name == "cause") {
    if (value.type == ObjectType::NIL) {
      t->cause.reset();
    } else {
      auto cause = std::make_shared<JavaException>();
      Codec<JavaException>::Read(r, value, cause.get());
      cause->class_name = "java.lang.Throwable";  // what Jackson rebuilds: no type information
      t->cause = std::move(cause);
    }
  } else {
    return name == "localizedMessage" || name == "suppressed";
  }
  return true;
}

}  // namespace internal

// --- BigDecimal / BigInteger ---------------------------------------------------------------------

void Codec<BigDecimal>::Write(Packer& p, const BigDecimal& v) {
  if (v.value.empty()) return p.PackNil();  // no number: Java's null
  Decimal d;
  if (!ParseDecimal(v.value, &d)) return p.PackString(v.value);  // let the peer reject it
  StripTrailingZeros(&d);
  if (d.digits.empty()) return p.PackInt(0);
  if (d.scale <= 0) {
    if (!PackIntegral(p, d.negative, d.digits, -d.scale)) p.PackString(v.value);
    return;
  }
  // msgpack-java sends a float64 only when Double.toString of it denotes the same number.
  const std::string text = (d.negative ? "-" : "") + d.digits + "e" + std::to_string(-d.scale);
  double x = 0;
  const auto res = std::from_chars(text.data(), text.data() + text.size(), x);
  if (res.ec == std::errc() && std::isfinite(x) && x != 0) {
    Decimal shortest = JavaDecimalOf(x);
    StripTrailingZeros(&shortest);
    if (shortest.negative == d.negative && shortest.digits == d.digits &&
        shortest.scale == d.scale) {
      return p.PackDouble(x);
    }
  }
  p.PackString(v.value);
}

void Codec<BigDecimal>::Read(Reader& r, const ::msgpack::object& o, BigDecimal* v) {
  switch (o.type) {
    case ObjectType::NIL:
      *v = BigDecimal{};
      return;
    case ObjectType::POSITIVE_INTEGER:
      v->value = std::to_string(o.via.u64);
      return;
    case ObjectType::NEGATIVE_INTEGER:
      v->value = std::to_string(o.via.i64);
      return;
    case ObjectType::FLOAT32:
    case ObjectType::FLOAT64:
      if (std::isfinite(o.via.f64)) {
        v->value = JavaToString(JavaDecimalOf(o.via.f64));
        return;
      }
      break;
    case ObjectType::STR: {
      Decimal d;
      if (ParseDecimal(std::string_view(o.via.str.ptr, o.via.str.size), &d)) {
        v->value = JavaToString(d);
        return;
      }
      break;
    }
    default:
      break;
  }
  r.Mismatch("BigDecimal (number)", o);
}

void Codec<BigInteger>::Write(Packer& p, const BigInteger& v) {
  bool negative = false;
  std::string digits;
  if (!CanonicalInteger(v.value, &negative, &digits)) return p.PackString(v.value);
  if (!PackIntegral(p, negative, digits, 0)) p.PackString(IntegerText(negative, digits));
}

void Codec<BigInteger>::Read(Reader& r, const ::msgpack::object& o, BigInteger* v) {
  switch (o.type) {
    case ObjectType::NIL:
      *v = BigInteger{};
      return;
    case ObjectType::POSITIVE_INTEGER:
      v->value = std::to_string(o.via.u64);
      return;
    case ObjectType::NEGATIVE_INTEGER:
      v->value = std::to_string(o.via.i64);
      return;
    case ObjectType::FLOAT32:
    case ObjectType::FLOAT64:
      // Jackson: BigDecimal.valueOf(d).toBigInteger(), i.e. the decimal form truncated.
      if (std::isfinite(o.via.f64)) {
        Decimal d = JavaDecimalOf(o.via.f64);
        if (d.scale <= 0) {
          d.digits.append(static_cast<size_t>(-d.scale), '0');
        } else {
          d.digits.resize(d.digits.size() > static_cast<size_t>(d.scale)
                              ? d.digits.size() - static_cast<size_t>(d.scale)
                              : 0);
        }
        v->value = IntegerText(d.negative, d.digits);
        return;
      }
      break;
    case ObjectType::STR: {
      bool negative = false;
      std::string digits;
      if (CanonicalInteger(std::string_view(o.via.str.ptr, o.via.str.size), &negative, &digits)) {
        v->value = IntegerText(negative, digits);
        return;
      }
      break;
    }
    default:
      break;
  }
  r.Mismatch("BigInteger (integer)", o);
}

// --- dates and stack traces ----------------------------------------------------------------------

void Codec<SqlTime>::Read(Reader& r, const ::msgpack::object& o, SqlTime* v) {
  if (o.type != ObjectType::STR) {
    v->millis = r.ToDateMillis(o);
    return;
  }
  // Jackson's own form, Time.toString(): "HH:mm:ss" (taken as UTC here).
  const std::string_view s(o.via.str.ptr, o.via.str.size);
  auto two = [&](size_t at) { return (s[at] - '0') * 10 + (s[at + 1] - '0'); };
  if (s.size() == 8 && s[2] == ':' && s[5] == ':' &&
      std::all_of(s.begin(), s.end(), [](char c) { return IsDigit(c) || c == ':'; }) &&
      two(0) < 24 && two(3) < 60 && two(6) < 60) {
    v->millis = ((two(0) * 60 + two(3)) * 60 + two(6)) * int64_t{1000};
    return;
  }
  r.Mismatch("java.sql.Time (epoch milliseconds or HH:mm:ss)", o);
}

// Jackson's bean view of StackTraceElement; the JDK 8 property set, which every Jackson version
// reads (JDK 9's classLoaderName/moduleName/moduleVersion are unknown to older ones).
void Codec<StackTraceElement>::Write(Packer& p, const StackTraceElement& v) {
  p.PackMapHeader(5);
  p.PackString("methodName");
  p.PackString(v.method_name);
  p.PackString("fileName");
  if (v.file_name.empty()) {
    p.PackNil();
  } else {
    p.PackString(v.file_name);
  }
  p.PackString("lineNumber");
  p.PackInt(v.line_number);
  p.PackString("className");
  p.PackString(v.declaring_class);
  p.PackString("nativeMethod");
  p.PackBool(v.line_number == -2);  // StackTraceElement.isNativeMethod()
}

void Codec<StackTraceElement>::Read(Reader& r, const ::msgpack::object& o, StackTraceElement* v) {
  *v = StackTraceElement{};
  internal::ReadFields(r, o, "java.lang.StackTraceElement",
                       [&](std::string_view name, const ::msgpack::object& value) {
                         if (name == "className" || name == "declaringClass") {
                           r.ToString(value, &v->declaring_class);
                         } else if (name == "methodName") {
                           r.ToString(value, &v->method_name);
                         } else if (name == "fileName") {
                           r.ToString(value, &v->file_name);
                         } else if (name == "lineNumber") {
                           dubbo::msgpack::Read(r, value, &v->line_number);
                         }
                       });
}

// --- exceptions ----------------------------------------------------------------------------------

void Codec<JavaException>::Write(Packer& p, const JavaException& v) {
  internal::WriteThrowableHead(p, v, v.extra_fields.size());
  for (const auto& [name, value] : v.extra_fields) {
    p.PackString(name);
    p.PackValue(value);
  }
  internal::WriteThrowableTail(p, v);
}

void Codec<JavaException>::Read(Reader& r, const ::msgpack::object& o, JavaException* v) {
  *v = JavaException{};
  internal::ReadFields(r, o, "java.lang.Throwable",
                       [&](std::string_view name, const ::msgpack::object& value) {
                         if (internal::ReadThrowableField(r, name, value, v)) return;
                         Value field;
                         r.ToValue(value, &field);
                         v->extra_fields.emplace_back(std::string(name), std::move(field));
                       });
}

// --- whole messages ------------------------------------------------------------------------------

Result<std::vector<Value>> DecodeAll(std::string_view bytes) {
  Reader r(bytes);
  std::vector<Value> values;
  while (!r.AtEnd()) {
    const auto* o = r.Next();
    if (o == nullptr) break;
    r.ToValue(*o, &values.emplace_back());
  }
  if (!r.ok()) return r.status();
  return values;
}

std::string EncodeAll(const std::vector<Value>& values) {
  std::string out;
  Packer p(&out);
  for (const auto& v : values) p.PackValue(v);
  return out;
}

}  // namespace dubbo::msgpack

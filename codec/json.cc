#include "codec/json.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>

namespace dubbo {

namespace {

constexpr std::string_view kUntypedList = "java.util.ArrayList";
constexpr std::string_view kUntypedMap = "java.util.HashMap";

// ---- hint classification, shared by the parser and the emitter --------------------------------

enum class HintKind : uint8_t { kNone, kList, kMap, kObject };

bool IsScalarHint(std::string_view c) {
  for (std::string_view s :
       {"int", "long", "short", "byte", "double", "float", "boolean", "string", "date", "binary"}) {
    if (c == s) return true;
  }
  return false;
}

bool IsMapClass(std::string_view c) {
  if (c.empty() || c[0] == '[') return false;  // "[java.util.HashMap" is an array of maps
  const size_t dot = c.rfind('.');
  const std::string_view simple = dot == std::string_view::npos ? c : c.substr(dot + 1);
  return simple.ends_with("Map") || simple.ends_with("Hashtable") || simple.ends_with("Properties");
}

// The container kind a "$class" hint without "$kind" denotes; kNone for the scalar hint names.
HintKind InferKind(std::string_view cls, bool payload_is_array) {
  if (IsScalarHint(cls)) return HintKind::kNone;
  if (IsMapClass(cls)) return HintKind::kMap;
  return payload_is_array ? HintKind::kList : HintKind::kObject;
}

// ---- dates -------------------------------------------------------------------------------------

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

constexpr int64_t kMillisPerDay = 86400000;
constexpr int64_t kMinIsoMillis = -62167219200000;  // 0000-01-01T00:00:00.000Z
constexpr int64_t kMaxIsoMillis = 253402300799999;  // 9999-12-31T23:59:59.999Z

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads `n` digits at s[*i]; false when they are not all digits.
bool Digits(std::string_view s, size_t* i, size_t n, unsigned* out) {
  if (s.size() - *i < n) return false;
  unsigned v = 0;
  for (size_t k = 0; k < n; ++k) {
    const char c = s[*i + k];
    if (!IsDigit(c)) return false;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  *i += n;
  *out = v;
  return true;
}

bool Char(std::string_view s, size_t* i, char c) {
  if (*i >= s.size() || s[*i] != c) return false;
  ++*i;
  return true;
}

// "YYYY-MM-DDTHH:MM:SS[.f{1,3}](Z|+hh:mm|-hh:mm)".
bool ParseIsoDate(std::string_view s, int64_t* millis) {
  size_t i = 0;
  unsigned year, month, day, hour, minute, second;
  if (!Digits(s, &i, 4, &year) || !Char(s, &i, '-') || !Digits(s, &i, 2, &month) ||
      !Char(s, &i, '-') || !Digits(s, &i, 2, &day) || !Char(s, &i, 'T') ||
      !Digits(s, &i, 2, &hour) || !Char(s, &i, ':') || !Digits(s, &i, 2, &minute) ||
      !Char(s, &i, ':') || !Digits(s, &i, 2, &second)) {
    return false;
  }
  unsigned ms = 0;
  if (Char(s, &i, '.')) {
    size_t n = 0;
    while (i + n < s.size() && IsDigit(s[i + n]) && n < 4) ++n;
    if (n == 0 || n > 3) return false;
    unsigned frac;
    Digits(s, &i, n, &frac);
    ms = n == 1 ? frac * 100 : n == 2 ? frac * 10 : frac;
  }
  int64_t offset_minutes = 0;
  if (!Char(s, &i, 'Z')) {
    if (i >= s.size() || (s[i] != '+' && s[i] != '-')) return false;
    const bool negative = s[i++] == '-';
    unsigned oh, om;
    if (!Digits(s, &i, 2, &oh) || !Char(s, &i, ':') || !Digits(s, &i, 2, &om) || oh > 23 ||
        om > 59) {
      return false;
    }
    offset_minutes = (negative ? -1 : 1) * static_cast<int64_t>(oh * 60 + om);
  }
  if (i != s.size()) return false;
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (month < 1 || month > 12 || day < 1 || day > kDays[month - 1] + (month == 2 && leap ? 1 : 0) ||
      hour > 23 || minute > 59 || second > 59) {
    return false;
  }
  *millis = DaysFromCivil(year, month, day) * kMillisPerDay +
            static_cast<int64_t>((hour * 60 + minute) * 60 + second) * 1000 + ms -
            offset_minutes * 60000;
  return true;
}

// ---- base64 ------------------------------------------------------------------------------------

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void AppendBase64(std::string* out, const Binary& b) {
  size_t i = 0;
  for (; i + 3 <= b.size(); i += 3) {
    const uint32_t v = (uint32_t{b[i]} << 16) | (uint32_t{b[i + 1]} << 8) | b[i + 2];
    const char q[4] = {kBase64[v >> 18], kBase64[(v >> 12) & 63], kBase64[(v >> 6) & 63],
                       kBase64[v & 63]};
    out->append(q, 4);
  }
  if (const size_t rest = b.size() - i; rest > 0) {
    const uint32_t v = (uint32_t{b[i]} << 16) | (rest == 2 ? uint32_t{b[i + 1]} << 8 : 0);
    out->push_back(kBase64[v >> 18]);
    out->push_back(kBase64[(v >> 12) & 63]);
    out->push_back(rest == 2 ? kBase64[(v >> 6) & 63] : '=');
    out->push_back('=');
  }
}

int Base64Digit(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Standard alphabet; the '=' padding may be omitted but not misplaced. On failure `*bad` is the
// offset of the offending character within `s`.
bool DecodeBase64(std::string_view s, Binary* out, size_t* bad) {
  size_t len = s.size();
  size_t pad = 0;
  while (len > 0 && pad < 2 && s[len - 1] == '=') {
    --len;
    ++pad;
  }
  if (pad > 0 && s.size() % 4 != 0) {
    *bad = len;
    return false;
  }
  if (len % 4 == 1) {
    *bad = len - 1;
    return false;
  }
  out->clear();
  out->reserve(len / 4 * 3 + 2);
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < len; ++i) {
    const int d = Base64Digit(s[i]);
    if (d < 0) {
      *bad = i;
      return false;
    }
    acc = (acc << 6) | static_cast<uint32_t>(d);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<uint8_t>(acc >> bits));
    }
  }
  return true;
}

// ---- numbers -----------------------------------------------------------------------------------

bool ToInt64(std::string_view literal, int64_t* out) {
  const auto r = std::from_chars(literal.data(), literal.data() + literal.size(), *out);
  return r.ec == std::errc() && r.ptr == literal.data() + literal.size();
}

// True when a JSON number literal that from_chars found out of range is too large (rather than
// too small): the decimal position of its first significant digit plus its exponent is positive.
bool Overflows(std::string_view lit) {
  size_t i = lit[0] == '-' ? 1 : 0;
  const size_t int_start = i;
  while (i < lit.size() && IsDigit(lit[i])) ++i;
  int64_t position = 0;
  if (lit[int_start] != '0') {
    position = static_cast<int64_t>(i - int_start);
  } else if (i < lit.size() && lit[i] == '.') {
    for (++i; i < lit.size() && lit[i] == '0'; ++i) --position;
  }
  int64_t exponent = 0;
  if (const size_t e = lit.find_first_of("eE"); e != std::string_view::npos) {
    size_t k = e + 1;
    const bool negative = lit[k] == '-';
    if (lit[k] == '-' || lit[k] == '+') ++k;
    for (; k < lit.size(); ++k) {
      if (exponent < 1'000'000'000'000) exponent = exponent * 10 + (lit[k] - '0');  // saturates
    }
    if (negative) exponent = -exponent;
  }
  return position + exponent > 0;
}

// A validated JSON number literal as a double; out of range goes to +-infinity or +-0 as Java's
// Double.parseDouble and JavaScript do.
double ToDouble(std::string_view lit) {
  double d = 0;
  const auto r = std::from_chars(lit.data(), lit.data() + lit.size(), d);
  if (r.ec == std::errc::result_out_of_range) {
    const bool negative = lit[0] == '-';
    if (Overflows(lit)) {
      return negative ? -std::numeric_limits<double>::infinity()
                      : std::numeric_limits<double>::infinity();
    }
    return negative ? -0.0 : 0.0;
  }
  return d;
}

// Length of the JSON number literal starting at s[0], or 0 when it is malformed (`*error_at` is
// then the offset of the offending character); `*integral` when it has no fraction or exponent.
size_t ScanNumber(std::string_view s, bool* integral, size_t* error_at) {
  size_t i = 0;
  *integral = true;
  if (i < s.size() && s[i] == '-') ++i;
  if (i >= s.size() || !IsDigit(s[i])) {
    *error_at = i;
    return 0;
  }
  if (s[i] == '0') {
    ++i;
    if (i < s.size() && IsDigit(s[i])) {  // leading zeros are not JSON
      *error_at = i;
      return 0;
    }
  } else {
    while (i < s.size() && IsDigit(s[i])) ++i;
  }
  if (i < s.size() && s[i] == '.') {
    *integral = false;
    ++i;
    if (i >= s.size() || !IsDigit(s[i])) {
      *error_at = i;
      return 0;
    }
    while (i < s.size() && IsDigit(s[i])) ++i;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    *integral = false;
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (i >= s.size() || !IsDigit(s[i])) {
      *error_at = i;
      return 0;
    }
    while (i < s.size() && IsDigit(s[i])) ++i;
  }
  return i;
}

// True when all of `s` is one JSON number literal.
bool IsNumberText(std::string_view s, bool* integral) {
  size_t ignored;
  return !s.empty() && ScanNumber(s, integral, &ignored) == s.size();
}

// ---- UTF-8 -------------------------------------------------------------------------------------

bool IsCont(uint8_t b) { return (b & 0xC0) == 0x80; }

// Length of the strictly valid UTF-8 sequence at p (no overlongs, surrogates or > U+10FFFF), or 0.
size_t Utf8Length(const uint8_t* p, size_t avail) {
  const uint8_t b = p[0];
  if (b >= 0xC2 && b <= 0xDF) return avail >= 2 && IsCont(p[1]) ? 2 : 0;
  if (b >= 0xE0 && b <= 0xEF) {
    if (avail < 3 || !IsCont(p[1]) || !IsCont(p[2])) return 0;
    if (b == 0xE0 && p[1] < 0xA0) return 0;   // overlong
    if (b == 0xED && p[1] >= 0xA0) return 0;  // surrogate
    return 3;
  }
  if (b >= 0xF0 && b <= 0xF4) {
    if (avail < 4 || !IsCont(p[1]) || !IsCont(p[2]) || !IsCont(p[3])) return 0;
    if (b == 0xF0 && p[1] < 0x90) return 0;   // overlong
    if (b == 0xF4 && p[1] >= 0x90) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

// UTF-8 of a code point; surrogates get their 3-byte (CESU-8) form so Java strings with unpaired
// surrogates survive.
void AppendUtf8(std::string* out, uint32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

void AppendEscapedUnit(std::string* out, uint32_t unit) {
  static constexpr char kHex[] = "0123456789abcdef";
  const char e[6] = {
      '\\',           'u', kHex[(unit >> 12) & 15], kHex[(unit >> 8) & 15], kHex[(unit >> 4) & 15],
      kHex[unit & 15]};
  out->append(e, 6);
}

// A JSON string literal. Multi-byte sequences are classified as the Hessian writer classifies
// them, so what a Java peer would receive is what the escaped text says: valid UTF-8 is copied,
// 3-byte forms of surrogates (and overlong 3-byte forms) become the \u escape of their unit, and
// any other byte becomes \ufffd (the writer sends U+FFFD for it).
void AppendJsonString(std::string* out, std::string_view s) {
  out->push_back('"');
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    const uint8_t* run = p;
    while (p < end && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\') ++p;
    out->append(reinterpret_cast<const char*>(run), static_cast<size_t>(p - run));
    if (p == end) break;
    const uint8_t b = *p;
    const auto avail = static_cast<size_t>(end - p);
    if (b < 0x80) {
      switch (b) {
        case '"':
          out->append("\\\"");
          break;
        case '\\':
          out->append("\\\\");
          break;
        case '\b':
          out->append("\\b");
          break;
        case '\f':
          out->append("\\f");
          break;
        case '\n':
          out->append("\\n");
          break;
        case '\r':
          out->append("\\r");
          break;
        case '\t':
          out->append("\\t");
          break;
        default:
          AppendEscapedUnit(out, b);
          break;
      }
      ++p;
      continue;
    }
    if (const size_t n = Utf8Length(p, avail); n > 0) {
      out->append(reinterpret_cast<const char*>(p), n);
      p += n;
      continue;
    }
    if (b >= 0xE0 && b <= 0xEF && avail >= 3 && IsCont(p[1]) && IsCont(p[2])) {
      AppendEscapedUnit(out, ((b & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu));
      p += 3;
      continue;
    }
    AppendEscapedUnit(out, 0xFFFD);
    ++p;
  }
  out->push_back('"');
}

// ---- parser ------------------------------------------------------------------------------------

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {
    if (text_.starts_with("\xEF\xBB\xBF")) pos_ = 3;  // RFC 8259 lets a parser ignore a BOM
  }

  Result<Value> Document() {
    Value v;
    if (!ParseValue(&v, 0) || !ExpectEnd()) return status_;
    return v;
  }

  Result<std::vector<Value>> DocumentValues() {
    std::vector<Value> values;
    SkipWs();
    if (!AtEnd() && Peek() != '[') {
      Fail(pos_, "expected '[' (an array of the message's values)");
      return status_;
    }
    if (!ParseItems(&values, 0) || !ExpectEnd()) return status_;
    return values;
  }

 private:
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return text_[pos_]; }

  void SkipWs() {
    while (!AtEnd() && (Peek() == ' ' || Peek() == '\n' || Peek() == '\r' || Peek() == '\t'))
      ++pos_;
  }

  bool Fail(size_t offset, std::string_view what) {
    if (!status_.ok()) return false;
    size_t line = 1;
    size_t column = 1;
    for (size_t i = 0; i < offset && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++line;
        column = 1;
      } else if ((static_cast<uint8_t>(text_[i]) & 0xC0) != 0x80) {
        ++column;
      }
    }
    std::string m = "json: ";
    m += what;
    m += " at line " + std::to_string(line) + ", column " + std::to_string(column) + " (offset " +
         std::to_string(offset) + ")";
    status_ = Status(StatusCode::kDecodeError, std::move(m));
    return false;
  }

  // Fails with "expected <what>", or "unexpected end of input, expected <what>" at the end.
  bool FailExpected(std::string_view what) {
    return Fail(pos_,
                (AtEnd() ? "unexpected end of input, expected " : "expected ") + std::string(what));
  }

  bool ExpectEnd() {
    SkipWs();
    return AtEnd() || Fail(pos_, "expected end of input");
  }

  // A container begins: checks the nesting limit and takes the next reference number.
  bool BeginContainer(size_t at, int depth) {
    if (depth >= kJsonMaxDepth) {
      return Fail(at, "nesting deeper than " + std::to_string(kJsonMaxDepth) + " levels");
    }
    ++containers_;
    return true;
  }

  bool ParseValue(Value* out, int depth) {
    SkipWs();
    if (AtEnd()) return FailExpected("a value");
    switch (Peek()) {
      case '{':
        return ParseObject(out, depth);
      case '[': {
        const size_t at = pos_;
        if (!BeginContainer(at, depth)) return false;
        List list;
        if (!ParseItems(&list.items, depth + 1)) return false;
        *out = Value::FromList(std::move(list));
        return true;
      }
      case '"': {
        std::string s;
        if (!ParseString(&s)) return false;
        *out = Value::String(std::move(s));
        return true;
      }
      case 't':
        if (!Literal("true")) return false;
        *out = Value::Bool(true);
        return true;
      case 'f':
        if (!Literal("false")) return false;
        *out = Value::Bool(false);
        return true;
      case 'n':
        if (!Literal("null")) return false;
        *out = Value();
        return true;
      default:
        if (Peek() == '-' || IsDigit(Peek())) return ParsePlainNumber(out);
        return Fail(pos_, "expected a value");
    }
  }

  bool Literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return Fail(pos_, "invalid literal");
    pos_ += word.size();
    return true;
  }

  // A number literal at pos_; `*literal` views it in the input.
  bool ScanNumberAt(std::string_view* literal, bool* integral) {
    size_t error_at = 0;
    const size_t n = ScanNumber(text_.substr(pos_), integral, &error_at);
    if (n == 0) return Fail(pos_ + error_at, "invalid number");
    *literal = text_.substr(pos_, n);
    pos_ += n;
    return true;
  }

  bool ParsePlainNumber(Value* out) {
    const size_t at = pos_;
    std::string_view lit;
    bool integral = false;
    if (!ScanNumberAt(&lit, &integral)) return false;
    if (!integral) {
      *out = Value::Double(ToDouble(lit));
      return true;
    }
    int64_t v = 0;
    if (!ToInt64(lit, &v)) return Fail(at, "integer out of range");
    if (v >= std::numeric_limits<int32_t>::min() && v <= std::numeric_limits<int32_t>::max()) {
      *out = Value::Int(static_cast<int32_t>(v));
    } else {
      *out = Value::Long(v);
    }
    return true;
  }

  bool ParseHex4(size_t at, uint32_t* unit) {
    if (text_.size() - pos_ < 4) return Fail(at, "invalid \\u escape");
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = text_[pos_ + k];
      int d;
      if (c >= '0' && c <= '9') {
        d = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        d = c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        d = c - 'A' + 10;
      } else {
        return Fail(at, "invalid \\u escape");
      }
      v = (v << 4) | static_cast<uint32_t>(d);
    }
    pos_ += 4;
    *unit = v;
    return true;
  }

  // A string at pos_ (which holds '"') into UTF-8.
  bool ParseString(std::string* out) {
    const size_t start = pos_++;
    out->clear();
    while (true) {
      const size_t run = pos_;
      while (!AtEnd()) {
        const auto c = static_cast<uint8_t>(Peek());
        if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') break;
        ++pos_;
      }
      out->append(text_.data() + run, pos_ - run);
      if (AtEnd()) return Fail(start, "unterminated string");
      const auto c = static_cast<uint8_t>(Peek());
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c < 0x20) return Fail(pos_, "control character in string (must be escaped)");
      if (c >= 0x80) {
        const size_t n =
            Utf8Length(reinterpret_cast<const uint8_t*>(text_.data()) + pos_, text_.size() - pos_);
        if (n == 0) return Fail(pos_, "invalid UTF-8 in string");
        out->append(text_.data() + pos_, n);
        pos_ += n;
        continue;
      }
      const size_t esc = pos_++;  // backslash
      if (AtEnd()) return Fail(start, "unterminated string");
      switch (text_[pos_++]) {
        case '"':
          out->push_back('"');
          break;
        case '\\':
          out->push_back('\\');
          break;
        case '/':
          out->push_back('/');
          break;
        case 'b':
          out->push_back('\b');
          break;
        case 'f':
          out->push_back('\f');
          break;
        case 'n':
          out->push_back('\n');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case 't':
          out->push_back('\t');
          break;
        case 'u': {
          uint32_t unit = 0;
          if (!ParseHex4(esc, &unit)) return false;
          if (unit >= 0xD800 && unit <= 0xDBFF && text_.substr(pos_, 2) == "\\u") {
            const size_t save = pos_;
            pos_ += 2;
            uint32_t low = 0;
            if (!ParseHex4(save, &low)) return false;
            if (low >= 0xDC00 && low <= 0xDFFF) {
              AppendUtf8(out, 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00));
              break;
            }
            pos_ = save;  // not a pair: the high surrogate stands alone
          }
          AppendUtf8(out, unit);
          break;
        }
        default:
          return Fail(esc, "invalid escape");
      }
    }
  }

  // `"key":` at pos_ (after whitespace).
  bool ParseKey(std::string* key, size_t* key_at) {
    SkipWs();
    *key_at = pos_;
    if (AtEnd() || Peek() != '"') return FailExpected("a string key");
    if (!ParseString(key)) return false;
    SkipWs();
    if (AtEnd() || Peek() != ':') return FailExpected("':'");
    ++pos_;
    return true;
  }

  // After a member: true with *more when a ',' follows, true with !*more at the closing '}'.
  bool AfterMember(bool* more) {
    SkipWs();
    if (!AtEnd() && Peek() == ',') {
      ++pos_;
      *more = true;
      return true;
    }
    if (!AtEnd() && Peek() == '}') {
      ++pos_;
      *more = false;
      return true;
    }
    return FailExpected("',' or '}'");
  }

  // `[ value, ... ]` at pos_; items are at depth `depth`.
  bool ParseItems(std::vector<Value>* items, int depth) {
    ++pos_;  // '['
    SkipWs();
    if (!AtEnd() && Peek() == ']') {
      ++pos_;
      return true;
    }
    while (true) {
      if (!ParseValue(&items->emplace_back(), depth)) return false;
      SkipWs();
      if (!AtEnd() && Peek() == ',') {
        ++pos_;
        continue;
      }
      if (!AtEnd() && Peek() == ']') {
        ++pos_;
        return true;
      }
      return FailExpected("',' or ']'");
    }
  }

  // `{ "k": v, ... }` at pos_ with plain string keys; values at depth `depth`.
  bool ParseMembers(std::vector<std::pair<std::string, Value>>* members, int depth) {
    ++pos_;  // '{'
    SkipWs();
    if (!AtEnd() && Peek() == '}') {
      ++pos_;
      return true;
    }
    for (bool more = true; more;) {
      std::string key;
      size_t key_at = 0;
      if (!ParseKey(&key, &key_at)) return false;
      auto& member = members->emplace_back(std::move(key), Value());
      if (!ParseValue(&member.second, depth) || !AfterMember(&more)) return false;
    }
    return true;
  }

  static Map ToMap(std::string type, std::vector<std::pair<std::string, Value>> members) {
    Map m{std::move(type), {}};
    m.entries.reserve(members.size());
    for (auto& [k, v] : members) m.entries.emplace_back(Value::String(std::move(k)), std::move(v));
    return m;
  }

  bool ParseObject(Value* out, int depth) {
    const size_t start = pos_++;  // '{'
    SkipWs();
    if (!AtEnd() && Peek() == '}') {
      ++pos_;
      if (!BeginContainer(start, depth)) return false;
      *out = Value::FromMap(Map{});
      return true;
    }
    std::string key;
    size_t key_at = 0;
    if (!ParseKey(&key, &key_at)) return false;
    if (key == "$class") return ParseClassHint(out, depth, start);
    if (key == "$ref") return ParseRefHint(out);
    // A plain object: an untyped map with string keys.
    if (!BeginContainer(start, depth)) return false;
    Map map;
    auto& first = map.entries.emplace_back(Value::String(std::move(key)), Value());
    bool more = false;
    if (!ParseValue(&first.second, depth + 1) || !AfterMember(&more)) return false;
    while (more) {
      if (!ParseKey(&key, &key_at)) return false;
      auto& entry = map.entries.emplace_back(Value::String(std::move(key)), Value());
      if (!ParseValue(&entry.second, depth + 1) || !AfterMember(&more)) return false;
    }
    *out = Value::FromMap(std::move(map));
    return true;
  }

  bool ParseRefHint(Value* out) {
    SkipWs();
    const size_t at = pos_;
    std::string_view lit;
    bool integral = false;
    if (AtEnd() || !(Peek() == '-' || IsDigit(Peek()))) {
      return Fail(at, "\"$ref\" needs a non-negative integer");
    }
    if (!ScanNumberAt(&lit, &integral)) return false;
    int64_t n = -1;
    if (!integral || !ToInt64(lit, &n) || n < 0) {
      return Fail(at, "\"$ref\" needs a non-negative integer");
    }
    if (n >= containers_) {
      return Fail(at, "\"$ref\" " + std::to_string(n) +
                          " does not name a container begun before it (" +
                          std::to_string(containers_) + " so far)");
    }
    SkipWs();
    if (AtEnd() || Peek() != '}')
      return FailExpected("'}' after \"$ref\" (it takes no other keys)");
    ++pos_;
    *out = Value::FromRef(static_cast<uint32_t>(n));
    return true;
  }

  // Reads the string value of a hint key ("$class", "$kind").
  bool HintString(std::string_view key, std::string* out) {
    SkipWs();
    if (AtEnd() || Peek() != '"') return Fail(pos_, "\"" + std::string(key) + "\" needs a string");
    return ParseString(out);
  }

  // After `{"$class":` ... up to and including the closing '}'.
  bool ParseClassHint(Value* out, int depth, size_t start) {
    std::string cls;
    if (!HintString("$class", &cls)) return false;
    SkipWs();
    if (AtEnd() || Peek() != ',') return FailExpected("',' and \"$\" after \"$class\"");
    ++pos_;
    std::string key;
    size_t key_at = 0;
    if (!ParseKey(&key, &key_at)) return false;
    HintKind kind = HintKind::kNone;
    bool explicit_kind = false;
    if (key == "$kind") {
      SkipWs();
      const size_t kind_at = pos_;
      std::string k;
      if (!HintString("$kind", &k)) return false;
      if (k == "list") {
        kind = HintKind::kList;
      } else if (k == "map") {
        kind = HintKind::kMap;
      } else if (k == "object") {
        kind = HintKind::kObject;
      } else {
        return Fail(kind_at,
                    "unknown \"$kind\" \"" + k + "\" (expected \"list\", \"map\" or \"object\")");
      }
      explicit_kind = true;
      SkipWs();
      if (AtEnd() || Peek() != ',') return FailExpected("',' and \"$\" after \"$kind\"");
      ++pos_;
      if (!ParseKey(&key, &key_at)) return false;
      if (key != "$")
        return Fail(key_at, "unexpected key \"" + key + "\" in a \"$class\" hint (expected \"$\")");
    } else if (key != "$") {
      return Fail(key_at, "unexpected key \"" + key +
                              "\" in a \"$class\" hint (expected \"$kind\" or \"$\")");
    }
    SkipWs();
    const size_t payload_at = pos_;
    if (AtEnd()) return FailExpected("a value");
    if (Peek() == 'n') {
      if (!Literal("null")) return false;
      *out = Value();
    } else if (!explicit_kind && IsScalarHint(cls)) {
      if (!ParseScalarHint(cls, out)) return false;
    } else {
      const bool is_array = Peek() == '[';
      if (!is_array && Peek() != '{') {
        return Fail(payload_at,
                    "\"$\" of \"$class\":\"" + cls + "\" must be an array or an object");
      }
      if (!explicit_kind) kind = InferKind(cls, is_array);
      if (!ParseContainerHint(std::move(cls), kind, explicit_kind, is_array, out, depth, start)) {
        return false;
      }
    }
    SkipWs();
    if (AtEnd() || Peek() != '}') return FailExpected("'}' after \"$\" (a hint has no other keys)");
    ++pos_;
    return true;
  }

  bool ParseContainerHint(std::string cls, HintKind kind, bool explicit_kind, bool is_array,
                          Value* out, int depth, size_t start) {
    const size_t payload_at = pos_;
    switch (kind) {
      case HintKind::kList: {
        if (!is_array) return Fail(payload_at, "\"$kind\":\"list\" needs an array as \"$\"");
        if (!BeginContainer(start, depth)) return false;
        List list{explicit_kind || cls != kUntypedList ? std::move(cls) : std::string(), {}};
        if (!ParseItems(&list.items, depth + 1)) return false;
        *out = Value::FromList(std::move(list));
        return true;
      }
      case HintKind::kMap: {
        if (!BeginContainer(start, depth)) return false;
        std::string type = explicit_kind || cls != kUntypedMap ? std::move(cls) : std::string();
        if (!is_array) {
          std::vector<std::pair<std::string, Value>> members;
          if (!ParseMembers(&members, depth + 1)) return false;
          *out = Value::FromMap(ToMap(std::move(type), std::move(members)));
          return true;
        }
        Map map{std::move(type), {}};
        if (!ParsePairs(&map.entries, depth + 1)) return false;
        *out = Value::FromMap(std::move(map));
        return true;
      }
      case HintKind::kObject: {
        if (is_array) return Fail(payload_at, "\"$kind\":\"object\" needs an object as \"$\"");
        if (!BeginContainer(start, depth)) return false;
        Object obj{std::move(cls), {}};
        if (!ParseMembers(&obj.fields, depth + 1)) return false;
        *out = Value::FromObject(std::move(obj));
        return true;
      }
      case HintKind::kNone:
        break;
    }
    return Fail(payload_at, "internal error: no kind for hint");
  }

  // `[[k, v], ...]` at pos_.
  bool ParsePairs(std::vector<std::pair<Value, Value>>* entries, int depth) {
    ++pos_;  // '['
    SkipWs();
    if (!AtEnd() && Peek() == ']') {
      ++pos_;
      return true;
    }
    while (true) {
      SkipWs();
      if (AtEnd() || Peek() != '[') return FailExpected("a [key, value] pair");
      const size_t pair_at = pos_++;
      auto& entry = entries->emplace_back();
      if (!ParseValue(&entry.first, depth)) return false;
      SkipWs();
      if (AtEnd() || Peek() != ',') {
        if (!AtEnd() && Peek() == ']')
          return Fail(pair_at, "a [key, value] pair needs two elements");
        return FailExpected("',' between key and value");
      }
      ++pos_;
      if (!ParseValue(&entry.second, depth)) return false;
      SkipWs();
      if (AtEnd() || Peek() != ']') {
        if (!AtEnd() && Peek() == ',')
          return Fail(pair_at, "a [key, value] pair has only two elements");
        return FailExpected("']' closing a [key, value] pair");
      }
      ++pos_;
      SkipWs();
      if (!AtEnd() && Peek() == ',') {
        ++pos_;
        continue;
      }
      if (!AtEnd() && Peek() == ']') {
        ++pos_;
        return true;
      }
      return FailExpected("',' or ']'");
    }
  }

  // The "$" of a scalar hint, at pos_.
  bool ParseScalarHint(const std::string& cls, Value* out) {
    const size_t at = pos_;
    // Read one scalar token: a string (decoded), a number (its literal) or true/false.
    std::string str;
    std::string_view number;
    bool integral = false;
    enum { kString, kNumber, kBool } token = kString;
    bool flag = false;
    const char c = Peek();
    if (c == '"') {
      if (!ParseString(&str)) return false;
      token = kString;
    } else if (c == '-' || IsDigit(c)) {
      if (!ScanNumberAt(&number, &integral)) return false;
      token = kNumber;
    } else if (c == 't' || c == 'f') {
      if (!Literal(c == 't' ? "true" : "false")) return false;
      flag = c == 't';
      token = kBool;
    } else if (c == '[' || c == '{') {
      return Fail(at,
                  "\"$class\":\"" + cls +
                      "\" needs a scalar as \"$\" (add \"$kind\" for a container of that class)");
    } else {
      return Fail(at, "expected a value");
    }
    auto need = [&](std::string_view what) {
      return Fail(at, "\"$class\":\"" + cls + "\" needs " + std::string(what) + " as \"$\"");
    };
    if (cls == "boolean") {
      if (token == kBool) {
        *out = Value::Bool(flag);
      } else if (token == kString && (str == "true" || str == "false")) {
        *out = Value::Bool(str == "true");
      } else {
        return need("true or false");
      }
      return true;
    }
    if (cls == "string") {
      if (token != kString) return need("a string");
      *out = Value::String(std::move(str));
      return true;
    }
    if (cls == "date") {
      int64_t millis = 0;
      if (token == kString) {
        if (!ParseIsoDate(str, &millis)) {
          return Fail(
              at, "invalid date \"" + str + "\" (expected ISO-8601 like 2023-11-14T22:13:20.000Z)");
        }
      } else if (token != kNumber || !integral || !ToInt64(number, &millis)) {
        return need("an ISO-8601 string or integer epoch milliseconds");
      }
      *out = Value::FromDate(millis);
      return true;
    }
    if (cls == "binary") {
      if (token != kString) return need("a base64 string");
      Binary bytes;
      size_t bad = 0;
      if (!DecodeBase64(str, &bytes, &bad)) {
        return Fail(at, "invalid base64 in \"$class\":\"binary\" (at character " +
                            std::to_string(bad) + " of the string)");
      }
      *out = Value::FromBinary(std::move(bytes));
      return true;
    }
    // Numbers: a literal, or a string holding one (how JavaScript keeps 64-bit integers exact).
    std::string_view text = token == kNumber ? number : std::string_view(str);
    if (token == kBool || (token == kString && !IsNumberText(str, &integral))) text = {};
    if (cls == "double" || cls == "float") {
      double d = 0;
      if (token == kString && str == "NaN") {
        d = std::numeric_limits<double>::quiet_NaN();
      } else if (token == kString && str == "Infinity") {
        d = std::numeric_limits<double>::infinity();
      } else if (token == kString && str == "-Infinity") {
        d = -std::numeric_limits<double>::infinity();
      } else if (!text.empty()) {
        d = ToDouble(text);
      } else {
        return need("a number, a numeric string, \"NaN\", \"Infinity\" or \"-Infinity\"");
      }
      if (cls == "float" && std::isfinite(d)) {
        // hessian-lite sends a float as Double.parseDouble(String.valueOf(f)): the double nearest
        // to the float's shortest decimal text.
        const auto f = static_cast<float>(d);
        char buf[64];
        const auto r = std::to_chars(buf, buf + sizeof buf, f);
        d = static_cast<double>(f);
        std::from_chars(buf, r.ptr, d);
      }
      *out = Value::Double(d);
      return true;
    }
    int64_t v = 0;
    if (text.empty() || !integral) return need("an integer or a numeric string");
    int64_t lo = std::numeric_limits<int32_t>::min();
    int64_t hi = std::numeric_limits<int32_t>::max();
    if (cls == "short") {
      lo = std::numeric_limits<int16_t>::min();
      hi = std::numeric_limits<int16_t>::max();
    } else if (cls == "byte") {
      lo = std::numeric_limits<int8_t>::min();
      hi = std::numeric_limits<int8_t>::max();
    } else if (cls == "long") {
      lo = std::numeric_limits<int64_t>::min();
      hi = std::numeric_limits<int64_t>::max();
    }
    if (!ToInt64(text, &v) || v < lo || v > hi) {
      return Fail(at, "value out of range for \"$class\":\"" + cls + "\"");
    }
    *out = cls == "long" ? Value::Long(v) : Value::Int(static_cast<int32_t>(v));
    return true;
  }

  std::string_view text_;
  size_t pos_ = 0;
  Status status_;
  int64_t containers_ = 0;  // containers begun so far: the next one's reference number
};

// ---- emitter -----------------------------------------------------------------------------------

class Emitter {
 public:
  Emitter(int indent, std::string* out) : indent_(indent < 0 ? 0 : indent), out_(out) {}

  void Emit(const Value& v, int level) {
    switch (v.kind()) {
      case Value::Kind::kNull:
        out_->append("null");
        return;
      case Value::Kind::kBool:
        out_->append(v.as_bool() ? "true" : "false");
        return;
      case Value::Kind::kInt:
        out_->append(std::to_string(v.as_int()));
        return;
      case Value::Kind::kLong:
        ScalarHint("long", std::to_string(v.as_long()));
        return;
      case Value::Kind::kDouble:
        EmitDouble(v.as_double());
        return;
      case Value::Kind::kDate: {
        const int64_t ms = v.as_date().millis;
        std::string text = FormatJsonDate(ms);
        if (ms >= kMinIsoMillis && ms <= kMaxIsoMillis) text = "\"" + text + "\"";
        ScalarHint("date", text);
        return;
      }
      case Value::Kind::kString:
        AppendJsonString(out_, v.as_string());
        return;
      case Value::Kind::kBinary: {
        std::string b64 = "\"";
        AppendBase64(&b64, v.as_binary());
        b64.push_back('"');
        ScalarHint("binary", b64);
        return;
      }
      case Value::Kind::kRef:
        out_->append(indent_ > 0 ? "{\"$ref\": " : "{\"$ref\":");
        out_->append(std::to_string(v.as_ref().index));
        out_->push_back('}');
        return;
      case Value::Kind::kList:
        EmitList(v.as_list(), level);
        return;
      case Value::Kind::kMap:
        EmitMap(v.as_map(), level);
        return;
      case Value::Kind::kObject:
        EmitObject(v.as_object(), level);
        return;
    }
  }

  void EmitArray(const std::vector<Value>& items, int level) {
    if (items.empty()) {
      out_->append("[]");
      return;
    }
    out_->push_back('[');
    for (size_t i = 0; i < items.size(); ++i) {
      if (i > 0) out_->push_back(',');
      Newline(level + 1);
      Emit(items[i], level + 1);
    }
    Newline(level);
    out_->push_back(']');
  }

 private:
  void Newline(int level) {
    if (indent_ == 0) return;
    out_->push_back('\n');
    out_->append(static_cast<size_t>(level) * static_cast<size_t>(indent_), ' ');
  }

  void Colon() { out_->append(indent_ > 0 ? ": " : ":"); }

  // {"$class":"<cls>","$":<payload>} on one line.
  void ScalarHint(std::string_view cls, std::string_view payload) {
    out_->append(indent_ > 0 ? "{\"$class\": \"" : "{\"$class\":\"");
    out_->append(cls);
    out_->append(indent_ > 0 ? "\", \"$\": " : "\",\"$\":");
    out_->append(payload);
    out_->push_back('}');
  }

  void EmitDouble(double d) {
    if (std::isnan(d)) return ScalarHint("double", "\"NaN\"");
    if (std::isinf(d)) return ScalarHint("double", d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, d);  // shortest text that reads back as d
    const std::string_view text(buf, static_cast<size_t>(r.ptr - buf));
    out_->append(text);
    // Without '.' or an exponent the text would read back as an int or long.
    if (text.find_first_of(".e") == std::string_view::npos) out_->append(".0");
  }

  // Opens {"$class": cls, ["$kind": kind,] "$": and leaves the payload to the caller.
  void OpenHint(std::string_view cls, std::string_view kind, int level) {
    out_->push_back('{');
    Newline(level + 1);
    out_->append("\"$class\"");
    Colon();
    AppendJsonString(out_, cls);
    out_->push_back(',');
    if (!kind.empty()) {
      Newline(level + 1);
      out_->append("\"$kind\"");
      Colon();
      out_->push_back('"');
      out_->append(kind);
      out_->append("\",");
    }
    Newline(level + 1);
    out_->append("\"$\"");
    Colon();
  }

  void CloseHint(int level) {
    Newline(level);
    out_->push_back('}');
  }

  void EmitList(const List& list, int level) {
    if (list.type.empty()) return EmitArray(list.items, level);
    const bool need_kind =
        InferKind(list.type, true) != HintKind::kList || list.type == kUntypedList;
    OpenHint(list.type, need_kind ? "list" : "", level);
    EmitArray(list.items, level + 1);
    CloseHint(level);
  }

  template <typename Members>
  void EmitMembers(const Members& members, int level) {
    if (members.empty()) {
      out_->append("{}");
      return;
    }
    out_->push_back('{');
    bool first = true;
    for (const auto& [key, value] : members) {
      if (!first) out_->push_back(',');
      first = false;
      Newline(level + 1);
      if constexpr (std::is_same_v<std::decay_t<decltype(key)>, Value>) {
        AppendJsonString(out_, key.as_string());
      } else {
        AppendJsonString(out_, key);
      }
      Colon();
      Emit(value, level + 1);
    }
    Newline(level);
    out_->push_back('}');
  }

  static bool OneLine(const Value& v) {
    if (!v.is_container()) return true;
    if (const List* l = v.if_list()) return l->type.empty() && l->items.empty();
    if (const Map* m = v.if_map()) return m->type.empty() && m->entries.empty();
    return false;
  }

  void EmitPairs(const Map& map, int level) {
    if (map.entries.empty()) {
      out_->append("[]");
      return;
    }
    out_->push_back('[');
    bool first = true;
    for (const auto& [key, value] : map.entries) {
      if (!first) out_->push_back(',');
      first = false;
      Newline(level + 1);
      if (OneLine(key) && OneLine(value)) {
        out_->push_back('[');
        Emit(key, level + 1);
        out_->append(indent_ > 0 ? ", " : ",");
        Emit(value, level + 1);
        out_->push_back(']');
      } else {
        out_->push_back('[');
        Newline(level + 2);
        Emit(key, level + 2);
        out_->push_back(',');
        Newline(level + 2);
        Emit(value, level + 2);
        Newline(level + 1);
        out_->push_back(']');
      }
    }
    Newline(level);
    out_->push_back(']');
  }

  void EmitMap(const Map& map, int level) {
    bool string_keys = true;
    for (const auto& entry : map.entries) string_keys = string_keys && entry.first.if_string();
    if (map.type.empty()) {
      const bool looks_like_hint = !map.entries.empty() && string_keys &&
                                   (map.entries[0].first.as_string() == "$class" ||
                                    map.entries[0].first.as_string() == "$ref");
      if (string_keys && !looks_like_hint) return EmitMembers(map.entries, level);
      OpenHint(kUntypedMap, "", level);
    } else {
      const bool need_kind =
          InferKind(map.type, !string_keys) != HintKind::kMap || map.type == kUntypedMap;
      OpenHint(map.type, need_kind ? "map" : "", level);
    }
    if (string_keys) {
      EmitMembers(map.entries, level + 1);
    } else {
      EmitPairs(map, level + 1);
    }
    CloseHint(level);
  }

  void EmitObject(const Object& obj, int level) {
    const bool need_kind = InferKind(obj.class_name, false) != HintKind::kObject;
    OpenHint(obj.class_name, need_kind ? "object" : "", level);
    EmitMembers(obj.fields, level + 1);
    CloseHint(level);
  }

  int indent_;
  std::string* out_;
};

}  // namespace

Result<Value> ParseJson(std::string_view text) { return Parser(text).Document(); }

Result<std::vector<Value>> ParseJsonValues(std::string_view text) {
  return Parser(text).DocumentValues();
}

std::string ToJson(const Value& v, int indent) {
  std::string out;
  Emitter(indent, &out).Emit(v, 0);
  return out;
}

std::string ToJson(const std::vector<Value>& values, int indent) {
  std::string out;
  Emitter(indent, &out).EmitArray(values, 0);
  return out;
}

std::string FormatJsonDate(int64_t millis) {
  if (millis < kMinIsoMillis || millis > kMaxIsoMillis) return std::to_string(millis);
  int64_t days = millis / kMillisPerDay;
  int64_t rest = millis % kMillisPerDay;
  if (rest < 0) {
    rest += kMillisPerDay;
    --days;
  }
  int64_t year = 0;
  unsigned month = 0;
  unsigned day = 0;
  CivilFromDays(days, &year, &month, &day);
  const auto ms = static_cast<unsigned>(rest % 1000);
  const auto secs = static_cast<unsigned>(rest / 1000);
  char buf[32];
  const auto two = [](char* p, unsigned v) {
    p[0] = static_cast<char>('0' + v / 10);
    p[1] = static_cast<char>('0' + v % 10);
  };
  const auto y = static_cast<unsigned>(year);
  two(buf, y / 100);
  two(buf + 2, y % 100);
  buf[4] = '-';
  two(buf + 5, month);
  buf[7] = '-';
  two(buf + 8, day);
  buf[10] = 'T';
  two(buf + 11, secs / 3600);
  buf[13] = ':';
  two(buf + 14, secs / 60 % 60);
  buf[16] = ':';
  two(buf + 17, secs % 60);
  buf[19] = '.';
  buf[20] = static_cast<char>('0' + ms / 100);
  two(buf + 21, ms % 100);
  buf[23] = 'Z';
  return std::string(buf, 24);
}

}  // namespace dubbo

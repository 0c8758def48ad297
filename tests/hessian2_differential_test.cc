// Hessian 2 codec against references, over generated inputs:
//  - the typed writer's bytes against the dynamic Value path, hessian2::EncodeAll({ToValue(x)}),
//    which writes class definitions from the Value's names and never uses the writer's per-thread
//    cache of encoded definitions; several messages in a row, so that cache is warm;
//  - string, int and long forms against a plain re-implementation of Java's rules;
//  - decoding with the reader's per-thread class-definition cache warm (the same input twice in
//    this thread, after many others) against a fresh thread whose cache is empty: the same value
//    or the same error message and offset, for valid, corrupted and random inputs, typed and
//    dynamic, including back-references replayed over class definitions.
//
// HESSIAN2_DIFF_TRANSCRIPT=<file> also writes every input and what the codec made of it, one line
// each, so two builds of the codec can be compared with diff (e.g. before and after a change).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "codec/hessian2/codec.h"
#include "codec/value_convert.h"
#include "common/hex.h"

namespace diff {

enum class Color { RED, GREEN, BLUE };
DUBBO_ENUM(Color, "diff.Color", RED, GREEN, BLUE)

// Three C++ types for one Java class: two field lists, and one of them in another order.
struct Point {
  int32_t x = 0;
  int32_t y = 0;
};
DUBBO_STRUCT(Point, "diff.Point", x, y)
struct Point3 {
  int32_t x = 0;
  int32_t y = 0;
  int64_t z = 0;
};
DUBBO_STRUCT(Point3, "diff.Point", x, y, z)
struct PointYX {
  int64_t y = 0;
  std::optional<int32_t> x;
};
DUBBO_STRUCT(PointYX, "diff.Point", y, x)

// Class names of every string-length form: 1-byte, 2-byte (0x30) and 'S' headers.
inline constexpr char kLongName[] =
    "diff.a.rather.long.package.name.that.needs.the.two.byte.string.header.Named";
inline const std::string kVeryLongName = "diff." + std::string(1100, 'v') + ".Named";
struct Named {
  std::string name;
  int32_t n = 0;
};
DUBBO_STRUCT(Named, kLongName, name, n)

struct Item {
  std::string name;
  double price = 0;
  std::vector<int32_t> tags;
  std::optional<Point> where;
  Color color = Color::RED;
  std::map<std::string, int64_t> attrs;
  dubbo::Binary blob;
  // Milliseconds, as on the wire: a nanosecond time point overflows for dates corrupted inputs
  // can carry (beyond +-292 years), which the codec does not guard against.
  std::chrono::time_point<std::chrono::system_clock, std::chrono::milliseconds> when;
};
DUBBO_STRUCT(Item, "diff.Item", name, price, tags, where, color, attrs, blob, when)

struct Order {
  int64_t id = 0;
  std::vector<Item> items;
  std::set<std::string> labels;
  Point3 origin;
  std::vector<Named> names;
  dubbo::BigDecimal total;
  std::vector<Color> colors;
  dubbo::Value extra;
};
DUBBO_STRUCT(Order, "diff.Order", id, items, labels, origin, names, total, colors, extra)

struct Oops : dubbo::Throwable {
  int32_t code = 0;
  std::string where;
};
DUBBO_STRUCT(Oops, "diff.Oops", code, where)

}  // namespace diff

namespace dubbo::hessian2 {
namespace {

using diff::Color;

class Random {
 public:
  explicit Random(uint64_t seed) : rng_(seed) {}
  int Pick(int n) { return static_cast<int>(rng_() % static_cast<uint64_t>(n)); }
  int64_t Long() { return static_cast<int64_t>(rng_()) >> Pick(64); }
  int32_t Int() { return static_cast<int32_t>(Long() >> 32) >> Pick(32); }

  // UTF-8 of every kind the writer meets, valid or not, around the length-form boundaries.
  std::string Text() {
    static const char* kPieces[] = {"a",
                                    "Z",
                                    "0",
                                    " ",
                                    "\xc3\xa9",
                                    "\xe4\xb8\xad",
                                    "\xe5\x8c\x97",
                                    "\xf0\x9f\x98\x80",
                                    "\xed\xa0\x80",  // a surrogate as CESU-8
                                    "\xe0\x80\x80",  // overlong
                                    "\x80",
                                    "\xc0",
                                    "\xff",
                                    "\xe4\xb8",
                                    "\xf0\x9f\x98",
                                    "\xf4\x90\x80\x80"};
    static const size_t kLengths[] = {0, 1, 7, 8, 15, 16, 31, 32, 33, 255, 256, 1023, 1024, 1025};
    const size_t n = Pick(40) == 0 ? kLengths[Pick(14)] : static_cast<size_t>(Pick(24));
    const bool ascii = Pick(3) == 0;
    std::string s;
    for (size_t i = 0; i < n; ++i) s += ascii ? kPieces[Pick(4)] : kPieces[Pick(16)];
    return s;
  }
  std::string ChunkedText() {  // longer than one 0x8000-unit chunk, an emoji near the boundary
    std::string s(0x8000 - 1 - Pick(3), 'x');
    s += "\xf0\x9f\x98\x80";
    for (int i = Pick(4); i >= 0; --i) s += Pick(2) ? "\xe4\xb8\xad" : "y";
    if (Pick(2)) s += std::string(0x8000, 'z');
    return s;
  }

  diff::Point APoint() { return {Int(), Int()}; }
  diff::Item Item() {
    diff::Item it;
    it.name = Text();
    it.price = static_cast<double>(Long()) / (1 + Pick(1000));
    for (int i = Pick(20); i > 0; --i) it.tags.push_back(Int());
    if (Pick(2)) it.where = APoint();
    it.color = static_cast<Color>(Pick(3));
    for (int i = Pick(3); i > 0; --i) it.attrs[Text()] = Long();
    for (int i = Pick(6); i > 0; --i) it.blob.push_back(static_cast<uint8_t>(Pick(256)));
    it.when = decltype(it.when)(std::chrono::milliseconds(Long() >> 22));
    return it;
  }
  Value Dynamic(int depth) {
    switch (Pick(depth > 2 ? 4 : 6)) {
      case 0:
        return Value();
      case 1:
        return Value::Int(Int());
      case 2:
        return Value::String(Text());
      case 3:
        return Value::Long(Long());
      case 4: {
        List l{Pick(2) ? "" : "[object", {}};
        for (int i = Pick(3); i > 0; --i) l.items.push_back(Dynamic(depth + 1));
        return Value::FromList(std::move(l));
      }
      default:
        return Value::FromObject({Pick(2) ? "diff.Point" : "diff.Dyn",
                                  {{"x", Dynamic(depth + 1)}, {"y", Value::Int(1)}}});
    }
  }
  diff::Order Order() {
    diff::Order o;
    o.id = Long();
    for (int i = Pick(5); i > 0; --i) o.items.push_back(Item());
    for (int i = Pick(3); i > 0; --i) o.labels.insert(Text());
    o.origin = {Int(), Int(), Long()};
    for (int i = Pick(3); i > 0; --i) o.names.push_back({Text(), Int()});
    o.total = BigDecimal{std::to_string(Long()) + "." + std::to_string(Pick(100))};
    for (int i = Pick(5); i > 0; --i) o.colors.push_back(static_cast<Color>(Pick(3)));
    o.extra = Dynamic(0);
    return o;
  }
  diff::Oops Oops() {
    diff::Oops e;
    e.code = Int();
    e.where = Text();
    if (Pick(2)) e.message = Text();
    for (int i = Pick(3); i > 0; --i) e.stack_trace.push_back({Text(), Text(), Text(), Int()});
    if (Pick(2)) e.cause = std::make_shared<JavaException>("java.io.IOException", Text());
    return e;
  }

  // A valid message, corrupted: bytes flipped, dropped, inserted, or cut short.
  std::string Corrupt(std::string bytes) {
    for (int i = 1 + Pick(3); i > 0 && !bytes.empty(); --i) {
      const size_t at = static_cast<size_t>(Pick(static_cast<int>(bytes.size())));
      switch (Pick(4)) {
        case 0:
          bytes[at] = static_cast<char>(Pick(256));
          break;
        case 1:
          bytes.erase(at, 1 + Pick(3));
          break;
        case 2:
          bytes.insert(at, 1, static_cast<char>("C\x60\x51\x90\x03\x30Z"[Pick(7)]));
          break;
        default:
          bytes.resize(at);
          break;
      }
    }
    return bytes;
  }
  std::string Bytes() {
    std::string s(static_cast<size_t>(Pick(40)), '\0');
    for (auto& c : s) c = static_cast<char>(Pick(256));
    if (Pick(2)) s.insert(0, 1, 'C');
    return s;
  }

 private:
  std::mt19937_64 rng_;
};

// --- the reference forms -------------------------------------------------------------------------

void PutBig(std::string* out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out->push_back(static_cast<char>(v >> (8 * i)));
}

std::string RefInt(int32_t v) {
  std::string out;
  if (v >= -16 && v <= 47) {
    out.push_back(static_cast<char>(0x90 + v));
  } else if (v >= -2048 && v <= 2047) {
    out.push_back(static_cast<char>(0xc8 + (v >> 8)));
    PutBig(&out, static_cast<uint32_t>(v), 1);
  } else if (v >= -262144 && v <= 262143) {
    out.push_back(static_cast<char>(0xd4 + (v >> 16)));
    PutBig(&out, static_cast<uint32_t>(v), 2);
  } else {
    out.push_back('I');
    PutBig(&out, static_cast<uint32_t>(v), 4);
  }
  return out;
}

std::string RefLong(int64_t v) {
  std::string out;
  if (v >= -8 && v <= 15) {
    out.push_back(static_cast<char>(0xe0 + v));
  } else if (v >= -2048 && v <= 2047) {
    out.push_back(static_cast<char>(0xf8 + (v >> 8)));
    PutBig(&out, static_cast<uint64_t>(v), 1);
  } else if (v >= -262144 && v <= 262143) {
    out.push_back(static_cast<char>(0x3c + (v >> 16)));
    PutBig(&out, static_cast<uint64_t>(v), 2);
  } else if (v >= std::numeric_limits<int32_t>::min() && v <= std::numeric_limits<int32_t>::max()) {
    out.push_back(0x59);
    PutBig(&out, static_cast<uint64_t>(v), 4);
  } else {
    out.push_back('L');
    PutBig(&out, static_cast<uint64_t>(v), 8);
  }
  return out;
}

// Java's chars of a UTF-8 string as Writer::WriteString reads it: 1-3-byte sequences pass through
// as one char (3-byte ones unchecked, so CESU-8 surrogates survive), a valid 4-byte sequence is a
// surrogate pair, any other byte is U+FFFD. Each char is kept as its CESU-8 bytes.
struct RefChar {
  std::string bytes;
  bool pair_start = false;  // the high half of a pair: a chunk does not end after it
};

std::string Cesu(uint32_t c) {
  return {static_cast<char>(0xE0 | (c >> 12)), static_cast<char>(0x80 | ((c >> 6) & 0x3F)),
          static_cast<char>(0x80 | (c & 0x3F))};
}

std::vector<RefChar> RefChars(std::string_view s) {
  auto cont = [&](size_t i) { return i < s.size() && (static_cast<uint8_t>(s[i]) & 0xC0) == 0x80; };
  std::vector<RefChar> chars;
  for (size_t i = 0; i < s.size();) {
    const uint8_t b = static_cast<uint8_t>(s[i]);
    size_t n = 0;
    if (b < 0x80) {
      n = 1;
    } else if (b >= 0xC2 && b <= 0xDF && cont(i + 1)) {
      n = 2;
    } else if (b >= 0xE0 && b <= 0xEF && cont(i + 1) && cont(i + 2)) {
      n = 3;
    } else if (b >= 0xF0 && b <= 0xF4 && cont(i + 1) && cont(i + 2) && cont(i + 3)) {
      const uint32_t cp = ((b & 0x07u) << 18) | ((s[i + 1] & 0x3Fu) << 12) |
                          ((s[i + 2] & 0x3Fu) << 6) | (s[i + 3] & 0x3Fu);
      if (cp >= 0x10000 && cp <= 0x10FFFF) {
        chars.push_back({Cesu(0xD800 | ((cp - 0x10000) >> 10)), true});
        chars.push_back({Cesu(0xDC00 | ((cp - 0x10000) & 0x3FF)), false});
        i += 4;
        continue;
      }
    }
    if (n == 0) {
      chars.push_back({Cesu(0xFFFD), false});
      ++i;
    } else {
      chars.push_back({std::string(s.substr(i, n)), false});
      i += n;
    }
  }
  return chars;
}

std::string RefString(std::string_view s) {
  const std::vector<RefChar> chars = RefChars(s);
  std::string out;
  size_t i = 0;
  while (chars.size() - i > 0x8000) {  // 'R' chunks of 0x8000 chars, never ending inside a pair
    size_t n = 0x8000;
    if (chars[i + n - 1].pair_start) --n;
    out.push_back('R');
    PutBig(&out, n, 2);
    for (size_t k = 0; k < n; ++k) out += chars[i + k].bytes;
    i += n;
  }
  const size_t n = chars.size() - i;
  if (n <= 31) {
    out.push_back(static_cast<char>(n));
  } else if (n <= 1023) {
    out.push_back(static_cast<char>(0x30 + (n >> 8)));
    PutBig(&out, n, 1);
  } else {
    out.push_back('S');
    PutBig(&out, n, 2);
  }
  for (; i < chars.size(); ++i) out += chars[i].bytes;
  return out;
}

// --- what decoding makes of an input -------------------------------------------------------------

// The decoded value (re-encoded, which is exact) or the error, for a typed read.
template <typename T>
std::string TypedOutcome(std::string_view bytes) {
  Reader r(bytes);
  T v{};
  Read(r, &v);
  if (!r.ok()) return "error " + r.status().message();
  return "ok " + ToHex(Encode(v)) + (r.AtEnd() ? "" : " +" + std::to_string(r.remaining()));
}

std::string DynamicOutcome(std::string_view bytes) {
  auto values = DecodeAll(bytes);
  if (!values.ok()) return "error " + values.status().message();
  return "ok " + ToHex(EncodeAll(*values));
}

// Every way the tests read an input: as the type it was written from, as the other C++ types of
// the same Java classes, and dynamically.
std::string Outcomes(std::string_view bytes) {
  return TypedOutcome<diff::Order>(bytes) + " | " + TypedOutcome<std::vector<diff::Point>>(bytes) +
         " | " + TypedOutcome<std::vector<diff::PointYX>>(bytes) + " | " +
         TypedOutcome<std::vector<diff::Point3>>(bytes) + " | " + TypedOutcome<diff::Oops>(bytes) +
         " | " + TypedOutcome<std::vector<Value>>(bytes) + " | " + DynamicOutcome(bytes);
}

std::string OutcomesInFreshThread(std::string_view bytes) {
  std::string result;
  std::thread t([&] { result = Outcomes(bytes); });
  t.join();
  return result;
}

class Transcript {
 public:
  Transcript() {
    if (const char* path = std::getenv("HESSIAN2_DIFF_TRANSCRIPT")) file_.open(path);
  }
  void Add(std::string_view what, std::string_view line) {
    if (file_.is_open()) file_ << what << ' ' << line << '\n';
  }

 private:
  std::ofstream file_;
};

Transcript& TheTranscript() {
  static Transcript t;
  return t;
}

// --- the tests -----------------------------------------------------------------------------------

TEST(Hessian2DifferentialTest, StringAndNumberFormsMatchTheReference) {
  Random rnd(1);
  for (int i = 0; i < 3000; ++i) {
    const std::string s = i % 200 == 199 ? rnd.ChunkedText() : rnd.Text();
    std::string out;
    Writer w(&out);
    w.WriteString(s);
    ASSERT_EQ(ToHex(out), ToHex(RefString(s))) << "string " << ToHex(s.substr(0, 64));
    TheTranscript().Add("string", ToHex(out));
  }
  for (int i = 0; i < 3000; ++i) {
    const int32_t v = rnd.Int();
    const int64_t l = rnd.Long();
    std::string out;
    Writer w(&out);
    w.WriteInt(v);
    w.WriteLong(l);
    ASSERT_EQ(ToHex(out), ToHex(RefInt(v) + RefLong(l))) << v << " " << l;
  }
}

TEST(Hessian2DifferentialTest, TypedBytesMatchTheValuePath) {
  Random rnd(2);
  for (int i = 0; i < 400; ++i) {
    // One message of several values: class definitions, enum constants and the shared empty list
    // are written once per message, and the definitions' bytes come from the per-thread cache.
    const diff::Order order = rnd.Order();
    const diff::Oops oops = rnd.Oops();
    const std::vector<diff::Point> points = {rnd.APoint(), rnd.APoint()};
    const diff::Named named{rnd.Text(), rnd.Int()};
    std::string typed;
    Writer w(&typed);
    Write(w, order);
    Write(w, oops);
    Write(w, points);
    Write(w, named);
    const std::string reference =
        EncodeAll(ToValues(ValueStyle::kWire, order, oops, points, named));
    ASSERT_EQ(ToHex(typed), ToHex(reference)) << "message " << i;
    ASSERT_EQ(ToHex(Encode(order)), ToHex(EncodeAll({ToValue(order)}))) << "order " << i;
    TheTranscript().Add("message", ToHex(typed));
  }
}

TEST(Hessian2DifferentialTest, WarmCacheDecodesLikeAColdOne) {
  Random rnd(3);
  std::vector<std::string> inputs;
  for (int i = 0; i < 60; ++i) {
    const diff::Order order = rnd.Order();
    std::string one = Encode(order);
    inputs.push_back(one);
    for (int k = 0; k < 6; ++k) inputs.push_back(rnd.Corrupt(one));
    inputs.push_back(Encode(rnd.Oops()));
    inputs.push_back(rnd.Corrupt(inputs.back()));
    inputs.push_back(Encode(std::vector<diff::Point>{rnd.APoint(), rnd.APoint()}));
    inputs.push_back(Encode(std::vector<diff::Point3>{{1, 2, rnd.Long()}}));
    inputs.push_back(rnd.Bytes());
    // A list holding a list whose first object brings its class definition, then a
    // back-reference to the inner list: typed reading replays the definition with frozen tables.
    const Value point =
        Value::FromObject({"diff.Point", {{"x", Value::Int(rnd.Int())}, {"y", Value()}}});
    const Value inner = Value::FromList({"", {point, Value::FromRef(2)}});
    inputs.push_back(EncodeAll({Value::FromList({"", {inner, Value::FromRef(1)}})}));
    inputs.push_back(rnd.Corrupt(inputs.back()));
    // Many different definitions of one class name (the cache chains them).
    std::vector<std::pair<std::string, Value>> fields;
    for (int f = rnd.Pick(6); f >= 0; --f)
      fields.emplace_back("f" + std::to_string(rnd.Pick(9)), Value());
    const Value object = Value::FromObject({"diff.Point", fields});
    inputs.push_back(EncodeAll({Value::FromList({"", {object, object}})}));
  }
  inputs.push_back(Encode(diff::Named{"x", 1}));
  {
    // The 'S' form of a class name: a definition too long for the cache's name hash shortcut.
    const std::vector<std::string_view> names = {"name", "n"};
    std::string bytes;
    Writer w(&bytes);
    w.WriteListBegin(1, "");
    w.WriteObjectBegin(ClassDef{diff::kVeryLongName, names}, nullptr);
    w.WriteString("x");
    w.WriteInt(1);
    inputs.push_back(bytes);
    inputs.push_back(bytes.substr(0, bytes.size() / 2));
  }

  size_t checked = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const std::string& in = inputs[i];
    const std::string first = Outcomes(in);
    const std::string again = Outcomes(in);  // every definition now in this thread's cache
    ASSERT_EQ(first, again) << "input " << i << ": " << ToHex(in);
    if (i % 3 == 0) {  // threads are slow to start: a third of the inputs is enough
      ASSERT_EQ(OutcomesInFreshThread(in), again) << "input " << i << ": " << ToHex(in);
      ++checked;
    }
    TheTranscript().Add(ToHex(in), again);
  }
  EXPECT_GT(checked, 200u);
}

}  // namespace
}  // namespace dubbo::hessian2

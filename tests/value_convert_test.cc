// codec/value_convert: ToValue's wire shape is byte-identical to the typed Hessian writer, round
// trips in both styles, reading what Java's bytes decode to, PojoUtils' generic shapes, and the
// exact error messages.
#include "codec/value_convert.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "codec/hessian2/codec.h"
#include "common/hex.h"
#include "tests/support/hessian2_vectors.h"

// The Java classes of the interop vectors (demo.Pair, demo.Color), declared in a namespace of this
// test's own: the vector table declares C++ types of the same names in namespace demo.
namespace vct {

struct Pair {
  int32_t a = 0;
  std::optional<std::string> b;
  friend bool operator==(const Pair&, const Pair&) = default;
  friend bool operator<(const Pair& x, const Pair& y) { return x.a < y.a; }
};
DUBBO_STRUCT(Pair, "demo.Pair", a, b)

enum class Color { RED, GREEN, BLUE };
DUBBO_ENUM(Color, "demo.Color", RED, GREEN, BLUE)

struct Item {
  std::string name;
  int32_t count = 0;
  friend bool operator==(const Item&, const Item&) = default;
};
DUBBO_STRUCT(Item, "demo.Item", name, count)

struct Order {
  int32_t id = 0;
  Color color = Color::RED;
  std::vector<Item> items;
  friend bool operator==(const Order&, const Order&) = default;
};
DUBBO_STRUCT(Order, "demo.Order", id, color, items)

using Clock = std::chrono::system_clock;
using Seconds = std::chrono::time_point<Clock, std::chrono::seconds>;

// Every supported type in one struct.
struct Everything {
  bool flag = false;
  int8_t i8 = 0;
  int16_t i16 = 0;
  int32_t i32 = 0;
  int64_t i64 = 0;
  float f = 0;
  double d = 0;
  std::string s;
  dubbo::Binary bin;
  std::vector<int32_t> ints;
  std::set<std::string> tags;
  std::unordered_set<int64_t> ids;
  std::map<std::string, Pair> pairs;
  std::unordered_map<int32_t, std::string> names;
  std::optional<Pair> maybe;
  std::optional<int32_t> none;
  Clock::time_point when;
  Seconds when_s;
  Color color = Color::RED;
  std::vector<Color> colors;
  std::map<Color, Color> color_map;
  dubbo::BigDecimal price;
  dubbo::BigInteger big;
  dubbo::SqlTimestamp ts;
  dubbo::SqlDate sd;
  dubbo::SqlTime st;
  dubbo::Value extra;
  std::vector<std::vector<Item>> grid;
  std::set<Pair> pair_set;
  friend bool operator==(const Everything&, const Everything&) = default;
};
DUBBO_STRUCT(Everything, "demo.Everything", flag, i8, i16, i32, i64, f, d, s, bin, ints, tags, ids,
             pairs, names, maybe, none, when, when_s, color, colors, color_map, price, big, ts, sd,
             st, extra, grid, pair_set)

struct Node {
  int32_t v = 0;
  std::vector<Node> children;
  friend bool operator==(const Node&, const Node&) = default;
};
DUBBO_STRUCT(Node, "demo.Node", v, children)

// A user exception: own fields first, then Throwable's.
struct NotFound : dubbo::Throwable {
  std::string key;
  int32_t code = 0;
  std::vector<Color> colors;
  friend bool operator==(const NotFound& a, const NotFound& b) {
    const bool causes = (a.cause == nullptr) == (b.cause == nullptr) &&
                        (a.cause == nullptr || *a.cause == *b.cause);
    return a.key == b.key && a.code == b.code && a.colors == b.colors && a.message == b.message &&
           a.stack_trace == b.stack_trace && causes;
  }
};
DUBBO_STRUCT(NotFound, "demo.NotFoundException", key, code, colors)

struct Failure {
  int32_t attempt = 0;
  std::optional<NotFound> error;
  std::vector<dubbo::JavaException> history;
  Color color = Color::RED;
  friend bool operator==(const Failure&, const Failure&) = default;
};
DUBBO_STRUCT(Failure, "demo.Failure", attempt, error, history, color)

// demo.Box of the vectors, read with two C++ types for the same Java class.
struct InnerBox {
  std::string name;
  dubbo::Value inner;
  std::vector<dubbo::Value> items;
};
DUBBO_STRUCT(InnerBox, "demo.Box", name, inner, items)
struct OuterBox {
  std::string name;
  std::optional<InnerBox> inner;
  std::vector<dubbo::Value> items;
};
DUBBO_STRUCT(OuterBox, "demo.Box", name, inner, items)

}  // namespace vct

namespace dubbo {
namespace {

using vct::Color;
using vct::Pair;

Value I(int32_t v) { return Value::Int(v); }
Value L(int64_t v) { return Value::Long(v); }
Value D(double v) { return Value::Double(v); }
Value S(std::string v) { return Value::String(std::move(v)); }
Value R(uint32_t i) { return Value::FromRef(i); }
Value Lst(std::string type, std::vector<Value> items) {
  return Value::FromList({std::move(type), std::move(items)});
}
Value Mp(std::vector<std::pair<Value, Value>> entries, std::string type = "") {
  return Value::FromMap({std::move(type), std::move(entries)});
}
Value Obj(std::string cls, std::vector<std::pair<std::string, Value>> fields) {
  return Value::FromObject({std::move(cls), std::move(fields)});
}

vct::Clock::time_point Ms(int64_t ms) {
  return vct::Clock::time_point(std::chrono::milliseconds(ms));
}

JavaException Exc(std::string cls, std::optional<std::string> msg) {
  return JavaException(std::move(cls), std::move(msg));
}

vct::NotFound MakeNotFound() {
  vct::NotFound e;
  e.key = "user:7";
  e.code = 404;
  e.colors = {Color::GREEN, Color::GREEN};
  e.message = "no such user";
  e.stack_trace = {{"demo.Users", "find", "Users.java", 12}, {"demo.Svc", "call", "Svc.java", -2}};
  auto cause = std::make_shared<JavaException>("java.lang.IllegalStateException", "db down");
  cause->stack_trace = {{"demo.Db", "query", "Db.java", 99}};
  cause->extra_fields = {{"state", S("closed")}, {"codes", Lst("", {I(1), I(2)})}};
  auto root = std::make_shared<JavaException>("java.io.IOException", std::nullopt);
  cause->cause = root;
  e.cause = cause;
  return e;
}

vct::Everything MakeEverything() {
  vct::Everything e;
  e.flag = true;
  e.i8 = -128;
  e.i16 = 32767;
  e.i32 = -2049;
  e.i64 = int64_t{1} << 40;
  e.f = 0.1f;
  e.d = -99.99;
  e.s = "a\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80";
  e.bin = {0, 1, 2, 250, 255};
  e.ints = {1, -1, 100000, std::numeric_limits<int32_t>::min()};
  e.tags = {"x", "y"};
  e.ids = {7};
  e.pairs = {{"one", {1, "x"}}, {"two", {2, std::nullopt}}};
  e.names = {{3, "three"}};
  e.maybe = Pair{9, "nine"};
  e.when = Ms(1700000000123);
  e.when_s = vct::Seconds(std::chrono::seconds(1700000000));
  e.color = Color::BLUE;
  e.colors = {Color::RED, Color::BLUE, Color::RED, Color::GREEN, Color::BLUE};
  e.color_map = {{Color::RED, Color::BLUE}, {Color::GREEN, Color::RED}};
  e.price = BigDecimal{"123.45"};
  e.big = BigInteger{"-98765432109876543210987654321"};
  e.ts = SqlTimestamp{1700000000000};
  e.sd = SqlDate{1699999980000};
  e.st = SqlTime{-60000};
  e.extra = Lst("", {S("dyn"), Mp({{S("k"), I(1)}})});
  e.grid = {{{"a", 1}, {"b", 2}}, {}, {{"c", 3}}};
  e.pair_set = {{1, "x"}, {2, "y"}};
  return e;
}

// --- kWire: byte identity with the typed writer --------------------------------------------------

template <typename T>
void ExpectSameBytes(const T& v, const std::string& what) {
  const Value tree = ToValue(v);
  EXPECT_EQ(ToHex(hessian2::EncodeAll({tree})), ToHex(hessian2::Encode(v))) << what;
}

TEST(ValueConvertWireTest, ScalarsEncodeLikeTheTypedWriter) {
  ExpectSameBytes(true, "bool");
  ExpectSameBytes(false, "bool");
  for (int8_t v : {int8_t{-128}, int8_t{0}, int8_t{127}}) ExpectSameBytes(v, "int8");
  for (int16_t v : {int16_t{-32768}, int16_t{47}, int16_t{32767}}) ExpectSameBytes(v, "int16");
  for (int32_t v : {0, -16, 47, 48, -2049, 262144, std::numeric_limits<int32_t>::min(),
                    std::numeric_limits<int32_t>::max()}) {
    ExpectSameBytes(v, "int32 " + std::to_string(v));
  }
  for (int64_t v : {int64_t{0}, int64_t{15}, int64_t{-2049}, int64_t{2147483648LL},
                    std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()}) {
    ExpectSameBytes(v, "int64 " + std::to_string(v));
  }
  for (float v : {0.0f, 0.1f, -1.5f, 3.4e38f, 1e-45f, std::numeric_limits<float>::infinity(),
                  std::numeric_limits<float>::quiet_NaN()}) {
    ExpectSameBytes(v, "float " + std::to_string(v));
  }
  for (double v :
       {0.0, -0.0, 1.0, 0.001, 12.345, 1e300, std::numeric_limits<double>::denorm_min(),
        -std::numeric_limits<double>::infinity(), std::numeric_limits<double>::quiet_NaN()}) {
    ExpectSameBytes(v, "double " + std::to_string(v));
  }
  ExpectSameBytes(std::string(), "empty string");
  ExpectSameBytes(std::string(40000, 'q') + "\xf0\x9f\x98\x80", "long string");
  ExpectSameBytes(Binary(10000, 7), "binary");
  ExpectSameBytes(Ms(1700000000000), "date");
  ExpectSameBytes(Ms(-1), "date");
  ExpectSameBytes(vct::Seconds(std::chrono::seconds(60)), "date in seconds");
  ExpectSameBytes(BigDecimal{"-0.000123"}, "BigDecimal");
  for (const char* text :
       {"0", "12345678901234567890", "-98765432109876543210987654321", "not a number"}) {
    ExpectSameBytes(BigInteger{text}, std::string("BigInteger ") + text);
  }
  ExpectSameBytes(SqlTimestamp{1700000000000}, "Timestamp");
  ExpectSameBytes(SqlDate{0}, "sql Date");
  ExpectSameBytes(SqlTime{-60000}, "Time");
  ExpectSameBytes(Color::GREEN, "enum");
  ExpectSameBytes(Mp({{S("k"), Lst("", {I(1), R(0)})}}), "Value with a reference");
}

TEST(ValueConvertWireTest, ContainersAndStructsEncodeLikeTheTypedWriter) {
  ExpectSameBytes(std::vector<int32_t>{}, "empty vector");
  ExpectSameBytes(std::vector<std::vector<int64_t>>{{1, 2}, {}, {3}}, "nested vectors");
  ExpectSameBytes(std::set<int32_t>{3, 1, 2}, "set");
  ExpectSameBytes(std::unordered_set<std::string>{"a", "b", "c"}, "unordered_set");
  ExpectSameBytes(std::map<int32_t, std::string>{{1, "x"}, {2, "y"}}, "map");
  ExpectSameBytes(std::unordered_map<std::string, std::vector<Pair>>{{"p", {{1, "x"}, {2, {}}}}},
                  "unordered_map");
  ExpectSameBytes(std::optional<Pair>(), "empty optional");
  ExpectSameBytes(std::optional<Pair>(Pair{1, "x"}), "optional struct");
  ExpectSameBytes(std::vector<std::optional<int32_t>>{1, std::nullopt, 3}, "optionals");
  ExpectSameBytes(Pair{5, std::nullopt}, "struct");
  ExpectSameBytes(std::vector<Pair>{{1, "x"}, {2, "y"}, {3, {}}}, "structs sharing a class");
  ExpectSameBytes(vct::Order{7, Color::GREEN, {{"a", 1}, {"b", 2}}}, "order");
  ExpectSameBytes(MakeEverything(), "everything");
  ExpectSameBytes(vct::Everything{}, "default everything");
  vct::Node tree{1, {{2, {{3, {}}}}, {4, {}}}};
  ExpectSameBytes(tree, "recursive struct");
  ExpectSameBytes(std::vector<Value>{S("a"), Obj("demo.Pair", {{"a", I(1)}, {"b", Value()}}), R(1)},
                  "Values numbered within the message");
}

TEST(ValueConvertWireTest, RepeatedEnumConstantsAreBackReferences) {
  const std::vector<Color> colors{Color::RED, Color::RED, Color::GREEN, Color::RED, Color::GREEN};
  ExpectSameBytes(colors, "enum list");
  // The list is container 0, RED 1, GREEN 2.
  EXPECT_EQ(ToValue(colors), Lst("", {Obj("demo.Color", {{"name", S("RED")}}), R(1),
                                      Obj("demo.Color", {{"name", S("GREEN")}}), R(1), R(2)}));
  ExpectSameBytes(std::map<std::string, std::vector<Color>>{{"a", {Color::BLUE}},
                                                            {"b", {Color::BLUE, Color::RED}}},
                  "enums in a map");
  ExpectSameBytes(std::map<Color, Color>{{Color::RED, Color::RED}, {Color::BLUE, Color::RED}},
                  "enum keys");
  ExpectSameBytes(std::vector<std::optional<Color>>{Color::RED, std::nullopt, Color::RED},
                  "optional enums");
}

TEST(ValueConvertWireTest, ExceptionsEncodeLikeTheTypedWriter) {
  ExpectSameBytes(Exc("java.lang.RuntimeException", "boom"), "plain exception");
  ExpectSameBytes(Exc("java.lang.IllegalArgumentException", std::nullopt), "no message");
  JavaException outer = Exc("java.lang.Exception", "outer");
  outer.stack_trace = {{"demo.Svc", "call", "Svc.java", 42}};
  outer.extra_fields = {{"code", I(3)}, {"detail", Mp({{S("k"), Lst("", {I(1)})}})}};
  auto inner = std::make_shared<JavaException>("java.lang.IllegalStateException", "inner");
  inner->stack_trace = {{"demo.A", "a", "A.java", 1}, {"demo.B", "b", "", -1}};
  inner->cause = std::make_shared<JavaException>("java.io.IOException", "root");
  outer.cause = inner;
  ExpectSameBytes(outer, "cause chain with stacks and extra fields");
  ExpectSameBytes(MakeNotFound(), "user exception");
  ExpectSameBytes(std::vector<JavaException>{outer, outer, Exc("x.Y", "z")},
                  "exceptions sharing EmptyList");
  vct::Failure failure{2, MakeNotFound(), {outer, Exc("a.B", std::nullopt)}, Color::GREEN};
  ExpectSameBytes(failure, "exceptions inside a struct");
  ExpectSameBytes(std::vector<vct::NotFound>{MakeNotFound(), MakeNotFound()},
                  "user exceptions in a list");
  ExpectSameBytes(StackTraceElement{"demo.A", "a", "A.java", 1}, "StackTraceElement alone");
}

TEST(ValueConvertWireTest, ExceptionShapeMatchesJavaVectors) {
  // exc_cause of the interop table: outer = 0, inner = 1, inner.stackTrace = 2, EmptyList = 3.
  JavaException outer = Exc("java.lang.Exception", "outer");
  outer.cause = std::make_shared<JavaException>("java.lang.IllegalStateException", "inner");
  for (const auto& vec : testing::HessianVectors()) {
    if (vec.name == "exc_cause") {
      EXPECT_EQ(ToValue(outer), vec.values[0]);
    }
  }
}

TEST(ValueConvertWireTest, ToValuesNumbersAcrossTheMessage) {
  const Pair p{1, "x"};
  const std::vector<Color> colors{Color::RED};
  std::string typed;
  hessian2::Writer w(&typed);
  hessian2::Write(w, p);
  hessian2::Write(w, colors);
  hessian2::Write(w, Color::RED);
  hessian2::Write(w, Exc("a.B", "c"));
  hessian2::Write(w, Exc("a.B", "d"));
  const std::vector<Value> values =
      ToValues(ValueStyle::kWire, p, colors, Color::RED, Exc("a.B", "c"), Exc("a.B", "d"));
  EXPECT_EQ(ToHex(hessian2::EncodeAll(values)), ToHex(typed));
  EXPECT_EQ(values[2], R(2));  // RED first appeared as container 2
}

// --- round trips ---------------------------------------------------------------------------------

template <typename T>
void ExpectRoundTrip(const T& v, const std::string& what) {
  for (ValueStyle style : {ValueStyle::kWire, ValueStyle::kGeneric}) {
    const char* name = style == ValueStyle::kWire ? " (wire)" : " (generic)";
    const Value tree = ToValue(v, style);
    const RefTable refs(tree);
    T out{};
    Status s = FromValue(tree, &out, &refs);
    ASSERT_TRUE(s.ok()) << what << name << ": " << s;
    EXPECT_TRUE(out == v) << what << name;
    // And through bytes: what a peer decoding our message sees.
    auto decoded = hessian2::DecodeAll(hessian2::EncodeAll({tree}));
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    const RefTable decoded_refs(*decoded);
    T again{};
    s = FromValue(decoded->at(0), &again, &decoded_refs);
    ASSERT_TRUE(s.ok()) << what << name << " via bytes: " << s;
    EXPECT_TRUE(again == v) << what << name << " via bytes";
  }
}

TEST(ValueConvertRoundTripTest, EveryTypeInBothStyles) {
  ExpectRoundTrip(true, "bool");
  ExpectRoundTrip(int8_t{-128}, "int8");
  ExpectRoundTrip(int16_t{-32768}, "int16");
  ExpectRoundTrip(std::numeric_limits<int32_t>::min(), "int32");
  ExpectRoundTrip(std::numeric_limits<int64_t>::max(), "int64");
  ExpectRoundTrip(0.1f, "float");
  ExpectRoundTrip(3.4e38f, "float max");
  ExpectRoundTrip(-12.345, "double");
  ExpectRoundTrip(std::string("h\xc3\xa9llo"), "string");
  ExpectRoundTrip(Binary{1, 2, 3}, "binary");
  ExpectRoundTrip(Ms(-1), "date");
  ExpectRoundTrip(vct::Seconds(std::chrono::seconds(-5)), "seconds");
  ExpectRoundTrip(BigDecimal{"1E+3"}, "BigDecimal");
  ExpectRoundTrip(BigInteger{"-12345678901234567890"}, "BigInteger");
  ExpectRoundTrip(SqlTimestamp{1700000000123}, "Timestamp");
  ExpectRoundTrip(SqlDate{0}, "sql Date");
  ExpectRoundTrip(SqlTime{1}, "Time");
  ExpectRoundTrip(Color::BLUE, "enum");
  ExpectRoundTrip(std::vector<Color>{Color::RED, Color::RED, Color::BLUE, Color::RED}, "enum list");
  ExpectRoundTrip(std::optional<std::string>(), "empty optional");
  ExpectRoundTrip(std::optional<std::string>("x"), "optional");
  ExpectRoundTrip(std::map<Color, std::set<int64_t>>{{Color::RED, {1, 2}}, {Color::GREEN, {}}},
                  "map of sets");
  ExpectRoundTrip(std::unordered_map<int32_t, Pair>{{1, {1, "x"}}, {-1, {2, {}}}}, "unordered_map");
  ExpectRoundTrip(Pair{1, std::nullopt}, "struct");
  ExpectRoundTrip(vct::Order{3, Color::BLUE, {{"a", 1}, {"b", -2}}}, "order");
  ExpectRoundTrip(MakeEverything(), "everything");
  ExpectRoundTrip(vct::Node{1, {{2, {{3, {}}}}, {4, {}}}}, "recursive struct");
  JavaException e = Exc("java.lang.Exception", "outer");
  e.stack_trace = {{"demo.Svc", "call", "Svc.java", 42}, {"demo.N", "n", "", -2}};
  e.extra_fields = {{"code", I(3)}, {"tags", Lst("", {S("a")})}};
  e.cause = std::make_shared<JavaException>("java.lang.IllegalStateException", std::nullopt);
  ExpectRoundTrip(e, "exception");
  ExpectRoundTrip(MakeNotFound(), "user exception");
  ExpectRoundTrip(vct::Failure{2, MakeNotFound(), {e, e}, Color::GREEN}, "exceptions in a struct");
  ExpectRoundTrip(std::vector<vct::NotFound>{MakeNotFound(), MakeNotFound()},
                  "user exceptions in a list");
}

TEST(ValueConvertRoundTripTest, ValueIsCopiedVerbatim) {
  const Value v = Lst("", {Mp({{S("a"), R(0)}}), D(1.5)});
  EXPECT_EQ(ToValue(v), v);
  EXPECT_EQ(ToValue(v, ValueStyle::kGeneric), v);
  Value out;
  ASSERT_TRUE(FromValue(v, &out).ok());  // no table needed: references are copied, not followed
  EXPECT_EQ(out, v);
  std::optional<Value> maybe;
  ASSERT_TRUE(FromValue(R(3), &maybe).ok());
  EXPECT_EQ(*maybe, R(3));
}

// Random typed values: the byte identity and both round trips hold for each.
struct Random {
  std::mt19937 rng{2024};
  int Pick(int n) { return static_cast<int>(rng() % static_cast<uint32_t>(n)); }
  int64_t Long() { return static_cast<int64_t>((uint64_t{rng()} << 32) | rng()) >> Pick(64); }
  std::string Text() {
    static const char* kPieces[] = {
        "a", "Z", "0", " ", "\xc3\xa9", "\xe4\xb8\xad", "\xf0\x9f\x98\x80", "\"", "\\"};
    std::string s;
    for (int i = Pick(12); i > 0; --i) s += kPieces[Pick(9)];
    return s;
  }
  std::string Digits() {
    std::string s(1, static_cast<char>('1' + Pick(9)));
    for (int i = Pick(30); i > 0; --i) s.push_back(static_cast<char>('0' + Pick(10)));
    return s;
  }
  Color AColor() { return static_cast<Color>(Pick(3)); }
  std::vector<Color> Colors() {
    std::vector<Color> c(static_cast<size_t>(Pick(6)));
    for (auto& x : c) x = AColor();
    return c;
  }
  Pair APair() {
    return Pair{static_cast<int32_t>(Long()),
                Pick(2) ? std::optional<std::string>(Text()) : std::nullopt};
  }
  Value Dynamic(int depth) {
    switch (Pick(depth > 2 ? 4 : 6)) {
      case 0:
        return Value();
      case 1:
        return I(static_cast<int32_t>(Long()));
      case 2:
        return S(Text());
      case 3:
        return D(static_cast<double>(Long()) / 7);
      case 4: {
        std::vector<Value> items;
        for (int i = Pick(3); i > 0; --i) items.push_back(Dynamic(depth + 1));
        return Lst(Pick(2) ? "" : "[object", std::move(items));
      }
      default:
        return Obj("demo.Dyn", {{"x", Dynamic(depth + 1)}, {"y", I(Pick(100))}});
    }
  }
  std::vector<StackTraceElement> Stack() {
    std::vector<StackTraceElement> st(static_cast<size_t>(Pick(3)));
    for (auto& e : st) e = {Text(), Text(), Text(), Pick(5) - 2};
    return st;
  }
  JavaException Exception(int depth) {
    JavaException e("demo.E" + std::to_string(Pick(3)),
                    Pick(3) ? std::optional<std::string>(Text()) : std::nullopt);
    e.stack_trace = Stack();
    for (int i = Pick(3); i > 0; --i)
      e.extra_fields.emplace_back("f" + std::to_string(i), Dynamic(1));
    if (depth < 3 && Pick(2)) e.cause = std::make_shared<JavaException>(Exception(depth + 1));
    return e;
  }
  vct::Everything Everything() {
    vct::Everything e;
    e.flag = Pick(2);
    e.i8 = static_cast<int8_t>(Long());
    e.i16 = static_cast<int16_t>(Long());
    e.i32 = static_cast<int32_t>(Long());
    e.i64 = Long();
    e.f = static_cast<float>(static_cast<int32_t>(Long())) / 1024.0f;
    e.d = std::ldexp(static_cast<double>(Long()), Pick(80) - 60);
    e.s = Text();
    for (int i = Pick(20); i > 0; --i) e.bin.push_back(static_cast<uint8_t>(rng()));
    for (int i = Pick(5); i > 0; --i) e.ints.push_back(static_cast<int32_t>(Long()));
    for (int i = Pick(4); i > 0; --i) e.tags.insert(Text());
    for (int i = Pick(4); i > 0; --i) e.ids.insert(Long());
    for (int i = Pick(4); i > 0; --i) e.pairs[Text()] = APair();
    for (int i = Pick(4); i > 0; --i) e.names[static_cast<int32_t>(Long())] = Text();
    if (Pick(2)) e.maybe = APair();
    if (Pick(2)) e.none = static_cast<int32_t>(Long());
    e.when = Ms(Long() >> 20);
    e.when_s = vct::Seconds(std::chrono::seconds(Long() >> 30));
    e.color = AColor();
    e.colors = Colors();
    for (int i = Pick(4); i > 0; --i) e.color_map[AColor()] = AColor();
    e.price = BigDecimal{(Pick(2) ? "-" : "") + Digits() + (Pick(2) ? "." + Digits() : "") +
                         (Pick(3) ? "" : "E-7")};
    e.big = BigInteger{Pick(5) ? (Pick(2) ? "-" : "") + Digits() : "0"};
    e.ts = SqlTimestamp{Long() >> 20};
    e.sd = SqlDate{(Long() >> 30) * 60000};
    e.st = SqlTime{Long() >> 40};
    e.extra = Dynamic(0);
    for (int i = Pick(3); i > 0; --i) {
      auto& row = e.grid.emplace_back();
      for (int j = Pick(3); j > 0; --j) row.push_back({Text(), static_cast<int32_t>(Long())});
    }
    for (int i = Pick(4); i > 0; --i) e.pair_set.insert(APair());
    return e;
  }
  vct::Failure Failure() {
    vct::Failure f;
    f.attempt = Pick(10);
    if (Pick(2)) {
      vct::NotFound nf;
      nf.key = Text();
      nf.code = static_cast<int32_t>(Long());
      nf.colors = Colors();
      nf.message = Text();
      nf.stack_trace = Stack();
      if (Pick(2)) nf.cause = std::make_shared<JavaException>(Exception(0));
      f.error = std::move(nf);
    }
    for (int i = Pick(3); i > 0; --i) f.history.push_back(Exception(0));
    f.color = AColor();
    return f;
  }
};

TEST(ValueConvertPropertyTest, RandomValuesEncodeAndRoundTrip) {
  Random r;
  for (int i = 0; i < 150; ++i) {
    const vct::Everything e = r.Everything();
    ExpectSameBytes(e, "random everything " + std::to_string(i));
    ExpectRoundTrip(e, "random everything " + std::to_string(i));
    const vct::Failure f = r.Failure();
    ExpectSameBytes(f, "random failure " + std::to_string(i));
    ExpectRoundTrip(f, "random failure " + std::to_string(i));
    const std::vector<Color> colors = r.Colors();
    ExpectSameBytes(colors, "random colors " + std::to_string(i));
    ExpectRoundTrip(colors, "random colors " + std::to_string(i));
  }
}

// --- values Java's bytes decode to ---------------------------------------------------------------

template <typename T>
std::function<void(const testing::HessianVector&)> Expect(T expected) {
  return [expected](const testing::HessianVector& vec) {
    const RefTable refs(vec.values);
    T out{};
    const Status s = FromValue(vec.values.at(0), &out, &refs);
    ASSERT_TRUE(s.ok()) << vec.name << ": " << s;
    EXPECT_TRUE(out == expected) << vec.name;
  };
}

TEST(ValueConvertVectorsTest, JavaValuesReadIntoTypedValues) {
  JavaException cause_outer = Exc("java.lang.Exception", "outer");
  cause_outer.cause = std::make_shared<JavaException>("java.lang.IllegalStateException", "inner");
  JavaException with_stack = Exc("java.lang.RuntimeException", "with stack");
  with_stack.stack_trace = {{"demo.Svc", "call", "Svc.java", 42}};
  std::map<std::string, std::function<void(const testing::HessianVector&)>> checks = {
      {"pair_1x", Expect(Pair{1, "x"})},
      {"pair_null_b", Expect(Pair{5, std::nullopt})},
      {"pairs_reuse", Expect(std::vector<Pair>{{1, "x"}, {2, "y"}})},
      {"pair_same_twice", Expect(std::vector<Pair>{{7, "s"}, {7, "s"}})},
      {"map_same_twice", Expect(std::vector<std::map<std::string, int32_t>>{{{"a", 1}}, {{"a", 1}}})},
      {"enum_red", Expect(Color::RED)},
      {"enum_list", Expect(std::vector<Color>{Color::RED, Color::RED, Color::GREEN})},
      {"bigdecimal_123_45", Expect(BigDecimal{"123.45"})},
      {"bigdecimal_neg", Expect(BigDecimal{"-0.000123"})},
      {"biginteger_big", Expect(BigInteger{"12345678901234567890"})},
      {"biginteger_neg", Expect(BigInteger{"-98765432109876543210987654321"})},
      {"biginteger_zero", Expect(BigInteger{"0"})},
      {"timestamp", Expect(SqlTimestamp{1700000000000})},
      {"sqldate", Expect(SqlDate{1700000000000})},
      {"exc_boom", Expect(Exc("java.lang.RuntimeException", "boom"))},
      {"exc_cause", Expect(cause_outer)},
      {"exc_null_msg", Expect(Exc("java.lang.IllegalArgumentException", std::nullopt))},
      {"exc_stack", Expect(with_stack)},
      {"map_a1", Expect(std::map<std::string, int32_t>{{"a", 1}})},
      {"map_int_key", Expect(std::map<int32_t, std::string>{{1, "x"}})},
      {"map_multi", Expect(std::unordered_map<std::string, int64_t>{{"a", 1}, {"b", 2}, {"c", 3}})},
      {"treemap_a1", Expect(std::map<std::string, int32_t>{{"a", 1}})},
      {"linkedhashmap_a1", Expect(std::map<std::string, double>{{"a", 1}})},
      {"list_nested", Expect(std::vector<std::vector<int32_t>>{{1, 2}, {3}})},
      {"linkedlist_1", Expect(std::vector<int64_t>{1})},
      {"hashset_1", Expect(std::set<int32_t>{1})},
      {"int_array", Expect(std::vector<int16_t>{1, 2})},
      {"long_array", Expect(std::vector<int32_t>{1})},
      {"string_array", Expect(std::unordered_set<std::string>{"a"})},
      {"integer_array", Expect(std::vector<int8_t>{1})},
      {"int_array_empty", Expect(std::vector<int32_t>{})},
      {"box_nested", [](const testing::HessianVector& vec) {
         vct::OuterBox box;
         const RefTable refs(vec.values);
         ASSERT_TRUE(FromValue(vec.values[0], &box, &refs).ok());
         EXPECT_EQ(box.name, "outer");
         ASSERT_TRUE(box.inner.has_value());
         EXPECT_EQ(box.inner->name, "inner");
         EXPECT_TRUE(box.inner->inner.is_null());
         ASSERT_EQ(box.items.size(), 2u);
         Pair p;
         ASSERT_TRUE(FromValue(box.items[0], &p).ok());
         EXPECT_EQ(p, (Pair{1, "x"}));
         EXPECT_EQ(box.items[1], L(7));
       }},
      {"two_values_mixed", [](const testing::HessianVector& vec) {
         // The second value's entry refers to the first top-level value.
         const RefTable refs(vec.values);
         std::map<std::string, Pair> m;
         const Status s = FromValue(vec.values.at(1), &m, &refs);
         ASSERT_TRUE(s.ok()) << s;
         EXPECT_EQ(m, (std::map<std::string, Pair>{{"p", {1, "x"}}}));
       }},
      {"list_self", [](const testing::HessianVector& vec) {
         const RefTable refs(vec.values);
         std::vector<std::vector<int32_t>> out;
         EXPECT_EQ(FromValue(vec.values[0], &out, &refs).message(),
                   "reference 0 at $[0] cycles back into a value being converted");
       }},
  };
  size_t checked = 0;
  for (const auto& vec : testing::HessianVectors()) {
    const Value& v = vec.values.at(0);
    const std::string_view name = vec.name;
    if (auto it = checks.find(vec.name); it != checks.end()) {
      it->second(vec);
      ++checked;
    } else if (name.starts_with("int_")) {
      Expect(v.as_int())(vec);
      Expect(static_cast<int64_t>(v.as_int()))(vec);
      Expect(static_cast<double>(v.as_int()))(vec);
    } else if (name.starts_with("long_")) {
      Expect(v.as_long())(vec);
    } else if (name.starts_with("double_")) {
      double d = 0;
      ASSERT_TRUE(FromValue(v, &d).ok()) << vec.name;
      EXPECT_TRUE(d == v.as_double() || (std::isnan(d) && std::isnan(v.as_double()))) << vec.name;
    } else if (name.starts_with("str_")) {
      Expect(v.as_string())(vec);
    } else if (name.starts_with("bin_")) {
      Expect(v.as_binary())(vec);
    } else if (name.starts_with("date_")) {
      Expect(Ms(v.as_date().millis))(vec);
      Expect(SqlTimestamp{v.as_date().millis})(vec);
    }
  }
  EXPECT_EQ(checked, checks.size()) << "a vector named above is missing from the table";
}

// --- generic shapes ------------------------------------------------------------------------------

TEST(ValueConvertGenericTest, StructIsAMapWithClassFirst) {
  EXPECT_EQ(ToValue(Pair{1, "x"}, ValueStyle::kGeneric),
            Mp({{S("class"), S("demo.Pair")}, {S("a"), I(1)}, {S("b"), S("x")}}));
  EXPECT_EQ(ToValue(Pair{1, std::nullopt}, ValueStyle::kGeneric),
            Mp({{S("class"), S("demo.Pair")}, {S("a"), I(1)}, {S("b"), Value()}}));
  const vct::Order order{7, Color::GREEN, {{"a", 1}}};
  EXPECT_EQ(
      ToValue(order, ValueStyle::kGeneric),
      Mp({{S("class"), S("demo.Order")},
          {S("id"), I(7)},
          {S("color"), S("GREEN")},
          {S("items"),
           Lst("",
               {Mp({{S("class"), S("demo.Item")}, {S("name"), S("a")}, {S("count"), I(1)}})})}}));
}

TEST(ValueConvertGenericTest, CollectionsEnumsAndJavaNumbers) {
  EXPECT_EQ(ToValue(std::vector<Color>{Color::RED, Color::RED}, ValueStyle::kGeneric),
            Lst("", {S("RED"), S("RED")}));
  EXPECT_EQ(ToValue(std::set<Color>{Color::BLUE}, ValueStyle::kGeneric),
            Lst("java.util.HashSet", {S("BLUE")}));
  EXPECT_EQ(
      ToValue(std::map<Color, Pair>{{Color::RED, {1, {}}}}, ValueStyle::kGeneric),
      Mp({{S("RED"), Mp({{S("class"), S("demo.Pair")}, {S("a"), I(1)}, {S("b"), Value()}})}}));
  // Numbers and dates are "primitive" to generalize: kept in their Java (wire) shape.
  EXPECT_EQ(ToValue(BigDecimal{"1.5"}, ValueStyle::kGeneric),
            Obj("java.math.BigDecimal", {{"value", S("1.5")}}));
  EXPECT_EQ(ToValue(BigInteger{"5"}, ValueStyle::kGeneric), ToValue(BigInteger{"5"}));
  EXPECT_EQ(ToValue(SqlTimestamp{5}, ValueStyle::kGeneric),
            Obj("java.sql.Timestamp", {{"value", Value::FromDate(5)}}));
  EXPECT_EQ(ToValue(Ms(5), ValueStyle::kGeneric), Value::FromDate(5));
  EXPECT_EQ(ToValue(int64_t{5}, ValueStyle::kGeneric), L(5));
  EXPECT_EQ(ToValue(Binary{1}, ValueStyle::kGeneric), Value::FromBinary({1}));
  EXPECT_EQ(ToValue(0.1f, ValueStyle::kGeneric), D(0.1));
}

TEST(ValueConvertGenericTest, ExceptionIsItsBeanMap) {
  JavaException e = Exc("java.lang.IllegalStateException", "bad");
  e.stack_trace = {{"demo.Svc", "call", "Svc.java", 42}};
  e.extra_fields = {{"code", I(3)}};
  e.cause = std::make_shared<JavaException>("java.io.IOException", std::nullopt);
  const Value frame = Mp({{S("class"), S("java.lang.StackTraceElement")},
                          {S("classLoaderName"), Value()},
                          {S("moduleName"), Value()},
                          {S("moduleVersion"), Value()},
                          {S("className"), S("demo.Svc")},
                          {S("methodName"), S("call")},
                          {S("fileName"), S("Svc.java")},
                          {S("lineNumber"), I(42)},
                          {S("nativeMethod"), Value::Bool(false)}});
  const Value cause = Mp({{S("class"), S("java.io.IOException")},
                          {S("message"), Value()},
                          {S("localizedMessage"), Value()},
                          {S("cause"), Value()},
                          {S("stackTrace"), Lst("[object", {})},
                          {S("suppressed"), Lst("[object", {})}});
  EXPECT_EQ(ToValue(e, ValueStyle::kGeneric),
            Mp({{S("class"), S("java.lang.IllegalStateException")},
                {S("code"), I(3)},
                {S("message"), S("bad")},
                {S("localizedMessage"), S("bad")},
                {S("cause"), cause},
                {S("stackTrace"), Lst("[object", {frame})},
                {S("suppressed"), Lst("[object", {})}}));
  // realize sets detailMessage from "message".
  vct::NotFound nf;
  ASSERT_TRUE(FromValue(Mp({{S("class"), S("demo.NotFoundException")},
                            {S("message"), S("gone")},
                            {S("code"), I(4)}}),
                        &nf)
                  .ok());
  EXPECT_EQ(nf.message, "gone");
  EXPECT_EQ(nf.code, 4);
}

TEST(ValueConvertGenericTest, RealizeFromGenericAndJsonLikeMaps) {
  const Value generic = Mp(
      {{S("class"), S("demo.Order")},
       {S("id"), I(7)},
       {S("color"), S("BLUE")},
       {S("items"),
        Lst("", {Mp({{S("class"), S("demo.Item")}, {S("name"), S("a")}, {S("count"), I(1)}})})}});
  vct::Order order;
  ASSERT_TRUE(FromValue(generic, &order).ok());
  EXPECT_EQ(order, (vct::Order{7, Color::BLUE, {{"a", 1}}}));

  // What a JSON parser gives: no "class", longs and doubles for ints, keys in any order, unknown
  // keys, a missing field (keeps its default), an enum as {"name": ...}, numbers as strings.
  const Value json = Mp(
      {{S("items"), Lst("", {Mp({{S("count"), D(2.0)}, {S("name"), S("b")}, {S("weight"), D(0.5)}}),
                             Mp({{S("count"), S("-3")}})})},
       {S("id"), L(9)},
       {S("color"), Mp({{S("name"), S("GREEN")}})},
       {S("note"), S("ignored")}});
  ASSERT_TRUE(FromValue(json, &order).ok());
  EXPECT_EQ(order, (vct::Order{9, Color::GREEN, {{"b", 2}, {"", -3}}}));

  // An Object of another class name reads by field name, as the typed Hessian reader does.
  Pair p;
  ASSERT_TRUE(FromValue(Obj("other.Pair", {{"b", S("y")}, {"z", I(1)}, {"a", I(2)}}), &p).ok());
  EXPECT_EQ(p, (Pair{2, "y"}));
}

TEST(ValueConvertGenericTest, LenientScalars) {
  auto read = [](const Value& v, auto* out) { return FromValue(v, out).ok(); };
  int32_t i = 0;
  EXPECT_TRUE(read(L(-5), &i));
  EXPECT_EQ(i, -5);
  EXPECT_TRUE(read(D(-7.0), &i));
  EXPECT_EQ(i, -7);
  EXPECT_TRUE(read(S("+12"), &i));
  EXPECT_EQ(i, 12);
  EXPECT_TRUE(read(Value(), &i));  // null reads as the default, as the typed Hessian reader does
  EXPECT_EQ(i, 0);
  double d = 0;
  EXPECT_TRUE(read(L(1LL << 53), &d));
  EXPECT_EQ(d, 9007199254740992.0);
  EXPECT_TRUE(read(S("1e3"), &d));
  EXPECT_EQ(d, 1000);
  bool b = false;
  EXPECT_TRUE(read(I(2), &b));
  EXPECT_TRUE(b);
  EXPECT_TRUE(read(S("FALSE"), &b));
  EXPECT_FALSE(b);
  vct::Clock::time_point t;
  EXPECT_TRUE(read(L(1700000000000), &t));
  EXPECT_EQ(t, Ms(1700000000000));
  EXPECT_TRUE(read(Obj("java.sql.Timestamp", {{"value", Value::FromDate(5)}}), &t));
  EXPECT_EQ(t, Ms(5));
  SqlDate sd;
  EXPECT_TRUE(read(Value::FromDate(9), &sd));
  EXPECT_EQ(sd.millis, 9);
  BigDecimal bd;
  const std::pair<Value, const char*> decimals[] = {
      {S("-1.5e-3"), "-1.5e-3"}, {L(5), "5"},          {D(12.5), "12.5"},
      {D(100.0), "100.0"},       {D(1e20), "1.0E+20"}, {D(1e-5), "0.000010"},
      {D(-1.5e-7), "-1.5E-7"},   {D(0.0), "0.0"}};
  for (const auto& [v, text] : decimals) {
    EXPECT_TRUE(read(v, &bd)) << text;
    EXPECT_EQ(bd.value, text);
  }
  BigInteger bi;
  EXPECT_TRUE(read(S("+007"), &bi));
  EXPECT_EQ(bi.value, "7");
  EXPECT_TRUE(read(D(1e20), &bi));
  EXPECT_EQ(bi.value, "100000000000000000000");
  EXPECT_TRUE(read(L(-3), &bi));
  EXPECT_EQ(bi.value, "-3");
  Color c = Color::RED;
  EXPECT_TRUE(read(Obj("demo.Color", {{"name", S("BLUE")}}), &c));
  EXPECT_EQ(c, Color::BLUE);
  std::map<int32_t, std::string> m;
  EXPECT_TRUE(read(Mp({{S("1"), S("x")}}), &m));  // JSON object keys are strings
  EXPECT_EQ(m, (std::map<int32_t, std::string>{{1, "x"}}));
}

// --- errors --------------------------------------------------------------------------------------

template <typename T>
std::string ErrorOf(const Value& v, const RefTable* refs = nullptr) {
  T out{};
  const Status s = FromValue(v, &out, refs);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s;
  return s.message();
}

TEST(ValueConvertErrorTest, TypeMismatches) {
  const Value order =
      Mp({{S("id"), I(1)},
          {S("items"), Lst("", {Mp({{S("count"), I(1)}}), Mp({}),
                                Mp({{S("name"), S("n")}, {S("count"), S("x")}})})}});
  EXPECT_EQ(ErrorOf<vct::Order>(order), "expected int at $.items[2].count, found string \"x\"");
  EXPECT_EQ(ErrorOf<vct::Order>(I(5)), "expected demo.Order at $, found int 5");
  EXPECT_EQ(ErrorOf<vct::Order>(Mp({{S("items"), Mp({})}})), "expected list at $.items, found map");
  EXPECT_EQ(ErrorOf<vct::Order>(Mp({{S("color"), I(3)}})),
            "expected enum demo.Color at $.color, found int 3");
  EXPECT_EQ(ErrorOf<vct::Order>(Obj("x", {{"color", Mp({{S("name"), I(1)}})}})),
            "expected string at $.color.name, found int 1");
  EXPECT_EQ(ErrorOf<int32_t>(D(1.5)), "expected int at $, found double 1.5");
  EXPECT_EQ(ErrorOf<int64_t>(S("12x")), "expected long at $, found string \"12x\"");
  EXPECT_EQ(ErrorOf<std::string>(I(1)), "expected string at $, found int 1");
  EXPECT_EQ(ErrorOf<Binary>(Lst("", {I(1)})), "expected binary at $, found list");
  EXPECT_EQ(ErrorOf<bool>(S("yes")), "expected bool at $, found string \"yes\"");
  EXPECT_EQ(ErrorOf<float>(Value::FromDate(1)), "expected float at $, found date 1");
  EXPECT_EQ(ErrorOf<vct::Clock::time_point>(S("2024-01-01")),
            "expected date at $, found string \"2024-01-01\"");
  EXPECT_EQ(ErrorOf<SqlTimestamp>(Obj("java.sql.Timestamp", {{"value", S("x")}})),
            "expected date at $.value, found string \"x\"");
  EXPECT_EQ(ErrorOf<BigDecimal>(S("1.2.3")),
            "expected java.math.BigDecimal at $, found string \"1.2.3\"");
  EXPECT_EQ(ErrorOf<BigDecimal>(Obj("java.math.BigDecimal", {{"value", S("abc")}})),
            "expected java.math.BigDecimal at $.value, found string \"abc\"");
  EXPECT_EQ(ErrorOf<BigInteger>(D(0.5)), "expected java.math.BigInteger at $, found double 0.5");
  EXPECT_EQ(ErrorOf<BigInteger>(
                Obj("java.math.BigInteger", {{"signum", I(2)}, {"mag", Lst("[int", {I(1)})}})),
            "BigInteger signum 2 at $");
  EXPECT_EQ(ErrorOf<JavaException>(S("boom")), "expected exception at $, found string \"boom\"");
  EXPECT_EQ(ErrorOf<JavaException>(Obj("E", {{"stackTrace", Lst("", {I(1)})}})),
            "expected java.lang.StackTraceElement at $.stackTrace[0], found int 1");
  EXPECT_EQ((ErrorOf<std::map<int32_t, std::string>>(Mp({{S("x"), S("y")}}))),
            "expected int at $[key 0], found string \"x\"");
  EXPECT_EQ((ErrorOf<std::map<std::string, int32_t>>(Mp({{S("a b"), S("y")}}))),
            "expected int at $[\"a b\"], found string \"y\"");
  EXPECT_EQ((ErrorOf<std::map<int32_t, int32_t>>(Mp({{I(4), S("y")}}))),
            "expected int at $[4], found string \"y\"");
  EXPECT_EQ((ErrorOf<std::map<Pair, int32_t>>(Mp({{Mp({}), S("y")}}))),
            "expected int at $[value 0], found string \"y\"");
  EXPECT_EQ(ErrorOf<Pair>(Mp({{S("b"), Lst("java.util.HashSet", {})}})),
            "expected string at $.b, found list java.util.HashSet");
  EXPECT_EQ(
      ErrorOf<std::vector<Pair>>(Lst("", {Obj("demo.Pair", {{"a", S(std::string(50, 'z'))}})})),
      "expected int at $[0].a, found string \"" + std::string(40, 'z') + "\"...");
}

TEST(ValueConvertErrorTest, RangesAndConstants) {
  EXPECT_EQ(ErrorOf<vct::Order>(Mp({{S("id"), L(3000000000)}})),
            "value 3000000000 at $.id does not fit int");
  EXPECT_EQ(ErrorOf<int32_t>(D(3e9)), "value 3000000000 at $ does not fit int");
  EXPECT_EQ(ErrorOf<int8_t>(I(200)), "value 200 at $ does not fit byte");
  EXPECT_EQ(ErrorOf<int16_t>(S("-40000")), "value -40000 at $ does not fit short");
  EXPECT_EQ(ErrorOf<int64_t>(S("99999999999999999999")),
            "value 99999999999999999999 at $ does not fit long");
  EXPECT_EQ(ErrorOf<int64_t>(D(1e19)), "value 10000000000000000000 at $ does not fit long");
  EXPECT_EQ(ErrorOf<double>(S("1e999")), "value 1e999 at $ does not fit double");
  using Nanos = std::chrono::time_point<vct::Clock, std::chrono::nanoseconds>;
  EXPECT_EQ(ErrorOf<Nanos>(L(std::numeric_limits<int64_t>::max())),
            "value 9223372036854775807 ms at $ does not fit the time point");
  EXPECT_EQ(ErrorOf<vct::Order>(Mp({{S("color"), S("PURPLE")}})),
            "unknown constant \"PURPLE\" of enum demo.Color at $.color");
  EXPECT_EQ(ErrorOf<std::vector<Color>>(Lst("", {Obj("demo.Color", {{"name", S("red")}})})),
            "unknown constant \"red\" of enum demo.Color at $[0]");
}

TEST(ValueConvertErrorTest, BadReferences) {
  EXPECT_EQ(ErrorOf<int32_t>(R(0)),
            "reference 0 at $ cannot be resolved without the message's reference table");
  const Value list = Lst("", {I(1), R(5)});
  const RefTable refs(list);
  EXPECT_EQ(ErrorOf<std::vector<int32_t>>(list, &refs),
            "reference 5 at $[1] is out of range (the message has 1 container)");
  // A struct whose child refers back to it.
  const Value node = Obj(
      "demo.Node",
      {{"v", I(1)}, {"children", Lst("", {Obj("demo.Node", {{"children", Lst("", {R(0)})}})})}});
  const RefTable node_refs(node);
  EXPECT_EQ(ErrorOf<vct::Node>(node, &node_refs),
            "reference 0 at $.children[0].children[0] cycles back into a value being converted");
  // A Ref to a container that is not in progress is followed (shared, not cyclic).
  const Value shared = Lst("", {Lst("", {I(4)}), R(1), R(1)});
  const RefTable shared_refs(shared);
  std::vector<std::vector<int32_t>> out;
  ASSERT_TRUE(FromValue(shared, &out, &shared_refs).ok());
  EXPECT_EQ(out, (std::vector<std::vector<int32_t>>{{4}, {4}, {4}}));
  // An exception's self-reference needs the table; with it, it means "no cause".
  const Value exc = Obj("E", {{"detailMessage", S("m")}, {"cause", R(0)}});
  EXPECT_EQ(ErrorOf<JavaException>(exc),
            "reference 0 at $.cause cannot be resolved without the message's reference table");
  const RefTable exc_refs(exc);
  JavaException e;
  ASSERT_TRUE(FromValue(exc, &e, &exc_refs).ok());
  EXPECT_EQ(e.cause, nullptr);
  // A cause referring to an enclosing exception (not itself) is a cycle.
  const Value loop = Obj("E", {{"cause", Obj("F", {{"cause", R(0)}})}});
  const RefTable loop_refs(loop);
  EXPECT_EQ(ErrorOf<JavaException>(loop, &loop_refs),
            "reference 0 at $.cause.cause cycles back into a value being converted");
}

TEST(ValueConvertErrorTest, DepthAndExpansionAreBounded) {
  // A cause chain 200 deep: the 129th nested exception is refused.
  Value chain;
  for (int i = 0; i < 200; ++i) chain = Obj("E", {{"cause", std::move(chain)}});
  std::string path = "$";
  for (int i = 0; i < 128; ++i) path += ".cause";
  EXPECT_EQ(ErrorOf<JavaException>(chain),
            "value at " + path + " is nested deeper than 128 levels");
  JavaException shallow;
  Value ok_chain;
  for (int i = 0; i < 100; ++i) ok_chain = Obj("E", {{"cause", std::move(ok_chain)}});
  EXPECT_TRUE(FromValue(ok_chain, &shallow).ok());

  // Nodes whose children lists refer twice to the next node: 2^40 paths through 80 containers.
  std::vector<Value> roots;
  const int kLevels = 40;
  for (int i = 0; i < kLevels; ++i) {
    std::vector<Value> kids;
    if (i + 1 < kLevels) kids = {R(2 * (i + 1)), R(2 * (i + 1))};
    roots.push_back(Obj("demo.Node", {{"v", I(i)}, {"children", Lst("", std::move(kids))}}));
  }
  const RefTable refs(roots);
  vct::Node node;
  const Status s = FromValue(roots[0], &node, &refs);
  EXPECT_THAT(s.message(),
              ::testing::MatchesRegex("references at \\$(\\.children\\[[01]\\])+(\\.children)? "
                                      "expand to more than 1052384 values"));
}

TEST(ValueConvertErrorTest, OutputUntouchedOnError) {
  Pair p{1, "keep"};
  EXPECT_FALSE(FromValue(Mp({{S("b"), S("new")}, {S("a"), S("bad")}}), &p).ok());
  EXPECT_EQ(p, (Pair{1, "keep"}));
}

// Random Values of every kind, references included, into every kind of target: errors, no crash.
Value RandomValue(std::mt19937& rng, int depth) {
  const int kind = static_cast<int>(rng() % (depth > 6 ? 9 : 13));
  switch (kind) {
    case 0:
      return Value();
    case 1:
      return Value::Bool(rng() % 2);
    case 2:
      return I(static_cast<int32_t>(rng()));
    case 3:
      return L(static_cast<int64_t>(rng()) << (rng() % 40));
    case 4:
      return D(std::ldexp(static_cast<double>(rng()), static_cast<int>(rng() % 200) - 100));
    case 5:
      return S(std::vector<std::string>{"RED", "1", "x", "name", "value", "class", "-5",
                                        "1.5"}[rng() % 8]);
    case 6:
      return Value::FromDate(static_cast<int64_t>(rng()));
    case 7:
      return R(rng() % 12);
    case 8:
      return Value::FromBinary({1, 2});
    default:
      break;
  }
  static const char* kNames[] = {
      "a",      "b",   "v",     "children", "cause", "name", "value",         "stackTrace",
      "signum", "mag", "color", "items",    "count", "id",   "detailMessage", "class"};
  const int n = static_cast<int>(rng() % 4);
  if (kind == 9 || kind == 10) {
    std::vector<Value> items;
    for (int i = 0; i < n; ++i) items.push_back(RandomValue(rng, depth + 1));
    return Lst(kind == 9 ? "" : "[int", std::move(items));
  }
  if (kind == 11) {
    std::vector<std::pair<Value, Value>> entries;
    for (int i = 0; i < n; ++i)
      entries.emplace_back(S(kNames[rng() % 16]), RandomValue(rng, depth + 1));
    return Mp(std::move(entries));
  }
  std::vector<std::pair<std::string, Value>> fields;
  for (int i = 0; i < n; ++i) fields.emplace_back(kNames[rng() % 16], RandomValue(rng, depth + 1));
  return Obj("demo.X", std::move(fields));
}

TEST(ValueConvertErrorTest, ArbitraryValuesNeverCrash) {
  std::mt19937 rng(12345);
  size_t accepted = 0;
  for (int i = 0; i < 3000; ++i) {
    const std::vector<Value> roots{RandomValue(rng, 0), RandomValue(rng, 0)};
    const RefTable refs(roots);
    const RefTable* table = i % 5 == 0 ? nullptr : &refs;
    vct::Everything e;
    vct::Node n;
    vct::Order o;
    vct::Failure f;
    JavaException j;
    std::map<Color, std::vector<BigInteger>> m;
    std::vector<std::optional<BigDecimal>> v;
    accepted += FromValue(roots[0], &e, table).ok() + FromValue(roots[0], &n, table).ok() +
                FromValue(roots[0], &o, table).ok() + FromValue(roots[0], &f, table).ok() +
                FromValue(roots[0], &j, table).ok() + FromValue(roots[0], &m, table).ok() +
                FromValue(roots[0], &v, table).ok();
  }
  EXPECT_GT(accepted, 0u);
}

}  // namespace
}  // namespace dubbo

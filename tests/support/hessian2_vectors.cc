#include "tests/support/hessian2_vectors.h"

#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "codec/hessian2/codec.h"

namespace demo {
struct Pair {
  int32_t a = 0;
  std::optional<std::string> b;
  friend bool operator==(const Pair&, const Pair&) = default;
};
DUBBO_STRUCT(Pair, "demo.Pair", a, b)

enum class Color { RED, GREEN, BLUE };
DUBBO_ENUM(Color, "demo.Color", RED, GREEN, BLUE)
}  // namespace demo

namespace dubbo::testing {
namespace {

Value I(int32_t v) { return Value::Int(v); }
Value L(int64_t v) { return Value::Long(v); }
Value D(double v) { return Value::Double(v); }
Value S(std::string v) { return Value::String(std::move(v)); }
Value R(uint32_t i) { return Value::FromRef(i); }
Value Dt(int64_t ms) { return Value::FromDate(ms); }
Value Lst(std::string type, std::vector<Value> items) {
  return Value::FromList({std::move(type), std::move(items)});
}
Value Mp(std::string type, std::vector<std::pair<Value, Value>> entries) {
  return Value::FromMap({std::move(type), std::move(entries)});
}
Value Obj(std::string cls, std::vector<std::pair<std::string, Value>> fields) {
  return Value::FromObject({std::move(cls), std::move(fields)});
}

Binary Bytes251(size_t n) {
  Binary b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(i % 251);
  return b;
}

std::string Alphabet(size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s.push_back(static_cast<char>('a' + i % 26));
  return s;
}

const std::string kEmoji = "\xf0\x9f\x98\x80";  // U+1F600

template <typename T>
std::string Describe(const T& v) {
  if constexpr (std::is_same_v<T, std::string>) {
    return "\"" + (v.size() > 40 ? v.substr(0, 40) + "..." : v) + "\"";
  } else if constexpr (std::is_arithmetic_v<T>) {
    std::ostringstream os;
    os << v;
    return os.str();
  } else {
    return "(value)";
  }
}

// Fills the typed hooks of `vec` for C++ value `v` (equality compared with ==, or with `eq`).
template <typename T>
void Typed(HessianVector* vec, T v) {
  vec->typed_encode = [v] { return hessian2::Encode(v); };
  vec->typed_check = [v](std::string_view bytes) -> Status {
    auto got = hessian2::Decode<T>(bytes);
    if (!got.ok()) return got.status();
    if (!(*got == v)) {
      return Status(StatusCode::kInternal,
                    "typed decode gave " + Describe(*got) + ", expected " + Describe(v));
    }
    return Status::Ok();
  };
}

Value Pair(int32_t a, std::optional<std::string> b) {
  return Obj("demo.Pair", {{"a", I(a)}, {"b", b ? S(*b) : Value()}});
}

Value BigIntegerObject(const std::string& text) {
  int32_t signum = 0;
  std::vector<int32_t> mag;
  (void)BigInteger{text}.ToMagnitude(&signum, &mag);
  std::vector<Value> words;
  for (int32_t m : mag) words.push_back(I(m));
  return Obj("java.math.BigInteger", {{"signum", I(signum)},
                                      {"bitCountPlusOne", I(0)},
                                      {"bitLengthPlusOne", I(0)},
                                      {"lowestSetBitPlusTwo", I(0)},
                                      {"firstNonzeroIntNumPlusTwo", I(0)},
                                      {"mag", Lst("[int", std::move(words))}});
}

const char kStackType[] = "[java.lang.StackTraceElement";
const char kEmptyList[] = "java.util.Collections$EmptyList";

// A Throwable object as Java 17 writes it. `self` is its reference slot; `suppressed` is either
// the shared empty list's first appearance or a reference to it.
Value Exception(const std::string& cls, std::optional<std::string> message, Value cause,
                Value stack, Value suppressed) {
  return Obj(cls, {{"detailMessage", message ? S(*message) : Value()},
                   {"cause", std::move(cause)},
                   {"stackTrace", std::move(stack)},
                   {"suppressedExceptions", std::move(suppressed)}});
}

std::vector<HessianVector> Build() {
  std::vector<HessianVector> t;
  auto add = [&](std::string name, std::vector<Value> values) -> HessianVector& {
    HessianVector& v = t.emplace_back();
    v.name = std::move(name);
    v.values = std::move(values);
    return v;
  };

  const std::pair<const char*, int32_t> ints[] = {{"int_0", 0},
                                                  {"int_m16", -16},
                                                  {"int_47", 47},
                                                  {"int_48", 48},
                                                  {"int_m17", -17},
                                                  {"int_m2048", -2048},
                                                  {"int_2047", 2047},
                                                  {"int_m2049", -2049},
                                                  {"int_2048", 2048},
                                                  {"int_m262144", -262144},
                                                  {"int_262143", 262143},
                                                  {"int_m262145", -262145},
                                                  {"int_262144", 262144},
                                                  {"int_max", std::numeric_limits<int32_t>::max()},
                                                  {"int_min", std::numeric_limits<int32_t>::min()}};
  for (auto [name, v] : ints) Typed(&add(name, {I(v)}), v);

  const std::pair<const char*, int64_t> longs[] = {
      {"long_0", 0},
      {"long_m8", -8},
      {"long_15", 15},
      {"long_m9", -9},
      {"long_16", 16},
      {"long_m2048", -2048},
      {"long_2047", 2047},
      {"long_m2049", -2049},
      {"long_2048", 2048},
      {"long_m262144", -262144},
      {"long_262143", 262143},
      {"long_m262145", -262145},
      {"long_262144", 262144},
      {"long_int_max", 2147483647LL},
      {"long_int_min", -2147483648LL},
      {"long_2p31", 2147483648LL},
      {"long_2p40", 1LL << 40},
      {"long_min", std::numeric_limits<int64_t>::min()},
      {"long_max", std::numeric_limits<int64_t>::max()}};
  for (auto [name, v] : longs) Typed(&add(name, {L(v)}), v);

  const std::pair<const char*, double> doubles[] = {
      {"double_0", 0.0},
      {"double_1", 1.0},
      {"double_1_5", 1.5},
      {"double_neg0", -0.0},
      {"double_2", 2.0},
      {"double_127", 127.0},
      {"double_m128", -128.0},
      {"double_128", 128.0},
      {"double_m129", -129.0},
      {"double_32767", 32767.0},
      {"double_m32768", -32768.0},
      {"double_32768", 32768.0},
      {"double_12_25", 12.25},
      {"double_0_1", 0.1},
      {"double_0_003", 0.003},
      {"double_12_345", 12.345},
      {"double_m99_99", -99.99},
      {"double_99_99", 99.99},
      {"double_1e300", 1e300},
      {"double_1em300", 1e-300},
      {"double_max", std::numeric_limits<double>::max()},
      {"double_min_value", std::numeric_limits<double>::denorm_min()},
      {"double_inf", std::numeric_limits<double>::infinity()},
      {"double_ninf", -std::numeric_limits<double>::infinity()},
      {"double_2p31", 2147483648.0},
      {"double_m0_001", -0.001}};
  for (auto [name, v] : doubles) Typed(&add(name, {D(v)}), v);
  add("double_nan", {D(std::nan(""))});

  add("null", {Value()});
  Typed(&add("true", {Value::Bool(true)}), true);
  Typed(&add("false", {Value::Bool(false)}), false);
  Typed(&add("char_x", {S("x")}), std::string("x"));

  std::string mixed;
  for (int i = 0; i < 1000; ++i) mixed += "a\xc3\xa9\xe4\xb8\xad" + kEmoji;
  const std::pair<const char*, std::string> strings[] = {
      {"str_empty", ""},
      {"str_hello", "hello"},
      {"str_a31", std::string(31, 'a')},
      {"str_a32", std::string(32, 'a')},
      {"str_a1023", std::string(1023, 'a')},
      {"str_a1024", std::string(1024, 'a')},
      {"str_40000", Alphabet(40000)},
      {"str_32768", Alphabet(32768)},
      {"str_65536x", std::string(65536, 'x')},
      {"str_pair_boundary", std::string(32767, 'a') + kEmoji + "b"},
      {"str_utf8", "a\xc3\xa9\xe4\xb8\xad"},
      {"str_emoji", kEmoji},
      {"str_a_emoji_b", "a" + kEmoji + "b"},
      {"str_mixed_long", mixed}};
  for (const auto& [name, v] : strings) Typed(&add(name, {S(v)}), v);

  const std::pair<const char*, size_t> binaries[] = {
      {"bin_15", 15},     {"bin_16", 16},     {"bin_1023", 1023},  {"bin_1024", 1024},
      {"bin_8189", 8189}, {"bin_8190", 8190}, {"bin_40000", 40000}};
  Typed(&add("bin_empty", {Value::FromBinary({})}), Binary{});
  Typed(&add("bin_123", {Value::FromBinary({1, 2, 3})}), Binary{1, 2, 3});
  for (auto [name, n] : binaries) {
    HessianVector& v = add(name, {Value::FromBinary(Bytes251(n))});
    v.exact_js = n < 4094;  // hessian.js chunks at 4093 bytes, Caucho (and we) at 8189
    Typed(&v, Bytes251(n));
  }

  using Clock = std::chrono::system_clock;
  const std::pair<const char*, int64_t> dates[] = {{"date_ms", 1700000000000},
                                                   {"date_minute", 1699999980000},
                                                   {"date_epoch", 0},
                                                   {"date_neg", -1},
                                                   {"date_neg_minute", -60000}};
  for (auto [name, ms] : dates) {
    Typed(&add(name, {Dt(ms)}), Clock::time_point(std::chrono::milliseconds(ms)));
  }

  Typed(&add("map_a1", {Mp("", {{S("a"), I(1)}})}), std::map<std::string, int32_t>{{"a", 1}});
  Typed(&add("map_int_key", {Mp("", {{I(1), S("x")}})}), std::map<int32_t, std::string>{{1, "x"}});
  Typed(&add("map_empty", {Mp("", {})}), std::map<std::string, int32_t>{});
  HessianVector& multi =
      add("map_multi", {Mp("", {{S("a"), I(1)}, {S("b"), I(2)}, {S("c"), I(3)}})});
  multi.exact_java = multi.exact_js = false;  // HashMap iteration order is not part of the value
  multi.unordered_maps = true;
  Typed(&multi, std::map<std::string, int32_t>{{"a", 1}, {"b", 2}, {"c", 3}});
  HessianVector& nested =
      add("map_nested",
          {Mp("", {{S("list"), Lst("", {I(1), I(2)})}, {S("map"), Mp("", {{S("k"), S("v")}})}})});
  nested.exact_java = nested.exact_js = false;
  nested.unordered_maps = true;
  add("treemap_a1", {Mp("java.util.TreeMap", {{S("a"), I(1)}})});
  add("linkedhashmap_a1", {Mp("java.util.LinkedHashMap", {{S("a"), I(1)}})});

  add("list_1x", {Lst("", {I(1), S("x")})});
  Typed(&add("list_empty", {Lst("", {})}), std::vector<int32_t>{});
  std::vector<Value> zero_to_8;
  for (int i = 0; i <= 8; ++i) zero_to_8.push_back(I(i));
  Typed(&add("list_0to8", {Lst("", zero_to_8)}), std::vector<int32_t>{0, 1, 2, 3, 4, 5, 6, 7, 8});
  Typed(&add("list_nested", {Lst("", {Lst("", {I(1), I(2)}), Lst("", {I(3)})})}),
        std::vector<std::vector<int32_t>>{{1, 2}, {3}});
  std::vector<Value> s20;
  std::vector<std::string> s20_typed;
  for (int i = 0; i < 20; ++i) {
    s20.push_back(S("s" + std::to_string(i)));
    s20_typed.push_back("s" + std::to_string(i));
  }
  Typed(&add("list_strings20", {Lst("", s20)}), s20_typed);
  add("linkedlist_1", {Lst("java.util.LinkedList", {I(1)})});
  Typed(&add("hashset_1", {Lst("java.util.HashSet", {I(1)})}), std::set<int32_t>{1});
  add("int_array", {Lst("[int", {I(1), I(2)})});
  add("long_array", {Lst("[long", {L(1)})});
  add("string_array", {Lst("[string", {S("a")})});
  add("object_array", {Lst("[object", {I(1), S("a")})});
  add("integer_array", {Lst("[java.lang.Integer", {I(1)})});
  add("int_array_empty", {Lst("[int", {})});

  Typed(&add("pair_1x", {Pair(1, "x")}), demo::Pair{1, "x"});
  Typed(&add("pair_null_b", {Pair(5, std::nullopt)}), demo::Pair{5, std::nullopt});
  Typed(&add("pairs_reuse", {Lst("", {Pair(1, "x"), Pair(2, "y")})}),
        std::vector<demo::Pair>{{1, "x"}, {2, "y"}});
  // The list is container 0 and the Pair container 1; the typed reader replays the reference.
  HessianVector& same = add("pair_same_twice", {Lst("", {Pair(7, "s"), R(1)})});
  same.typed_check = [](std::string_view bytes) -> Status {
    auto got = hessian2::Decode<std::vector<demo::Pair>>(bytes);
    if (!got.ok()) return got.status();
    return *got == std::vector<demo::Pair>{{7, "s"}, {7, "s"}}
               ? Status::Ok()
               : Status(StatusCode::kInternal, "typed decode of [p, p] differs");
  };
  add("map_same_twice", {Lst("", {Mp("", {{S("a"), I(1)}}), R(1)})});
  add("list_self", {Lst("", {R(0)})});
  add("pair_top_twice", {Pair(7, "s"), R(0)});
  add("hello_top_twice", {S("hello"), S("hello")});
  add("box_nested",
      {Obj("demo.Box",
           {{"name", S("outer")},
            {"inner",
             Obj("demo.Box", {{"name", S("inner")}, {"inner", Value()}, {"items", Lst("", {})}})},
            {"items", Lst("", {Pair(1, "x"), L(7)})}})});
  add("two_values_mixed", {Pair(1, "x"), Mp("", {{S("p"), R(0)}})});
  Typed(&add("enum_red", {Obj("demo.Color", {{"name", S("RED")}})}), demo::Color::RED);
  Typed(&add("enum_list", {Lst("", {Obj("demo.Color", {{"name", S("RED")}}), R(1),
                                    Obj("demo.Color", {{"name", S("GREEN")}})})}),
        std::vector<demo::Color>{demo::Color::RED, demo::Color::RED, demo::Color::GREEN});

  Typed(&add("bigdecimal_123_45", {Obj("java.math.BigDecimal", {{"value", S("123.45")}})}),
        BigDecimal{"123.45"});
  Typed(&add("bigdecimal_neg", {Obj("java.math.BigDecimal", {{"value", S("-0.000123")}})}),
        BigDecimal{"-0.000123"});
  for (auto [name, text] : {std::pair{"biginteger_big", "12345678901234567890"},
                            std::pair{"biginteger_neg", "-98765432109876543210987654321"},
                            std::pair{"biginteger_zero", "0"}}) {
    Typed(&add(name, {BigIntegerObject(text)}), BigInteger{text});
  }
  Typed(&add("timestamp", {Obj("java.sql.Timestamp", {{"value", Dt(1700000000000)}})}),
        SqlTimestamp{1700000000000});
  Typed(&add("sqldate", {Obj("java.sql.Date", {{"value", Dt(1700000000000)}})}),
        SqlDate{1700000000000});
  add("refs_mixed",
      {Lst("", {Obj("java.math.BigDecimal", {{"value", S("1.5")}}), Mp("", {{S("a"), I(1)}}), R(2),
                Dt(1700000000000), Dt(1700000000000), S("s"), S("s"), Lst("[int", {I(1)}), R(3)})});

  const Value empty_stack = Lst(kStackType, {});
  HessianVector& boom = add("exc_boom", {Exception("java.lang.RuntimeException", "boom", R(0),
                                                   empty_stack, Lst(kEmptyList, {}))});
  Typed(&boom, JavaException("java.lang.RuntimeException", "boom"));
  // outer = 0, inner = 1, inner.stackTrace = 2, the shared empty list = 3.
  HessianVector& cause =
      add("exc_cause", {Exception("java.lang.Exception", "outer",
                                  Exception("java.lang.IllegalStateException", "inner", R(1),
                                            empty_stack, Lst(kEmptyList, {})),
                                  empty_stack, R(3))});
  JavaException outer("java.lang.Exception", "outer");
  outer.cause = std::make_shared<JavaException>("java.lang.IllegalStateException", "inner");
  Typed(&cause, outer);
  HessianVector& null_msg =
      add("exc_null_msg", {Exception("java.lang.IllegalArgumentException", std::nullopt, R(0),
                                     empty_stack, Lst(kEmptyList, {}))});
  Typed(&null_msg, JavaException("java.lang.IllegalArgumentException", std::nullopt));
  HessianVector& stack =
      add("exc_stack", {Exception("java.lang.RuntimeException", "with stack", R(0),
                                  Lst(kStackType, {Obj("java.lang.StackTraceElement",
                                                       {{"classLoaderName", Value()},
                                                        {"moduleName", Value()},
                                                        {"moduleVersion", Value()},
                                                        {"declaringClass", S("demo.Svc")},
                                                        {"methodName", S("call")},
                                                        {"fileName", S("Svc.java")},
                                                        {"lineNumber", I(42)},
                                                        {"format", I(0)}})}),
                                  Lst(kEmptyList, {}))});
  JavaException with_stack("java.lang.RuntimeException", "with stack");
  with_stack.stack_trace.push_back({"demo.Svc", "call", "Svc.java", 42});
  Typed(&stack, with_stack);
  return t;
}

}  // namespace

const std::vector<HessianVector>& HessianVectors() {
  static const std::vector<HessianVector> kVectors = Build();
  return kVectors;
}

}  // namespace dubbo::testing

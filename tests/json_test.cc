// JSON <-> Value (codec/json.h): plain mapping, every type hint, exact error messages, the depth
// limit, and the round-trip property ParseJson(ToJson(v)) == v with identical Hessian bytes, over
// the interop vector table and a large set of generated values.
#include "codec/json.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "codec/hessian2/codec.h"
#include "tests/support/hessian2_vectors.h"

namespace dubbo {
namespace {

Value I(int32_t v) { return Value::Int(v); }
Value L(int64_t v) { return Value::Long(v); }
Value D(double v) { return Value::Double(v); }
Value S(std::string v) { return Value::String(std::move(v)); }
Value R(uint32_t i) { return Value::FromRef(i); }
Value Lst(std::string type, std::vector<Value> items) {
  return Value::FromList({std::move(type), std::move(items)});
}
Value Mp(std::string type, std::vector<std::pair<Value, Value>> entries) {
  return Value::FromMap({std::move(type), std::move(entries)});
}
Value Obj(std::string cls, std::vector<std::pair<std::string, Value>> fields) {
  return Value::FromObject({std::move(cls), std::move(fields)});
}

Value Parse(std::string_view text) {
  auto r = ParseJson(text);
  EXPECT_TRUE(r.ok()) << text << ": " << r.status();
  return r.ok() ? *r : Value();
}

std::string Error(std::string_view text) {
  auto r = ParseJson(text);
  if (r.ok()) return "parsed: " + ToJson(*r);
  EXPECT_EQ(r.status().code(), StatusCode::kDecodeError);
  return r.status().message();
}

#define EXPECT_VALUE(text, expected)                                              \
  do {                                                                            \
    const Value got_ = Parse(text);                                               \
    const Value want_ = (expected);                                               \
    EXPECT_TRUE(got_ == want_) << (text) << " gave " << ToJson(got_) << ", want " \
                               << ToJson(want_);                                  \
  } while (0)

TEST(JsonParseTest, PlainJsonMapsOntoValues) {
  EXPECT_VALUE("null", Value());
  EXPECT_VALUE(" true ", Value::Bool(true));
  EXPECT_VALUE("false", Value::Bool(false));
  EXPECT_VALUE("0", I(0));
  EXPECT_VALUE("-0", I(0));
  EXPECT_VALUE("2147483647", I(2147483647));
  EXPECT_VALUE("-2147483648", I(std::numeric_limits<int32_t>::min()));
  EXPECT_VALUE("2147483648", L(2147483648));
  EXPECT_VALUE("-2147483649", L(-2147483649));
  EXPECT_VALUE("9223372036854775807", L(std::numeric_limits<int64_t>::max()));
  EXPECT_VALUE("-9223372036854775808", L(std::numeric_limits<int64_t>::min()));
  EXPECT_VALUE("1.5", D(1.5));
  EXPECT_VALUE("1e2", D(100));
  EXPECT_VALUE("1E+2", D(100));
  EXPECT_VALUE("-2.5e-3", D(-0.0025));
  EXPECT_VALUE("\"hi\"", S("hi"));
  EXPECT_VALUE("[]", Lst("", {}));
  EXPECT_VALUE("[1, \"x\", [null]]", Lst("", {I(1), S("x"), Lst("", {Value()})}));
  EXPECT_VALUE("{}", Mp("", {}));
  // Document order and duplicate keys are kept; "$class" is only a hint as the first key.
  EXPECT_VALUE(R"({"b": 1, "a": 2, "b": 3, "$class": 4})",
               Mp("", {{S("b"), I(1)}, {S("a"), I(2)}, {S("b"), I(3)}, {S("$class"), I(4)}}));
  EXPECT_VALUE("\xEF\xBB\xBF[1]", Lst("", {I(1)}));  // a leading BOM is ignored
  EXPECT_TRUE(std::signbit(Parse("-0.0").as_double()));
}

TEST(JsonParseTest, HugeExponentsSaturateWithoutError) {
  EXPECT_VALUE("1e400", D(std::numeric_limits<double>::infinity()));
  EXPECT_VALUE("-1e400", D(-std::numeric_limits<double>::infinity()));
  EXPECT_VALUE("1e-400", D(0));
  EXPECT_VALUE("123456789012345678901234567890.5e99999999999999999999999999",
               D(std::numeric_limits<double>::infinity()));
  EXPECT_VALUE("0.000000000000000000001e-99999999999999999999999999", D(0));
  EXPECT_VALUE("0e99999999999999999999", D(0));
  EXPECT_VALUE("5e-324", D(std::numeric_limits<double>::denorm_min()));
  EXPECT_TRUE(std::signbit(Parse("-1e-400").as_double()));
  // A long mantissa is fine as a double; as an integer it is out of range.
  EXPECT_VALUE("1234567890123456789012345678901234567890.0", D(1.2345678901234568e39));
  EXPECT_EQ(Error("12345678901234567890"),
            "json: integer out of range at line 1, column 1 (offset 0)");
}

TEST(JsonParseTest, StringsAndEscapes) {
  EXPECT_VALUE(R"("a\"b\\c\/d\b\f\n\r\t")", S("a\"b\\c/d\b\f\n\r\t"));
  EXPECT_VALUE(R"("\u0041\u00e9\u4E2D")", S("A\xC3\xA9\xE4\xB8\xAD"));
  EXPECT_VALUE(R"("\u0000")", S(std::string(1, '\0')));
  // A surrogate pair is one code point; lone surrogates keep their 3-byte (CESU-8) form.
  EXPECT_VALUE(R"("\ud83d\ude00")", S("\xF0\x9F\x98\x80"));
  EXPECT_VALUE(R"("\ud83d")", S("\xED\xA0\xBD"));
  EXPECT_VALUE(R"("\ude00x")", S("\xED\xB8\x80x"));
  EXPECT_VALUE(R"("\ud83d\u0041")", S(std::string("\xED\xA0\xBD") + "A"));
  EXPECT_VALUE(R"("\ud83d\ud83d\ude00")", S("\xED\xA0\xBD\xF0\x9F\x98\x80"));
  EXPECT_VALUE("\"a\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80\"",
               S("a\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80"));
}

TEST(JsonHintTest, ScalarHints) {
  EXPECT_VALUE(R"({"$class":"int","$":7})", I(7));
  EXPECT_VALUE(R"({"$class":"int","$":"-7"})", I(-7));
  EXPECT_VALUE(R"({"$class":"short","$":-32768})", I(-32768));
  EXPECT_VALUE(R"({"$class":"byte","$":127})", I(127));
  EXPECT_VALUE(R"({"$class":"long","$":5})", L(5));
  EXPECT_VALUE(R"({"$class":"long","$":"9223372036854775807"})",
               L(std::numeric_limits<int64_t>::max()));
  EXPECT_VALUE(R"({"$class":"double","$":2})", D(2));
  EXPECT_VALUE(R"({"$class":"double","$":"1.25"})", D(1.25));
  EXPECT_VALUE(R"({"$class":"double","$":123456789012345678901234567890})",
               D(1.2345678901234568e29));
  EXPECT_VALUE(R"({"$class":"double","$":"Infinity"})", D(std::numeric_limits<double>::infinity()));
  EXPECT_VALUE(R"({"$class":"double","$":"-Infinity"})",
               D(-std::numeric_limits<double>::infinity()));
  EXPECT_TRUE(std::isnan(Parse(R"({"$class":"double","$":"NaN"})").as_double()));
  // float: rounded to a Java float, widened via its shortest text as hessian-lite does.
  EXPECT_VALUE(R"({"$class":"float","$":0.1})", D(0.1));
  EXPECT_VALUE(R"({"$class":"float","$":0.123456789})", D(0.12345679));
  EXPECT_VALUE(R"({"$class":"float","$":"NaN"})", D(std::numeric_limits<double>::quiet_NaN()));
  EXPECT_VALUE(R"({"$class":"boolean","$":true})", Value::Bool(true));
  EXPECT_VALUE(R"({"$class":"boolean","$":"false"})", Value::Bool(false));
  EXPECT_VALUE(R"({"$class":"string","$":"x"})", S("x"));
  EXPECT_VALUE(R"({"$class":"binary","$":"AQID"})", Value::FromBinary({1, 2, 3}));
  EXPECT_VALUE(R"({"$class":"binary","$":"AQI="})", Value::FromBinary({1, 2}));
  EXPECT_VALUE(R"({"$class":"binary","$":"AQI"})", Value::FromBinary({1, 2}));
  EXPECT_VALUE(R"({"$class":"binary","$":"AA=="})", Value::FromBinary({0}));
  EXPECT_VALUE(R"({"$class":"binary","$":""})", Value::FromBinary({}));
  EXPECT_VALUE(R"({"$class":"int","$":null})", Value());
  EXPECT_VALUE(R"( { "$class" : "long" , "$" : 1 } )", L(1));
}

TEST(JsonHintTest, DateHints) {
  EXPECT_VALUE(R"({"$class":"date","$":"2023-11-14T22:13:20.000Z"})",
               Value::FromDate(1700000000000));
  EXPECT_VALUE(R"({"$class":"date","$":"2023-11-14T22:13:20Z"})", Value::FromDate(1700000000000));
  EXPECT_VALUE(R"({"$class":"date","$":"2023-11-14T22:13:20.5Z"})", Value::FromDate(1700000000500));
  EXPECT_VALUE(R"({"$class":"date","$":"2023-11-15T06:13:20.123+08:00"})",
               Value::FromDate(1700000000123));
  EXPECT_VALUE(R"({"$class":"date","$":"2023-11-14T17:13:20-05:00"})",
               Value::FromDate(1700000000000));
  EXPECT_VALUE(R"({"$class":"date","$":"1969-12-31T23:59:59.999Z"})", Value::FromDate(-1));
  EXPECT_VALUE(R"({"$class":"date","$":"2024-02-29T00:00:00Z"})", Value::FromDate(1709164800000));
  EXPECT_VALUE(R"({"$class":"date","$":"0000-01-01T00:00:00.000Z"})",
               Value::FromDate(-62167219200000));
  EXPECT_VALUE(R"({"$class":"date","$":1700000000000})", Value::FromDate(1700000000000));
  EXPECT_VALUE(R"({"$class":"date","$":-9223372036854775808})",
               Value::FromDate(std::numeric_limits<int64_t>::min()));
  EXPECT_EQ(FormatJsonDate(1700000000000), "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(FormatJsonDate(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatJsonDate(253402300799999), "9999-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatJsonDate(253402300800000), "253402300800000");
  EXPECT_EQ(FormatJsonDate(-62167219200001), "-62167219200001");
}

TEST(JsonHintTest, ListsMapsAndObjects) {
  EXPECT_VALUE(R"({"$class":"[int","$":[1,2]})", Lst("[int", {I(1), I(2)}));
  EXPECT_VALUE(R"({"$class":"java.util.ArrayList","$":[1]})", Lst("", {I(1)}));
  EXPECT_VALUE(R"({"$class":"java.util.HashSet","$":[]})", Lst("java.util.HashSet", {}));
  EXPECT_VALUE(R"({"$class":"java.util.Collections$EmptyList","$":[]})",
               Lst("java.util.Collections$EmptyList", {}));
  EXPECT_VALUE(R"({"$class":"[java.util.HashMap","$":[{}]})",
               Lst("[java.util.HashMap", {Mp("", {})}));
  EXPECT_VALUE(R"({"$class":"demo.Anything","$":[]})", Lst("demo.Anything", {}));
  EXPECT_VALUE(R"({"$class":"java.util.TreeMap","$":{"a":1}})",
               Mp("java.util.TreeMap", {{S("a"), I(1)}}));
  EXPECT_VALUE(R"({"$class":"java.util.HashMap","$":{"$class":1}})", Mp("", {{S("$class"), I(1)}}));
  EXPECT_VALUE(R"({"$class":"java.util.HashMap","$":[[1,"x"],[{"$class":"long","$":2},[]]]})",
               Mp("", {{I(1), S("x")}, {L(2), Lst("", {})}}));
  EXPECT_VALUE(R"({"$class":"java.util.Hashtable","$":[]})", Mp("java.util.Hashtable", {}));
  EXPECT_VALUE(R"({"$class":"java.util.Properties","$":{}})", Mp("java.util.Properties", {}));
  EXPECT_VALUE(R"({"$class":"demo.Pair","$":{"a":1,"b":"x"}})",
               Obj("demo.Pair", {{"a", I(1)}, {"b", S("x")}}));
  EXPECT_VALUE(R"({"$class":"demo.Empty","$":{}})", Obj("demo.Empty", {}));
  // "$kind" forces the kind and takes the class literally.
  EXPECT_VALUE(R"({"$class":"demo.Bag","$kind":"map","$":{"a":1}})",
               Mp("demo.Bag", {{S("a"), I(1)}}));
  EXPECT_VALUE(R"({"$class":"java.util.HashMap","$kind":"map","$":[]})",
               Mp("java.util.HashMap", {}));
  EXPECT_VALUE(R"({"$class":"java.util.ArrayList","$kind":"list","$":[]})",
               Lst("java.util.ArrayList", {}));
  EXPECT_VALUE(R"({"$class":"int","$kind":"list","$":[1]})", Lst("int", {I(1)}));
  EXPECT_VALUE(R"({"$class":"demo.MyMap","$kind":"object","$":{"x":1}})",
               Obj("demo.MyMap", {{"x", I(1)}}));
  EXPECT_VALUE(R"({"$class":"demo.Pair","$":null})", Value());
}

TEST(JsonHintTest, RefsCountContainersInPreOrder) {
  // list #0, Pair #1, map #2 (a key container counts before its value), list #3.
  EXPECT_VALUE(
      R"([{"$class":"demo.Pair","$":{"a":1}}, {"$ref":1}, {"$class":"java.util.HashMap","$":[[[], {"$ref":3}]]}, {"$ref":0}])",
      Lst("", {Obj("demo.Pair", {{"a", I(1)}}), R(1), Mp("", {{Lst("", {}), R(3)}}), R(0)}));
  // A ref to a container still open (a cycle) is fine.
  EXPECT_VALUE(R"([{"$ref":0}])", Lst("", {R(0)}));
  // Scalar hints are not containers.
  EXPECT_EQ(Error(R"([{"$class":"long","$":1}, {"$ref":1}])"),
            "json: \"$ref\" 1 does not name a container begun before it (1 so far) at line 1, "
            "column 35 (offset 34)");
  auto values = ParseJsonValues(R"([{"$class":"demo.Pair","$":{}}, {"$ref":0}])");
  ASSERT_TRUE(values.ok()) << values.status();
  ASSERT_EQ(values->size(), 2u);
  EXPECT_TRUE((*values)[1] == R(0));
}

TEST(JsonErrorTest, ExactMessages) {
  EXPECT_EQ(Error("{\n  \"a\": 1,\n  \"b\" 2\n}"),
            "json: expected ':' at line 3, column 7 (offset 18)");
  EXPECT_EQ(Error("{\n  \"a\": 1,\n  \"bc\": 2 3\n}"),
            "json: expected ',' or '}' at line 3, column 11 (offset 22)");
  EXPECT_EQ(Error("[1,]"), "json: expected a value at line 1, column 4 (offset 3)");
  EXPECT_EQ(Error("{\"a\":1,}"), "json: expected a string key at line 1, column 8 (offset 7)");
  EXPECT_EQ(Error("[1 2]"), "json: expected ',' or ']' at line 1, column 4 (offset 3)");
  EXPECT_EQ(Error("[1,"),
            "json: unexpected end of input, expected a value at line 1, column 4 (offset 3)");
  EXPECT_EQ(Error(""),
            "json: unexpected end of input, expected a value at line 1, column 1 (offset 0)");
  EXPECT_EQ(Error("1 2"), "json: expected end of input at line 1, column 3 (offset 2)");
  EXPECT_EQ(Error("// c\n1"), "json: expected a value at line 1, column 1 (offset 0)");
  EXPECT_EQ(Error("tru"), "json: invalid literal at line 1, column 1 (offset 0)");
  EXPECT_EQ(Error("NaN"), "json: expected a value at line 1, column 1 (offset 0)");
  EXPECT_EQ(Error("01"), "json: invalid number at line 1, column 2 (offset 1)");
  EXPECT_EQ(Error("1."), "json: invalid number at line 1, column 3 (offset 2)");
  EXPECT_EQ(Error("-"), "json: invalid number at line 1, column 2 (offset 1)");
  EXPECT_EQ(Error("1e+"), "json: invalid number at line 1, column 4 (offset 3)");
  EXPECT_EQ(Error("+1"), "json: expected a value at line 1, column 1 (offset 0)");
  EXPECT_EQ(Error("\"abc"), "json: unterminated string at line 1, column 1 (offset 0)");
  EXPECT_EQ(Error("\"a\tb\""),
            "json: control character in string (must be escaped) at line 1, column 3 (offset 2)");
  EXPECT_EQ(Error(R"("a\x")"), "json: invalid escape at line 1, column 3 (offset 2)");
  EXPECT_EQ(Error(R"("\u12G4")"), "json: invalid \\u escape at line 1, column 2 (offset 1)");
  EXPECT_EQ(Error(R"("\ud800\u12")"), "json: invalid \\u escape at line 1, column 8 (offset 7)");
  EXPECT_EQ(Error("\"\xC3\xA9\xFF\""),
            "json: invalid UTF-8 in string at line 1, column 3 (offset 3)");
  EXPECT_EQ(Error("\"\xED\xA0\x80\""),
            "json: invalid UTF-8 in string at line 1, column 2 (offset 1)");
  EXPECT_EQ(Error("\"\xC0\x80\""), "json: invalid UTF-8 in string at line 1, column 2 (offset 1)");
  // Columns count characters, offsets count bytes.
  EXPECT_EQ(Error("[\"\xE4\xB8\xAD\xE4\xB8\xAD\" x]"),
            "json: expected ',' or ']' at line 1, column 7 (offset 10)");
}

TEST(JsonErrorTest, HintMessages) {
  EXPECT_EQ(Error(R"({"$class":1,"$":2})"),
            "json: \"$class\" needs a string at line 1, column 11 (offset 10)");
  EXPECT_EQ(Error(R"({"$class":"int"})"),
            "json: expected ',' and \"$\" after \"$class\" at line 1, column 16 (offset 15)");
  EXPECT_EQ(Error(R"({"$class":"int","x":1})"),
            "json: unexpected key \"x\" in a \"$class\" hint (expected \"$kind\" or \"$\") at line "
            "1, column 17 (offset 16)");
  EXPECT_EQ(Error(R"({"$class":"a.B","$kind":"set","$":[]})"),
            "json: unknown \"$kind\" \"set\" (expected \"list\", \"map\" or \"object\") at line 1, "
            "column 25 (offset 24)");
  EXPECT_EQ(Error(R"({"$class":"a.B","$kind":"map","y":[]})"),
            "json: unexpected key \"y\" in a \"$class\" hint (expected \"$\") at line 1, column 31 "
            "(offset 30)");
  EXPECT_EQ(
      Error(R"({"$class":"int","$":1,"x":2})"),
      "json: expected '}' after \"$\" (a hint has no other keys) at line 1, column 22 (offset 21)");
  EXPECT_EQ(Error(R"({"$class":"int","$":1.5})"),
            "json: \"$class\":\"int\" needs an integer or a numeric string as \"$\" at line 1, "
            "column 21 (offset 20)");
  EXPECT_EQ(Error(R"({"$class":"int","$":"12x"})"),
            "json: \"$class\":\"int\" needs an integer or a numeric string as \"$\" at line 1, "
            "column 21 (offset 20)");
  EXPECT_EQ(Error(R"({"$class":"int","$":2147483648})"),
            "json: value out of range for \"$class\":\"int\" at line 1, column 21 (offset 20)");
  EXPECT_EQ(Error(R"({"$class":"short","$":32768})"),
            "json: value out of range for \"$class\":\"short\" at line 1, column 23 (offset 22)");
  EXPECT_EQ(Error(R"({"$class":"byte","$":-129})"),
            "json: value out of range for \"$class\":\"byte\" at line 1, column 22 (offset 21)");
  EXPECT_EQ(Error(R"({"$class":"long","$":"9223372036854775808"})"),
            "json: value out of range for \"$class\":\"long\" at line 1, column 22 (offset 21)");
  EXPECT_EQ(Error(R"({"$class":"long","$":[1]})"),
            "json: \"$class\":\"long\" needs a scalar as \"$\" (add \"$kind\" for a container of "
            "that class) at line 1, column 22 (offset 21)");
  EXPECT_EQ(Error(R"({"$class":"double","$":"nan"})"),
            "json: \"$class\":\"double\" needs a number, a numeric string, \"NaN\", \"Infinity\" "
            "or \"-Infinity\" as \"$\" at line 1, column 24 (offset 23)");
  EXPECT_EQ(
      Error(R"({"$class":"boolean","$":1})"),
      "json: \"$class\":\"boolean\" needs true or false as \"$\" at line 1, column 25 (offset 24)");
  EXPECT_EQ(Error(R"({"$class":"string","$":1})"),
            "json: \"$class\":\"string\" needs a string as \"$\" at line 1, column 24 (offset 23)");
  EXPECT_EQ(Error(R"({"$class":"date","$":"2023-02-29T00:00:00Z"})"),
            "json: invalid date \"2023-02-29T00:00:00Z\" (expected ISO-8601 like "
            "2023-11-14T22:13:20.000Z) at line 1, column 22 (offset 21)");
  EXPECT_EQ(Error(R"({"$class":"date","$":"2023-11-14 22:13:20Z"})"),
            "json: invalid date \"2023-11-14 22:13:20Z\" (expected ISO-8601 like "
            "2023-11-14T22:13:20.000Z) at line 1, column 22 (offset 21)");
  EXPECT_EQ(Error(R"({"$class":"date","$":1.5})"),
            "json: \"$class\":\"date\" needs an ISO-8601 string or integer epoch milliseconds as "
            "\"$\" at line 1, column 22 (offset 21)");
  EXPECT_EQ(Error(R"({"$class":"binary","$":"AQ*D"})"),
            "json: invalid base64 in \"$class\":\"binary\" (at character 2 of the string) at line "
            "1, column 24 (offset 23)");
  EXPECT_EQ(Error(R"({"$class":"binary","$":"A"})"),
            "json: invalid base64 in \"$class\":\"binary\" (at character 0 of the string) at line "
            "1, column 24 (offset 23)");
  EXPECT_EQ(Error(R"({"$class":"demo.Pair","$":5})"),
            "json: \"$\" of \"$class\":\"demo.Pair\" must be an array or an object at line 1, "
            "column 27 (offset 26)");
  EXPECT_EQ(Error(R"({"$class":"a.B","$kind":"object","$":[]})"),
            "json: \"$kind\":\"object\" needs an object as \"$\" at line 1, column 38 (offset 37)");
  EXPECT_EQ(Error(R"({"$class":"a.B","$kind":"list","$":{}})"),
            "json: \"$kind\":\"list\" needs an array as \"$\" at line 1, column 36 (offset 35)");
  EXPECT_EQ(Error(R"({"$class":"java.util.TreeMap","$":[1]})"),
            "json: expected a [key, value] pair at line 1, column 36 (offset 35)");
  EXPECT_EQ(Error(R"({"$class":"java.util.TreeMap","$":[[1]]})"),
            "json: a [key, value] pair needs two elements at line 1, column 36 (offset 35)");
  EXPECT_EQ(Error(R"({"$class":"java.util.TreeMap","$":[[1,2,3]]})"),
            "json: a [key, value] pair has only two elements at line 1, column 36 (offset 35)");
  EXPECT_EQ(Error(R"({"$ref":-1})"),
            "json: \"$ref\" needs a non-negative integer at line 1, column 9 (offset 8)");
  EXPECT_EQ(Error(R"({"$ref":"0"})"),
            "json: \"$ref\" needs a non-negative integer at line 1, column 9 (offset 8)");
  EXPECT_EQ(Error(R"({"$ref":0})"),
            "json: \"$ref\" 0 does not name a container begun before it (0 so far) at line 1, "
            "column 9 (offset 8)");
  EXPECT_EQ(Error(R"([{"$ref":0,"x":1}])"),
            "json: expected '}' after \"$ref\" (it takes no other keys) at line 1, column 11 "
            "(offset 10)");
  auto values = ParseJsonValues("{\"a\":1}");
  ASSERT_FALSE(values.ok());
  EXPECT_EQ(values.status().message(),
            "json: expected '[' (an array of the message's values) at line 1, column 1 (offset 0)");
}

TEST(JsonErrorTest, DepthLimit) {
  const auto nested = [](int n, std::string_view open, std::string_view close) {
    std::string s;
    for (int i = 0; i < n; ++i) s += open;
    for (int i = 0; i < n; ++i) s += close;
    return s;
  };
  EXPECT_TRUE(ParseJson(nested(kJsonMaxDepth, "[", "]")).ok());
  EXPECT_EQ(Error(nested(kJsonMaxDepth + 1, "[", "]")),
            "json: nesting deeper than 128 levels at line 1, column 129 (offset 128)");
  EXPECT_EQ(
      Error(nested(kJsonMaxDepth + 1, "{\"k\":", "}").replace((kJsonMaxDepth + 1) * 5, 0, "1")),
      "json: nesting deeper than 128 levels at line 1, column 641 (offset 640)");
  // Hint wrappers and pairs do not count: 128 typed maps nest, each inside a [key, value] pair.
  std::string typed;
  for (int i = 0; i < kJsonMaxDepth; ++i) typed += R"({"$class":"java.util.TreeMap","$":[[1,)";
  typed += R"({"$class":"long","$":1})";
  for (int i = 0; i < kJsonMaxDepth; ++i) typed += "]]}";
  auto ok = ParseJson(typed);
  EXPECT_TRUE(ok.ok()) << ok.status();
  // A depth-128 value containing longs still re-parses after ToJson adds their hints.
  if (ok.ok()) {
    EXPECT_TRUE(ParseJson(ToJson(*ok)).ok());
  }
  // Deeper than the limit inside ParseJsonValues: the top-level array does not count.
  EXPECT_TRUE(ParseJsonValues("[" + nested(kJsonMaxDepth, "[", "]") + "]").ok());
  EXPECT_FALSE(ParseJsonValues("[" + nested(kJsonMaxDepth + 1, "[", "]") + "]").ok());
  // Very deep input fails fast rather than overflowing the stack.
  EXPECT_FALSE(ParseJson(nested(100000, "[", "]")).ok());
}

TEST(JsonWriteTest, CompactForms) {
  EXPECT_EQ(ToJson(Value()), "null");
  EXPECT_EQ(ToJson(I(-5)), "-5");
  EXPECT_EQ(ToJson(L(5)), R"({"$class":"long","$":5})");
  EXPECT_EQ(ToJson(D(1)), "1.0");
  EXPECT_EQ(ToJson(D(-0.0)), "-0.0");
  EXPECT_EQ(ToJson(D(0.1)), "0.1");
  EXPECT_EQ(ToJson(D(1e300)), "1e+300");
  EXPECT_EQ(ToJson(D(123456789012345683968.0)), "123456789012345683968.0");
  EXPECT_EQ(ToJson(D(std::numeric_limits<double>::quiet_NaN())),
            R"({"$class":"double","$":"NaN"})");
  EXPECT_EQ(ToJson(D(-std::numeric_limits<double>::infinity())),
            R"({"$class":"double","$":"-Infinity"})");
  EXPECT_EQ(ToJson(Value::FromDate(1700000000000)),
            R"({"$class":"date","$":"2023-11-14T22:13:20.000Z"})");
  EXPECT_EQ(ToJson(Value::FromDate(std::numeric_limits<int64_t>::max())),
            R"({"$class":"date","$":9223372036854775807})");
  EXPECT_EQ(ToJson(Value::FromBinary({1, 2, 3, 4})), R"({"$class":"binary","$":"AQIDBA=="})");
  EXPECT_EQ(ToJson(R(3)), R"({"$ref":3})");
  EXPECT_EQ(ToJson(S("a\"\\\n\x01\x7f")), R"("a\"\\\n\u0001)"
                                          "\x7f\"");
  // Not UTF-8: surrogates' 3-byte forms become their unit; other bytes U+FFFD, as Hessian sends.
  EXPECT_EQ(ToJson(S(std::string("\xED\xA0\xBD") + "a\xFF\xC3")), R"("\ud83da\ufffd\ufffd")");
  EXPECT_EQ(ToJson(S("\xE0\x80\x80")), R"("\u0000")");
  EXPECT_EQ(ToJson(Lst("", {I(1), Mp("", {})})), "[1,{}]");
  EXPECT_EQ(ToJson(Lst("[int", {})), R"({"$class":"[int","$":[]})");
  EXPECT_EQ(ToJson(Lst("java.util.ArrayList", {})),
            R"({"$class":"java.util.ArrayList","$kind":"list","$":[]})");
  EXPECT_EQ(ToJson(Lst("long", {})), R"({"$class":"long","$kind":"list","$":[]})");
  EXPECT_EQ(ToJson(Lst("a.FooMap", {})), R"({"$class":"a.FooMap","$kind":"list","$":[]})");
  EXPECT_EQ(ToJson(Mp("", {{S("a"), I(1)}})), R"({"a":1})");
  EXPECT_EQ(ToJson(Mp("", {{S("$ref"), I(1)}})),
            R"({"$class":"java.util.HashMap","$":{"$ref":1}})");
  EXPECT_EQ(ToJson(Mp("", {{I(1), S("x")}})), R"({"$class":"java.util.HashMap","$":[[1,"x"]]})");
  EXPECT_EQ(ToJson(Mp("java.util.TreeMap", {{S("a"), I(1)}})),
            R"({"$class":"java.util.TreeMap","$":{"a":1}})");
  EXPECT_EQ(ToJson(Mp("java.util.HashMap", {})),
            R"({"$class":"java.util.HashMap","$kind":"map","$":{}})");
  EXPECT_EQ(ToJson(Mp("demo.Bag", {{L(1), Value()}})),
            R"({"$class":"demo.Bag","$kind":"map","$":[[{"$class":"long","$":1},null]]})");
  EXPECT_EQ(ToJson(Obj("demo.Pair", {{"a", I(1)}, {"b", S("x")}})),
            R"({"$class":"demo.Pair","$":{"a":1,"b":"x"}})");
  EXPECT_EQ(ToJson(Obj("x.YMap", {})), R"({"$class":"x.YMap","$kind":"object","$":{}})");
  EXPECT_EQ(ToJson(Obj("date", {})), R"({"$class":"date","$kind":"object","$":{}})");
  EXPECT_EQ(ToJson(std::vector<Value>{I(1), L(2)}), R"([1,{"$class":"long","$":2}])");
  EXPECT_EQ(ToJson(std::vector<Value>{}), "[]");
}

TEST(JsonWriteTest, IndentedForm) {
  const Value v =
      Lst("", {Obj("demo.Pair", {{"a", I(1)}, {"b", L(2)}}), R(1),
               Mp("", {{I(1), S("x")}, {Lst("", {I(2)}), Mp("", {})}}), Lst("", {}), Mp("", {})});
  EXPECT_EQ(ToJson(v, 2), R"([
  {
    "$class": "demo.Pair",
    "$": {
      "a": 1,
      "b": {"$class": "long", "$": 2}
    }
  },
  {"$ref": 1},
  {
    "$class": "java.util.HashMap",
    "$": [
      [1, "x"],
      [
        [
          2
        ],
        {}
      ]
    ]
  },
  [],
  {}
])");
  EXPECT_TRUE(ParseJson(ToJson(v, 2)).value() == v);
  EXPECT_EQ(ToJson(std::vector<Value>{I(1)}, 4), "[\n    1\n]");
}

// ---- round trip ---------------------------------------------------------------------------------

// Asserts ParseJsonValues(ToJson(values)) == values with identical Hessian bytes, compact and
// indented.
void ExpectRoundTrip(const std::vector<Value>& values, const std::string& name) {
  const std::string bytes = hessian2::EncodeAll(values);
  for (int indent : {0, 2}) {
    const std::string json = ToJson(values, indent);
    auto parsed = ParseJsonValues(json);
    ASSERT_TRUE(parsed.ok()) << name << ": " << parsed.status() << "\n" << json.substr(0, 2000);
    ASSERT_EQ(parsed->size(), values.size()) << name;
    for (size_t i = 0; i < values.size(); ++i) {
      EXPECT_TRUE((*parsed)[i] == values[i]) << name << " value " << i << ":\n"
                                             << json.substr(0, 2000) << "\nre-emitted:\n"
                                             << ToJson((*parsed)[i], indent).substr(0, 2000);
    }
    EXPECT_EQ(hessian2::EncodeAll(*parsed), bytes) << name;
    if (values.size() == 1) {
      auto single = ParseJson(ToJson(values[0], indent));
      ASSERT_TRUE(single.ok()) << name << ": " << single.status();
      EXPECT_TRUE(*single == values[0]) << name;
    }
  }
}

TEST(JsonRoundTripTest, EveryInteropVector) {
  for (const auto& vec : testing::HessianVectors()) {
    ExpectRoundTrip(vec.values, vec.name);
    // And from the bytes: decode, to JSON and back, re-encode.
    const std::string bytes = hessian2::EncodeAll(vec.values);
    auto decoded = hessian2::DecodeAll(bytes);
    ASSERT_TRUE(decoded.ok()) << vec.name << ": " << decoded.status();
    auto parsed = ParseJsonValues(ToJson(*decoded, 2));
    ASSERT_TRUE(parsed.ok()) << vec.name << ": " << parsed.status();
    EXPECT_EQ(hessian2::EncodeAll(*parsed), bytes) << vec.name;
  }
}

// Generates values of every kind, with refs that point backwards (including into open
// containers), strings in the form the Hessian reader produces (UTF-8, lone surrogates as 3
// bytes), and the class names and keys that force hints, "$kind" or the pairs form.
class ValueGen {
 public:
  explicit ValueGen(uint32_t seed) : rng_(seed) {}

  std::vector<Value> Message() {
    containers_ = 0;
    std::vector<Value> values(Pick(4) + 1);
    for (auto& v : values) v = Gen(0);
    return values;
  }

 private:
  uint32_t Pick(uint32_t n) { return std::uniform_int_distribution<uint32_t>(0, n - 1)(rng_); }
  template <typename T>
  T Of(std::initializer_list<T> options) {
    return *(options.begin() + Pick(static_cast<uint32_t>(options.size())));
  }

  std::string Str() {
    std::string s;
    const uint32_t n = Pick(3) == 0 ? 0 : Pick(12);
    bool after_high = false;
    for (uint32_t i = 0; i < n; ++i) {
      uint32_t cp = 0;
      switch (Pick(8)) {
        case 0:
          cp = Pick(0x20);
          break;
        case 1:
          cp = Of<uint32_t>({'"', '\\', '/', '$', 0x7f});
          break;
        case 2:
          cp = 0x80 + Pick(0x780);
          break;
        case 3:
          cp = 0x800 + Pick(0xF800);
          break;
        case 4:
          cp = 0x10000 + Pick(0x100000);
          break;
        case 5:
          cp = 0xD800 + Pick(0x800);
          break;  // lone surrogate
        default:
          cp = 'a' + Pick(26);
          break;
      }
      // The reader joins a high surrogate with a following low one, so that never occurs.
      if (after_high && cp >= 0xDC00 && cp <= 0xDFFF) cp = 'z';
      after_high = cp >= 0xD800 && cp <= 0xDBFF;
      AppendCodePoint(&s, cp);
    }
    return s;
  }

  static void AppendCodePoint(std::string* s, uint32_t cp) {
    if (cp < 0x80) {
      s->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      s->push_back(static_cast<char>(0xC0 | (cp >> 6)));
      s->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      s->push_back(static_cast<char>(0xE0 | (cp >> 12)));
      s->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      s->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      s->push_back(static_cast<char>(0xF0 | (cp >> 18)));
      s->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      s->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      s->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  std::string Type() {
    return Of<std::string>({"", "", "[int", "java.util.ArrayList", "java.util.HashMap",
                            "java.util.TreeMap", "demo.Pair", "long", "x.Properties", "[x.YMap",
                            "\xE4\xB8\xAD\"", "$class"});
  }

  Value Scalar() {
    switch (Pick(12)) {
      case 0:
        return Value();
      case 1:
        return Value::Bool(Pick(2) == 1);
      case 2:
        return I(static_cast<int32_t>(rng_()));
      case 3:
        return I(Of<int32_t>(
            {0, -1, std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max()}));
      case 4:
        return L(Of<int64_t>({0, 1, -1, std::numeric_limits<int64_t>::min(),
                              std::numeric_limits<int64_t>::max(), 1LL << 40}));
      case 5: {
        uint64_t bits = (uint64_t{rng_()} << 32) | rng_();
        double d;
        std::memcpy(&d, &bits, sizeof d);
        if (std::isnan(d)) d = std::numeric_limits<double>::quiet_NaN();  // payloads are not kept
        return D(d);
      }
      case 6:
        return D(Of<double>(
            {0.0, -0.0, 1.0, 0.1, -99.99, 1e300, 5e-324, 32768.0, 1e21, 1e-7,
             std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
             std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::max()}));
      case 7:
        return Value::FromDate(Pick(3) == 0
                                   ? static_cast<int64_t>((uint64_t{rng_()} << 32) | rng_())
                                   : static_cast<int64_t>(rng_()) * 1000 - (1LL << 40));
      case 8: {
        Binary b(Pick(3) == 0 ? 0 : Pick(20));
        for (auto& x : b) x = static_cast<uint8_t>(rng_());
        return Value::FromBinary(std::move(b));
      }
      default:
        return S(Str());
    }
  }

  Value Gen(int depth) {
    const uint32_t roll = Pick(10);
    if (depth >= 5 || roll < 5) return Scalar();
    if (roll == 5 && containers_ > 0) return R(Pick(containers_));
    ++containers_;
    const uint32_t n = Pick(5);
    switch (Pick(3)) {
      case 0: {
        List l{Type(), {}};
        for (uint32_t i = 0; i < n; ++i) l.items.push_back(Gen(depth + 1));
        return Value::FromList(std::move(l));
      }
      case 1: {
        Map m{Type(), {}};
        const bool string_keys = Pick(2) == 0;
        for (uint32_t i = 0; i < n; ++i) {
          Value k = string_keys ? S(Of<std::string>({"$class", "$ref", "$", "a", ""}) + Str())
                                : Gen(depth + 1);
          if (string_keys && Pick(3) == 0) k = S(Of<std::string>({"$class", "$ref"}));
          m.entries.emplace_back(std::move(k), Gen(depth + 1));
        }
        return Value::FromMap(std::move(m));
      }
      default: {
        Object o{Type(), {}};
        for (uint32_t i = 0; i < n; ++i) o.fields.emplace_back(Str(), Gen(depth + 1));
        return Value::FromObject(std::move(o));
      }
    }
  }

  std::mt19937 rng_;
  uint32_t containers_ = 0;
};

TEST(JsonRoundTripTest, GeneratedValues) {
  ValueGen gen(20240601);
  for (int i = 0; i < 3000; ++i) {
    const auto values = gen.Message();
    ExpectRoundTrip(values, "generated #" + std::to_string(i));
    if (::testing::Test::HasFailure()) break;
  }
}

TEST(JsonRoundTripTest, ArbitraryBytesGiveValidJson) {
  // Arbitrary bytes in strings and names: the JSON still parses, and what it parses to then
  // round-trips exactly.
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) {
    std::string junk(rng() % 12, '\0');
    for (auto& c : junk) c = static_cast<char>(rng());
    const Value v = Obj(junk, {{junk, S(junk)}});
    auto parsed = ParseJson(ToJson(v));
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    auto again = ParseJson(ToJson(*parsed));
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_TRUE(*again == *parsed);
  }
}

}  // namespace
}  // namespace dubbo

// Hessian 2 codec: byte-exact encodings against the vectors Java's Hessian2Output produced
// (../shared/reference/hessian2.md §3a), every decode form, typed structs and references, Java
// shapes, and bad input. The live cross-checks against Java and hessian.js are in
// hessian2_interop_test.cc.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <set>

#include "codec/hessian2/codec.h"
#include "common/hex.h"

namespace demo {
struct Pair {
  int32_t a = 0;
  std::string b;
  friend bool operator==(const Pair&, const Pair&) = default;
};
DUBBO_STRUCT(Pair, "demo.Pair", a, b)

// The same Java class with the fields in the other order and one extra field.
struct PairReordered {
  std::optional<std::string> b;
  int64_t extra = 7;
  int32_t a = 0;
};
DUBBO_STRUCT(PairReordered, "demo.Pair", b, extra, a)

struct Holder {
  std::vector<Pair> pairs;
  std::map<std::string, int32_t> counts;
  std::optional<Pair> maybe;
  std::chrono::system_clock::time_point when;
  friend bool operator==(const Holder&, const Holder&) = default;
};
DUBBO_STRUCT(Holder, "demo.Holder", pairs, counts, maybe, when)

struct Tree {
  std::vector<Tree> kids;
};
DUBBO_STRUCT(Tree, "demo.Tree", kids)

enum class Color { RED, GREEN, BLUE };
DUBBO_ENUM(Color, "demo.Color", RED, GREEN, BLUE)

struct NotFound : dubbo::Throwable {
  int32_t code = 0;
};
DUBBO_STRUCT(NotFound, "demo.NotFoundException", code)
}  // namespace demo

namespace dubbo::hessian2 {
namespace {

std::string Hex(const std::string& bytes) { return ToHex(bytes); }
std::string Bytes(std::string_view hex) { return FromHex(hex).value(); }

template <typename T>
std::string EncHex(const T& v) {
  return Hex(Encode(v));
}

std::string EncValue(const Value& v) {
  std::string out;
  Writer w(&out);
  w.WriteValue(v);
  return Hex(out);
}

Value DecodeOne(std::string_view hex) {
  auto values = DecodeAll(Bytes(hex));
  EXPECT_TRUE(values.ok()) << values.status();
  if (!values.ok() || values->size() != 1) return Value();
  return values->front();
}

std::string Repeat(char c, size_t n) { return std::string(n, c); }

TEST(Hessian2WriterTest, IntFormsMatchJava) {
  const std::pair<int32_t, const char*> cases[] = {
      {0, "90"},
      {-16, "80"},
      {47, "bf"},
      {48, "c830"},
      {-17, "c7ef"},
      {-2048, "c000"},
      {2047, "cfff"},
      {-2049, "d3f7ff"},
      {2048, "d40800"},
      {-262144, "d00000"},
      {262143, "d7ffff"},
      {-262145, "49fffbffff"},
      {262144, "4900040000"},
      {std::numeric_limits<int32_t>::max(), "497fffffff"},
      {std::numeric_limits<int32_t>::min(), "4980000000"}};
  for (auto [v, hex] : cases) {
    EXPECT_EQ(EncHex(v), hex) << v;
    EXPECT_EQ(Decode<int32_t>(Bytes(hex)).value(), v) << hex;
  }
}

TEST(Hessian2WriterTest, LongFormsMatchJava) {
  const std::pair<int64_t, const char*> cases[] = {
      {0, "e0"},
      {-8, "d8"},
      {15, "ef"},
      {-9, "f7f7"},
      {16, "f810"},
      {-2048, "f000"},
      {2047, "ffff"},
      {-2049, "3bf7ff"},
      {2048, "3c0800"},
      {-262144, "380000"},
      {262143, "3fffff"},
      {262144, "5900040000"},
      {2147483647, "597fffffff"},
      {-2147483648LL, "5980000000"},
      {2147483648LL, "4c0000000080000000"},
      {1LL << 40, "4c0000010000000000"},
      {std::numeric_limits<int64_t>::min(), "4c8000000000000000"}};
  for (auto [v, hex] : cases) {
    EXPECT_EQ(EncHex(v), hex) << v;
    EXPECT_EQ(Decode<int64_t>(Bytes(hex)).value(), v) << hex;
  }
}

TEST(Hessian2WriterTest, DoubleFormsMatchJava) {
  const std::pair<double, const char*> cases[] = {{0.0, "5b"},
                                                  {1.0, "5c"},
                                                  {1.5, "5f000005dc"},
                                                  {-0.0, "5b"},
                                                  {2.0, "5d02"},
                                                  {127.0, "5d7f"},
                                                  {-128.0, "5d80"},
                                                  {128.0, "5e0080"},
                                                  {32767.0, "5e7fff"},
                                                  {-32768.0, "5e8000"},
                                                  {32768.0, "5f01f40000"},
                                                  {12.25, "5f00002fda"},
                                                  {0.1, "5f00000064"},
                                                  {0.003, "5f00000003"},
                                                  {12.345, "5f00003039"},
                                                  {-99.99, "44c058ff5c28f5c28f"},
                                                  {99.99, "444058ff5c28f5c28f"},
                                                  {1e300, "447e37e43c8800759c"},
                                                  {std::nan(""), "447ff8000000000000"}};
  for (auto [v, hex] : cases) EXPECT_EQ(EncHex(v), hex) << v;
  EXPECT_EQ(Decode<double>(Bytes("5f00003039")).value(), 0.001 * 12345);
  EXPECT_EQ(Decode<double>(Bytes("5d80")).value(), -128.0);
  EXPECT_EQ(Decode<double>(Bytes("5e8000")).value(), -32768.0);
  EXPECT_TRUE(std::isnan(Decode<double>(Bytes("447ff8000000000000")).value()));
  // Out-of-int-range doubles take Java's saturating cast, not C++'s undefined one.
  EXPECT_EQ(EncHex(2147483648.0), "4441e0000000000000");
  EXPECT_EQ(EncHex(std::numeric_limits<double>::infinity()), "447ff0000000000000");
}

TEST(Hessian2WriterTest, FloatGoesThroughItsShortestDecimalForm) {
  EXPECT_EQ(EncHex(0.1f), "5f00000064");  // hessian-lite: Double.parseDouble("0.1")
  EXPECT_EQ(EncHex(1.5f), "5f000005dc");
  EXPECT_EQ(Decode<float>(Bytes("5f00000064")).value(), 0.1f);
}

TEST(Hessian2WriterTest, ScalarsAndDatesMatchJava) {
  EXPECT_EQ(EncValue(Value()), "4e");
  EXPECT_EQ(EncHex(true), "54");
  EXPECT_EQ(EncHex(false), "46");
  EXPECT_EQ(EncValue(Value::FromDate(1700000000000)), "4a0000018bcfe56800");
  EXPECT_EQ(EncValue(Value::FromDate(1699999980000)), "4b01b05515");
  EXPECT_EQ(EncValue(Value::FromDate(-60000)), "4bffffffff");
  using std::chrono::system_clock;
  EXPECT_EQ(EncHex(system_clock::time_point(std::chrono::milliseconds(1700000000000))),
            "4a0000018bcfe56800");
  EXPECT_EQ(DecodeOne("4b01b05515"), Value::FromDate(1699999980000));
}

TEST(Hessian2ReaderTest, DatesBeyondTheTimePointRangeAreErrorsNotOverflow) {
  // new Date(Long.MAX_VALUE) is a valid Java date; a nanosecond time_point cannot hold it.
  using std::chrono::system_clock;
  auto far = Decode<system_clock::time_point>(Bytes("4a7fffffffffffffff"));
  ASSERT_FALSE(far.ok());
  EXPECT_NE(
      far.status().message().find("date 9223372036854775807 ms is outside the time_point's range"),
      std::string::npos)
      << far.status();
  EXPECT_NE(far.status().message().find("offset 0"), std::string::npos) << far.status();
  // Millisecond time points hold every Java date.
  using MillisPoint = std::chrono::time_point<system_clock, std::chrono::milliseconds>;
  EXPECT_EQ(Decode<MillisPoint>(Bytes("4a7fffffffffffffff")).value().time_since_epoch().count(),
            INT64_MAX);
}

TEST(Hessian2WriterTest, StringFormsAndChunksMatchJava) {
  EXPECT_EQ(EncHex(std::string()), "00");
  EXPECT_EQ(EncHex(std::string("hello")), "0568656c6c6f");
  EXPECT_EQ(EncHex(Repeat('a', 31)), "1f" + Hex(Repeat('a', 31)));
  EXPECT_EQ(EncHex(Repeat('a', 32)), "3020" + Hex(Repeat('a', 32)));
  EXPECT_EQ(EncHex(Repeat('a', 1023)).substr(0, 4), "33ff");
  EXPECT_EQ(EncHex(Repeat('a', 1024)).substr(0, 6), "530400");
  EXPECT_EQ(EncHex(std::string("a\xc3\xa9\xe4\xb8\xad")), "0361c3a9e4b8ad");
  EXPECT_EQ(EncHex(std::string("\xf0\x9f\x98\x80")), "02eda0bdedb880");  // surrogates, CESU-8
  EXPECT_EQ(EncHex(std::string("a\xf0\x9f\x98\x80"
                               "b")),
            "0461eda0bdedb88062");

  std::string s40000;
  for (int i = 0; i < 40000; ++i) s40000.push_back(static_cast<char>('a' + i % 26));
  const std::string e = Encode(s40000);
  ASSERT_EQ(e.size(), 40006u);
  EXPECT_EQ(Hex(e.substr(0, 3)), "528000");
  EXPECT_EQ(Hex(e.substr(3 + 32768, 3)), "531c40");
  EXPECT_EQ(Decode<std::string>(e).value(), s40000);

  const std::string x65536 = Encode(Repeat('x', 65536));
  EXPECT_EQ(Hex(x65536.substr(0, 3)), "528000");
  EXPECT_EQ(Hex(x65536.substr(3 + 32768, 3)), "538000");

  // A surrogate pair that would straddle the chunk boundary moves to the next chunk.
  const std::string boundary = Repeat('a', 32767) + "\xf0\x9f\x98\x80" + "b";
  const std::string eb = Encode(boundary);
  EXPECT_EQ(Hex(eb.substr(0, 3)), "527fff");
  EXPECT_EQ(Hex(eb.substr(3 + 32767)), "03eda0bdedb88062");
  EXPECT_EQ(Decode<std::string>(eb).value(), boundary);
}

TEST(Hessian2WriterTest, InvalidUtf8IsSentAsReplacementCharacter) {
  EXPECT_EQ(EncHex(std::string("a\xff")), "0261efbfbd");
}

TEST(Hessian2WriterTest, BinaryFormsAndChunksMatchJava) {
  EXPECT_EQ(EncHex(Binary{}), "20");
  EXPECT_EQ(EncHex(Binary{1, 2, 3}), "23010203");
  EXPECT_EQ(EncHex(Binary(15)), "2f" + Repeat('0', 30));
  EXPECT_EQ(EncHex(Binary(16)), "3410" + Repeat('0', 32));
  EXPECT_EQ(EncHex(Binary(1023)).substr(0, 4), "37ff");
  EXPECT_EQ(EncHex(Binary(1024)).substr(0, 6), "420400");
  EXPECT_EQ(EncHex(Binary(8189)).substr(0, 6), "421ffd");
  const std::string b8190 = Encode(Binary(8190));
  EXPECT_EQ(Hex(b8190.substr(0, 3)), "411ffd");
  EXPECT_EQ(Hex(b8190.substr(3 + 8189)), "2100");
  const std::string b40000 = Encode(Binary(40000, 7));
  EXPECT_EQ(b40000.size(), 40015u);
  EXPECT_EQ(Hex(b40000.substr(4 * 8192, 3)), "421c4c");
  EXPECT_EQ(Decode<Binary>(b40000).value(), Binary(40000, 7));
}

TEST(Hessian2WriterTest, CollectionsMatchJava) {
  EXPECT_EQ(EncHex(std::map<std::string, int32_t>{{"a", 1}}), "480161915a");
  EXPECT_EQ(EncHex(std::map<int32_t, std::string>{{1, "x"}}), "489101785a");
  EXPECT_EQ(EncHex(std::map<std::string, int32_t>{}), "485a");
  EXPECT_EQ(EncHex(std::vector<int32_t>{}), "78");
  EXPECT_EQ(EncHex(std::vector<int32_t>{0, 1, 2, 3, 4, 5, 6, 7, 8}), "5899909192939495969798");
  EXPECT_EQ(EncHex(std::set<int32_t>{1}), "71116a6176612e7574696c2e4861736853657491");
  Value list = Value::FromList({"", {Value::Int(1), Value::String("x")}});
  EXPECT_EQ(EncValue(list), "7a910178");
  Value treemap = Value::FromMap({"java.util.TreeMap", {{Value::String("a"), Value::Int(1)}}});
  EXPECT_EQ(EncValue(treemap), "4d116a6176612e7574696c2e547265654d61700161915a");
  Value ints = Value::FromList({"[int", {Value::Int(1), Value::Int(2)}});
  EXPECT_EQ(EncValue(ints), "72045b696e749192");
}

TEST(Hessian2WriterTest, StructsDefineTheirClassOncePerMessage) {
  EXPECT_EQ(EncHex(demo::Pair{1, "x"}), "430964656d6f2e50616972920161016260910178");
  EXPECT_EQ(EncHex(std::vector<demo::Pair>{{1, "x"}, {2, "y"}}),
            "7a430964656d6f2e5061697292016101626091017860920179");
  // Tables span top-level values: the second Pair reuses the definition.
  std::string out;
  Writer w(&out);
  Write(w, demo::Pair{1, "x"});
  Write(w, demo::Pair{2, "y"});
  EXPECT_EQ(Hex(out), "430964656d6f2e5061697292016101626091017860920179");
}

TEST(Hessian2WriterTest, DynamicValuesReproduceJavaReferences) {
  // [p, p] with the same Pair, and a list containing itself.
  const char* same_pair = "7a430964656d6f2e506169729201610162609701735191";
  EXPECT_EQ(EncValue(DecodeOne(same_pair)), same_pair);
  EXPECT_EQ(EncValue(DecodeOne("795190")), "795190");
  const char* mixed =
      "589943146a6176612e6d6174682e426967446563696d616c910576616c75656003312e35480161915a51924a00"
      "00018bcfe568004a0000018bcfe568000173017371045b696e74915193";
  Value v = DecodeOne(mixed);
  EXPECT_EQ(EncValue(v), mixed);
  const List& items = v.as_list().items.size() == 9 ? v.as_list() : List{};
  ASSERT_EQ(items.items.size(), 9u);
  EXPECT_EQ(items.items[2], Value::FromRef(2));  // the HashMap is container #2
  EXPECT_EQ(items.items[8], Value::FromRef(3));  // the int[] is container #3
  RefTable refs(v);
  EXPECT_EQ(refs.Deref(items.items[2]).as_map().entries.size(), 1u);
  EXPECT_EQ(refs.Deref(items.items[8]).as_list().type, "[int");
}

TEST(Hessian2WriterTest, JavaValueShapes) {
  EXPECT_EQ(EncHex(BigDecimal{"123.45"}),
            "43146a6176612e6d6174682e426967446563696d616c910576616c756560063132332e3435");
  EXPECT_EQ(EncHex(SqlTimestamp{1700000000000}),
            "43126a6176612e73716c2e54696d657374616d70910576616c7565604a0000018bcfe56800");
  EXPECT_EQ(Decode<BigDecimal>(Bytes("43146a6176612e6d6174682e426967446563696d616c910576616c75656"
                                     "0063132332e3435"))
                .value(),
            BigDecimal{"123.45"});
  for (const char* text :
       {"0", "1", "-1", "4294967296", "12345678901234567890", "-98765432109876543210987654321"}) {
    auto back = Decode<BigInteger>(Encode(BigInteger{text}));
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(back->value, text);
  }
}

TEST(Hessian2WriterTest, ExceptionsTakeJavasThrowableShape) {
  JavaException boom("java.lang.RuntimeException", "boom");
  EXPECT_EQ(EncHex(boom),
            "431a6a6176612e6c616e672e52756e74696d65457863657074696f6e940d64657461696c4d65737361"
            "67650563617573650a737461636b547261636514737570707265737365644578636570"
            "74696f6e736004626f6f6d5190701c5b6a6176612e6c616e672e537461636b5472616365456c656d656e"
            "74701f6a6176612e7574696c2e436f6c6c656374696f6e7324456d7074794c697374");
  JavaException outer("java.lang.Exception", "outer");
  outer.cause = std::make_shared<JavaException>("java.lang.IllegalStateException", "inner");
  EXPECT_EQ(EncHex(outer),
            "43136a6176612e6c616e672e457863657074696f6e940d64657461696c4d6573736167650563617573650a"
            "737461636b54726163651473757070726573736564457863657074696f6e7360056f75746572431f6a6176"
            "612e6c616e672e496c6c6567616c5374617465457863657074696f6e940d64657461696c4d657373616765"
            "0563617573650a737461636b54726163651473757070726573736564457863657074696f6e736105696e6e"
            "65725191701c5b6a6176612e6c616e672e537461636b5472616365456c656d656e74701f6a6176612e7574"
            "696c2e436f6c6c656374696f6e7324456d7074794c69737470905193");
  auto back = Decode<JavaException>(Encode(outer));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->ToString(), "java.lang.Exception: outer");
  ASSERT_NE(back->cause, nullptr);
  EXPECT_EQ(back->cause->ToString(), "java.lang.IllegalStateException: inner");
  EXPECT_EQ(back->cause->cause, nullptr);  // cause == this on the wire means none
}

TEST(Hessian2WriterTest, UserExceptionsPutTheirFieldsFirst) {
  demo::NotFound e;
  e.code = 404;
  e.message = "no such user";
  e.stack_trace.push_back({"demo.Svc", "call", "Svc.java", 42});
  const std::string bytes = Encode(e);
  auto generic = Decode<JavaException>(bytes);
  ASSERT_TRUE(generic.ok()) << generic.status();
  EXPECT_EQ(generic->class_name, "demo.NotFoundException");
  ASSERT_EQ(generic->extra_fields.size(), 1u);
  EXPECT_EQ(generic->extra_fields[0].first, "code");
  EXPECT_EQ(generic->extra_fields[0].second, Value::Int(404));
  ASSERT_EQ(generic->stack_trace.size(), 1u);
  EXPECT_EQ(generic->stack_trace[0].line_number, 42);
  auto typed = Decode<demo::NotFound>(bytes);
  ASSERT_TRUE(typed.ok()) << typed.status();
  EXPECT_EQ(typed->code, 404);
  EXPECT_EQ(typed->message, "no such user");
}

TEST(Hessian2WriterTest, EnumsAreSingletonObjects) {
  EXPECT_EQ(EncHex(demo::Color::RED), "430a64656d6f2e436f6c6f7291046e616d656003524544");
  // The second RED is a back-reference to container #1 (the list is #0).
  EXPECT_EQ(
      EncHex(std::vector<demo::Color>{demo::Color::RED, demo::Color::RED, demo::Color::GREEN}),
      "7b430a64656d6f2e436f6c6f7291046e616d65600352454451916005475245454e");
}

TEST(Hessian2ReaderTest, AcceptsEveryStringAndListForm) {
  // 'R' chunk ending in a compact final chunk; split surrogate pair across chunks.
  EXPECT_EQ(Decode<std::string>(Bytes("520002616203636465")).value(), "abcde");
  EXPECT_EQ(Decode<std::string>(Bytes("520001eda0bd01edb880")).value(), "\xf0\x9f\x98\x80");
  // Plain 4-byte UTF-8 (Java rejects it) is accepted leniently as one character.
  EXPECT_EQ(Decode<std::string>(Bytes("01f09f9880")).value(), "\xf0\x9f\x98\x80");
  // Binary chunks with a compact final chunk.
  EXPECT_EQ(Decode<Binary>(Bytes("4100020102220304")).value(), (Binary{1, 2, 3, 4}));
  // The six list forms: U, V, W, X, 0x70+n, 0x78+n.
  using V = std::vector<int32_t>;
  EXPECT_EQ(Decode<V>(Bytes("55045b696e7491925a")).value(), (V{1, 2}));
  EXPECT_EQ(Decode<V>(Bytes("5604"
                            "5b696e74"
                            "929192"))
                .value(),
            (V{1, 2}));
  EXPECT_EQ(Decode<V>(Bytes("5791925a")).value(), (V{1, 2}));
  EXPECT_EQ(Decode<V>(Bytes("58929192")).value(), (V{1, 2}));
  EXPECT_EQ(Decode<V>(Bytes("72045b696e749192")).value(), (V{1, 2}));
  EXPECT_EQ(Decode<V>(Bytes("7a9192")).value(), (V{1, 2}));
  EXPECT_EQ(DecodeOne("579101785a"), Value::FromList({"", {Value::Int(1), Value::String("x")}}));
}

TEST(Hessian2ReaderTest, NumbersConvertLikeJava) {
  EXPECT_EQ(Decode<int32_t>(Bytes("e5")).value(), 5);           // long form read as int
  EXPECT_EQ(Decode<int64_t>(Bytes("95")).value(), 5);           // int form read as long
  EXPECT_EQ(Decode<int32_t>(Bytes("5f00003039")).value(), 12);  // (int) 12.345
  EXPECT_EQ(Decode<int32_t>(Bytes("4e")).value(), 0);           // null reads as 0
  EXPECT_EQ(Decode<double>(Bytes("d40800")).value(), 2048.0);
  EXPECT_EQ(Decode<int64_t>(Bytes("447e37e43c8800759c")).value(),
            std::numeric_limits<int64_t>::max());
}

TEST(Hessian2ReaderTest, TypedStructsMatchFieldsByName) {
  const std::string bytes = Encode(demo::Pair{3, "z"});
  auto r = Decode<demo::PairReordered>(bytes);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->a, 3);
  EXPECT_EQ(r->b, "z");
  EXPECT_EQ(r->extra, 7);  // absent on the wire: keeps its default
  // A map is accepted in place of an object, as Java's deserializers accept one.
  auto m = Decode<demo::Pair>(Bytes("48016195016201785a"));
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(*m, (demo::Pair{5, "x"}));
  demo::Holder h;
  h.pairs = {{1, "x"}, {2, "y"}};
  h.counts = {{"k", 9}};
  h.maybe = demo::Pair{4, "w"};
  h.when = std::chrono::system_clock::time_point(std::chrono::milliseconds(1700000000000));
  auto back = Decode<demo::Holder>(Encode(h));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, h);
}

TEST(Hessian2ReaderTest, TypedReadFollowsBackReferences) {
  // [p, p] with one Pair instance: the typed reader replays the referenced object.
  auto pairs =
      Decode<std::vector<demo::Pair>>(Bytes("7a430964656d6f2e506169729201610162609701735191"));
  ASSERT_TRUE(pairs.ok()) << pairs.status();
  EXPECT_EQ(*pairs, (std::vector<demo::Pair>{{7, "s"}, {7, "s"}}));
  // The same Pair written twice at top level: the second is "51 90".
  const std::string twice = Bytes("430964656d6f2e506169729201610162609701735190");
  Reader r(twice);
  demo::Pair a, b;
  Read(r, &a);
  Read(r, &b);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(a, b);
  EXPECT_TRUE(r.AtEnd());
  // Enum list with a back-referenced constant.
  auto colors = Decode<std::vector<demo::Color>>(
      Bytes("7b430a64656d6f2e436f6c6f7291046e616d65600352454451916005475245454e"));
  ASSERT_TRUE(colors.ok()) << colors.status();
  EXPECT_EQ(*colors,
            (std::vector<demo::Color>{demo::Color::RED, demo::Color::RED, demo::Color::GREEN}));
}

TEST(Hessian2ReaderTest, TypedReadRejectsCycles) {
  auto r = Decode<std::vector<std::vector<int32_t>>>(Bytes("795190"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "hessian2: reference 0 points into a list that is still being read (a cycle), which a "
            "typed value cannot hold at offset 1");
}

TEST(Hessian2ReaderTest, TablesSpanTopLevelValuesAndTypeRefsResolve) {
  // Two typed lists, the second naming its type by reference 0.
  const std::string bytes = Bytes("72045b696e7491927090");
  Reader r(bytes);
  Value a, b;
  r.ReadValue(&a);
  r.ReadValue(&b);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(b.as_list().type, "[int");
  EXPECT_EQ(b.as_list().items.size(), 0u);
}

struct BadInput {
  const char* hex;
  const char* message;
};

TEST(Hessian2ReaderTest, BadInputSaysWhatAndWhere) {
  const BadInput cases[] = {
      {"49ff", "hessian2: unexpected end of input: int needs 4 bytes, 1 left at offset 1"},
      {"40", "hessian2: unknown lead byte 0x40 at offset 0"},
      {"5a", "hessian2: unexpected end marker 'Z' at offset 0"},
      {"0568656c", "hessian2: string chunk of 5 characters exceeds the 3 bytes left at offset 1"},
      {"58d7ffff", "hessian2: list length 262143 exceeds the 0 bytes left at offset 0"},
      {"5199", "hessian2: reference 9 out of range (0 containers read so far) at offset 0"},
      {"6f", "hessian2: object refers to class definition 15 but 0 are defined at offset 0"},
      {"480161919090", "hessian2: unexpected end of input inside a map (no 'Z') at offset 6"},
      {"4801619190", "hessian2: unexpected end of input, expected a value at offset 5"},
      {"43036162638f",
       "hessian2: class definition of abc declares -1 fields, more than the input holds at offset "
       "0"},
      {"02c341", "hessian2: bad UTF-8 sequence in string at offset 1"},
      {"41ffff00",
       "hessian2: unexpected end of input: binary chunk needs 65535 bytes, 1 left at offset 3"},
      {"7190", "hessian2: type reference 0 out of range (0 types defined) at offset 1"},
  };
  for (const auto& c : cases) {
    auto r = DecodeAll(Bytes(c.hex));
    ASSERT_FALSE(r.ok()) << c.hex << " decoded without error";
    EXPECT_EQ(r.status().code(), StatusCode::kDecodeError);
    EXPECT_EQ(r.status().message(), c.message) << c.hex;
  }
  // Typed reads name what they expected.
  EXPECT_EQ(Decode<int32_t>("").status().message(),
            "hessian2: unexpected end of input, expected int at offset 0");
  auto s = Decode<std::string>(Bytes("91"));
  EXPECT_EQ(s.status().message(), "hessian2: expected string, found int (0x91) at offset 0");
  auto l = Decode<std::vector<int32_t>>(Bytes("485a"));
  EXPECT_EQ(l.status().message(), "hessian2: expected list, found map (0x48) at offset 0");
}

TEST(Hessian2ReaderTest, NestingIsBounded) {
  std::string deep(200, '\x79');  // 200 nested single-element lists
  auto r = DecodeAll(deep);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "hessian2: nesting deeper than 128 levels at offset 129");
  std::string defs(100000, 'C');  // class definitions cannot nest: no recursion to blow the stack
  EXPECT_FALSE(DecodeAll(defs).ok());
}

TEST(Hessian2ReaderTest, ReferenceExpansionIsBounded) {
  // tree_k = Tree{kids = [tree_{k-1}, tree_{k-1}]} as back-references: 300 bytes of input whose
  // typed reading would replay 2^40 subtrees ("billion laughs").
  std::string bytes;
  Writer w(&bytes);
  Write(w, demo::Tree{});
  for (uint32_t k = 1; k <= 40; ++k) {
    const uint32_t previous = (k - 1) * 2;  // each tree is an object then its list
    w.WriteObjectBegin(internal::StructClassDef<demo::Tree>::kDef);
    w.WriteListBegin(2, "");
    w.WriteRef(previous);
    w.WriteRef(previous);
  }
  ASSERT_LT(bytes.size(), 400u);
  Reader typed(bytes);
  demo::Tree t;
  while (!typed.AtEnd()) Read(typed, &t);
  ASSERT_FALSE(typed.ok());
  EXPECT_NE(typed.status().message().find("back-references expand to more than"), std::string::npos)
      << typed.status();
  // Dynamic reading keeps references as Ref nodes and never expands them.
  auto values = DecodeAll(bytes);
  ASSERT_TRUE(values.ok()) << values.status();
  EXPECT_EQ(values->size(), 41u);
}

}  // namespace
}  // namespace dubbo::hessian2

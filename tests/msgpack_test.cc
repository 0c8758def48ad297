// MessagePack codec (codec/msgpack): round trips of every mapped type, bytes against msgpack-cxx's
// own packing, decoding msgpack-cxx output, hostile input, and interop with npm @msgpack/msgpack
// through tests/interop/js/msgpack_peer.js, both directions. A missing node or npm package fails
// the interop tests: nothing is skipped.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <functional>
#include <map>
#include <msgpack.hpp>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "codec/msgpack/codec.h"
#include "codec/msgpack/serialization.h"
#include "common/hex.h"
#include "tests/support/process.h"

namespace demo {

enum class Color { RED, GREEN, BLUE };
DUBBO_ENUM(Color, "demo.Color", RED, GREEN, BLUE)

struct Address {
  std::string city;
  std::optional<std::string> zip;
  friend bool operator==(const Address&, const Address&) = default;
};
DUBBO_STRUCT(Address, "demo.Address", city, zip)

struct Person {
  std::string name;
  int32_t age = 0;
  std::vector<std::string> tags;
  Address address;
  std::map<std::string, double> scores;
  Color color = Color::RED;
  std::chrono::system_clock::time_point birthday;
  dubbo::Binary avatar;
  friend bool operator==(const Person&, const Person&) = default;
};
DUBBO_STRUCT(Person, "demo.Person", name, age, tags, address, scores, color, birthday, avatar)

// The same shapes declared the msgpack-cxx way.
struct AddressNative {
  std::string city;
  std::optional<std::string> zip;
  MSGPACK_DEFINE_MAP(city, zip);
};
struct PersonNative {
  std::string name;
  int32_t age = 0;
  std::vector<std::string> tags;
  AddressNative address;
  std::map<std::string, double> scores;
  std::string color;
  int64_t birthday = 0;
  std::vector<char> avatar;
  MSGPACK_DEFINE_MAP(name, age, tags, address, scores, color, birthday, avatar);
};

// Every C++ type the codec maps, in one struct.
struct AllTypes {
  bool b = false;
  int8_t i8 = 0;
  int16_t i16 = 0;
  int32_t i32 = 0;
  int64_t i64 = 0;
  float f = 0;
  double d = 0;
  std::string s;
  dubbo::Binary bin;
  std::vector<int32_t> list;
  std::vector<bool> flags;
  std::set<std::string> set;
  std::unordered_set<int64_t> uset;
  std::map<std::string, int32_t> map;
  std::unordered_map<int32_t, std::string> umap;
  std::map<Color, int32_t> by_color;
  std::map<bool, std::string> by_bool;
  std::optional<std::string> present;
  std::optional<int32_t> absent;
  std::chrono::system_clock::time_point when;
  Color color = Color::RED;
  dubbo::BigDecimal dec;
  dubbo::BigInteger big;
  dubbo::SqlTimestamp ts;
  dubbo::SqlDate date;
  dubbo::SqlTime time;
  dubbo::StackTraceElement frame;
  dubbo::Value any;
  std::vector<Address> addresses;
  std::map<std::string, std::vector<std::optional<int64_t>>> nested;
  friend bool operator==(const AllTypes&, const AllTypes&) = default;
};
DUBBO_STRUCT(AllTypes, "demo.AllTypes", b, i8, i16, i32, i64, f, d, s, bin, list, flags, set, uset,
             map, umap, by_color, by_bool, present, absent, when, color, dec, big, ts, date, time,
             frame, any, addresses, nested)

struct MyError : dubbo::Throwable {
  int32_t code = 0;
  std::string detail;
};
DUBBO_STRUCT(MyError, "demo.MyError", code, detail)

}  // namespace demo

namespace dubbo::msgpack {
namespace {

using demo::Color;
using demo::Person;
using std::chrono::milliseconds;
using std::chrono::system_clock;

std::string Hex(std::string_view bytes) { return ToHex(bytes); }
std::string Bytes(std::string_view hex) {
  auto r = FromHex(hex);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : std::string();
}

template <typename T>
std::string NativePack(const T& v) {
  ::msgpack::sbuffer sb;
  ::msgpack::pack(sb, v);
  return std::string(sb.data(), sb.size());
}

template <typename T>
T RoundTrip(const T& v) {
  auto r = Decode<T>(Encode(v));
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : T{};
}

template <typename T>
Status DecodeError(std::string_view bytes) {
  auto r = Decode<T>(bytes);
  EXPECT_FALSE(r.ok()) << "decoded " << Hex(bytes) << " as a " << typeid(T).name();
  return r.status();
}

Person SamplePerson() {
  Person p;
  p.name = "Ann";
  p.age = 42;
  p.tags = {"x", "y"};
  p.address = {"Paris", std::nullopt};
  p.scores = {{"m", 1.5}};
  p.color = Color::GREEN;
  p.birthday = system_clock::time_point(milliseconds(1700000000123));
  p.avatar = {9, 8};
  return p;
}

demo::PersonNative SamplePersonNative() {
  demo::PersonNative p;
  p.name = "Ann";
  p.age = 42;
  p.tags = {"x", "y"};
  p.address = {"Paris", std::nullopt};
  p.scores = {{"m", 1.5}};
  p.color = "GREEN";
  p.birthday = 1700000000123;
  p.avatar = {9, 8};
  return p;
}

JavaException SampleException() {
  JavaException e("java.lang.IllegalStateException", "boom");
  e.stack_trace = {{"demo.Svc", "call", "Svc.java", 42}};
  return e;
}

// --- round trips ---------------------------------------------------------------------------------

TEST(MsgpackCodecTest, ScalarsRoundTrip) {
  for (bool b : {false, true}) EXPECT_EQ(RoundTrip(b), b);
  for (int8_t v : {int8_t{INT8_MIN}, int8_t{-1}, int8_t{0}, int8_t{INT8_MAX}})
    EXPECT_EQ(RoundTrip(v), v);
  for (int16_t v : {int16_t{INT16_MIN}, int16_t{-129}, int16_t{255}, int16_t{INT16_MAX}})
    EXPECT_EQ(RoundTrip(v), v);
  for (int32_t v : {INT32_MIN, -33, -32, 0, 127, 128, 65536, INT32_MAX}) EXPECT_EQ(RoundTrip(v), v);
  for (int64_t v : {INT64_MIN, int64_t{-1} << 40, int64_t{4294967296}, INT64_MAX}) {
    EXPECT_EQ(RoundTrip(v), v);
  }
  for (float v : {0.0f, -0.0f, 0.1f, -3.4e38f, 1e-45f}) EXPECT_EQ(RoundTrip(v), v);
  for (double v : {0.0, 1.0, -2.5, 0.1, 1e308, -4.9e-324, HUGE_VAL}) EXPECT_EQ(RoundTrip(v), v);
  EXPECT_TRUE(std::signbit(RoundTrip(-0.0)));
  EXPECT_TRUE(std::isnan(RoundTrip(std::nan(""))));
  for (const std::string& s : {std::string(), std::string("h\xc3\xa9llo"), std::string(70000, 'z'),
                               std::string("a\0b", 3)}) {
    EXPECT_EQ(RoundTrip(s), s);
  }
  EXPECT_EQ(RoundTrip(Binary{0, 1, 255}), (Binary{0, 1, 255}));
  EXPECT_EQ(RoundTrip(std::optional<int32_t>()), std::nullopt);
  EXPECT_EQ(RoundTrip(std::optional<std::string>("x")), "x");
  const auto when = system_clock::time_point(milliseconds(-86400001));  // before 1970 too
  EXPECT_EQ(RoundTrip(when), when);
}

TEST(MsgpackCodecTest, EveryMappedTypeRoundTripsInOneStruct) {
  demo::AllTypes v;
  v.b = true;
  v.i8 = -100;
  v.i16 = 30000;
  v.i32 = -70000;
  v.i64 = int64_t{1} << 50;
  v.f = 1.25f;
  v.d = -0.1;
  v.s = "text";
  v.bin = {1, 2, 3};
  v.list = {1, 2, 3};
  v.flags = {true, false, true};
  v.set = {"b", "a"};
  v.uset = {7, -7};
  v.map = {{"one", 1}, {"two", 2}};
  v.umap = {{-5, "minus five"}, {10, "ten"}};
  v.by_color = {{Color::BLUE, 3}, {Color::RED, 1}};
  v.by_bool = {{true, "yes"}, {false, "no"}};
  v.present = "here";
  v.when = system_clock::time_point(milliseconds(1234567890123));
  v.color = Color::BLUE;
  v.dec = {"123.45"};
  v.big = {"-98765432109876543210"};
  v.ts = {1600000000000};
  v.date = {1500000000000};
  v.time = {45296000};
  v.frame = {"demo.Svc", "call", "Svc.java", 42};
  v.any = Value::FromList(List{"", {Value::Int(1), Value::String("x"), Value::Null()}});
  v.addresses = {{"Oslo", "0150"}, {"Rome", std::nullopt}};
  v.nested = {{"k", {1, std::nullopt, -1}}};
  EXPECT_EQ(RoundTrip(v), v);
  EXPECT_EQ(RoundTrip(demo::AllTypes{}), demo::AllTypes{});
}

TEST(MsgpackCodecTest, ValueRoundTripsAndMapsJavaOnlyKinds) {
  Map map;
  map.entries.emplace_back(
      Value::String("list"),
      Value::FromList(List{"java.util.ArrayList",
                           {Value::Int(1), Value::Double(2.5), Value::Bool(true), Value::Null(),
                            Value::FromBinary({7})}}));
  map.entries.emplace_back(Value::Int(3), Value::Long(int64_t{1} << 40));
  map.entries.emplace_back(Value::String("s"), Value::String("v"));
  const Value plain = Value::FromMap(map);
  auto back = RoundTrip(plain);
  // The list's Java type does not travel; everything else does, map key kinds included.
  map.entries[0].second.as_list().type.clear();
  EXPECT_EQ(back, Value::FromMap(map));

  Object obj{"demo.X",
             {{"a", Value::Int(1)}, {"when", Value::FromDate(1000)}, {"self", Value::FromRef(0)}}};
  const std::string bytes = Encode(Value::FromObject(obj));
  // An object is a bean map; a date its epoch millis; a reference nil.
  EXPECT_EQ(Hex(bytes), "83a16101a47768656ecd03e8a473656c66c0");
}

TEST(MsgpackCodecTest, ValueReadsNumbersAsJacksonUntypedDoes) {
  auto all =
      DecodeAll(Bytes("7f"
                      "ce80000000"
                      "d280000000"
                      "d3ffffffff7fffffff"
                      "cfffffffffffffffff"
                      "ca3fc00000"
                      "d6ff00000001"));
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 7u);
  EXPECT_EQ((*all)[0], Value::Int(127));
  EXPECT_EQ((*all)[1], Value::Long(2147483648));
  EXPECT_EQ((*all)[2], Value::Int(INT32_MIN));
  EXPECT_EQ((*all)[3], Value::Long(int64_t{INT32_MIN} - 1));
  EXPECT_EQ((*all)[4], Value::Double(18446744073709551615.0));  // above INT64_MAX: no Value kind
  EXPECT_EQ((*all)[5], Value::Double(1.5));
  EXPECT_EQ((*all)[6], Value::FromDate(1000));  // timestamp extension
  EXPECT_EQ(EncodeAll({Value::Int(127), Value::String("x")}), Bytes("7fa178"));
}

// --- bytes ---------------------------------------------------------------------------------------

TEST(MsgpackCodecTest, IntegerAndStringFormsMatchMsgpackCxx) {
  for (int64_t v : {int64_t{0},
                    int64_t{127},
                    int64_t{128},
                    int64_t{255},
                    int64_t{256},
                    int64_t{65535},
                    int64_t{65536},
                    int64_t{4294967295},
                    int64_t{4294967296},
                    INT64_MAX,
                    int64_t{-1},
                    int64_t{-32},
                    int64_t{-33},
                    int64_t{-128},
                    int64_t{-129},
                    int64_t{-32768},
                    int64_t{-32769},
                    int64_t{INT32_MIN},
                    int64_t{INT32_MIN} - 1,
                    INT64_MIN}) {
    EXPECT_EQ(Hex(Encode(v)), Hex(NativePack(v))) << v;
    EXPECT_EQ(Hex(Encode(static_cast<int32_t>(v))), Hex(NativePack(static_cast<int32_t>(v)))) << v;
  }
  EXPECT_EQ(Hex(Encode(int32_t{200})), "ccc8");  // non-negative values use the unsigned codes
  for (size_t n : {0, 31, 32, 255, 256, 65535, 65536}) {
    const std::string s(n, 'q');
    EXPECT_EQ(Encode(s), NativePack(s)) << n;
    const Binary bin(n, 7);
    EXPECT_EQ(Encode(bin), NativePack(std::vector<char>(n, 7))) << n;
  }
  EXPECT_EQ(Hex(Encode(true)), "c3");
  EXPECT_EQ(Hex(Encode(std::optional<int32_t>())), "c0");
}

TEST(MsgpackCodecTest, CollectionsAndStructsMatchMsgpackCxx) {
  const std::vector<int32_t> list = {1, -1, 300, INT32_MAX};
  EXPECT_EQ(Encode(list), NativePack(list));
  const std::set<std::string> set = {"a", "b"};
  EXPECT_EQ(Encode(set), NativePack(set));
  const std::map<std::string, int64_t> map = {{"a", 1}, {"b", -2}};
  EXPECT_EQ(Hex(Encode(map)), Hex(NativePack(map)));
  const std::vector<std::optional<std::string>> opts = {"x", std::nullopt};
  EXPECT_EQ(Encode(opts), NativePack(opts));
  // A DUBBO_STRUCT is a map in declaration order, as MSGPACK_DEFINE_MAP writes it.
  EXPECT_EQ(Hex(Encode(SamplePerson())), Hex(NativePack(SamplePersonNative())));
  EXPECT_EQ(Hex(Encode(demo::Address{"x", std::nullopt})), "82a463697479a178a37a6970c0");
}

TEST(MsgpackCodecTest, FloatingPointIsAlwaysFloatAsJavaWritesIt) {
  // msgpack-cxx 4.1.3's pack_double/pack_float collapse integral values to integers (and lose the
  // sign of -0.0); Jackson writes float64/float32 whatever the value, so the codec does too.
  EXPECT_EQ(Hex(NativePack(1.0)), "01");
  EXPECT_EQ(Hex(Encode(1.0)), "cb3ff0000000000000");
  EXPECT_EQ(Hex(Encode(-0.0)), "cb8000000000000000");
  EXPECT_EQ(Hex(Encode(1.0f)), "ca3f800000");
  EXPECT_EQ(Hex(Encode(1.5)), Hex(NativePack(1.5)));  // agree when not integral
  EXPECT_EQ(Hex(Encode(1.5f)), Hex(NativePack(1.5f)));
  // Either form is read.
  EXPECT_EQ(*Decode<double>(Bytes("01")), 1.0);
  EXPECT_EQ(*Decode<float>(Bytes("cb3ff8000000000000")), 1.5f);
}

TEST(MsgpackCodecTest, DecodesMsgpackCxxOutput) {
  auto person = Decode<Person>(NativePack(SamplePersonNative()));
  ASSERT_TRUE(person.ok()) << person.status();
  EXPECT_EQ(*person, SamplePerson());
  auto map = Decode<std::unordered_map<std::string, std::vector<int64_t>>>(
      NativePack(std::map<std::string, std::vector<int64_t>>{{"k", {1, -1, INT64_MIN}}}));
  ASSERT_TRUE(map.ok()) << map.status();
  EXPECT_EQ(map->at("k"), (std::vector<int64_t>{1, -1, INT64_MIN}));
  // msgpack-cxx may write a non-negative int8 as 0xd0; it still reads as a number.
  EXPECT_EQ(*Decode<int32_t>(Bytes("d005")), 5);
}

TEST(MsgpackCodecTest, ReadsFromMsgpackCxxObjects) {
  ::msgpack::zone zone;
  const ::msgpack::object o(
      std::map<std::string, ::msgpack::object>{
          {"name", ::msgpack::object(std::string("Bo"), zone)},
          {"age", ::msgpack::object(7)},
          {"tags", ::msgpack::object(std::vector<std::string>{"t"}, zone)}},
      zone);
  Reader r("");
  Person p;
  Read(r, o, &p);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(p.name, "Bo");
  EXPECT_EQ(p.age, 7);
  EXPECT_EQ(p.tags, std::vector<std::string>{"t"});
}

// --- Java (Jackson) shapes -----------------------------------------------------------------------

TEST(MsgpackCodecTest, MapKeysAreTextAsJacksonWritesThem) {
  EXPECT_EQ(Hex(Encode(std::map<int32_t, std::string>{{1, "x"}, {-20, "y"}})),
            "82a32d3230a179a131a178");
  EXPECT_EQ(Hex(Encode(std::map<bool, int32_t>{{true, 1}})), "81a47472756501");
  EXPECT_EQ(Hex(Encode(std::map<Color, int32_t>{{Color::BLUE, 1}})), "81a4424c554501");
  // Text keys and native keys both read.
  auto m =
      Decode<std::map<int64_t, int32_t>>(Bytes("82a2313001"
                                               "0502"));
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(*m, (std::map<int64_t, int32_t>{{10, 1}, {5, 2}}));
  EXPECT_EQ((DecodeError<std::map<int8_t, int32_t>>(Bytes("81a3333030"
                                                          "01"))
                 .message()),
            "msgpack: expected int8 map key, found str \"300\" at $[\"300\"] (value at offset 0)");
}

TEST(MsgpackCodecTest, StructsMatchFieldsByName) {
  // Reordered, unknown ("extra", a non-string key) and missing (everything else) fields.
  auto p =
      Decode<Person>(Bytes("84"
                           "a3616765"
                           "2a"
                           "a56578747261"
                           "92c0c0"
                           "01"
                           "c3"
                           "a46e616d65"
                           "a3416e6e"));
  ASSERT_TRUE(p.ok()) << p.status();
  Person expected;
  expected.name = "Ann";
  expected.age = 42;
  EXPECT_EQ(*p, expected);
  EXPECT_EQ(*Decode<Person>(Bytes("c0")), Person{});
}

TEST(MsgpackCodecTest, EnumsAreConstantNames) {
  EXPECT_EQ(Hex(Encode(Color::GREEN)), "a5475245454e");
  EXPECT_EQ(Hex(Encode(static_cast<Color>(9))), "c0");  // no such constant: Java sees null
  EXPECT_EQ(*Decode<Color>(Bytes("a4424c5545")), Color::BLUE);
  EXPECT_EQ(*Decode<Color>(Bytes("01")), Color::GREEN);  // Jackson also reads the ordinal
  EXPECT_EQ(DecodeError<Color>(Bytes("a6505552504c45")).message(),
            "msgpack: unknown constant \"PURPLE\" of enum demo.Color (value at offset 0)");
  EXPECT_EQ(DecodeError<Color>(Bytes("03")).message(),
            "msgpack: expected enum demo.Color (constant name), found int 3 (value at offset 0)");
}

TEST(MsgpackCodecTest, DatesAreEpochMillisAndTimestampsAlsoRead) {
  const auto t = system_clock::time_point(milliseconds(1700000000123));
  EXPECT_EQ(Hex(Encode(t)), "cf0000018bcfe5687b");
  // The timestamp extension in its three sizes.
  EXPECT_EQ(*Decode<system_clock::time_point>(Bytes("d6ff6553f100")),
            system_clock::time_point(milliseconds(1700000000000)));
  EXPECT_EQ(*Decode<system_clock::time_point>(Bytes("d7ff1d5353006553f100")), t);
  EXPECT_EQ(*Decode<system_clock::time_point>(Bytes("c70cff0754d4c0ffffffffffffffff")),
            system_clock::time_point(milliseconds(-1000 + 123)));
  EXPECT_EQ(DecodeError<system_clock::time_point>(Bytes("d3"
                                                        "7fffffffffffffff"))
                .message(),
            "msgpack: date 9223372036854775807 ms is outside the time_point's range "
            "(value at offset 0)");
  EXPECT_EQ(Hex(Encode(SqlTimestamp{1})), "01");
  EXPECT_EQ(Hex(Encode(SqlDate{-1})), "ff");
  EXPECT_EQ(Hex(Encode(SqlTime{45296000})), "ce02b32980");
  EXPECT_EQ(Decode<SqlTime>(Bytes("a831323a33343a3536"))->millis, 45296000);  // "12:34:56"
  EXPECT_EQ(DecodeError<SqlTime>(Bytes("a431323a33")).message(),
            "msgpack: expected java.sql.Time (epoch milliseconds or HH:mm:ss), found str \"12:3\" "
            "(value at offset 0)");
}

TEST(MsgpackCodecTest, BigDecimalIsWrittenAsMsgpackJavaPacksIt) {
  struct Case {
    const char* text;
    const char* hex;
  };
  for (const Case& c : {
           Case{"0", "00"},
           Case{"0.000", "00"},
           Case{"12345", "cd3039"},
           Case{"1E+3", "cd03e8"},
           Case{"-9223372036854775808", "d38000000000000000"},
           Case{"18446744073709551615", "cfffffffffffffffff"},
           Case{"123.45", "cb405edccccccccccd"},
           Case{"1.50", "cb3ff8000000000000"},
           Case{"-0.1", "cbbfb999999999999a"},
           // msgpack-java throws for these; a str is sent instead (Jackson parses it).
           Case{"18446744073709551616",
                "b4"
                "3138343436373434303733373039353531363136"},
           Case{"1.00000000000000000001",
                "b6"
                "312e3030303030303030303030303030303030303031"},
       }) {
    EXPECT_EQ(Hex(Encode(BigDecimal{c.text})), c.hex) << c.text;
  }
  // Reading is BigDecimal.valueOf(double).toString() for floats and new BigDecimal(text) for text.
  for (const Case& c : {
           Case{"1.5", "cb3ff8000000000000"},
           Case{"1.0E+20", "cb4415af1d78b58c40"},
           Case{"100.0", "cb4059000000000000"},
           Case{"0.000012345", "cb3ee9e3abe16fc70d"},
           Case{"0.001", "cb3f50624dd2f1a9fc"},
           Case{"1.0E-7", "cb3e7ad7f29abcaf48"},
           Case{"0.0", "cb8000000000000000"},
           Case{"12345", "cd3039"},
           Case{"-5", "fb"},
           Case{"1E+3", "a3316533"},
           Case{"1.50", "a4312e3530"},
       }) {
    auto d = Decode<BigDecimal>(Bytes(c.hex));
    ASSERT_TRUE(d.ok()) << d.status();
    EXPECT_EQ(d->value, c.text) << c.hex;
  }
  EXPECT_EQ(DecodeError<BigDecimal>(Bytes("cb7ff8000000000000")).message(),
            "msgpack: expected BigDecimal (number), found float64 nan (value at offset 0)");
}

TEST(MsgpackCodecTest, BigIntegerIsAnIntegerWhenItFits) {
  EXPECT_EQ(Hex(Encode(BigInteger{"-42"})), "d0d6");
  EXPECT_EQ(Hex(Encode(BigInteger{"+0018446744073709551615"})), "cfffffffffffffffff");
  EXPECT_EQ(Hex(Encode(BigInteger{"-9223372036854775809"})),
            "b4"
            "2d39323233333732303336383534373735383039");
  EXPECT_EQ(Decode<BigInteger>(Bytes("cfffffffffffffffff"))->value, "18446744073709551615");
  EXPECT_EQ(Decode<BigInteger>(Bytes("cbc00c000000000000"))->value, "-3");  // -3.5 truncated
  EXPECT_EQ(Decode<BigInteger>(Bytes("cb4415af1d78b58c40"))->value, "100000000000000000000");
  EXPECT_EQ(Decode<BigInteger>(Bytes("a42d303037"))->value, "-7");
  EXPECT_EQ(DecodeError<BigInteger>(Bytes("a3312e35")).message(),
            "msgpack: expected BigInteger (integer), found str \"1.5\" (value at offset 0)");
}

TEST(MsgpackCodecTest, ExceptionsAreJacksonThrowableBeans) {
  std::string body;
  MsgpackSerialization().Encode(&body, [](ObjectOutput& out) {
    static_cast<MsgpackObjectOutput&>(out).WriteThrowable(SampleException());
  });
  // Two values: the class name, then cause, stackTrace, message, localizedMessage, suppressed.
  EXPECT_EQ(Hex(body), "bf" + Hex("java.lang.IllegalStateException") +
                           "85"
                           "a5" +
                           Hex("cause") +
                           "c0"
                           "aa" +
                           Hex("stackTrace") +
                           "91"
                           "85"
                           "aa" +
                           Hex("methodName") + "a4" + Hex("call") + "a8" + Hex("fileName") + "a8" +
                           Hex("Svc.java") + "aa" + Hex("lineNumber") +
                           "2a"
                           "a9" +
                           Hex("className") + "a8" + Hex("demo.Svc") + "ac" + Hex("nativeMethod") +
                           "c2"
                           "a7" +
                           Hex("message") + "a4" + Hex("boom") + "b0" + Hex("localizedMessage") +
                           "a4" + Hex("boom") + "aa" + Hex("suppressed") + "90");
  JavaException back;
  const Status s = MsgpackSerialization().Decode(body, [&](ObjectInput& in) {
    static_cast<MsgpackObjectInput&>(in).ReadThrowable(&back);
    EXPECT_TRUE(in.AtEnd());
  });
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(back, SampleException());
}

TEST(MsgpackCodecTest, UserExceptionsCarryOwnFieldsAndCause) {
  demo::MyError e;
  e.code = 7;
  e.detail = "bad";
  e.message = "failed";
  auto cause = std::make_shared<JavaException>("java.io.IOException", "disk");
  cause->extra_fields = {{"path", Value::String("/tmp")}};
  e.cause = cause;
  std::string body;
  {
    MsgpackObjectOutput out(&body);
    out.WriteThrowable(e);
  }
  MsgpackObjectInput in(body);
  std::string name;
  in.ReadString(&name);
  EXPECT_EQ(name, "demo.MyError");
  demo::MyError back;
  in.ReadTyped(&back);
  ASSERT_TRUE(in.ok()) << in.status();
  EXPECT_EQ(back.code, 7);
  EXPECT_EQ(back.detail, "bad");
  EXPECT_EQ(back.message, "failed");
  ASSERT_NE(back.cause, nullptr);
  // Jackson writes no type information: a cause comes back as a java.lang.Throwable.
  EXPECT_EQ(back.cause->class_name, "java.lang.Throwable");
  EXPECT_EQ(back.cause->message, "disk");
  ASSERT_EQ(back.cause->extra_fields.size(), 1u);
  EXPECT_EQ(back.cause->extra_fields[0].second, Value::String("/tmp"));
}

TEST(MsgpackCodecTest, ReadsJavaExceptionsWithNewerProperties) {
  // A JDK 9+ Jackson bean: extra StackTraceElement properties, a subclass property, and the
  // properties in another order.
  Map frame;
  for (const auto& [k, v] :
       std::vector<std::pair<std::string, Value>>{{"classLoaderName", Value::String("app")},
                                                  {"moduleName", Value()},
                                                  {"methodName", Value::String("run")},
                                                  {"fileName", Value()},
                                                  {"lineNumber", Value::Int(-2)},
                                                  {"className", Value::String("demo.T")},
                                                  {"nativeMethod", Value::Bool(true)}}) {
    frame.entries.emplace_back(Value::String(k), v);
  }
  Map ex;
  ex.entries.emplace_back(Value::String("message"), Value::String("m"));
  ex.entries.emplace_back(Value::String("errorCode"), Value::Int(12));
  ex.entries.emplace_back(Value::String("stackTrace"),
                          Value::FromList(List{"", {Value::FromMap(frame)}}));
  ex.entries.emplace_back(Value::String("suppressed"), Value::FromList(List{}));
  ex.entries.emplace_back(Value::String("cause"), Value());
  const std::string body = EncodeAll({Value::String("com.acme.BizException"), Value::FromMap(ex)});
  MsgpackObjectInput in(body);
  JavaException e;
  in.ReadThrowable(&e);
  ASSERT_TRUE(in.ok()) << in.status();
  EXPECT_EQ(e.class_name, "com.acme.BizException");
  EXPECT_EQ(e.message, "m");
  EXPECT_EQ(e.cause, nullptr);
  ASSERT_EQ(e.stack_trace.size(), 1u);
  EXPECT_EQ(e.stack_trace[0], (StackTraceElement{"demo.T", "run", "", -2}));
  ASSERT_EQ(e.extra_fields.size(), 1u);
  EXPECT_EQ(e.extra_fields[0].first, "errorCode");
  EXPECT_EQ(e.extra_fields[0].second, Value::Int(12));
}

// --- body framing --------------------------------------------------------------------------------

TEST(MsgpackSerializationTest, BodyIsConcatenatedValues) {
  const MsgpackSerialization ser;
  EXPECT_EQ(ser.id(), SerializationId::kMsgpack);
  EXPECT_EQ(static_cast<int>(ser.id()), 27);
  EXPECT_EQ(ser.name(), "msgpack");
  EXPECT_EQ(Hex(ser.NullBytes()), "c0");
  std::string body;
  ser.Encode(&body, [](ObjectOutput& out) {
    out.WriteString("2.0.2");
    out.WriteInt(-1);
    out.WriteLong(int64_t{1} << 33);
    out.WriteBool(false);
    out.WriteDouble(0.5);
    out.WriteNull();
    out.WriteValue(Value::FromList(List{"", {Value::Int(1)}}));
    Write(static_cast<MsgpackObjectOutput&>(out).packer(), SamplePerson());
  });
  body += Bytes("c0");  // dubbo-go appends a null after each body: ignored
  std::string s;
  int32_t i = 0;
  int64_t l = 0;
  bool b = true;
  double d = 0;
  Value v;
  Person p;
  const Status status = ser.Decode(body, [&](ObjectInput& in) {
    in.ReadString(&s);
    i = in.ReadInt();
    l = in.ReadLong();
    b = in.ReadBool();
    d = in.ReadDouble();
    EXPECT_TRUE(in.ReadNullIf());
    EXPECT_FALSE(in.ReadNullIf());
    in.ReadValue(&v);
    const size_t before = in.offset();
    in.Skip();
    EXPECT_GT(in.offset(), before);
    EXPECT_FALSE(in.AtEnd());
  });
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(s, "2.0.2");
  EXPECT_EQ(i, -1);
  EXPECT_EQ(l, int64_t{1} << 33);
  EXPECT_FALSE(b);
  EXPECT_EQ(d, 0.5);
  EXPECT_EQ(v, Value::FromList(List{"", {Value::Int(1)}}));

  MsgpackObjectInput in(body);
  for (int k = 0; k < 7; ++k) in.Skip();
  in.ReadTyped(&p);
  ASSERT_TRUE(in.ok()) << in.status();
  EXPECT_EQ(p, SamplePerson());
}

TEST(MsgpackSerializationTest, JavaPrimitiveReadsTakeNilAsDefault) {
  const std::string nils = Bytes("c0c0c0c0c0");
  MsgpackObjectInput in(nils);
  EXPECT_EQ(in.ReadInt(), 0);
  EXPECT_EQ(in.ReadLong(), 0);
  EXPECT_FALSE(in.ReadBool());
  EXPECT_EQ(in.ReadDouble(), 0);
  std::string s = "old";
  EXPECT_FALSE(in.ReadString(&s));
  EXPECT_EQ(s, "");
  EXPECT_TRUE(in.ok());
  EXPECT_TRUE(in.AtEnd());
  // A float is truncated into an int, as Jackson's ACCEPT_FLOAT_AS_INT does.
  const std::string three_and_a_half = Bytes("cb400c000000000000");
  MsgpackObjectInput f(three_and_a_half);
  EXPECT_EQ(f.ReadInt(), 3);
}

// --- hostile input -------------------------------------------------------------------------------

std::string ReadIntError(std::string_view bytes) {
  MsgpackObjectInput in(bytes);
  in.ReadInt();
  EXPECT_FALSE(in.ok());
  EXPECT_EQ(in.status().code(), StatusCode::kDecodeError);
  return in.status().message();
}

std::string ReadValueError(std::string_view bytes) {
  MsgpackObjectInput in(bytes);
  Value v;
  in.ReadValue(&v);
  EXPECT_FALSE(in.ok());
  EXPECT_EQ(in.status().code(), StatusCode::kDecodeError);
  return in.status().message();
}

TEST(MsgpackBadInputTest, FramingErrorsNameTheByteOffset) {
  EXPECT_EQ(ReadIntError(""), "msgpack: expected a value, found end of input at offset 0");
  EXPECT_EQ(ReadIntError(Bytes("cd01")),
            "msgpack: truncated input: uint needs 3 bytes, 2 left at offset 0");
  EXPECT_EQ(ReadIntError(Bytes("c1")),
            "msgpack: invalid byte 0xc1 (never used by msgpack) at offset 0");
  EXPECT_EQ(ReadValueError(Bytes("d910616263")),
            "msgpack: str declares 16 bytes but only 3 follow at offset 0");
  EXPECT_EQ(ReadValueError(Bytes("91c4")),
            "msgpack: truncated input: bin header needs 2 bytes, 1 left at offset 1");
  EXPECT_EQ(ReadValueError(Bytes("92c4ffff")),
            "msgpack: bin declares 255 bytes but only 1 follow at offset 1");
  EXPECT_EQ(ReadValueError(Bytes("c6ffffffff00")),
            "msgpack: bin declares 4294967295 bytes but only 1 follow at offset 0");
  EXPECT_EQ(ReadValueError(Bytes("92a3616263")),
            "msgpack: truncated input: the array from offset 0 is missing 1 element at offset 5");
  EXPECT_EQ(ReadValueError(Bytes("9301")),
            "msgpack: array declares 3 elements but only 1 byte follows at offset 0");
  EXPECT_EQ(ReadValueError(Bytes("81a16b")),
            "msgpack: truncated input: the map from offset 0 is missing 1 keys/values at offset 3");
  EXPECT_EQ(ReadValueError(Bytes("9201dd")),
            "msgpack: truncated input: array header needs 5 bytes, 1 left at offset 2");
}

TEST(MsgpackBadInputTest, DeclaredCountsBeyondTheInputAllocateNothing) {
  // msgpack-cxx would allocate 4294967295 objects (about 100 GB) on reading this header.
  EXPECT_EQ(ReadValueError(Bytes("ddffffffff")),
            "msgpack: array declares 4294967295 elements but only 0 bytes follow at offset 0");
  EXPECT_EQ(ReadValueError(Bytes("dfffffffff01")),
            "msgpack: map declares 4294967295 entries but only 1 byte follows at offset 0");
  // A plausible outer count does not excuse an implausible inner one.
  std::string nested = Bytes("dc0100");
  for (int i = 0; i < 64; ++i) nested += Bytes("dd7fffffff");
  nested += std::string(300, '\x01');
  EXPECT_EQ(ReadValueError(nested),
            "msgpack: array declares 2147483647 elements but only 615 bytes follow at offset 3");
}

TEST(MsgpackBadInputTest, NestingIsLimited) {
  std::string deep(200, '\x91');
  deep += '\x01';
  EXPECT_EQ(ReadValueError(deep), "msgpack: nesting deeper than 128 at offset 128");
  std::string ok(128, '\x91');
  ok += '\x01';
  MsgpackObjectInput in(ok);
  Value v;
  in.ReadValue(&v);
  EXPECT_TRUE(in.ok()) << in.status();
  MsgpackObjectInput shallow(ok, ReaderLimits{.max_depth = 8});
  shallow.ReadValue(&v);
  EXPECT_EQ(shallow.status().message(), "msgpack: nesting deeper than 8 at offset 8");
}

TEST(MsgpackBadInputTest, TypeErrorsNameExpectedFoundPathAndValueOffset) {
  EXPECT_EQ(DecodeError<int32_t>(Bytes("a178")).message(),
            "msgpack: expected int32, found str \"x\" (value at offset 0)");
  EXPECT_EQ(DecodeError<int8_t>(Bytes("ccc8")).message(),
            "msgpack: expected int8, found int 200, out of range (value at offset 0)");
  EXPECT_EQ(DecodeError<int32_t>(Bytes("cb41f0000000000000")).message(),
            "msgpack: expected int32, found float64 4294967296, out of range (value at offset 0)");
  EXPECT_EQ(DecodeError<std::vector<int64_t>>(Bytes("a0")).message(),
            "msgpack: expected array, found str \"\" (value at offset 0)");
  EXPECT_EQ(DecodeError<Person>(Bytes("9201c0")).message(),
            "msgpack: expected demo.Person (map), found array (2 elements) (value at offset 0)");
  // Paths through struct fields, array elements and map entries.
  Person bad = SamplePerson();
  std::string bytes = Encode(bad);
  const std::string age = Hex("age") + "2a";
  std::string hex = Hex(bytes);
  hex.replace(hex.find(age), age.size(), Hex("age") + "a2" + Hex("42"));
  EXPECT_EQ(DecodeError<Person>(Bytes(hex)).message(),
            "msgpack: expected int32, found str \"42\" at $.age (value at offset 0)");
  EXPECT_EQ(DecodeError<std::vector<Person>>(Bytes("9280"
                                                   "81"
                                                   "a474616773"
                                                   "92a17801"))
                .message(),
            "msgpack: expected string, found int 1 at $[1].tags[1] (value at offset 0)");
  EXPECT_EQ((DecodeError<std::map<std::string, demo::Address>>(Bytes("81a16b"
                                                                     "81a463697479c3"))
                 .message()),
            "msgpack: expected string, found bool true at $[\"k\"].city (value at offset 0)");
  EXPECT_EQ(ReadValueError(Bytes("81a165"
                                 "d50501ff")),
            "msgpack: unsupported ext 5 (2 bytes) at $[\"e\"] (value at offset 0)");
  // The offset is that of the top-level value in the body.
  const std::string body = Bytes(
      "01a2"
      "3132"
      "02");
  MsgpackObjectInput in(body);
  EXPECT_EQ(in.ReadInt(), 1);
  EXPECT_EQ(in.ReadInt(), 0);
  EXPECT_EQ(in.status().message(), "msgpack: expected int32, found str \"12\" (value at offset 1)");
  // Sticky: later reads return defaults and keep the first error.
  EXPECT_EQ(in.ReadInt(), 0);
  EXPECT_EQ(in.status().message(), "msgpack: expected int32, found str \"12\" (value at offset 1)");
  EXPECT_TRUE(in.AtEnd());
}

TEST(MsgpackBadInputTest, ThrowableNeedsItsClassName) {
  const std::string body = Bytes("0180");
  MsgpackObjectInput in(body);
  JavaException e;
  in.ReadThrowable(&e);
  EXPECT_EQ(in.status().message(),
            "msgpack: expected exception class name (str), found int 1 (value at offset 0)");
}

// Every truncation and many single-byte corruptions of valid bodies: a Status, never a crash
// (the sanitizer build makes this meaningful).
TEST(MsgpackBadInputTest, CorruptedBodiesFailCleanly) {
  demo::AllTypes all;
  all.list = {1, 2, 3};
  all.map = {{"a", 1}};
  all.any =
      Value::FromMap(Map{"", {{Value::String("k"), Value::FromList(List{"", {Value::Int(1)}})}}});
  std::vector<std::string> bodies = {Encode(SamplePerson()), Encode(all)};
  {
    std::string body;
    MsgpackObjectOutput out(&body);
    out.WriteThrowable(SampleException());
    bodies.push_back(body);
  }
  std::mt19937 rng(27);
  int failures = 0;
  for (const std::string& good : bodies) {
    std::vector<std::string> inputs;
    for (size_t n = 0; n < good.size(); ++n) inputs.push_back(good.substr(0, n));
    for (int k = 0; k < 300; ++k) {
      std::string bad = good;
      bad[rng() % bad.size()] = static_cast<char>(rng());
      inputs.push_back(bad);
    }
    for (const std::string& in : inputs) {
      Reader r(in);
      demo::AllTypes a;
      if (const auto* o = r.Next()) Read(r, *o, &a);
      MsgpackObjectInput vin(in);
      Value v;
      while (!vin.AtEnd()) vin.ReadValue(&v);
      MsgpackObjectInput ein(in);
      JavaException e;
      ein.ReadThrowable(&e);
      for (const Status& s : {r.status(), vin.status(), ein.status()}) {
        if (!s.ok()) {
          ++failures;
          EXPECT_EQ(s.code(), StatusCode::kDecodeError);
          EXPECT_EQ(s.message().rfind("msgpack: ", 0), 0u) << s.message();
        }
      }
    }
  }
  EXPECT_GT(failures, 100);
}

// --- interop with npm @msgpack/msgpack -----------------------------------------------------------

struct InteropCase {
  std::string name;
  std::string bytes;                            // our encoding
  bool same_bytes;                              // the JS encoder writes the same value identically
  std::function<void(std::string_view)> check;  // decodes bytes and expects the case's value
};

template <typename T>
InteropCase Typed(std::string name, T value, bool same_bytes = true) {
  std::string bytes = Encode(value);
  return {std::move(name), std::move(bytes), same_bytes, [value](std::string_view b) {
            auto r = Decode<T>(b);
            ASSERT_TRUE(r.ok()) << r.status();
            EXPECT_TRUE(*r == value);
          }};
}

std::vector<InteropCase> InteropCases() {
  const std::string iface = "org.apache.dubbo.demo.DemoService";
  std::vector<InteropCase> cases = {
      Typed("bool_true", true),
      Typed("nil", std::optional<int32_t>()),
      Typed("int_fix", int32_t{7}),
      Typed("int_negfix", int32_t{-32}),
      Typed("int_u8", int32_t{200}),
      Typed("int_i8", int32_t{-33}),
      Typed("int_u16", int32_t{65535}),
      Typed("int_i16", int16_t{-300}),
      Typed("int_u32", int64_t{4000000000}),
      Typed("int_i32", int32_t{INT32_MIN}),
      Typed("long_u64", int64_t{1} << 40),
      Typed("long_min", int64_t{INT64_MIN}),
      Typed("long_max", int64_t{INT64_MAX}),
      Typed("double", 1.5),
      Typed("double_tiny", -1.25e-300),
      Typed("float", 0.25f, /*same_bytes=*/false),          // JS has no float32 of its own
      Typed("double_integral", 2.0, /*same_bytes=*/false),  // JS writes 2 as an integer
      Typed("str_empty", std::string()),
      Typed("str_utf8", std::string("h\xc3\xa9llo, \xe4\xb8\x96\xe7\x95\x8c \xf0\x9f\x98\x80")),
      Typed("str8", std::string(40, 'a')),
      Typed("str16", std::string(300, 'b')),
      Typed("bin", Binary{0, 1, 2, 255}),
      Typed("bin_empty", Binary{}),
      Typed("array_ints", std::vector<int32_t>{1, -1, 300}),
      Typed("array_empty", std::vector<std::string>{}),
      Typed("map_str_long", std::map<std::string, int64_t>{{"a", 1}, {"b", -2}}),
      Typed("map_int_keys", std::map<int32_t, std::string>{{1, "x"}, {20, "y"}}),
      Typed("set_strings", std::set<std::string>{"a", "b"}),
      Typed("struct", SamplePerson()),
      Typed("date", system_clock::time_point(milliseconds(1700000000123))),
      Typed("enum", Color::GREEN),
      Typed("bigdecimal_int", BigDecimal{"12345"}),
      Typed("bigdecimal_frac", BigDecimal{"123.45"}),
      Typed("bigdecimal_unrepresentable", BigDecimal{"1.00000000000000000001"}),
      Typed("biginteger_big", BigInteger{"123456789012345678901234567890"}),
  };
  {
    InteropCase c{"exception", {}, true, [](std::string_view b) {
                    MsgpackObjectInput in(b);
                    JavaException e;
                    in.ReadThrowable(&e);
                    ASSERT_TRUE(in.ok()) << in.status();
                    EXPECT_TRUE(in.AtEnd());
                    EXPECT_EQ(e, SampleException());
                  }};
    MsgpackObjectOutput out(&c.bytes);
    out.WriteThrowable(SampleException());
    cases.push_back(std::move(c));
  }
  {
    const Value attachments =
        Value::FromMap(Map{"",
                           {{Value::String("path"), Value::String(iface)},
                            {Value::String("interface"), Value::String(iface)},
                            {Value::String("version"), Value::String("0.0.0")}}});
    const std::vector<std::string> strings = {
        "2.0.2", iface, "0.0.0", "sayHello", "Ljava/lang/String;", "world"};
    InteropCase c{"request_body", {}, true, [=](std::string_view b) {
                    MsgpackObjectInput in(b);
                    for (const auto& expected : strings) {
                      std::string s;
                      in.ReadString(&s);
                      EXPECT_EQ(s, expected);
                    }
                    Value v;
                    in.ReadValue(&v);
                    ASSERT_TRUE(in.ok()) << in.status();
                    EXPECT_TRUE(EquivalentUnordered(v, attachments));
                    EXPECT_TRUE(in.AtEnd());
                  }};
    MsgpackSerialization().Encode(&c.bytes, [&](ObjectOutput& out) {
      for (const auto& s : strings) out.WriteString(s);
      out.WriteValue(attachments);
    });
    cases.push_back(std::move(c));
  }
  {
    // An Object, a Date and a Ref become a map, an integer and nil; decoding gives those back.
    const Value sent = Value::FromMap(Map{
        "",
        {{Value::String("list"),
          Value::FromList(List{"",
                               {Value::Int(1), Value::String("two"), Value::Double(3.5), Value(),
                                Value::Bool(true)}})},
         {Value::String("obj"),
          Value::FromObject(Object{"demo.X", {{"a", Value::Int(1)}, {"b", Value::String("x")}}})},
         {Value::String("date"), Value::FromDate(1000)},
         {Value::String("ref"), Value::FromRef(0)},
         {Value::String("big"), Value::Long(5000000000)}}});
    Value received = sent;
    auto& entries = received.as_map().entries;
    entries[1].second = Value::FromMap(
        Map{"", {{Value::String("a"), Value::Int(1)}, {Value::String("b"), Value::String("x")}}});
    entries[2].second = Value::Int(1000);
    entries[3].second = Value();
    cases.push_back({"value_tree", Encode(sent), true, [received](std::string_view b) {
                       auto r = Decode<Value>(b);
                       ASSERT_TRUE(r.ok()) << r.status();
                       EXPECT_EQ(*r, received);
                     }});
  }
  return cases;
}

std::string PeerCommand(const std::string& mode, const std::string& file) {
  return "node " + testing::ShellQuote(testing::SourceDir() + "/tests/interop/js/msgpack_peer.js") +
         " " + mode + " " + testing::ShellQuote(file);
}

// Requires node and tests/interop/js/node_modules (npm ci): a missing peer fails the test.
TEST(MsgpackInteropTest, NpmMsgpackDecodesOurBytes) {
  const testing::TempDir dir;
  testing::VectorFile ours;
  for (const auto& c : InteropCases()) ours.emplace_back(c.name, Hex(c.bytes));
  testing::WriteVectorFile(dir.File("cpp.txt"), ours);
  const auto run = testing::RunCommand(PeerCommand("verify", dir.File("cpp.txt")));
  EXPECT_EQ(run.exit_code, 0) << run.output;
}

TEST(MsgpackInteropTest, WeDecodeNpmMsgpackBytes) {
  const testing::TempDir dir;
  const auto run = testing::RunCommand(PeerCommand("encode", dir.File("js.txt")));
  ASSERT_EQ(run.exit_code, 0) << run.output;
  std::map<std::string, std::string> js;
  for (const auto& [name, hex] : testing::ReadVectorFile(dir.File("js.txt"))) js[name] = Bytes(hex);
  for (const auto& c : InteropCases()) {
    SCOPED_TRACE(c.name);
    auto it = js.find(c.name);
    ASSERT_NE(it, js.end()) << "the peer has no case " << c.name;
    c.check(it->second);
    c.check(c.bytes);  // and our own bytes round-trip
    if (c.same_bytes) {
      EXPECT_EQ(Hex(c.bytes), Hex(it->second));
    }
    js.erase(it);
  }
  // Cases only JS writes: a Date is a msgpack timestamp there.
  ASSERT_EQ(js.count("date_ext"), 1u);
  auto date = Decode<system_clock::time_point>(js["date_ext"]);
  ASSERT_TRUE(date.ok()) << date.status();
  EXPECT_EQ(*date, system_clock::time_point(milliseconds(1700000000123)));
  js.erase("date_ext");
  for (const auto& [name, bytes] : js) ADD_FAILURE() << "no C++ case for the peer's " << name;
}

}  // namespace
}  // namespace dubbo::msgpack

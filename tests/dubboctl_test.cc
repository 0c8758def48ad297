// dubboctl (tools/dubboctl), run as a process: `hessian decode` of reference vectors (tree and
// JSON) and of whole Dubbo frames, `hessian encode` reproducing Java's bytes from hinted JSON, the
// JSON round trip of every interop vector through the binary, and the exact messages and exit
// codes for bad input and bad usage.
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "codec/hessian2/codec.h"
#include "common/hex.h"
#include "tests/support/hessian2_vectors.h"
#include "tests/support/process.h"

namespace dubbo::testing {
namespace {

CommandResult Dubboctl(const std::string& args) {
  return RunCommand(std::string(DUBBOCTL_PATH) + " " + args);
}

// Java's bytes (tests/interop/VECTORS.md) of a vector, as our encoder writes them.
std::string VectorHex(const std::string& name) {
  for (const auto& v : HessianVectors())
    if (v.name == name) return ToHex(hessian2::EncodeAll(v.values));
  ADD_FAILURE() << "no vector " << name;
  return "";
}

// Runs a shell command line (stdout and stderr together) and checks its outcome.
void ExpectShell(const std::string& command, int exit_code, const std::string& output) {
  const CommandResult r = RunCommand(command);
  EXPECT_EQ(r.exit_code, exit_code) << command << "\n" << r.output;
  EXPECT_EQ(r.output, output) << command;
}

void ExpectOutput(const std::string& args, int exit_code, const std::string& output) {
  ExpectShell(std::string(DUBBOCTL_PATH) + " " + args, exit_code, output);
}

TEST(DubboctlDecodeTest, TreeOfReferenceVectors) {
  ExpectOutput("hessian decode " + VectorHex("pair_1x"), 0,
               "object demo.Pair  #0\n"
               "  a: int 1\n"
               "  b: string \"x\"\n");
  // Several top-level values share one reference numbering.
  ExpectOutput("hessian decode " + VectorHex("two_values_mixed"), 0,
               "object demo.Pair  #0\n"
               "  a: int 1\n"
               "  b: string \"x\"\n"
               "map (1 entry)  #1\n"
               "  \"p\": ref #0 -> object demo.Pair\n");
  ExpectOutput("hessian decode " + VectorHex("refs_mixed"), 0,
               "list (9 items)  #0\n"
               "  [0] object java.math.BigDecimal  #1\n"
               "    value: string \"1.5\"\n"
               "  [1] map (1 entry)  #2\n"
               "    \"a\": int 1\n"
               "  [2] ref #2 -> map\n"
               "  [3] date 2023-11-14T22:13:20.000Z\n"
               "  [4] date 2023-11-14T22:13:20.000Z\n"
               "  [5] string \"s\"\n"
               "  [6] string \"s\"\n"
               "  [7] list [int (1 item)  #3\n"
               "    [0] int 1\n"
               "  [8] ref #3 -> list [int\n");
  ExpectOutput("hessian decode " + VectorHex("exc_boom"), 0,
               "object java.lang.RuntimeException  #0\n"
               "  detailMessage: string \"boom\"\n"
               "  cause: ref #0 -> object java.lang.RuntimeException\n"
               "  stackTrace: list [java.lang.StackTraceElement (0 items)  #1\n"
               "  suppressedExceptions: list java.util.Collections$EmptyList (0 items)  #2\n");
  // Scalars, several hex arguments (one with 0x), typed maps, int keys.
  ExpectOutput("hessian decode 0x" + VectorHex("map_int_key") + " " + VectorHex("treemap_a1") +
                   " " + VectorHex("long_2p31") + " " + VectorHex("double_0_1") + " " +
                   VectorHex("double_nan") + " " + VectorHex("null") + " " + VectorHex("true") +
                   " " + VectorHex("str_emoji") + " " + VectorHex("bin_123") + " " +
                   VectorHex("date_neg"),
               0,
               "map (1 entry)  #0\n"
               "  int 1: string \"x\"\n"
               "map java.util.TreeMap (1 entry)  #1\n"
               "  \"a\": int 1\n"
               "long 2147483648\n"
               "double 0.1\n"
               "double NaN\n"
               "null\n"
               "bool true\n"
               "string \"\xF0\x9F\x98\x80\"\n"
               "binary (3 bytes) 010203\n"
               "date 1969-12-31T23:59:59.999Z\n");
}

TEST(DubboctlDecodeTest, LongValuesAreAbbreviated) {
  TempDir dir;
  const std::string path = dir.File("str.bin");
  std::ofstream(path, std::ios::binary) << hessian2::Encode(std::string(40000, 'x'));
  ExpectOutput("hessian decode --file " + path, 0,
               "string (40000 chars) \"" + std::string(64, 'x') + "\"...\n");
  ExpectOutput(
      "hessian decode " + VectorHex("bin_1023") + " " + VectorHex("bin_15"), 0,
      "binary (1023 bytes) 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f...\n"
      "binary (15 bytes) 000102030405060708090a0b0c0d0e\n");
}

TEST(DubboctlDecodeTest, JsonOutput) {
  ExpectOutput("hessian decode --json " + VectorHex("pair_same_twice"), 0, R"([
  [
    {
      "$class": "demo.Pair",
      "$": {
        "a": 7,
        "b": "s"
      }
    },
    {"$ref": 1}
  ]
]
)");
  ExpectOutput("hessian decode --json " + VectorHex("treemap_a1") + VectorHex("long_2p31") +
                   VectorHex("int_array") + VectorHex("date_ms"),
               0, R"([
  {
    "$class": "java.util.TreeMap",
    "$": {
      "a": 1
    }
  },
  {"$class": "long", "$": 2147483648},
  {
    "$class": "[int",
    "$": [
      1,
      2
    ]
  },
  {"$class": "date", "$": "2023-11-14T22:13:20.000Z"}
]
)");
}

TEST(DubboctlDecodeTest, InputFromStdinAndFile) {
  ExpectShell("echo ' 0x91 92\n' | " + std::string(DUBBOCTL_PATH) + " hessian decode", 0,
              "int 1\nint 2\n");
  TempDir dir;
  const std::string path = dir.File("raw.bin");
  std::ofstream(path, std::ios::binary) << FromHex(VectorHex("list_1x")).value();
  ExpectOutput("hessian decode --file " + path, 0,
               "list (2 items)  #0\n  [0] int 1\n  [1] string \"x\"\n");
  ExpectOutput("hessian decode --file - < " + path, 0,
               "list (2 items)  #0\n  [0] int 1\n  [1] string \"x\"\n");
  ExpectOutput("hessian decode ''", 0, "(no values)\n");
}

// The hand-assembled request and response of dubbo-protocol.md §1.5: DemoService.sayHello("world").
std::string String(std::string_view s) { return hessian2::Encode(std::string(s)); }

std::string Frame(std::string_view header12, const std::string& body) {
  std::string f = FromHex(header12).value();
  for (int shift = 24; shift >= 0; shift -= 8) f.push_back(static_cast<char>(body.size() >> shift));
  return f + body;
}

const std::string kIface = "org.apache.dubbo.demo.DemoService";

std::string RequestFrame() {
  const std::string body = String("2.0.2") + String(kIface) + String("0.0.0") + String("sayHello") +
                           String("Ljava/lang/String;") + String("world") + "H" + String("path") +
                           String(kIface) + String("interface") + String(kIface) +
                           String("version") + String("0.0.0") + "Z";
  return Frame("dabbc2000000000000000000", body);
}

TEST(DubboctlFrameTest, Request) {
  const std::string frame = RequestFrame();
  ASSERT_EQ(frame.size(), 16u + 0xB6);  // the document's body length
  ExpectOutput("hessian decode " + ToHex(frame), 0,
               "header\n"
               "  magic: 0xdabb\n"
               "  flag: 0xc2 (request, two-way, serialization 2 = hessian2)\n"
               "  status: 0\n"
               "  request id: 0\n"
               "  body length: 182\n"
               "request body\n"
               "  dubbo version: string \"2.0.2\"\n"
               "  service path: string \"org.apache.dubbo.demo.DemoService\"\n"
               "  service version: string \"0.0.0\"\n"
               "  method: string \"sayHello\"\n"
               "  parameter types: string \"Ljava/lang/String;\"\n"
               "  argument 0 (java.lang.String): string \"world\"\n"
               "  attachments: map (3 entries)  #0\n"
               "    \"path\": string \"org.apache.dubbo.demo.DemoService\"\n"
               "    \"interface\": string \"org.apache.dubbo.demo.DemoService\"\n"
               "    \"version\": string \"0.0.0\"\n");
  // --json prints the body's values, which encode --multi turns back into the body.
  const CommandResult json = Dubboctl("hessian decode --json " + ToHex(frame));
  ASSERT_EQ(json.exit_code, 0) << json.output;
  TempDir dir;
  std::ofstream(dir.File("body.json")) << json.output;
  ExpectOutput("hessian encode --multi --file " + dir.File("body.json"), 0,
               ToHex(frame.substr(16)) + "\n");
}

TEST(DubboctlFrameTest, ArgumentsFollowTheDescriptor) {
  const std::string body = String("2.0.2") + String("demo.Svc") + "N" + String("call") +
                           String("I[JLjava/util/List;[[Ljava/lang/String;Z") +
                           hessian2::Encode(int32_t{5}) + FromHex("71055b6c6f6e67e1").value() +
                           FromHex("7991").value() + "\x70" + String("[[java.lang.String") + "T" +
                           "H" + String("k") + String("v") + "Z" + "N";  // dubbo-go's extra 'N'
  ExpectOutput("hessian decode " + ToHex(Frame("dabb82000000000000000007", body)), 0,
               "header\n"
               "  magic: 0xdabb\n"
               "  flag: 0x82 (request, serialization 2 = hessian2)\n"
               "  status: 0\n"
               "  request id: 7\n"
               "  body length: " +
                   std::to_string(body.size()) +
                   "\n"
                   "request body\n"
                   "  dubbo version: string \"2.0.2\"\n"
                   "  service path: string \"demo.Svc\"\n"
                   "  service version: null\n"
                   "  method: string \"call\"\n"
                   "  parameter types: string \"I[JLjava/util/List;[[Ljava/lang/String;Z\"\n"
                   "  argument 0 (int): int 5\n"
                   "  argument 1 (long[]): list [long (1 item)  #0\n"
                   "    [0] long 1\n"
                   "  argument 2 (java.util.List): list (1 item)  #1\n"
                   "    [0] int 1\n"
                   "  argument 3 (java.lang.String[][]): list [[java.lang.String (0 items)  #2\n"
                   "  argument 4 (boolean): bool true\n"
                   "  attachments: map (1 entry)  #3\n"
                   "    \"k\": string \"v\"\n"
                   "  (1 trailing byte in the body, not decoded)\n");
}

TEST(DubboctlFrameTest, ResponsesAndEvents) {
  const std::string ok =
      Frame("dabb02140000000000000000", FromHex("94").value() + String("Hello world") + "H" +
                                            String("dubbo") + String("2.0.2") + "Z");
  const std::string heartbeat = Frame("dabbe2000000000000000009", "N");
  const std::string error = Frame("dabb021f000000000000000a", String("timed out"));
  ExpectOutput("hessian decode " + ToHex(ok + heartbeat + error) + "0102", 0,
               "header\n"
               "  magic: 0xdabb\n"
               "  flag: 0x02 (response, serialization 2 = hessian2)\n"
               "  status: 20 (OK)\n"
               "  request id: 0\n"
               "  body length: 27\n"
               "response body\n"
               "  result flag: int 4 (value with attachments)\n"
               "  value: string \"Hello world\"\n"
               "  attachments: map (1 entry)  #0\n"
               "    \"dubbo\": string \"2.0.2\"\n"
               "header\n"
               "  magic: 0xdabb\n"
               "  flag: 0xe2 (request, two-way, event, serialization 2 = hessian2)\n"
               "  status: 0\n"
               "  request id: 9\n"
               "  body length: 1\n"
               "event body\n"
               "  data: null (heartbeat)\n"
               "header\n"
               "  magic: 0xdabb\n"
               "  flag: 0x02 (response, serialization 2 = hessian2)\n"
               "  status: 31 (SERVER_TIMEOUT)\n"
               "  request id: 10\n"
               "  body length: 10\n"
               "response body\n"
               "  error message: string \"timed out\"\n"
               "(2 trailing bytes after the frame, not decoded)\n");
  // An exception result: flag 0 and the Throwable.
  const std::string exc = Frame("dabb02140000000000000001",
                                FromHex("90").value() + FromHex(VectorHex("exc_boom")).value());
  ExpectOutput(
      "hessian decode " + ToHex(exc), 0,
      "header\n"
      "  magic: 0xdabb\n"
      "  flag: 0x02 (response, serialization 2 = hessian2)\n"
      "  status: 20 (OK)\n"
      "  request id: 1\n"
      "  body length: " +
          std::to_string(exc.size() - 16) +
          "\n"
          "response body\n"
          "  result flag: int 0 (exception)\n"
          "  exception: object java.lang.RuntimeException  #0\n"
          "    detailMessage: string \"boom\"\n"
          "    cause: ref #0 -> object java.lang.RuntimeException\n"
          "    stackTrace: list [java.lang.StackTraceElement (0 items)  #1\n"
          "    suppressedExceptions: list java.util.Collections$EmptyList (0 items)  #2\n");
  // --raw: the same bytes as plain Hessian (0xda is a long, 0xbb an int).
  ExpectOutput("hessian decode --raw dabb", 0, "long -6\nint 43\n");
}

TEST(DubboctlFrameTest, BadFrames) {
  ExpectOutput("hessian decode dabb0214", 1,
               "dubboctl: truncated Dubbo header at offset 0: 4 of 16 bytes\n");
  ExpectOutput(
      "hessian decode dabb021400000000000000000000001b94", 1,
      "header\n"
      "  magic: 0xdabb\n"
      "  flag: 0x02 (response, serialization 2 = hessian2)\n"
      "  status: 20 (OK)\n"
      "  request id: 0\n"
      "  body length: 27\n"
      "dubboctl: the frame at offset 0 declares a 27-byte body but 1 byte follows its header\n");
  ExpectOutput("hessian decode --json dabbdb14000000000000000000000001c0", 1,
               "dubboctl: serialization 27 (msgpack) is not Hessian 2\n");
  // A truncated body: what was read is shown, the error names the offset in the input.
  ExpectOutput(
      "hessian decode dabb0214000000000000000000000003940568", 1,
      "header\n"
      "  magic: 0xdabb\n"
      "  flag: 0x02 (response, serialization 2 = hessian2)\n"
      "  status: 20 (OK)\n"
      "  request id: 0\n"
      "  body length: 3\n"
      "response body\n"
      "  result flag: int 4 (value with attachments)\n"
      "dubboctl: hessian2: string chunk of 5 characters exceeds the 1 bytes left at offset 18 "
      "(offset 2 in the body)\n");
  // Request whose descriptor cannot be parsed: the rest is shown unlabelled.
  const std::string body =
      String("2.0.2") + String("p") + String("1") + String("m") + String("Q") + "\x91";
  const CommandResult r =
      Dubboctl("hessian decode " + ToHex(Frame("dabbc2000000000000000000", body)));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(
      r.output.find("  parameter types: string \"Q\"\n  value: int 1\n"
                    "  (cannot parse the parameter types: unexpected 'Q' at offset 0; the values "
                    "after them are not labelled)\n"),
      std::string::npos)
      << r.output;
}

TEST(DubboctlEncodeTest, HintedJsonGivesJavasBytes) {
  const std::map<std::string, std::string> cases = {
      {"pair_1x", R"({"$class":"demo.Pair","$":{"a":1,"b":"x"}})"},
      {"treemap_a1", R"({"$class":"java.util.TreeMap","$":{"a":1}})"},
      {"int_array", R"({"$class":"[int","$":[1,2]})"},
      {"bigdecimal_123_45", R"({"$class":"java.math.BigDecimal","$":{"value":"123.45"}})"},
      {"map_int_key", R"({"$class":"java.util.HashMap","$":[[1,"x"]]})"},
      {"long_2p31", "2147483648"},
      {"long_15", R"({"$class":"long","$":"15"})"},
      {"double_1", "1.0"},
      {"double_nan", R"({"$class":"double","$":"NaN"})"},
      {"date_ms", R"({"$class":"date","$":"2023-11-14T22:13:20.000Z"})"},
      {"bin_123", R"({"$class":"binary","$":"AQID"})"},
      {"hashset_1", R"({"$class":"java.util.HashSet","$":[1]})"},
      {"list_self", R"([{"$ref":0}])"},
      {"enum_list",
       R"([{"$class":"demo.Color","$":{"name":"RED"}},{"$ref":1},{"$class":"demo.Color","$":{"name":"GREEN"}}])"},
      {"str_emoji", R"("\ud83d\ude00")"},
  };
  for (const auto& [name, json] : cases)
    ExpectOutput("hessian encode " + ShellQuote(json), 0, VectorHex(name) + "\n");
  ExpectOutput("hessian encode --multi " +
                   ShellQuote(R"([{"$class":"demo.Pair","$":{"a":7,"b":"s"}},{"$ref":0}])"),
               0, VectorHex("pair_top_twice") + "\n");
  ExpectShell("echo '[1, \"x\"]' | " + std::string(DUBBOCTL_PATH) + " hessian encode", 0,
              VectorHex("list_1x") + "\n");
  ExpectOutput("hessian encode -- -5", 0, "8b\n");
}

TEST(DubboctlEncodeTest, EveryVectorRoundTripsThroughJson) {
  TempDir dir;
  for (const auto& v : HessianVectors()) {
    const std::string bytes = hessian2::EncodeAll(v.values);
    std::ofstream(dir.File("in.bin"), std::ios::binary) << bytes;
    const CommandResult r =
        RunCommand(std::string(DUBBOCTL_PATH) + " hessian decode --json --raw --file " +
                   dir.File("in.bin") + " | " + DUBBOCTL_PATH + " hessian encode --multi");
    EXPECT_EQ(r.exit_code, 0) << v.name << ": " << r.output.substr(0, 500);
    EXPECT_TRUE(r.output == ToHex(bytes) + "\n") << v.name;
  }
}

TEST(DubboctlErrorTest, BadInput) {
  ExpectOutput("hessian decode 9z", 1, "dubboctl: invalid hex character 'z' at offset 1\n");
  ExpectOutput(
      "hessian decode 91 0x9", 1,
      "dubboctl: hex argument 2: odd number of hex digits: digit at offset 2 has no partner\n");
  ExpectShell("echo zz | " + std::string(DUBBOCTL_PATH) + " hessian decode", 1,
              "dubboctl: stdin: invalid hex character 'z' at offset 0\n");
  // Truncated Hessian: the values before the failure are shown.
  ExpectOutput(
      "hessian decode 910568", 1,
      "int 1\n"
      "dubboctl: hessian2: string chunk of 5 characters exceeds the 1 bytes left at offset 2\n");
  ExpectOutput(
      "hessian decode --json 910568", 1,
      "dubboctl: hessian2: string chunk of 5 characters exceeds the 1 bytes left at offset 2\n");
  ExpectOutput("hessian decode 5a", 1,
               "dubboctl: hessian2: unexpected end marker 'Z' at offset 0\n");
  ExpectOutput("hessian decode --file /nonexistent/x", 1,
               "dubboctl: cannot read /nonexistent/x: No such file or directory\n");
  ExpectOutput("hessian encode '{\"a\":1,}'", 1,
               "dubboctl: json: expected a string key at line 1, column 8 (offset 7)\n");
  ExpectOutput("hessian encode '{\"$class\":\"int\",\"$\":2147483648}'", 1,
               "dubboctl: json: value out of range for \"$class\":\"int\" at line 1, column 21 "
               "(offset 20)\n");
  ExpectOutput("hessian encode --multi '{}'", 1,
               "dubboctl: json: expected '[' (an array of the message's values) at line 1, column "
               "1 (offset 0)\n");
  TempDir dir;
  std::ofstream(dir.File("bad.json")) << "{\n  \"a\": 1,\n  \"b\" 2\n}";
  ExpectOutput("hessian encode --file " + dir.File("bad.json"), 1,
               "dubboctl: " + dir.File("bad.json") +
                   ": json: expected ':' at line 3, column 7 (offset 18)\n");
}

TEST(DubboctlErrorTest, BadUsageExitsTwoWithUsage) {
  for (const std::string args :
       {"", "hessian", "bogus", "hessian decode --bogus", "hessian decode --file x 91",
        "hessian encode 1 2", "hessian encode --file"}) {
    const CommandResult r = Dubboctl(args);
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.output;
    EXPECT_EQ(r.output.rfind("dubboctl: ", 0), 0u) << args << "\n" << r.output;
    EXPECT_NE(r.output.find("Usage: dubboctl"), std::string::npos) << args << "\n" << r.output;
  }
  const CommandResult r = Dubboctl("hessian decode --file x 91");
  EXPECT_EQ(r.output.substr(0, r.output.find('\n')), "dubboctl: hex excludes --file");
  EXPECT_NE(r.output.find("Usage: dubboctl hessian decode [OPTIONS] [hex...]"), std::string::npos);
}

TEST(DubboctlErrorTest, HelpDescribesEverything) {
  const CommandResult top = Dubboctl("--help");
  EXPECT_EQ(top.exit_code, 0);
  EXPECT_NE(top.output.find("hessian"), std::string::npos) << top.output;
  const CommandResult hessian = Dubboctl("hessian --help");
  EXPECT_EQ(hessian.exit_code, 0);
  for (const char* text : {"decode", "encode", "\"$class\"", "\"$ref\"", "\"$kind\"", "0xdabb"})
    EXPECT_NE(hessian.output.find(text), std::string::npos) << text << "\n" << hessian.output;
  const CommandResult decode = Dubboctl("hessian decode --help");
  EXPECT_EQ(decode.exit_code, 0);
  for (const char* text : {"--file", "--json", "--raw", "stdin"})
    EXPECT_NE(decode.output.find(text), std::string::npos) << text << "\n" << decode.output;
  const CommandResult encode = Dubboctl("hessian encode --help");
  EXPECT_EQ(encode.exit_code, 0);
  EXPECT_NE(encode.output.find("--multi"), std::string::npos) << encode.output;
}

}  // namespace
}  // namespace dubbo::testing

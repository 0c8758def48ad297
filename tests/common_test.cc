#include <gtest/gtest.h>

#include "common/hex.h"
#include "common/result.h"
#include "common/status.h"
#include "common/url.h"

namespace dubbo {
namespace {

TEST(StatusTest, DefaultIsOkAndCarriesNoMessage) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.ToString(), "OK");
  EXPECT_EQ(s.ToWireStatus(), 20);
}

TEST(StatusTest, WireCodesTravelUnchanged) {
  EXPECT_EQ(Status(StatusCode::kServerTimeout, "x").ToWireStatus(), 31);
  EXPECT_EQ(Status(StatusCode::kThreadPoolExhausted, "x").ToWireStatus(), 100);
  EXPECT_EQ(Status(StatusCode::kDecodeError, "x").ToWireStatus(), 40);
  EXPECT_EQ(Status(StatusCode::kInternal, "x").ToWireStatus(), 80);
  EXPECT_TRUE(IsWireStatus(70));
  EXPECT_FALSE(IsWireStatus(21));
}

TEST(StatusTest, ContextPrefixesMessageAndKeepsCode) {
  Status s = Status(StatusCode::kDecodeError, "bad byte").WithContext("argument 2");
  EXPECT_EQ(s.code(), StatusCode::kDecodeError);
  EXPECT_EQ(s.message(), "argument 2: bad byte");
  EXPECT_EQ(s.ToString(), "DECODE_ERROR(201): argument 2: bad byte");
}

Result<int> Half(int x) {
  if (x % 2 != 0) return Status(StatusCode::kInvalidArgument, "odd");
  return x / 2;
}

Status Quarter(int x, int* out) {
  DUBBO_ASSIGN_OR_RETURN(int h, Half(x));
  DUBBO_ASSIGN_OR_RETURN(*out, Half(h));
  return Status::Ok();
}

TEST(ResultTest, ValueAndErrorPropagate) {
  int q = 0;
  EXPECT_TRUE(Quarter(8, &q).ok());
  EXPECT_EQ(q, 2);
  Status s = Quarter(6, &q);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Half(3).value_or(-1), -1);
  Result<std::string> r = std::string("x");
  EXPECT_EQ(*r, "x");
  EXPECT_EQ(r->size(), 1u);
}

TEST(HexTest, RoundTripsAndReportsOffsets) {
  EXPECT_EQ(ToHex(std::string("\x00\xab\x10", 3)), "00ab10");
  auto bytes = FromHex("0x DA bb\n02");
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(*bytes, std::string("\xda\xbb\x02"));
  auto bad = FromHex("abzz");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "invalid hex character 'z' at offset 2");
  EXPECT_FALSE(FromHex("abc").ok());
}

}  // namespace
}  // namespace dubbo

namespace dubbo {
namespace {

TEST(UrlTest, ParsesProviderUrlAndPrintsItAsJavaDoes) {
  auto url = Url::Parse(
      "dubbo://192.168.0.114:20880/org.apache.dubbo.demo.DemoService?side=provider&anyhost=true"
      "&methods=sayHello,sayHelloAsync&dubbo=2.0.2&interface=org.apache.dubbo.demo.DemoService"
      "&timestamp=1630745698310&release=");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->protocol(), "dubbo");
  EXPECT_EQ(url->host(), "192.168.0.114");
  EXPECT_EQ(url->port(), 20880);
  EXPECT_EQ(url->path(), "org.apache.dubbo.demo.DemoService");
  EXPECT_EQ(url->Get("methods"), "sayHello,sayHelloAsync");
  EXPECT_EQ(url->Get("release", "none"), "none");  // empty counts as absent
  EXPECT_TRUE(url->Has("release"));
  // Parameters come out sorted like Java's TreeMap; empty values stay as "key=".
  EXPECT_EQ(url->ToFullString(),
            "dubbo://192.168.0.114:20880/org.apache.dubbo.demo.DemoService?anyhost=true&dubbo=2.0.2"
            "&interface=org.apache.dubbo.demo.DemoService&methods=sayHello,sayHelloAsync&release="
            "&side=provider&timestamp=1630745698310");
  EXPECT_EQ(url->ServiceKey(), "org.apache.dubbo.demo.DemoService");
}

TEST(UrlTest, RegistryFormsCredentialsAndIpv6) {
  auto zk = Url::Parse("zookeeper://admin:secret@127.0.0.1:2181?group=prod");
  ASSERT_TRUE(zk.ok());
  EXPECT_EQ(zk->username(), "admin");
  EXPECT_EQ(zk->password(), "secret");
  EXPECT_EQ(zk->Address(), "127.0.0.1:2181");
  EXPECT_EQ(zk->ToString(), "zookeeper://127.0.0.1:2181?group=prod");
  auto file = Url::Parse("file:///tmp/dubbo-registry");
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(file->protocol(), "file");
  EXPECT_EQ(file->host(), "");
  EXPECT_EQ(file->path(), "tmp/dubbo-registry");
  auto v6 = Url::Parse("dubbo://[::1]:20880/a.B");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host(), "::1");
  EXPECT_EQ(v6->Address(), "[::1]:20880");
  auto bare = Url::Parse("override://0.0.0.0/a.B?disabled&weight=5");
  EXPECT_EQ(bare->Get("disabled"), "disabled");  // Java stores a bare key as key=key
}

// Found by fuzz/url_fuzz.cc: without a port the IPv6 host lost its brackets, so the full string
// parsed back as host ":" port 1.
TEST(UrlTest, Ipv6HostWithoutPortRoundTrips) {
  auto v6 = Url::Parse("dubbo://[::1]/a.B?x=1");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host(), "::1");
  EXPECT_EQ(v6->port(), 0);
  EXPECT_EQ(v6->Address(), "[::1]");
  EXPECT_EQ(v6->ToFullString(), "dubbo://[::1]/a.B?x=1");
  auto again = Url::Parse(v6->ToFullString());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->host(), "::1");
  EXPECT_EQ(again->port(), 0);
}

TEST(UrlTest, TypedParametersAndMethodOverrides) {
  Url url =
      Url::Parse("dubbo://h:1/S?timeout=1000&sayHello.timeout=250&retries=x&sticky=true").value();
  EXPECT_EQ(url.GetMethodInt("sayHello", "timeout", 1).value(), 250);
  EXPECT_EQ(url.GetMethodInt("other", "timeout", 1).value(), 1000);
  EXPECT_EQ(url.GetInt("payload", 8388608).value(), 8388608);
  EXPECT_EQ(url.GetBool("sticky", false).value(), true);
  auto bad = url.GetInt("retries", 2);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "parameter retries=x is not an integer in dubbo://h:1/S?retries=x&"
            "sayHello.timeout=250&sticky=true&timeout=1000");
  url.Set("group", "g").Set("version", "1.0.0");
  EXPECT_EQ(url.ServiceKey(), "g/S:1.0.0");
  EXPECT_EQ(ServiceKey("", "S", "0.0.0"), "S");
}

TEST(UrlTest, BadUrlsSayWhat) {
  EXPECT_EQ(Url::Parse("://x").status().message(), "invalid URL \"://x\": missing protocol");
  EXPECT_EQ(Url::Parse("dubbo://h:99999/x").status().message(),
            "invalid URL \"dubbo://h:99999/x\": bad port \"99999\"");
  EXPECT_FALSE(Url::Parse("dubbo://[::1/x").ok());
  EXPECT_FALSE(Url::Parse("   ").ok());
}

TEST(UrlTest, EncodingMatchesJavasUrlEncoder) {
  const std::string full =
      "dubbo://10.0.0.1:20880/org.apache.dubbo.demo.DemoService?application=demo app&methods=a,b";
  EXPECT_EQ(UrlEncode(full),
            "dubbo%3A%2F%2F10.0.0.1%3A20880%2Forg.apache.dubbo.demo.DemoService%3Fapplication%3D"
            "demo+app%26methods%3Da%2Cb");
  EXPECT_EQ(UrlEncode("\xc3\xa9*-_."), "%C3%A9*-_.");
  EXPECT_EQ(UrlDecode(UrlEncode(full)).value(), full);
  EXPECT_EQ(UrlDecode("a%20b+c").value(), "a b c");  // JS encodeURIComponent writes %20
  EXPECT_EQ(UrlDecode("bad%2").status().message(), "incomplete %-escape at offset 3 in \"bad%2\"");
  EXPECT_EQ(UrlDecode("bad%zz!").status().message(), "bad %-escape at offset 3 in \"bad%zz!\"");
}

}  // namespace
}  // namespace dubbo

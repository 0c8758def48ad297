#include <gtest/gtest.h>

#include "common/hex.h"
#include "common/result.h"
#include "common/status.h"

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

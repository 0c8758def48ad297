// apache/dubbo-benchmark's sample data (what its UserServiceServerImpl answers with), built into
// any User / Page / LocalDateTime types that have the Java beans' field names: the IDL-generated
// ones of this example and the hand-written ones of bench/rpc and bench/codec. Header-only and
// dependency-free so bench/ can use it without linking the example.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace dubbo::examples {

// Now, UTC, as a LocalDateTime handle (the benchmark uses LocalDateTime.now()).
template <typename LocalDateTime>
LocalDateTime SampleNow() {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const auto day = floor<days>(now);
  const year_month_day ymd(day);
  const hh_mm_ss<nanoseconds> t(duration_cast<nanoseconds>(now - day));
  LocalDateTime at;
  at.date = {static_cast<int32_t>(static_cast<int>(ymd.year())),
             static_cast<int32_t>(static_cast<unsigned>(ymd.month())),
             static_cast<int32_t>(static_cast<unsigned>(ymd.day()))};
  at.time = {static_cast<int32_t>(t.hours().count()), static_cast<int32_t>(t.minutes().count()),
             static_cast<int32_t>(t.seconds().count()),
             static_cast<int32_t>(t.subseconds().count())};
  return at;
}

// The benchmark's sample user (getUser); `suffix` is appended to its strings as listUser does.
template <typename User, typename LocalDateTime>
User SampleUser(int64_t id, const std::string& suffix, const LocalDateTime& now) {
  User u;
  u.id = id;
  u.name = "Doug Lea" + suffix;
  u.sex = 1;
  u.birthday = {1968, 12, 8};
  u.email = "dong.lea@gmail.com" + suffix;
  u.mobile = "18612345678" + suffix;
  u.address = "北京市 中关村 中关村大街1号 鼎好大厦 1605" + suffix;
  u.icon = "https://www.baidu.com/img/bd_logo1.png" + suffix;
  u.permissions = {1, 2, 3, 4, 5, 6, 7, 8, 19, 88, 86, 89, 90, 91, 92};
  u.status = 1;
  u.createTime = now;
  u.updateTime = now;
  return u;
}

// The benchmark's listUser(pageNo): 15 sample users whose strings carry their index.
template <typename Page, typename LocalDateTime>
Page SamplePage(int32_t page_no, const LocalDateTime& now) {
  using User = typename decltype(Page::result)::value_type;
  Page page;
  page.pageNo = page_no;
  page.total = 1000;
  page.result.reserve(15);
  for (int i = 0; i < 15; ++i) page.result.push_back(SampleUser<User>(i, std::to_string(i), now));
  return page;
}

// The benchmark's existUser(email).
inline bool SampleUserExists(const std::string& email) {
  return email.empty() || email.back() >= '5';
}

}  // namespace dubbo::examples

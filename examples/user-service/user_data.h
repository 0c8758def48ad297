// The sample data dubbo-benchmark's UserServiceServerImpl answers with, shared by the example
// provider and the RPC benchmark.
#pragma once

#include <chrono>
#include <string>

#include "user_service.dubbo.h"

namespace org::apache::dubbo::benchmark::service {

// Now, UTC, as a LocalDateTime (the benchmark uses LocalDateTime.now()).
inline LocalDateTime Now() {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const auto day = floor<days>(now);
  const year_month_day ymd(day);
  const hh_mm_ss<nanoseconds> t(duration_cast<nanoseconds>(now - day));
  LocalDateTime at;
  at.date = {static_cast<int32_t>(static_cast<int>(ymd.year())), static_cast<int32_t>(static_cast<unsigned>(ymd.month())),
             static_cast<int32_t>(static_cast<unsigned>(ymd.day()))};
  at.time = {static_cast<int32_t>(t.hours().count()), static_cast<int32_t>(t.minutes().count()),
             static_cast<int32_t>(t.seconds().count()), static_cast<int32_t>(t.subseconds().count())};
  return at;
}

// The benchmark's sample user; `suffix` is appended to its strings as listUser does.
inline User SampleUser(int64_t id, const std::string& suffix, const LocalDateTime& now) {
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

// dubbo-benchmark's UserServiceServerImpl, behaviour for behaviour.
class UserServiceImpl : public UserServiceBase {
 public:
  ::dubbo::Result<bool> ExistUser(std::string email) override {
    if (email.empty()) return true;
    return email.back() >= '5';
  }
  ::dubbo::Result<bool> CreateUser(User) override { return true; }
  ::dubbo::Result<User> GetUser(int64_t id) override { return SampleUser(id, "", Now()); }
  ::dubbo::Result<Page> ListUser(int32_t page_no) override {
    Page page;
    page.pageNo = page_no;
    page.total = 1000;
    page.result.reserve(15);
    const LocalDateTime now = Now();
    for (int i = 0; i < 15; ++i) page.result.push_back(SampleUser(i, std::to_string(i), now));
    return page;
  }
};

}  // namespace org::apache::dubbo::benchmark::service

// The services the RPC benchmark calls, written by hand against rpc/service.h the way generated
// stubs will be (an IDL-generated version can replace this file):
//   org.apache.dubbo.benchmark.EchoService     String echo(String)
//   org.apache.dubbo.benchmark.service.UserService (apache/dubbo-benchmark's four scenarios)
//     boolean existUser(String email)
//     boolean createUser(User user)
//     User getUser(long id)
//     Page<User> listUser(int pageNo)
// The beans mirror dubbo-benchmark's org.apache.dubbo.benchmark.bean.User and .Page field for
// field (Java field names, Java order). java.time values travel the way Dubbo's hessian-lite writes
// them: as its java8 "handle" objects (LocalDateHandle{year, month, day}, LocalTimeHandle{hour,
// minute, second, nano}, LocalDateTimeHandle{date, time}).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "codec/reflect.h"
#include "codec/typed.h"
#include "rpc/message.h"
#include "rpc/service.h"

namespace dubbo::benchmark {

inline constexpr char kEchoInterface[] = "org.apache.dubbo.benchmark.EchoService";
inline constexpr char kUserInterface[] = "org.apache.dubbo.benchmark.service.UserService";
inline constexpr char kStringDescriptor[] = "Ljava/lang/String;";
inline constexpr char kUserDescriptor[] = "Lorg/apache/dubbo/benchmark/bean/User;";

// java.time.LocalDate / LocalTime / LocalDateTime in hessian-lite's java8 handle shapes.
struct LocalDate {
  int32_t year = 0;
  int32_t month = 0;
  int32_t day = 0;
};
DUBBO_STRUCT(LocalDate, "com.alibaba.com.caucho.hessian.io.java8.LocalDateHandle", year, month, day)

struct LocalTime {
  int32_t hour = 0;
  int32_t minute = 0;
  int32_t second = 0;
  int32_t nano = 0;
};
DUBBO_STRUCT(LocalTime, "com.alibaba.com.caucho.hessian.io.java8.LocalTimeHandle", hour, minute, second, nano)

struct LocalDateTime {
  LocalDate date;
  LocalTime time;
};
DUBBO_STRUCT(LocalDateTime, "com.alibaba.com.caucho.hessian.io.java8.LocalDateTimeHandle", date, time)

// org.apache.dubbo.benchmark.bean.User (members named as the Java fields).
struct User {
  int64_t id = 0;
  std::string name;
  int32_t sex = 0;
  LocalDate birthday;
  std::string email;
  std::string mobile;
  std::string address;
  std::string icon;
  std::vector<int32_t> permissions;
  int32_t status = 0;
  LocalDateTime createTime;
  LocalDateTime updateTime;
};
DUBBO_STRUCT(User, "org.apache.dubbo.benchmark.bean.User", id, name, sex, birthday, email, mobile, address, icon,
             permissions, status, createTime, updateTime)

// org.apache.dubbo.benchmark.bean.Page<User>.
struct Page {
  int32_t pageNo = 0;
  int32_t total = 0;
  std::vector<User> result;
};
DUBBO_STRUCT(Page, "org.apache.dubbo.benchmark.bean.Page", pageNo, total, result)

// The current UTC time as a LocalDateTime (dubbo-benchmark uses LocalDateTime.now()).
inline LocalDateTime Now() {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const auto days = floor<std::chrono::days>(now);
  const year_month_day ymd(days);
  const hh_mm_ss<nanoseconds> t(duration_cast<nanoseconds>(now - days));
  return {{static_cast<int32_t>(static_cast<int>(ymd.year())), static_cast<int32_t>(static_cast<unsigned>(ymd.month())),
           static_cast<int32_t>(static_cast<unsigned>(ymd.day()))},
          {static_cast<int32_t>(t.hours().count()), static_cast<int32_t>(t.minutes().count()),
           static_cast<int32_t>(t.seconds().count()), static_cast<int32_t>(t.subseconds().count())}};
}

// dubbo-benchmark's sample user; `suffix` is appended to the strings as listUser does ("" for getUser).
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

// --- provider side -------------------------------------------------------------------------------

class EchoService : public rpc::ServiceBase {
 public:
  Result<std::string> Echo(std::string s) { return s; }

  static std::shared_ptr<const rpc::ServiceDefinition> Definition() {
    auto def = std::make_shared<rpc::ServiceDefinition>(kEchoInterface);
    def->Add(rpc::Method("echo", kStringDescriptor, {"java.lang.String"}, &EchoService::Echo));
    return def;
  }
};

// dubbo-benchmark's UserServiceServerImpl, behaviour for behaviour.
class UserService : public rpc::ServiceBase {
 public:
  Result<bool> ExistUser(std::string email) {
    if (email.empty()) return true;
    return email.back() >= '5';
  }
  Result<bool> CreateUser(User user) {
    (void)user;
    return true;
  }
  Result<User> GetUser(int64_t id) { return SampleUser(id, "", Now()); }
  Result<Page> ListUser(int32_t page_no) {
    Page page;
    page.pageNo = page_no;
    page.total = 1000;
    page.result.reserve(15);
    const LocalDateTime now = Now();
    for (int i = 0; i < 15; ++i) page.result.push_back(SampleUser(i, std::to_string(i), now));
    return page;
  }

  static std::shared_ptr<const rpc::ServiceDefinition> Definition() {
    auto def = std::make_shared<rpc::ServiceDefinition>(kUserInterface);
    def->Add(rpc::Method("existUser", kStringDescriptor, {"java.lang.String"}, &UserService::ExistUser))
        .Add(rpc::Method("createUser", kUserDescriptor, {"org.apache.dubbo.benchmark.bean.User"},
                         &UserService::CreateUser))
        .Add(rpc::Method("getUser", "J", {"long"}, &UserService::GetUser))
        .Add(rpc::Method("listUser", "I", {"int"}, &UserService::ListUser));
    return def;
  }
};

// --- consumer side -------------------------------------------------------------------------------

// An invocation of `method` on `interface` whose single argument `arg` is written typed.
template <typename T>
rpc::Invocation MakeCall(std::string interface, std::string method, std::string descriptor, T arg,
                         std::chrono::milliseconds timeout) {
  rpc::Invocation inv;
  inv.interface = std::move(interface);
  inv.method = std::move(method);
  inv.descriptor = std::move(descriptor);
  inv.arguments = rpc::MakeArguments([arg = std::move(arg)](ObjectOutput& o) { WriteTyped(o, arg); });
  inv.timeout = timeout;
  return inv;
}

}  // namespace dubbo::benchmark

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
// minute, second, nano}, LocalDateTimeHandle{date, time}). The sample values are
// examples/user-service/sample_user.h, shared with the example provider and bench/codec.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "codec/reflect.h"
#include "codec/typed.h"
#include "examples/user-service/sample_user.h"
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
DUBBO_STRUCT(LocalTime, "com.alibaba.com.caucho.hessian.io.java8.LocalTimeHandle", hour, minute,
             second, nano)

struct LocalDateTime {
  LocalDate date;
  LocalTime time;
};
DUBBO_STRUCT(LocalDateTime, "com.alibaba.com.caucho.hessian.io.java8.LocalDateTimeHandle", date,
             time)

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
DUBBO_STRUCT(User, "org.apache.dubbo.benchmark.bean.User", id, name, sex, birthday, email, mobile,
             address, icon, permissions, status, createTime, updateTime)

// org.apache.dubbo.benchmark.bean.Page<User>.
struct Page {
  int32_t pageNo = 0;
  int32_t total = 0;
  std::vector<User> result;
};
DUBBO_STRUCT(Page, "org.apache.dubbo.benchmark.bean.Page", pageNo, total, result)

// The current UTC time as a LocalDateTime (dubbo-benchmark uses LocalDateTime.now()).
inline LocalDateTime Now() { return examples::SampleNow<LocalDateTime>(); }

// dubbo-benchmark's sample user; `suffix` is appended to the strings as listUser does ("" for
// getUser).
inline User SampleUser(int64_t id, const std::string& suffix, const LocalDateTime& now) {
  return examples::SampleUser<User>(id, suffix, now);
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
  Result<bool> ExistUser(std::string email) { return examples::SampleUserExists(email); }
  Result<bool> CreateUser(User user) {
    (void)user;
    return true;
  }
  Result<User> GetUser(int64_t id) { return SampleUser(id, "", Now()); }
  Result<Page> ListUser(int32_t page_no) { return examples::SamplePage<Page>(page_no, Now()); }

  static std::shared_ptr<const rpc::ServiceDefinition> Definition() {
    auto def = std::make_shared<rpc::ServiceDefinition>(kUserInterface);
    def->Add(rpc::Method("existUser", kStringDescriptor, {"java.lang.String"},
                         &UserService::ExistUser))
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
  inv.arguments =
      rpc::MakeArguments([arg = std::move(arg)](ObjectOutput& o) { WriteTyped(o, arg); });
  inv.settings.timeout = timeout;
  return inv;
}

}  // namespace dubbo::benchmark

// dubbo-benchmark's UserServiceServerImpl over the IDL-generated beans, for the example provider
// and consumer. The sample values themselves are in sample_user.h, which the benchmarks (bench/rpc,
// bench/codec) build their own beans from too.
#pragma once

#include <cstdint>
#include <string>

#include "sample_user.h"
#include "user_service.dubbo.h"

namespace org::apache::dubbo::benchmark::service {

// Now, UTC, as a LocalDateTime (the benchmark uses LocalDateTime.now()).
inline LocalDateTime Now() { return ::dubbo::examples::SampleNow<LocalDateTime>(); }

// The benchmark's sample user; `suffix` is appended to its strings as listUser does.
inline User SampleUser(int64_t id, const std::string& suffix, const LocalDateTime& now) {
  return ::dubbo::examples::SampleUser<User>(id, suffix, now);
}

// dubbo-benchmark's UserServiceServerImpl, behaviour for behaviour.
class UserServiceImpl : public UserServiceBase {
 public:
  ::dubbo::Result<bool> ExistUser(std::string email) override {
    return ::dubbo::examples::SampleUserExists(email);
  }
  ::dubbo::Result<bool> CreateUser(User) override { return true; }
  ::dubbo::Result<User> GetUser(int64_t id) override { return SampleUser(id, "", Now()); }
  ::dubbo::Result<Page> ListUser(int32_t page_no) override {
    return ::dubbo::examples::SamplePage<Page>(page_no, Now());
  }
};

}  // namespace org::apache::dubbo::benchmark::service

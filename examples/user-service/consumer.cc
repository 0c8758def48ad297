// user-consumer: runs dubbo-benchmark's four calls once and prints each result on its own line.
// Exits non-zero when a call fails.
//   user-consumer [--registry URL | --registry dubbo://host:port]
#include <iostream>

#include "app/application.h"
#include "examples/common/example_main.h"
#include "user_data.h"

namespace bench = org::apache::dubbo::benchmark::service;

int main(int argc, char** argv) {
  const auto flags =
      dubbo::examples::ParseFlags(argc, argv, "UserService consumer (dubbo-benchmark)", false);
  dubbo::ApplicationConfig config;
  config.name = "user-consumer";
  dubbo::Parameters reference;
  if (flags.registry.rfind("dubbo://", 0) == 0) {
    reference["url"] = flags.registry;
  } else {
    config.registry = flags.registry;
  }
  auto app = dubbo::Application::Create(config);
  if (!app.ok()) {
    std::cerr << "user-consumer: " << app.status() << "\n";
    return 1;
  }
  auto users = (*app)->Refer<bench::UserServiceStub>(reference);
  if (!users.ok()) {
    std::cerr << "user-consumer: " << users.status() << "\n";
    return 1;
  }
  int failures = 0;
  auto report = [&](const std::string& what, const dubbo::Status& s) {
    if (s.ok()) return true;
    std::cout << what << " FAILED: " << s << std::endl;
    ++failures;
    return false;
  };
  if (auto r = users->ExistUser("dong.lea@gmail.com9"); report("existUser", r.status())) {
    std::cout << "existUser: " << std::boolalpha << *r << std::endl;
  }
  if (auto r = users->CreateUser(bench::SampleUser(1, "", bench::Now()));
      report("createUser", r.status())) {
    std::cout << "createUser: " << std::boolalpha << *r << std::endl;
  }
  if (auto r = users->GetUser(42); report("getUser", r.status())) {
    std::cout << "getUser: id=" << r->id << " name=" << r->name << " birthday=" << r->birthday.year
              << "-" << r->birthday.month << "-" << r->birthday.day
              << " permissions=" << r->permissions.size() << std::endl;
  }
  if (auto r = users->ListUser(3); report("listUser", r.status())) {
    std::cout << "listUser: page=" << r->pageNo << " total=" << r->total
              << " users=" << r->result.size()
              << " last=" << (r->result.empty() ? "" : r->result.back().name) << std::endl;
  }
  (*app)->Stop();
  return failures == 0 ? 0 : 1;
}

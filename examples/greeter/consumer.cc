// greeter-consumer: calls org.apache.dubbo.demo.DemoService once per method, in each of the three
// call forms, and prints each result on its own line. Exits non-zero when a call fails.
//   greeter-consumer [--registry URL | --registry dubbo://host:port]
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <future>
#include <iostream>

#include "app/application.h"
#include "examples/common/example_main.h"
#include "greeter.dubbo.h"

namespace demo = org::apache::dubbo::demo;

namespace {

int failures = 0;

template <typename T>
bool Check(const std::string& what, const dubbo::Result<T>& r) {
  if (r.ok()) return true;
  std::cout << what << " FAILED: " << r.status() << std::endl;
  ++failures;
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  const auto flags = dubbo::examples::ParseFlags(
      argc, argv, "Greeter consumer (org.apache.dubbo.demo.DemoService)", false);
  dubbo::ApplicationConfig config;
  config.name = "greeter-consumer";
  dubbo::Parameters reference;
  if (flags.registry.rfind("dubbo://", 0) == 0) {
    reference["url"] = flags.registry;  // a direct connection, no registry
  } else {
    config.registry = flags.registry;
  }
  auto app = dubbo::Application::Create(config);
  if (!app.ok()) {
    std::cerr << "greeter-consumer: " << app.status() << "\n";
    return 1;
  }
  auto greeter = (*app)->Refer<demo::DemoServiceStub>(reference);
  if (!greeter.ok()) {
    std::cerr << "greeter-consumer: " << greeter.status() << "\n";
    return 1;
  }

  // Blocking calls.
  if (auto r = greeter->SayHello("world"); Check("sayHello", r))
    std::cout << "sayHello: " << *r << std::endl;
  demo::Greeting greeting;
  greeting.name = "Dubbo";
  greeting.language = "fr";
  greeting.times = 2;
  if (auto r = greeter->Greet(greeting); Check("greet", r)) {
    std::cout << "greet: " << r->text << " (" << r->lines.size() << " lines)" << std::endl;
  }
  if (auto r = greeter->Names(3); Check("names", r)) {
    std::cout << "names:";
    for (const auto& n : *r) std::cout << " " << n;
    std::cout << std::endl;
  }
  // A declared business exception is an answer, not a failure.
  auto refused = greeter->Refuse("Bob");
  if (auto e = dubbo::rpc::ExceptionAs<demo::GreetingRefused>(refused.status())) {
    std::cout << "refuse: GreetingRefused(" << e->reason << "): " << e->message.value_or("")
              << std::endl;
  } else {
    std::cout << "refuse FAILED: expected GreetingRefused, got " << refused.status() << std::endl;
    ++failures;
  }

  // The callback form.
  std::promise<dubbo::rpc::CallResult<std::string>> promise;
  greeter->SayHello(
      "callback", [&](dubbo::rpc::CallResult<std::string> r) { promise.set_value(std::move(r)); });
  if (auto r = promise.get_future().get(); Check("sayHello (callback)", r)) {
    std::cout << "sayHello (callback): " << *r << std::endl;
  }

  // The coroutine form: a slow call answered asynchronously by the provider.
  asio::io_context io;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto r = co_await greeter->SlowHelloAsync("coroutine", 200);
        if (Check("slowHello (coroutine)", r))
          std::cout << "slowHello (coroutine): " << *r << std::endl;
      },
      asio::detached);
  io.run();

  (*app)->Stop();
  return failures == 0 ? 0 : 1;
}

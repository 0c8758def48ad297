// greeter-provider: serves org.apache.dubbo.demo.DemoService. Prints "ready" once the service is
// exported and registered; stops cleanly on SIGTERM or SIGINT.
//   greeter-provider [--registry URL] [--port N]
#include <asio/steady_timer.hpp>
#include <iostream>
#include <memory>

#include "app/application.h"
#include "examples/common/example_main.h"
#include "greeter.dubbo.h"
#include "rpc/io_threads.h"

namespace demo = org::apache::dubbo::demo;

class Greeter final : public demo::DemoServiceBase {
 public:
  dubbo::Result<std::string> SayHello(std::string name) override { return "Hello " + name; }

  dubbo::Result<demo::Reply> Greet(demo::Greeting greeting) override {
    const std::string word = greeting.language == "fr"   ? "Bonjour"
                             : greeting.language == "de" ? "Hallo"
                                                         : "Hello";
    demo::Reply reply;
    reply.text = word + " " + greeting.name;
    for (int i = 0; i < greeting.times; ++i)
      reply.lines.push_back(reply.text + " #" + std::to_string(i + 1));
    reply.at = std::chrono::system_clock::now();
    return reply;
  }

  dubbo::Result<std::vector<std::string>> Names(int32_t count) override {
    static const char* kNames[] = {"Ada", "Grace", "Linus", "Barbara", "Dennis", "Ken"};
    std::vector<std::string> names;
    for (int32_t i = 0; i < count; ++i) names.push_back(kNames[i % 6]);
    return names;
  }

  dubbo::Result<std::string> Refuse(std::string name) override {
    demo::GreetingRefused refused;
    refused.reason = "not today";
    refused.message = "will not greet " + name;
    return refused.ToStatus();
  }

  // Answered by a timer: the provider's threads stay free while the call waits.
  void SlowHello(std::string name, int32_t delay_ms,
                 dubbo::rpc::Responder<std::string> reply) override {
    auto timer =
        std::make_shared<asio::steady_timer>(timers_.Next(), std::chrono::milliseconds(delay_ms));
    auto responder = std::make_shared<dubbo::rpc::Responder<std::string>>(std::move(reply));
    timer->async_wait([timer, responder, name](const std::error_code&) {
      responder->Reply("Hello " + name + ", eventually");
    });
  }

 private:
  dubbo::rpc::IoThreads timers_{1, "greeter-timers"};
};

int main(int argc, char** argv) {
  dubbo::examples::BlockTerminationSignals();
  const auto flags = dubbo::examples::ParseFlags(
      argc, argv, "Greeter provider (org.apache.dubbo.demo.DemoService)", true);
  dubbo::ApplicationConfig config;
  config.name = "greeter-provider";
  config.registry = flags.registry;
  config.protocol = {{"host", "127.0.0.1"}, {"port", std::to_string(flags.port)}};
  auto app = dubbo::Application::Create(config);
  if (!app.ok()) {
    std::cerr << "greeter-provider: " << app.status() << "\n";
    return 1;
  }
  if (auto s = (*app)->Export(std::make_shared<Greeter>()); !s.ok()) {
    std::cerr << "greeter-provider: " << s << "\n";
    return 1;
  }
  if (auto s = (*app)->Start(); !s.ok()) {
    std::cerr << "greeter-provider: " << s << "\n";
    return 1;
  }
  for (const auto& url : (*app)->ProviderUrls())
    std::cout << "serving " << url.ToString() << std::endl;
  std::cout << "ready" << std::endl;
  dubbo::examples::WaitForTermination();
  (*app)->Stop();
  return 0;
}

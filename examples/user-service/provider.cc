// user-provider: serves dubbo-benchmark's org.apache.dubbo.benchmark.service.UserService. Prints
// "ready" once exported and registered; stops cleanly on SIGTERM or SIGINT.
//   user-provider [--registry URL] [--port N]
#include <iostream>

#include "app/application.h"
#include "examples/common/example_main.h"
#include "user_data.h"

namespace bench = org::apache::dubbo::benchmark::service;

int main(int argc, char** argv) {
  dubbo::examples::BlockTerminationSignals();
  const auto flags =
      dubbo::examples::ParseFlags(argc, argv, "UserService provider (dubbo-benchmark)", true);
  dubbo::ApplicationConfig config;
  config.name = "user-provider";
  config.registry = flags.registry;
  config.protocol = {{"host", "127.0.0.1"}, {"port", std::to_string(flags.port)}};
  auto app = dubbo::Application::Create(config);
  dubbo::Status s =
      app.ok() ? (*app)->Export(std::make_shared<bench::UserServiceImpl>()) : app.status();
  if (s.ok()) s = (*app)->Start();
  if (!s.ok()) {
    std::cerr << "user-provider: " << s << "\n";
    return 1;
  }
  for (const auto& url : (*app)->ProviderUrls())
    std::cout << "serving " << url.ToString() << std::endl;
  std::cout << "ready" << std::endl;
  dubbo::examples::WaitForTermination();
  (*app)->Stop();
  return 0;
}

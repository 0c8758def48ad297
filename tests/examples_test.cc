// The example processes (examples/), as a user runs them: a provider and a consumer in separate
// processes, through the embedded file registry and over a direct connection.
#include <gtest/gtest.h>

#include <csignal>

#include "registry/registry.h"
#include "tests/support/process.h"

namespace dubbo::testing {
namespace {

using namespace std::chrono_literals;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < text.size()) {
    const size_t nl = text.find('\n', start);
    lines.push_back(text.substr(start, nl - start));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  return lines;
}

class ExamplesTest : public ::testing::Test {
 protected:
  std::string Registry() const { return "file://" + dir_.path(); }

  // Starts a provider and waits for its "ready" line; returns its dubbo:// address.
  std::string StartProvider(std::unique_ptr<ChildProcess>* out, const std::string& binary) {
    *out = std::make_unique<ChildProcess>(
        std::vector<std::string>{binary, "--registry", Registry(), "--port", "0"});
    EXPECT_TRUE((*out)->started()) << (*out)->error();
    std::vector<std::string> seen;
    EXPECT_TRUE((*out)->WaitForLine("ready", 30s, &seen)) << "the provider never printed ready";
    for (const auto& line : seen) {
      // "serving dubbo://127.0.0.1:PORT/interface?..."
      const auto at = line.find("dubbo://");
      if (line.rfind("serving ", 0) == 0 && at != std::string::npos) {
        const auto slash = line.find('/', at + 8);
        return "dubbo://" + line.substr(at + 8, slash - at - 8);
      }
    }
    ADD_FAILURE() << "the provider did not say where it serves";
    return "";
  }

  TempDir dir_;
};

TEST_F(ExamplesTest, GreeterThroughTheRegistryAndDirectly) {
  std::unique_ptr<ChildProcess> provider;
  const std::string address = StartProvider(&provider, GREETER_PROVIDER);
  const std::vector<std::string> expected = {
      "sayHello: Hello world",
      "greet: Bonjour Dubbo (2 lines)",
      "names: Ada Grace Linus",
      "refuse: GreetingRefused(not today): will not greet Bob",
      "sayHello (callback): Hello callback",
      "slowHello (coroutine): Hello coroutine, eventually",
  };
  for (const std::string& where : {Registry(), address}) {
    const CommandResult consumer =
        RunCommand(ShellQuote(GREETER_CONSUMER) + " --registry " + ShellQuote(where));
    EXPECT_EQ(consumer.exit_code, 0) << where << "\n" << consumer.output;
    EXPECT_EQ(Lines(consumer.output), expected) << where;
  }
  // SIGTERM: a clean exit that takes the provider out of the registry.
  provider->Signal(SIGTERM);
  EXPECT_EQ(provider->Wait(15s), 0);
  auto registry = registry::OpenRegistry(Registry()).value();
  Url query("consumer", "127.0.0.1", 0, "org.apache.dubbo.demo.DemoService");
  EXPECT_TRUE(registry->Lookup(query).value().empty());
}

TEST_F(ExamplesTest, UserServiceAcrossProcesses) {
  std::unique_ptr<ChildProcess> provider;
  StartProvider(&provider, USER_PROVIDER);
  const CommandResult consumer =
      RunCommand(ShellQuote(USER_CONSUMER) + " --registry " + ShellQuote(Registry()));
  EXPECT_EQ(consumer.exit_code, 0) << consumer.output;
  EXPECT_EQ(Lines(consumer.output),
            (std::vector<std::string>{
                "existUser: true",
                "createUser: true",
                "getUser: id=42 name=Doug Lea birthday=1968-12-8 permissions=15",
                "listUser: page=3 total=1000 users=15 last=Doug Lea14",
            }));
  provider->Signal(SIGTERM);
  EXPECT_EQ(provider->Wait(15s), 0);
}

TEST_F(ExamplesTest, ConsumerFailsClearlyWithoutAProvider) {
  const CommandResult consumer =
      RunCommand(ShellQuote(GREETER_CONSUMER) + " --registry " + ShellQuote(Registry()));
  EXPECT_EQ(consumer.exit_code, 1);
  EXPECT_NE(consumer.output.find(
                "No provider available for the service org.apache.dubbo.demo.DemoService"),
            std::string::npos)
      << consumer.output;
  const CommandResult bad_flag = RunCommand(ShellQuote(GREETER_CONSUMER) + " --bogus");
  EXPECT_EQ(bad_flag.exit_code, 2) << bad_flag.output;
}

}  // namespace
}  // namespace dubbo::testing

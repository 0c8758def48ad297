// The user API end to end: Application exports, refers (direct and through the embedded file
// registry), registers Dubbo-shaped URLs, stops gracefully, and reads dubbo.properties.
#include "app/application.h"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <future>
#include <thread>

#include "registry/registry.h"
#include "tests/support/process.h"
#include "tests/support/rpc_fixtures.h"

namespace dubbo::testing {
namespace {

using namespace std::chrono_literals;

class ApplicationTest : public ::testing::Test {
 protected:
  std::string RegistryUrl() const { return "file://" + dir_.path() + "?notify.delay=1"; }

  std::unique_ptr<Application> Provider(Parameters service = {}, std::string registry = "") {
    ApplicationConfig c;
    c.name = "demo-provider";
    c.registry = registry.empty() ? RegistryUrl() : registry;
    c.protocol = {{"host", "127.0.0.1"}, {"port", "0"}, {"shutdown.wait", "3000"}};
    auto app = Application::Create(c).value();
    EXPECT_TRUE(
        app->Export(DemoService::Definition(), std::make_shared<DemoService>(&timers_), service)
            .ok());
    EXPECT_TRUE(app->Start().ok());
    return app;
  }

  std::unique_ptr<Application> Consumer(std::string registry) {
    ApplicationConfig c;
    c.name = "demo-consumer";
    c.registry = std::move(registry);
    return Application::Create(c).value();
  }

  TempDir dir_;
  rpc::IoThreads timers_{1, "test-timers"};
};

TEST_F(ApplicationTest, DirectConnectionNeedsNoRegistry) {
  auto provider = Provider({}, "");
  ApplicationConfig none;
  none.registry = "";
  auto bare = Application::Create(none).value();
  auto invoker = bare->Refer(std::string(kDemoInterface),
                             {{"url", "dubbo://127.0.0.1:" + std::to_string(provider->port())}});
  ASSERT_TRUE(invoker.ok()) << invoker.status();
  EXPECT_EQ(SayHello(**invoker, "direct").value(), "Hello direct");
  // Without url= and without a registry there is nothing to refer to.
  auto nowhere = bare->Refer(std::string(kDemoInterface));
  EXPECT_EQ(nowhere.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(ApplicationTest, RegistersDubboShapedUrlsAndConsumersDiscoverThem) {
  auto provider = Provider({{"version", "1.0.0"}, {"weight", "50"}});
  auto consumer = Consumer(RegistryUrl());
  auto invoker = consumer->Refer(std::string(kDemoInterface), {{"version", "1.0.0"}});
  ASSERT_TRUE(invoker.ok()) << invoker.status();
  auto hello = SayHello(**invoker, "registry");
  ASSERT_TRUE(hello.ok()) << hello.status();
  EXPECT_EQ(*hello, "Hello registry");

  auto opened = registry::OpenRegistry(RegistryUrl());
  ASSERT_TRUE(opened.ok()) << opened.status();
  auto registry = *opened;
  Url query("consumer", "127.0.0.1", 0, std::string(kDemoInterface));
  query.Set("version", "1.0.0");
  auto found = registry->Lookup(query);
  ASSERT_TRUE(found.ok()) << found.status();
  const std::vector<Url> providers = *found;
  ASSERT_EQ(providers.size(), 1u);
  const Url& p = providers[0];
  EXPECT_EQ(p.protocol(), "dubbo");
  EXPECT_EQ(p.port(), provider->port());
  for (auto [key, value] : std::vector<std::pair<std::string, std::string>>{
           {"interface", std::string(kDemoInterface)},
           {"side", "provider"},
           {"dubbo", "2.0.2"},
           {"application", "demo-provider"},
           {"version", "1.0.0"},
           {"weight", "50"},
           {"methods", "big,block,fail,nothing,record,sayHello,sleep"}}) {
    EXPECT_EQ(p.Get(key), value) << key;
  }
  EXPECT_FALSE(p.Get("timestamp").empty());
  EXPECT_FALSE(p.Get("pid").empty());
  // The consumer registered itself too.
  Url consumers = query;
  consumers.Set("category", "consumers");
  auto looked_up = registry->Lookup(consumers);
  ASSERT_TRUE(looked_up.ok()) << looked_up.status();
  const std::vector<Url> registered = *looked_up;
  ASSERT_EQ(registered.size(), 1u);
  EXPECT_EQ(registered[0].protocol(), "consumer");
  EXPECT_EQ(registered[0].Get("application"), "demo-consumer");
  // A version the provider does not serve finds nothing: check=true refuses the reference.
  auto wrong = consumer->Refer(std::string(kDemoInterface), {{"version", "2.0.0"}});
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("No provider available"), std::string::npos)
      << wrong.status();
  auto lenient =
      consumer->Refer(std::string(kDemoInterface), {{"version", "2.0.0"}, {"check", "false"}});
  ASSERT_TRUE(lenient.ok());
  EXPECT_EQ(SayHello(**lenient, "x").status().code(), StatusCode::kUnavailable);
}

TEST_F(ApplicationTest, ProviderStoppingGracefullyLosesNoCall) {
  auto a = Provider();
  auto b = Provider();
  auto consumer = Consumer(RegistryUrl());
  auto invoker = consumer->Refer(std::string(kDemoInterface)).value();
  std::atomic<bool> running{true};
  std::atomic<int> calls{0};
  std::atomic<int> failures{0};
  std::string first_failure;
  std::mutex mu;
  std::vector<std::thread> callers;
  for (int t = 0; t < 4; ++t) {
    callers.emplace_back([&] {
      while (running) {
        auto r = SayHello(*invoker, "load");
        ++calls;
        if (!r.ok()) {
          std::lock_guard<std::mutex> lock(mu);
          if (failures++ == 0) first_failure = r.status().ToString();
        }
      }
    });
  }
  while (calls < 200) std::this_thread::sleep_for(1ms);
  a->Stop();  // unregisters, sends "R", drains, closes
  const int at_stop = calls;
  while (calls < at_stop + 200) std::this_thread::sleep_for(1ms);
  running = false;
  for (auto& t : callers) t.join();
  EXPECT_EQ(failures.load(), 0) << first_failure;
}

TEST_F(ApplicationTest, PropertiesFileConfiguresEverything) {
  const std::string path = dir_.File("dubbo.properties");
  std::ofstream(path)
      << "# a comment\n"
         "dubbo.application.name = greeter\n"
         "dubbo.registry.address=file://" +
             dir_.path() +
             "/reg\n"
             "dubbo.registry.notify.delay=1\n"
             "dubbo.protocol.port=0\n"
             "dubbo.protocol.host=127.0.0.1\n"
             "dubbo.provider.weight=7\n"
             "dubbo.consumer.timeout=2500\n"
             "dubbo.service.org.apache.dubbo.demo.DemoService.version=3.0.0\n"
             "dubbo.reference.org.apache.dubbo.demo.DemoService.sayHello.timeout=\\\n"
             "   1500\n";
  auto config = ApplicationConfig::Load(path);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->name, "greeter");
  EXPECT_EQ(config->registry, "file://" + dir_.path() + "/reg?notify.delay=1");
  EXPECT_EQ(config->services["org.apache.dubbo.demo.DemoService"]["version"], "3.0.0");
  EXPECT_EQ(config->references["org.apache.dubbo.demo.DemoService"]["sayHello.timeout"], "1500");
  auto app = Application::Create(*config).value();
  ASSERT_TRUE(app->Export(DemoService::Definition(), std::make_shared<DemoService>(&timers_)).ok());
  ASSERT_TRUE(app->Start().ok());
  const Url registered = app->ProviderUrls().at(0);
  EXPECT_EQ(registered.Get("version"), "3.0.0");
  EXPECT_EQ(registered.Get("weight"), "7");
  auto invoker = app->Refer(std::string(kDemoInterface), {{"version", "3.0.0"}}).value();
  EXPECT_EQ(invoker->url().GetMethodInt("sayHello", "timeout", 0).value(), 1500);
  EXPECT_EQ(invoker->url().GetMethodInt("other", "timeout", 0).value(), 2500);
  EXPECT_EQ(SayHello(*invoker, "file").value(), "Hello file");

  std::ofstream(dir_.File("bad.properties")) << "dubbo.application.name=x\ndubbo.bogus=1\n";
  EXPECT_EQ(ApplicationConfig::Load(dir_.File("bad.properties")).status().message(),
            dir_.File("bad.properties") + ":2: unknown key \"dubbo.bogus\"");
}

// Parse is what Load reads a file with (and what fuzz/properties_fuzz.cc feeds): std::getline's
// lines, continuations, a last line without '\n', errors naming the source.
// Java Dubbo's OS-style environment names override the QoS settings (scripts/test runs every test
// with DUBBO_APPLICATION_QOS_PORT=0, so parallel tests never fight over 22222).
TEST(ApplicationConfigEnvironmentTest, QosPortAndEnableComeFromTheEnvironment) {
  const char* before = std::getenv("DUBBO_APPLICATION_QOS_PORT");
  const std::string saved = before != nullptr ? before : "";
  ApplicationConfig c;
  c.qos_port = 22222;
  ASSERT_EQ(setenv("DUBBO_APPLICATION_QOS_PORT", "0", 1), 0);
  ASSERT_TRUE(c.ApplyEnvironment().ok());
  EXPECT_EQ(c.qos_port, 0);
  ASSERT_EQ(setenv("DUBBO_APPLICATION_QOS_PORT", "70000", 1), 0);
  const Status bad = c.ApplyEnvironment();
  EXPECT_EQ(bad.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.message().find("DUBBO_APPLICATION_QOS_PORT=70000"), std::string::npos) << bad;
  ASSERT_EQ(setenv("DUBBO_APPLICATION_QOS_PORT", "0", 1), 0);
  ASSERT_EQ(setenv("DUBBO_APPLICATION_QOS_ENABLE", "false", 1), 0);
  ASSERT_TRUE(c.ApplyEnvironment().ok());
  EXPECT_FALSE(c.qos_enable);
  unsetenv("DUBBO_APPLICATION_QOS_ENABLE");
  if (before != nullptr) {
    setenv("DUBBO_APPLICATION_QOS_PORT", saved.c_str(), 1);
  } else {
    unsetenv("DUBBO_APPLICATION_QOS_PORT");
  }
}

TEST(ApplicationConfigParseTest, ParsesTextAndNamesTheSourceInErrors) {
  auto config = ApplicationConfig::Parse(
      "dubbo.application.name=gree\\\n   ter\n\n"
      "dubbo.consumer.timeout: 2500",
      "inline");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->name, "greeter");
  EXPECT_EQ(config->consumer["timeout"], "2500");
  EXPECT_EQ(ApplicationConfig::Parse("# c\ndubbo.bogus=1", "env").status().message(),
            "env:2: unknown key \"dubbo.bogus\"");
  EXPECT_EQ(ApplicationConfig::Parse("dubbo.application.name=\\u12", "env").status().message(),
            "env:1: incomplete \\u escape");
}

}  // namespace
}  // namespace dubbo::testing

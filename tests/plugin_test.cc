// Plugins are registered once, by name, and a taken name stays taken: a user's load balancer,
// serialization and filters registered next to the built-ins are used by every Application —
// two of them created concurrently on two threads — and are never silently replaced.
//
// The tests run in file order (one process, no shuffling): the first one registers its plugin
// before anything has called RegisterBuiltins().
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "app/application.h"
#include "cluster/filter.h"
#include "cluster/loadbalance/load_balance.h"
#include "codec/hessian2/serialization.h"
#include "registry/registry.h"
#include "rpc/provider_filter.h"
#include "tests/support/process.h"
#include "tests/support/rpc_fixtures.h"

namespace dubbo::testing {
namespace {

using namespace std::chrono_literals;

// --- the plugins
// -----------------------------------------------------------------------------------

std::atomic<int> lb_selections{0};
std::atomic<int> lb_feedbacks{0};
std::atomic<int> consumer_filter_calls{0};
std::atomic<int> provider_filter_calls{0};
std::atomic<int> counted_encodes{0};
std::atomic<int> counted_decodes{0};

// Always the first provider of the list.
class FirstLoadBalance final : public cluster::LoadBalance {
 public:
  std::shared_ptr<cluster::ProviderInvoker> Pick(const cluster::SelectIn& in) override {
    lb_selections.fetch_add(1);
    return in.invokers.front();
  }
  void Feedback(const cluster::CallOutcome& outcome) override {
    if (outcome.status.ok()) lb_feedbacks.fetch_add(1);
  }
};

// Hessian 2 under its own name and id, counting what it encodes and decodes.
class CountedSerialization final : public Serialization {
 public:
  SerializationId id() const override { return static_cast<SerializationId>(21); }
  std::string_view name() const override { return "counted"; }
  std::string_view NullBytes() const override { return inner_.NullBytes(); }
  void Encode(std::string* out, FunctionRef<void(ObjectOutput&)> body) const override {
    counted_encodes.fetch_add(1);
    inner_.Encode(out, body);
  }
  Status Decode(std::string_view in, FunctionRef<void(ObjectInput&)> body) const override {
    counted_decodes.fetch_add(1);
    return inner_.Decode(in, body);
  }

 private:
  hessian2::Hessian2Serialization inner_;
};

class CountingFilter final : public cluster::Filter {
 public:
  void Invoke(rpc::Invoker& next, std::shared_ptr<const rpc::Invocation> inv,
              rpc::ResponseCallback done) override {
    consumer_filter_calls.fetch_add(1);
    next.Invoke(std::move(inv), std::move(done));
  }
};

class CountingProviderFilter final : public rpc::ProviderFilter {
 public:
  Status Before(const rpc::RequestInfo&) override {
    provider_filter_calls.fetch_add(1);
    return Status::Ok();
  }
};

class ReplacedRoundRobin final : public cluster::LoadBalance {
 public:
  std::shared_ptr<cluster::ProviderInvoker> Pick(const cluster::SelectIn& in) override {
    return in.invokers.back();
  }
};

// --- the tests ----------------------------------------------------------------------------------

TEST(PluginTest, APluginRegisteredBeforeTheBuiltinsKeepsItsName) {
  // "roundrobin" taken by the user first: RegisterBuiltins leaves it alone.
  ASSERT_TRUE(cluster::LoadBalances()
                  .Register("roundrobin",
                            []() -> Result<std::shared_ptr<cluster::LoadBalance>> {
                              return std::shared_ptr<cluster::LoadBalance>(
                                  std::make_shared<ReplacedRoundRobin>());
                            })
                  .ok());
  RegisterBuiltins();
  RegisterBuiltins();  // once per process: a second call changes nothing
  auto lb = cluster::LoadBalances().Create("roundrobin");
  ASSERT_TRUE(lb.ok()) << lb.status();
  EXPECT_NE(dynamic_cast<ReplacedRoundRobin*>(lb->get()), nullptr);
  // The other built-ins are there.
  EXPECT_TRUE(cluster::LoadBalances().Contains("random"));
  EXPECT_TRUE(cluster::Filters().Contains("mock"));
  EXPECT_TRUE(rpc::ProviderFilters().Contains("token"));
  EXPECT_TRUE(rpc::ProviderFilters().Contains("metrics"));
  EXPECT_TRUE(registry::RegistryFactories().Contains("zookeeper"));
}

TEST(PluginTest, RegisteringATakenNameIsAnErrorUnlessAskedToReplace) {
  RegisterBuiltins();
  auto factory = []() -> Result<std::shared_ptr<cluster::LoadBalance>> {
    return std::shared_ptr<cluster::LoadBalance>(std::make_shared<FirstLoadBalance>());
  };
  Status taken = cluster::LoadBalances().Register("random", factory);
  EXPECT_EQ(taken.code(), StatusCode::kAlreadyExists) << taken;
  EXPECT_NE(taken.message().find("\"random\""), std::string::npos) << taken;
  auto random = cluster::LoadBalances().Create("random");
  ASSERT_TRUE(random.ok());
  EXPECT_EQ(dynamic_cast<FirstLoadBalance*>(random->get()), nullptr);

  EXPECT_TRUE(cluster::LoadBalances().Register("plugin-test-replaced", factory).ok());
  EXPECT_EQ(cluster::LoadBalances().Register("plugin-test-replaced", factory).code(),
            StatusCode::kAlreadyExists);
  EXPECT_TRUE(
      cluster::LoadBalances().Register("plugin-test-replaced", factory, Replace::kYes).ok());

  // Serializations: a taken id or name is refused; the built-ins stay.
  Status hessian =
      SerializationRegistry::Global().Register(std::make_unique<hessian2::Hessian2Serialization>());
  EXPECT_EQ(hessian.code(), StatusCode::kAlreadyExists) << hessian;
  EXPECT_NE(SerializationRegistry::Global().Find("hessian2"), nullptr);
}

class CustomPluginTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_TRUE(cluster::LoadBalances()
                    .Register("first",
                              []() -> Result<std::shared_ptr<cluster::LoadBalance>> {
                                return std::shared_ptr<cluster::LoadBalance>(
                                    std::make_shared<FirstLoadBalance>());
                              })
                    .ok());
    ASSERT_TRUE(
        SerializationRegistry::Global().Register(std::make_unique<CountedSerialization>()).ok());
    ASSERT_TRUE(cluster::Filters()
                    .Register("counting",
                              [](const Url&) -> Result<std::shared_ptr<cluster::Filter>> {
                                return std::shared_ptr<cluster::Filter>(
                                    std::make_shared<CountingFilter>());
                              })
                    .ok());
    ASSERT_TRUE(rpc::ProviderFilters()
                    .Register("counting",
                              [](const Url&) -> Result<std::shared_ptr<rpc::ProviderFilter>> {
                                return std::shared_ptr<rpc::ProviderFilter>(
                                    std::make_shared<CountingProviderFilter>());
                              })
                    .ok());
  }

  std::unique_ptr<Application> Provider() {
    ApplicationConfig c;
    c.name = "plugin-provider";
    c.registry = "file://" + dir_.path() + "?notify.delay=1";
    c.protocol = {{"host", "127.0.0.1"}, {"port", "0"}};
    c.qos_enable = false;
    auto app = Application::Create(c);
    EXPECT_TRUE(app.ok()) << app.status();
    EXPECT_TRUE((*app)
                    ->Export(DemoService::Definition(), std::make_shared<DemoService>(&timers_),
                             {{"service.filter", "counting"}})
                    .ok());
    EXPECT_TRUE((*app)->Start().ok());
    return std::move(*app);
  }

  TempDir dir_;
  rpc::IoThreads timers_{1, "test-timers"};
};

TEST_F(CustomPluginTest, TwoApplicationsOnTwoThreadsCallThroughTheCustomPlugins) {
  auto provider_a = Provider();
  auto provider_b = Provider();
  constexpr int kCalls = 50;
  const int encodes_before = counted_encodes.load();

  // Two consumer Applications, each created and used on its own thread at the same time.
  auto consume = [&](const std::string& name) -> Status {
    ApplicationConfig c;
    c.name = name;
    c.registry = "file://" + dir_.path() + "?notify.delay=1";
    c.qos_enable = false;
    DUBBO_ASSIGN_OR_RETURN(auto app, Application::Create(c));
    DUBBO_ASSIGN_OR_RETURN(
        auto invoker, app->Refer(std::string(kDemoInterface), {{"loadbalance", "first"},
                                                               {"serialization", "counted"},
                                                               {"reference.filter", "counting"},
                                                               {"check", "true"}}));
    for (int i = 0; i < kCalls; ++i) {
      DUBBO_ASSIGN_OR_RETURN(std::string hello, SayHello(*invoker, name));
      if (hello != "Hello " + name)
        return Status(StatusCode::kInternal, "unexpected reply " + hello);
    }
    return Status::Ok();
  };
  auto one = std::async(std::launch::async, consume, "consumer-one");
  auto two = std::async(std::launch::async, consume, "consumer-two");
  Status s1 = one.get();
  Status s2 = two.get();
  ASSERT_TRUE(s1.ok()) << s1;
  ASSERT_TRUE(s2.ok()) << s2;

  EXPECT_EQ(lb_selections.load(), 2 * kCalls);
  EXPECT_EQ(lb_feedbacks.load(), 2 * kCalls);
  EXPECT_EQ(consumer_filter_calls.load(), 2 * kCalls);
  EXPECT_EQ(provider_filter_calls.load(), 2 * kCalls);
  // Each call is encoded once by the consumer, its response once by the provider.
  EXPECT_GE(counted_encodes.load() - encodes_before, 2 * 2 * kCalls);
  EXPECT_GE(counted_decodes.load(), 2 * 2 * kCalls);
}

}  // namespace
}  // namespace dubbo::testing

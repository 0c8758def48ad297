// The registry through the Application path, against a real ZooKeeper server
// (tests/support/zookeeper_server.h): provider and consumer Applications in this process, and
// provider processes (this binary re-run, RegistryE2eChild) where a provider has to be killed.
//   - ZooKeeper stopped and restarted while a consumer calls steadily: no failed call, every
//     registration back (read from ZooKeeper directly), the subscription still follows changes;
//     the same for a forced session expiry of both sides.
//   - A consumer started while ZooKeeper is down refers and calls from the cache file, then
//     registers and resubscribes once ZooKeeper is back.
//   - A SIGKILLed provider leaves the consumer's list when its session expires (not before); a
//     gracefully stopped one within 200 ms.
//   - override:// configurators written as dubbo-admin writes them change weight, timeout and
//     disabled at run time.
// Every wait is for an event or a polled condition with a deadline.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <asio/steady_timer.hpp>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "app/application.h"
#include "common/url.h"
#include "registry/registry.h"
#include "registry/zookeeper_registry.h"
#include "rpc/io_threads.h"
#include "rpc/result.h"
#include "rpc/service.h"
#include "tests/support/process.h"
#include "tests/support/zookeeper_server.h"

namespace dubbo::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kInterface = "org.apache.dubbo.demo.E2eService";
constexpr char kChildTest[] = "RegistryE2eChild.DISABLED_Provider";

// name() says which provider answered; sleep(ms) answers after ms without holding a thread.
class E2eService : public rpc::ServiceBase {
 public:
  E2eService(std::string name, rpc::IoThreads* timers) : name_(std::move(name)), timers_(timers) {}

  Result<std::string> Name() { return name_; }
  void Sleep(int32_t ms, rpc::Responder<std::string> reply) {
    auto timer =
        std::make_shared<asio::steady_timer>(timers_->Next(), std::chrono::milliseconds(ms));
    auto holder = std::make_shared<rpc::Responder<std::string>>(std::move(reply));
    timer->async_wait(
        [timer, holder, name = name_](const std::error_code&) { holder->Reply(name); });
  }

  static std::shared_ptr<const rpc::ServiceDefinition> Definition() {
    auto def = std::make_shared<rpc::ServiceDefinition>(std::string(kInterface));
    def->Add(rpc::Method("name", "", {}, &E2eService::Name))
        .Add(rpc::AsyncMethod("sleep", "I", {"int"}, &E2eService::Sleep));
    return def;
  }

 private:
  const std::string name_;
  rpc::IoThreads* timers_;
};

Result<std::string> CallName(rpc::Invoker& invoker) {
  auto inv = std::make_shared<rpc::Invocation>();
  inv->interface = std::string(kInterface);
  inv->method = "name";
  inv->settings = rpc::ReferenceSettings(invoker.url()).For(inv->method);
  inv->settings.timeout = 3s;
  std::promise<Result<std::string>> p;
  invoker.Invoke(inv, [&p](rpc::RpcResult r) { p.set_value(rpc::DecodeResult<std::string>(r)); });
  return p.get_future().get();
}

// sleep(ms) with a 2 s timeout of the invocation's own (the stub's value when the URL has none).
Result<std::string> CallSleep(rpc::Invoker& invoker, int32_t ms) {
  auto inv = std::make_shared<rpc::Invocation>();
  inv->interface = std::string(kInterface);
  inv->method = "sleep";
  inv->descriptor = "I";
  inv->arguments = rpc::MakeArguments([ms](ObjectOutput& o) { o.WriteInt(ms); });
  inv->settings = rpc::ReferenceSettings(invoker.url()).For(inv->method);
  inv->settings.timeout = 2s;
  std::promise<Result<std::string>> p;
  invoker.Invoke(inv, [&p](rpc::RpcResult r) { p.set_value(rpc::DecodeResult<std::string>(r)); });
  return p.get_future().get();
}

template <typename F>
bool Eventually(F f, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (!f()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

int64_t Millis(Clock::duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

// Calls name() in a loop on a few threads and counts answers per provider and failures.
class CallLoop {
 public:
  explicit CallLoop(std::shared_ptr<rpc::Invoker> invoker, int threads = 2)
      : invoker_(std::move(invoker)) {
    for (int i = 0; i < threads; ++i) {
      threads_.emplace_back([this] {
        while (running_) {
          auto r = CallName(*invoker_);
          std::lock_guard<std::mutex> lock(mu_);
          ++calls_;
          if (r.ok()) {
            ++by_provider_[*r];
          } else if (failures_++ == 0) {
            first_failure_ = r.status().ToString();
          }
          cv_.notify_all();
        }
      });
    }
  }
  ~CallLoop() { Stop(); }

  void Stop() {
    running_ = false;
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }
  int64_t calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }
  int64_t failures() {
    std::lock_guard<std::mutex> lock(mu_);
    return failures_;
  }
  std::string first_failure() {
    std::lock_guard<std::mutex> lock(mu_);
    return first_failure_;
  }
  int64_t served_by(const std::string& name) {
    std::lock_guard<std::mutex> lock(mu_);
    return by_provider_[name];
  }
  // Waits until `n` more calls have completed.
  bool AwaitMoreCalls(int64_t n, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    const int64_t target = calls_ + n;
    return cv_.wait_for(lock, timeout, [&] { return calls_ >= target; });
  }
  // Waits until `name` has answered `n` more calls.
  bool AwaitServedBy(const std::string& name, int64_t n, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    const int64_t target = by_provider_[name] + n;
    return cv_.wait_for(lock, timeout, [&] { return by_provider_[name] >= target; });
  }

 private:
  std::shared_ptr<rpc::Invoker> invoker_;
  std::atomic<bool> running_{true};
  std::mutex mu_;
  std::condition_variable cv_;
  int64_t calls_ = 0;
  int64_t failures_ = 0;
  std::string first_failure_;
  std::map<std::string, int64_t> by_provider_;
  std::vector<std::thread> threads_;
};

// A registry listener's provider addresses, with the time each list arrived.
class AddressWatch {
 public:
  registry::NotifyListener Listener() {
    return [this](const std::vector<Url>& urls) {
      std::vector<std::string> addresses;
      for (const Url& u : urls) {
        if (u.protocol() == "dubbo") addresses.push_back(u.Address());
      }
      std::lock_guard<std::mutex> lock(mu_);
      latest_ = std::move(addresses);
      at_ = Clock::now();
      cv_.notify_all();
    };
  }
  // Waits until the latest list has (`present`) or lacks `address`; the arrival time of that list.
  std::optional<Clock::time_point> Await(const std::string& address, bool present,
                                         std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    const bool ok = cv_.wait_for(lock, timeout, [&] {
      return (std::find(latest_.begin(), latest_.end(), address) != latest_.end()) == present;
    });
    return ok ? std::optional<Clock::time_point>(at_) : std::nullopt;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> latest_;
  Clock::time_point at_;
};

// This binary re-run as a provider process (RegistryE2eChild.DISABLED_Provider). Its stdout
// carries gtest's banner and then "ready <port>".
class ProviderProcess {
 public:
  ProviderProcess(const std::string& registry, const std::string& name)
      : child_({"/proc/self/exe", std::string("--gtest_filter=") + kChildTest,
                "--gtest_also_run_disabled_tests", "--e2e-registry=" + registry,
                "--e2e-name=" + name}) {}

  // Waits for "ready <port>"; the port, or 0.
  uint16_t AwaitReady(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      auto line = child_.ReadLine(
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
      if (!line) return 0;
      unsigned port = 0;
      if (std::sscanf(line->c_str(), "ready %u", &port) == 1) return static_cast<uint16_t>(port);
    }
    return 0;
  }
  ChildProcess& child() { return child_; }

 private:
  ChildProcess child_;
};

class RegistryE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    server_ = ZooKeeperServer::Shared(&error);
    ASSERT_NE(server_, nullptr) << error;
    static int counter = 0;
    root_ = "e2e-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  }
  void TearDown() override {
    std::string error;
    if (server_ != nullptr && !server_->running()) {
      EXPECT_TRUE(server_->Start(&error)) << error;
    }
  }

  // A root of the test's own; the cache file named after `app`.
  std::string RegistryUrl(const std::string& app, const std::string& extra = "") const {
    return "zookeeper://" + server_->address() + "?group=" + root_ +
           "&file=" + dir_.File(app + ".cache") + extra;
  }

  // warmup=0: shares follow the weights from the start (no ten-minute warm-up ramp).
  std::unique_ptr<Application> Provider(const std::string& name,
                                        const std::string& registry_extra = "") {
    ApplicationConfig c;
    c.name = name;
    c.registry = RegistryUrl(name, registry_extra);
    c.protocol = {{"host", "127.0.0.1"}, {"port", "0"}, {"shutdown.wait", "2000"}};
    auto app = Application::Create(c);
    EXPECT_TRUE(app.ok()) << app.status();
    if (!app.ok()) return nullptr;
    EXPECT_TRUE((*app)
                    ->Export(E2eService::Definition(), std::make_shared<E2eService>(name, &timers_),
                             {{"warmup", "0"}})
                    .ok());
    const Status started = (*app)->Start();
    EXPECT_TRUE(started.ok()) << started;
    return std::move(*app);
  }

  std::unique_ptr<Application> Consumer(const std::string& name,
                                        const std::string& registry_extra = "") {
    ApplicationConfig c;
    c.name = name;
    c.registry = RegistryUrl(name, registry_extra);
    auto app = Application::Create(c);
    EXPECT_TRUE(app.ok()) << app.status();
    return app.ok() ? std::move(*app) : nullptr;
  }

  std::unique_ptr<ZkTestClient> Client() {
    std::string error;
    auto client = ZkTestClient::Connect(server_->address(), &error);
    EXPECT_NE(client, nullptr) << error;
    return client;
  }
  std::string CategoryPath(const std::string& category) const {
    return "/" + root_ + "/" + UrlEncode(std::string(kInterface)) + "/" + category;
  }
  std::string NodePath(const Url& url) const {
    return CategoryPath(url.Get("category", "providers")) + "/" + UrlEncode(url.ToFullString());
  }
  // The node of the consumer:// URL application `app` registered, "" if none.
  std::string ConsumerNode(ZkTestClient& client, const std::string& app) const {
    for (const std::string& name : client.Children(CategoryPath("consumers"))) {
      auto text = UrlDecode(name);
      auto url = text.ok() ? Url::Parse(*text) : Result<Url>(text.status());
      if (url.ok() && url->protocol() == "consumer" && url->Get("application") == app) {
        return CategoryPath("consumers") + "/" + name;
      }
    }
    return "";
  }
  // True once `path` exists as an ephemeral node of the session `registry` has now.
  static bool OwnedBy(ZkTestClient& client, const std::string& path,
                      const registry::Registry& registry) {
    const auto session = registry::ZookeeperRegistrySession(registry);
    struct Stat st {};
    return session && !path.empty() && client.Exists(path, &st) && st.ephemeralOwner == session->id;
  }
  // Writes an override:// URL as dubbo-admin does: a persistent node under configurators.
  std::string WriteOverride(ZkTestClient& client, const std::string& host_port,
                            const std::string& params) {
    auto url = Url::Parse("override://" + host_port + "/" + std::string(kInterface) +
                          "?category=configurators&dynamic=false&" + params);
    EXPECT_TRUE(url.ok()) << url.status();
    const std::string path = NodePath(*url);
    EXPECT_EQ(client.Create(path, ZOO_PERSISTENT), ZOK) << path;
    return path;
  }

  // Ends `registry`'s session (tests/support/zookeeper_server.h); returns the ended id.
  int64_t ExpireAndAwaitNewSession(const registry::Registry& registry) {
    auto ended = ExpireRegistrySession(server_->address(), registry);
    EXPECT_TRUE(ended.ok()) << ended.status();
    return ended.value_or(0);
  }

  ZooKeeperServer* server_ = nullptr;
  std::string root_;
  TempDir dir_;
  rpc::IoThreads timers_{1, "e2e-timers"};
};

// --- outages -------------------------------------------------------------------------------------

TEST_F(RegistryE2eTest, ZooKeeperRestartWhileCallsRunLosesNoCallAndKeepsEveryRegistration) {
  auto p1 = Provider("p1");
  auto consumer = Consumer("steady-consumer");
  ASSERT_TRUE(p1 && consumer);
  auto invoker = consumer->Refer(std::string(kInterface));
  ASSERT_TRUE(invoker.ok()) << invoker.status();
  CallLoop loop(*invoker);
  ASSERT_TRUE(loop.AwaitMoreCalls(100, 10s));

  auto client = Client();
  ASSERT_TRUE(client);
  const std::string provider_node = NodePath(p1->ProviderUrls().at(0));
  const std::string consumer_node = ConsumerNode(*client, "steady-consumer");
  ASSERT_TRUE(OwnedBy(*client, provider_node, *p1->registry()));
  ASSERT_TRUE(OwnedBy(*client, consumer_node, *consumer->registry()));
  client.reset();

  server_->Stop();
  ASSERT_TRUE(Eventually(
      [&] {
        return !registry::ZookeeperRegistrySession(*p1->registry()) &&
               !registry::ZookeeperRegistrySession(*consumer->registry());
      },
      10s))
      << "the registries did not notice the outage";
  // Calls go on from the last list while ZooKeeper is away.
  const auto down = Clock::now();
  EXPECT_TRUE(loop.AwaitMoreCalls(200, 10s));
  while (Clock::now() - down < 1s) ASSERT_TRUE(loop.AwaitMoreCalls(1, 5s));

  std::string error;
  ASSERT_TRUE(server_->Start(&error)) << error;
  client = Client();
  ASSERT_TRUE(client);
  EXPECT_TRUE(Eventually(
      [&] {
        return OwnedBy(*client, provider_node, *p1->registry()) &&
               OwnedBy(*client, ConsumerNode(*client, "steady-consumer"), *consumer->registry());
      },
      20s))
      << "registrations not all back after the restart";
  // The subscription is live again: a provider started now gets calls.
  auto p2 = Provider("p2");
  ASSERT_TRUE(p2);
  EXPECT_TRUE(loop.AwaitServedBy("p2", 20, 20s));
  loop.Stop();
  EXPECT_EQ(loop.failures(), 0) << loop.first_failure();
  EXPECT_GT(loop.served_by("p1"), 0);
}

TEST_F(RegistryE2eTest, SessionExpiryRecreatesEveryRegistrationWhileCallsRun) {
  auto p1 = Provider("p1", "&session=4000");
  auto consumer = Consumer("expiring-consumer", "&session=4000");
  ASSERT_TRUE(p1 && consumer);
  // Dubbo 3's empty protection: the provider's node is briefly gone while its session is renewed,
  // and the consumer keeps its (still serving) invoker meanwhile.
  auto invoker = consumer->Refer(std::string(kInterface), {{"enable-empty-protection", "true"}});
  ASSERT_TRUE(invoker.ok()) << invoker.status();
  CallLoop loop(*invoker);
  ASSERT_TRUE(loop.AwaitMoreCalls(100, 10s));
  auto client = Client();
  ASSERT_TRUE(client);
  const std::string provider_node = NodePath(p1->ProviderUrls().at(0));

  const int64_t old_consumer = ExpireAndAwaitNewSession(*consumer->registry());
  const int64_t old_provider = ExpireAndAwaitNewSession(*p1->registry());
  EXPECT_TRUE(Eventually(
      [&] {
        const auto c = registry::ZookeeperRegistrySession(*consumer->registry());
        const auto p = registry::ZookeeperRegistrySession(*p1->registry());
        return c && p && c->id != old_consumer && p->id != old_provider &&
               OwnedBy(*client, provider_node, *p1->registry()) &&
               OwnedBy(*client, ConsumerNode(*client, "expiring-consumer"), *consumer->registry());
      },
      20s))
      << "registrations not re-created on new sessions";
  // The watches were re-armed on the consumer's new session.
  auto p2 = Provider("p2");
  ASSERT_TRUE(p2);
  EXPECT_TRUE(loop.AwaitServedBy("p2", 20, 20s));
  loop.Stop();
  EXPECT_EQ(loop.failures(), 0) << loop.first_failure();
}

TEST_F(RegistryE2eTest, ConsumerStartedWhileZooKeeperIsDownCallsFromTheCacheThenResubscribes) {
  auto p1 = Provider("p1");
  ASSERT_TRUE(p1);
  {
    auto warm = Consumer("cached-consumer");
    ASSERT_TRUE(warm);
    auto invoker = warm->Refer(std::string(kInterface));
    ASSERT_TRUE(invoker.ok()) << invoker.status();
    ASSERT_EQ(CallName(**invoker).value_or("<failed>"), "p1");
    warm->Stop();  // closes the registry, which saves the cache file
  }
  const std::string cache = dir_.File("cached-consumer.cache");
  ASSERT_TRUE(std::filesystem::exists(cache));

  server_->Stop();
  const auto start = Clock::now();
  auto consumer = Consumer("cached-consumer");
  ASSERT_TRUE(consumer);
  // check=true: the reference needs a provider, and the cache file has one.
  auto invoker = consumer->Refer(std::string(kInterface));
  ASSERT_TRUE(invoker.ok()) << invoker.status();
  EXPECT_LT(Clock::now() - start, 3s) << "refer waited for ZooKeeper";
  EXPECT_FALSE(registry::ZookeeperRegistrySession(*consumer->registry()).has_value());
  CallLoop loop(*invoker);
  EXPECT_TRUE(loop.AwaitServedBy("p1", 100, 10s));

  std::string error;
  ASSERT_TRUE(server_->Start(&error)) << error;
  auto client = Client();
  ASSERT_TRUE(client);
  // Its consumer registration, queued during the outage, is written.
  EXPECT_TRUE(Eventually(
      [&] {
        return OwnedBy(*client, ConsumerNode(*client, "cached-consumer"), *consumer->registry());
      },
      20s));
  // The live subscription replaced the cached list: a provider started now gets calls.
  auto p2 = Provider("p2");
  ASSERT_TRUE(p2);
  EXPECT_TRUE(loop.AwaitServedBy("p2", 20, 20s));
  loop.Stop();
  EXPECT_EQ(loop.failures(), 0) << loop.first_failure();
}

// --- providers leaving
// -----------------------------------------------------------------------------

TEST_F(RegistryE2eTest, KilledProviderGoesAtSessionExpiryStoppedOneWithin200Ms) {
  auto stable = Provider("stable");
  auto consumer = Consumer("watching-consumer");
  ASSERT_TRUE(stable && consumer);
  // name() is a read: failover may re-send a call the killed provider had taken.
  auto invoker = consumer->Refer(std::string(kInterface), {{"name.idempotent", "true"}});
  ASSERT_TRUE(invoker.ok()) << invoker.status();
  // The consumer Application's own registry object: the listener sees what its directory sees.
  AddressWatch watch;
  Url query("consumer", "127.0.0.1", 0, std::string(kInterface));
  query.Set("category", "providers");
  ASSERT_TRUE(consumer->registry()->Subscribe(query, watch.Listener()).ok());
  CallLoop loop(*invoker);

  // Gracefully stopped (SIGTERM: Application::Stop unregisters first): three rounds, the median
  // must be within 200 ms.
  std::vector<int64_t> graceful;
  for (int round = 0; round < 3; ++round) {
    const std::string name = "graceful-" + std::to_string(round);
    ProviderProcess child(RegistryUrl(name), name);
    const uint16_t port = child.AwaitReady(30s);
    ASSERT_NE(port, 0) << "the provider process did not start";
    const std::string address = "127.0.0.1:" + std::to_string(port);
    ASSERT_TRUE(watch.Await(address, true, 10s));
    ASSERT_TRUE(loop.AwaitServedBy(name, 10, 10s));
    const auto stop = Clock::now();
    child.child().Signal(SIGTERM);
    const auto gone = watch.Await(address, false, 5s);
    ASSERT_TRUE(gone.has_value()) << "a stopped provider stayed listed";
    graceful.push_back(Millis(*gone - stop));
    EXPECT_EQ(child.child().Wait(10s), 0);
  }
  std::sort(graceful.begin(), graceful.end());
  EXPECT_LE(graceful[1], 200) << "listener latencies (ms): " << ::testing::PrintToString(graceful);
  std::printf("graceful stop -> consumer listener: %s ms\n",
              ::testing::PrintToString(graceful).c_str());

  // SIGKILL: nothing unregisters; the node goes when the 2 s session expires. The client pings
  // every third of the session, so the server expires it 2/3..1 session (+ a tick) after the
  // last ping: never within 1 s.
  ProviderProcess killed(RegistryUrl("killed", "&session=2000"), "killed");
  const uint16_t port = killed.AwaitReady(30s);
  ASSERT_NE(port, 0);
  const std::string address = "127.0.0.1:" + std::to_string(port);
  ASSERT_TRUE(watch.Await(address, true, 10s));
  ASSERT_TRUE(loop.AwaitServedBy("killed", 10, 10s));
  const auto kill = Clock::now();
  killed.child().Signal(SIGKILL);
  const auto gone = watch.Await(address, false, 10s);
  ASSERT_TRUE(gone.has_value()) << "a killed provider stayed listed past its session";
  const int64_t latency = Millis(*gone - kill);
  std::printf("SIGKILL -> consumer listener: %lld ms (session 2000 ms)\n",
              static_cast<long long>(latency));
  EXPECT_GE(latency, 1000);
  EXPECT_LE(latency, 5000);
  // Calls meanwhile: failover moved every one that met the dead provider to the stable one.
  EXPECT_TRUE(loop.AwaitServedBy("stable", 50, 10s));
  loop.Stop();
  EXPECT_EQ(loop.failures(), 0) << loop.first_failure();
}

// --- configurators
// ---------------------------------------------------------------------------------

// Shares of `n` name() calls per provider.
std::map<std::string, int> Distribution(rpc::Invoker& invoker, int n) {
  std::map<std::string, int> counts;
  for (int i = 0; i < n; ++i) ++counts[CallName(invoker).value_or("<failed>")];
  return counts;
}

TEST_F(RegistryE2eTest, OverridesChangeWeightTimeoutAndDisabledAtRunTime) {
  auto a = Provider("a");
  auto b = Provider("b");
  auto consumer = Consumer("governed-consumer");
  ASSERT_TRUE(a && b && consumer);
  // retries=0: a timed-out call is one attempt, not three.
  auto invoker = consumer->Refer(std::string(kInterface), {{"retries", "0"}});
  ASSERT_TRUE(invoker.ok()) << invoker.status();
  ASSERT_TRUE(Eventually([&] { return Distribution(**invoker, 20).size() == 2; }, 10s));
  auto client = Client();
  ASSERT_TRUE(client);
  const std::string a_address = "127.0.0.1:" + std::to_string(a->port());

  // Weight: random load balancing by weight, 900 : 100 once the override is applied.
  auto counts = Distribution(**invoker, 400);
  EXPECT_NEAR(counts["a"], 200, 60) << ::testing::PrintToString(counts);
  const std::string weight = WriteOverride(*client, a_address, "weight=900");
  ASSERT_TRUE(Eventually([&] { return Distribution(**invoker, 100)["a"] >= 80; }, 10s));
  counts = Distribution(**invoker, 1000);
  EXPECT_NEAR(counts["a"], 900, 50) << ::testing::PrintToString(counts);
  EXPECT_EQ(counts["a"] + counts["b"], 1000) << ::testing::PrintToString(counts);
  ASSERT_EQ(zoo_delete(client->get(), weight.c_str(), -1), ZOK);
  ASSERT_TRUE(Eventually([&] { return Distribution(**invoker, 100)["a"] <= 70; }, 10s));
  counts = Distribution(**invoker, 1000);
  EXPECT_NEAR(counts["a"], 500, 80) << ::testing::PrintToString(counts);

  // Timeout: for every provider (0.0.0.0); it beats the invocation's own 2 s.
  ASSERT_TRUE(CallSleep(**invoker, 300).ok());
  const std::string timeout = WriteOverride(*client, "0.0.0.0", "timeout=100");
  ASSERT_TRUE(Eventually([&] { return !CallSleep(**invoker, 300).ok(); }, 10s));
  for (int i = 0; i < 5; ++i) {
    const auto start = Clock::now();
    auto r = CallSleep(**invoker, 300);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kServerTimeout) << r.status();
    EXPECT_LT(Clock::now() - start, 280ms);
  }
  EXPECT_TRUE(CallSleep(**invoker, 10).ok());  // a fast call still fits
  ASSERT_EQ(zoo_delete(client->get(), timeout.c_str(), -1), ZOK);
  ASSERT_TRUE(Eventually([&] { return CallSleep(**invoker, 300).ok(); }, 10s));
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(CallSleep(**invoker, 300).ok());

  // Disabled: a gets no call at all while the override exists.
  const std::string disabled = WriteOverride(*client, a_address, "disabled=true");
  ASSERT_TRUE(Eventually([&] { return Distribution(**invoker, 50)["a"] == 0; }, 10s));
  counts = Distribution(**invoker, 500);
  EXPECT_EQ(counts["b"], 500) << ::testing::PrintToString(counts);
  ASSERT_EQ(zoo_delete(client->get(), disabled.c_str(), -1), ZOK);
  EXPECT_TRUE(Eventually([&] { return Distribution(**invoker, 50)["a"] > 0; }, 10s));
}

// --- the provider process
// ----------------------------------------------------------------------------

// "--e2e-<key>=<value>" arguments of this process.
std::map<std::string, std::string> ChildArguments() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::map<std::string, std::string> args;
  for (std::string arg; std::getline(in, arg, '\0');) {
    if (arg.rfind("--e2e-", 0) != 0) continue;
    const size_t eq = arg.find('=');
    if (eq != std::string::npos) args[arg.substr(6, eq - 6)] = arg.substr(eq + 1);
  }
  return args;
}

// Run by ProviderProcess only: exports E2eService as provider `name` in `registry`, prints
// "ready <port>", stops gracefully on SIGTERM (or when the parent goes) and exits.
TEST(RegistryE2eChild, DISABLED_Provider) {
  auto args = ChildArguments();
  if (!args.count("registry") || !args.count("name")) GTEST_SKIP() << "run by ProviderProcess only";
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  sigset_t term;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &term, nullptr), 0);  // before any thread: all inherit it
  rpc::IoThreads timers(1, "child-timers");
  ApplicationConfig c;
  c.name = args["name"];
  c.registry = args["registry"];
  c.protocol = {{"host", "127.0.0.1"}, {"port", "0"}, {"shutdown.wait", "1000"}};
  auto app = Application::Create(c);
  ASSERT_TRUE(app.ok()) << app.status();
  ASSERT_TRUE((*app)
                  ->Export(E2eService::Definition(), std::make_shared<E2eService>(c.name, &timers),
                           {{"warmup", "0"}})
                  .ok());
  ASSERT_TRUE((*app)->Start().ok());
  std::printf("ready %u\n", static_cast<unsigned>((*app)->port()));
  std::fflush(stdout);
  while (true) {
    const struct timespec tick = {0, 50 * 1000 * 1000};
    if (sigtimedwait(&term, nullptr, &tick) == SIGTERM) break;
    struct pollfd in = {STDIN_FILENO, POLLIN, 0};
    if (::poll(&in, 1, 0) > 0) {
      char byte;
      if (::read(STDIN_FILENO, &byte, 1) <= 0) break;  // the parent closed our stdin: it is gone
    }
  }
  (*app)->Stop();
  std::fflush(stdout);
  std::_Exit(0);
}

}  // namespace
}  // namespace dubbo::testing

#include "registry/registry.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <iostream>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "common/url.h"
#include "registry/cache_file.h"
#include "registry/file_registry.h"
#include "registry/internal.h"
#include "registry/zookeeper_registry.h"
#include "tests/support/process.h"
#include "tests/support/registry_fixtures.h"
#include "tests/support/zookeeper_server.h"

namespace dubbo::registry {
namespace {

using namespace std::chrono_literals;
using testing::RegisteringChild;
using testing::RegistryBackendParam;
using Millis = std::chrono::milliseconds;

constexpr char kDemo[] = "org.apache.dubbo.demo.DemoService";

Url MustParse(const std::string& text) {
  auto url = Url::Parse(text);
  EXPECT_TRUE(url.ok()) << url.status();
  return url.value_or(Url());
}

// A provider URL as a Dubbo provider registers it; `extra` is appended to the query.
Url Provider(const std::string& interface, int port, const std::string& extra = "") {
  return MustParse("dubbo://127.0.0.1:" + std::to_string(port) + "/" + interface +
                   "?anyhost=true&application=registry-test&dubbo=2.0.2&interface=" + interface +
                   "&methods=sayHello,sayHelloAsync&side=provider&timestamp=1630745698310" +
                   (extra.empty() ? "" : "&" + extra));
}

Url Consumer(const std::string& interface, const std::string& extra = "") {
  return MustParse("consumer://127.0.0.1/" + interface +
                   "?application=registry-test&dubbo=2.0.2&interface=" + interface +
                   "&side=consumer" + (extra.empty() ? "" : "&" + extra));
}

std::vector<std::string> Strings(const std::vector<Url>& urls) {
  std::vector<std::string> out;
  for (const auto& u : urls) out.push_back(u.ToFullString());
  return out;
}

bool Has(const std::vector<Url>& urls, const Url& url) {
  const std::string s = url.ToFullString();
  for (const auto& u : urls)
    if (u.ToFullString() == s) return true;
  return false;
}

// Records the notifications of one subscription; tests await conditions on the latest list.
class Notifications {
 public:
  NotifyListener Listener() {
    return [this](const std::vector<Url>& urls) {
      std::lock_guard<std::mutex> lock(mu_);
      lists_.push_back(urls);
      cv_.notify_all();
    };
  }
  // Waits until the latest list satisfies `pred`; false after `timeout`.
  bool Await(const std::function<bool(const std::vector<Url>&)>& pred, Millis timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return !lists_.empty() && pred(lists_.back()); });
  }
  bool AwaitHas(const Url& url, Millis timeout = 5s) {
    return Await([&](const auto& l) { return Has(l, url); }, timeout);
  }
  bool AwaitLacks(const Url& url, Millis timeout) {
    return Await([&](const auto& l) { return !Has(l, url); }, timeout);
  }
  size_t count() {
    std::lock_guard<std::mutex> lock(mu_);
    return lists_.size();
  }
  std::vector<Url> latest() {
    std::lock_guard<std::mutex> lock(mu_);
    return lists_.empty() ? std::vector<Url>() : lists_.back();
  }
  std::vector<std::vector<Url>> lists() {
    std::lock_guard<std::mutex> lock(mu_);
    return lists_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::vector<Url>> lists_;
};

// ---------------------------------------------------------------------------------------------
// The semantic suite: every backend must pass it unchanged.

class RegistrySemanticsTest : public ::testing::TestWithParam<RegistryBackendParam> {
 protected:
  void SetUp() override { backend_ = GetParam().make(); }

  std::shared_ptr<Registry> Open() {
    auto registry = OpenRegistry(backend_->url());
    EXPECT_TRUE(registry.ok()) << registry.status();
    return registry.ok() ? *registry : nullptr;
  }

  std::unique_ptr<RegisteringChild> StartChild(const Url& url) {
    std::string error;
    auto child = RegisteringChild::Start(backend_->url(), url.ToFullString(), 10s, &error);
    EXPECT_NE(child, nullptr) << error;
    return child;
  }

  Millis unregister_deadline() const { return GetParam().unregister_deadline; }
  Millis crash_deadline() const { return GetParam().crash_deadline; }

  std::unique_ptr<testing::RegistryBackend> backend_;
};

TEST_P(RegistrySemanticsTest, RegisterThenDiscoverInSameProcess) {
  Notifications n;
  auto provider_side = Open();
  auto consumer_side = Open();
  ASSERT_TRUE(provider_side && consumer_side);
  auto id = consumer_side->Subscribe(Consumer(kDemo), n.Listener());
  ASSERT_TRUE(id.ok()) << id.status();
  // The initial list is delivered before Subscribe returns, empty here.
  ASSERT_EQ(n.count(), 1u);
  EXPECT_TRUE(n.latest().empty());

  const Url p = Provider(kDemo, 20880);
  ASSERT_TRUE(provider_side->Register(p).ok());
  ASSERT_TRUE(n.AwaitHas(p));
  EXPECT_EQ(Strings(n.latest()), Strings({p}));

  // A later subscriber finds it in its initial list.
  Notifications late;
  ASSERT_TRUE(consumer_side->Subscribe(Consumer(kDemo), late.Listener()).ok());
  ASSERT_EQ(late.count(), 1u);
  EXPECT_EQ(Strings(late.latest()), Strings({p}));
}

TEST_P(RegistrySemanticsTest, DiscoversProviderOfAnotherProcess) {
  Notifications n;
  auto registry = Open();
  ASSERT_TRUE(registry);
  ASSERT_TRUE(registry->Subscribe(Consumer(kDemo), n.Listener()).ok());
  const Url p = Provider(kDemo, 20881);
  auto child = StartChild(p);
  ASSERT_NE(child, nullptr);
  ASSERT_TRUE(n.AwaitHas(p, 5s));

  // Graceful stop of the other process (SIGTERM -> Close) removes it.
  child->Signal(SIGTERM);
  EXPECT_TRUE(n.AwaitLacks(p, 5s));
  EXPECT_EQ(child->Wait(5s), 0);
}

TEST_P(RegistrySemanticsTest, GracefulUnregisterSeenPromptly) {
  Notifications n;
  auto provider_side = Open();
  auto consumer_side = Open();
  ASSERT_TRUE(provider_side && consumer_side);
  ASSERT_TRUE(consumer_side->Subscribe(Consumer(kDemo), n.Listener()).ok());
  const Url p1 = Provider(kDemo, 20880);
  const Url p2 = Provider(kDemo, 20881);
  ASSERT_TRUE(provider_side->Register(p1).ok());
  ASSERT_TRUE(provider_side->Register(p2).ok());
  ASSERT_TRUE(n.Await([&](const auto& l) { return Has(l, p1) && Has(l, p2); }, 5s));

  ASSERT_TRUE(provider_side->Unregister(p1).ok());
  EXPECT_TRUE(n.AwaitLacks(p1, unregister_deadline()))
      << "not seen within " << unregister_deadline().count() << " ms";
  EXPECT_TRUE(Has(n.latest(), p2));

  provider_side->Close();
  EXPECT_TRUE(n.AwaitLacks(p2, unregister_deadline()))
      << "not seen within " << unregister_deadline().count() << " ms";
}

TEST_P(RegistrySemanticsTest, KilledOwnerDisappears) {
  Notifications n;
  auto registry = Open();
  ASSERT_TRUE(registry);
  ASSERT_TRUE(registry->Subscribe(Consumer(kDemo), n.Listener()).ok());
  const Url p = Provider(kDemo, 20882);
  auto child = StartChild(p);
  ASSERT_NE(child, nullptr);
  ASSERT_TRUE(n.AwaitHas(p, 5s));

  // Not reaped until it is gone from the list: a zombie serves nothing either.
  child->Signal(SIGKILL);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(n.AwaitLacks(p, crash_deadline()))
      << "not gone within " << crash_deadline().count() << " ms";
  const auto took = std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - start);
  EXPECT_EQ(child->Wait(5s), 128 + SIGKILL);
  ::testing::Test::RecordProperty("crash_detection_ms", static_cast<int>(took.count()));
  auto lookup = registry->Lookup(Consumer(kDemo));
  ASSERT_TRUE(lookup.ok());
  EXPECT_FALSE(Has(*lookup, p));
}

TEST_P(RegistrySemanticsTest, ConsumerRegistrationIsListedUnderConsumers) {
  auto registry = Open();
  ASSERT_TRUE(registry);
  const Url c =
      Consumer(kDemo, "category=consumers&check=false&methods=sayHello&pid=1&timestamp=1");
  ASSERT_TRUE(registry->Register(c).ok());

  auto consumers = registry->Lookup(Consumer(kDemo, "category=consumers"));
  ASSERT_TRUE(consumers.ok()) << consumers.status();
  EXPECT_EQ(Strings(*consumers), Strings({c}));
  // Not a provider.
  auto providers = registry->Lookup(Consumer(kDemo));
  ASSERT_TRUE(providers.ok());
  EXPECT_TRUE(providers->empty());

  Notifications admin;
  ASSERT_TRUE(registry->Subscribe(Consumer(kDemo, "category=consumers"), admin.Listener()).ok());
  EXPECT_EQ(Strings(admin.latest()), Strings({c}));
  Notifications normal;
  ASSERT_TRUE(registry->Subscribe(Consumer(kDemo), normal.Listener()).ok());
  EXPECT_TRUE(normal.latest().empty());
}

TEST_P(RegistrySemanticsTest, ConfiguratorsAndRoutersAreDelivered) {
  Notifications n;
  auto registry = Open();
  ASSERT_TRUE(registry);
  ASSERT_TRUE(registry->Subscribe(Consumer(kDemo), n.Listener()).ok());
  const Url p = Provider(kDemo, 20880);
  const Url override_url =
      MustParse(std::string("override://0.0.0.0/") + kDemo +
                "?category=configurators&dynamic=false&enabled=true&timeout=500");
  const Url router = MustParse(std::string("condition://0.0.0.0/") + kDemo +
                               "?category=routers&dynamic=false&rule=host%3D1.2.3.4");
  ASSERT_TRUE(registry->Register(p).ok());
  ASSERT_TRUE(registry->Register(override_url).ok());
  ASSERT_TRUE(registry->Register(router).ok());
  ASSERT_TRUE(n.Await([&](const auto& l) { return l.size() == 3; }, 5s));
  // Providers first, then configurators, then routers.
  EXPECT_EQ(Strings(n.latest()), Strings({p, override_url, router}));

  // Lookup is about providers only.
  auto lookup = registry->Lookup(Consumer(kDemo));
  ASSERT_TRUE(lookup.ok());
  EXPECT_EQ(Strings(*lookup), Strings({p}));

  ASSERT_TRUE(registry->Unregister(override_url).ok());
  ASSERT_TRUE(n.Await([&](const auto& l) { return l.size() == 2; }, 5s));
  EXPECT_EQ(Strings(n.latest()), Strings({p, router}));
}

TEST_P(RegistrySemanticsTest, VersionAndGroupFilterAsDubboDoes) {
  auto registry = Open();
  ASSERT_TRUE(registry);
  const Url v1a = Provider(kDemo, 1, "version=1.0.0&group=a");
  const Url v2a = Provider(kDemo, 2, "version=2.0.0&group=a");
  const Url v1b = Provider(kDemo, 3, "version=1.0.0&group=b");
  const Url plain = Provider(kDemo, 4);
  const Url zero = Provider(kDemo, 5, "version=0.0.0");
  const Url disabled = Provider(kDemo, 6, "version=1.0.0&group=a&enabled=false");
  for (const Url& u : {v1a, v2a, v1b, plain, zero, disabled})
    ASSERT_TRUE(registry->Register(u).ok());

  auto lookup = [&](const std::string& extra) {
    auto r = registry->Lookup(Consumer(kDemo, extra));
    EXPECT_TRUE(r.ok()) << r.status();
    return Strings(r.value_or(std::vector<Url>()));
  };
  // Sorted by full string: ports 1..6 sort in that order.
  EXPECT_EQ(lookup("version=1.0.0&group=a"), Strings({v1a}));
  EXPECT_EQ(lookup("version=1.0.0&group=a,b"), Strings({v1a, v1b}));
  EXPECT_EQ(lookup("version=*&group=a"), Strings({v1a, v2a}));
  EXPECT_EQ(lookup("version=*&group=*"), Strings({v1a, v2a, v1b, plain, zero}));
  EXPECT_EQ(lookup(""), Strings({plain}));  // no version is not 0.0.0 here (Java's string compare)
  EXPECT_EQ(lookup("version=0.0.0"), Strings({zero}));
  EXPECT_EQ(lookup("version=1.0.0&group=a&enabled=*"), Strings({v1a, disabled}));

  Notifications n;
  ASSERT_TRUE(registry->Subscribe(Consumer(kDemo, "version=1.0.0&group=a,b"), n.Listener()).ok());
  EXPECT_EQ(Strings(n.latest()), Strings({v1a, v1b}));
  const Url v1b2 = Provider(kDemo, 7, "version=1.0.0&group=b");
  ASSERT_TRUE(registry->Register(Provider(kDemo, 8, "version=3.0.0&group=b")).ok());
  ASSERT_TRUE(registry->Register(v1b2).ok());
  ASSERT_TRUE(n.AwaitHas(v1b2));
  EXPECT_EQ(Strings(n.latest()), Strings({v1a, v1b, v1b2}));
}

TEST_P(RegistrySemanticsTest, RapidChangesAreCoalesced) {
  Notifications n;
  auto provider_side = Open();
  auto consumer_side = Open();
  ASSERT_TRUE(provider_side && consumer_side);
  ASSERT_TRUE(consumer_side->Subscribe(Consumer(kDemo), n.Listener()).ok());
  constexpr int kChanges = 100;
  std::vector<Url> urls;
  for (int i = 0; i < kChanges; ++i) urls.push_back(Provider(kDemo, 30000 + i));
  for (const Url& u : urls) ASSERT_TRUE(provider_side->Register(u).ok());
  ASSERT_TRUE(n.Await([](const auto& l) { return l.size() == kChanges; }, 10s));
  EXPECT_EQ(Strings(n.latest()), Strings(urls));
  const size_t after_adds = n.count();
  EXPECT_LT(after_adds - 1, static_cast<size_t>(kChanges));

  for (const Url& u : urls) ASSERT_TRUE(provider_side->Unregister(u).ok());
  ASSERT_TRUE(n.Await([](const auto& l) { return l.empty(); }, 10s));
  EXPECT_LT(n.count() - after_adds, static_cast<size_t>(kChanges));
  std::cout << "[          ] " << 2 * kChanges << " changes, " << n.count() - 1
            << " notifications\n";
}

TEST_P(RegistrySemanticsTest, LookupAndListServices) {
  auto registry = Open();
  ASSERT_TRUE(registry);
  auto empty = registry->ListServices();
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_TRUE(empty->empty());

  const Url a = Provider("com.example.A", 1);
  const Url b1 = Provider("com.example.B", 1);
  const Url b2 = Provider("com.example.B", 2);
  const Url c = Consumer("com.example.C", "category=consumers");
  const Url odd = Provider("com.example.Odd$Inner Name/x", 1);
  for (const Url& u : {a, b1, b2, c, odd}) ASSERT_TRUE(registry->Register(u).ok());

  auto services = registry->ListServices();
  ASSERT_TRUE(services.ok()) << services.status();
  EXPECT_EQ(*services, (std::vector<std::string>{"com.example.A", "com.example.B", "com.example.C",
                                                 "com.example.Odd$Inner Name/x"}));
  auto lookup_b = registry->Lookup(Consumer("com.example.B"));
  ASSERT_TRUE(lookup_b.ok());
  EXPECT_EQ(Strings(*lookup_b), Strings({b1, b2}));
  auto lookup_odd = registry->Lookup(Consumer("com.example.Odd$Inner Name/x"));
  ASSERT_TRUE(lookup_odd.ok());
  EXPECT_EQ(Strings(*lookup_odd), Strings({odd}));

  ASSERT_TRUE(registry->Unregister(b1).ok());
  ASSERT_TRUE(registry->Unregister(b2).ok());
  services = registry->ListServices();
  ASSERT_TRUE(services.ok());
  EXPECT_EQ(*services, (std::vector<std::string>{"com.example.A", "com.example.C",
                                                 "com.example.Odd$Inner Name/x"}));
}

TEST_P(RegistrySemanticsTest, CloseRemovesOwnEphemeralEntriesOnly) {
  auto mine = Open();
  auto other = Open();
  ASSERT_TRUE(mine && other);
  const Url ephemeral = Provider(kDemo, 1);
  const Url persistent = Provider(kDemo, 2, "dynamic=false");
  const Url others = Provider(kDemo, 3);
  ASSERT_TRUE(mine->Register(ephemeral).ok());
  ASSERT_TRUE(mine->Register(persistent).ok());
  ASSERT_TRUE(other->Register(others).ok());

  mine->Close();
  mine->Close();  // idempotent
  auto lookup = other->Lookup(Consumer(kDemo));
  ASSERT_TRUE(lookup.ok());
  EXPECT_EQ(Strings(*lookup), Strings({persistent, others}));

  EXPECT_EQ(mine->Register(ephemeral).code(), StatusCode::kCancelled);
  EXPECT_FALSE(mine->Subscribe(Consumer(kDemo), [](const auto&) {}).ok());
  EXPECT_FALSE(mine->Lookup(Consumer(kDemo)).ok());

  // Unregister removes even a persistent entry, whoever wrote it.
  ASSERT_TRUE(other->Unregister(persistent).ok());
  lookup = other->Lookup(Consumer(kDemo));
  ASSERT_TRUE(lookup.ok());
  EXPECT_EQ(Strings(*lookup), Strings({others}));
}

TEST_P(RegistrySemanticsTest, CorruptEntryIsSkipped) {
  if (!backend_->WriteCorruptProvider(kDemo))
    GTEST_SKIP() << "backend cannot store a corrupt entry";
  Notifications n;
  auto registry = Open();
  ASSERT_TRUE(registry);
  const Url p = Provider(kDemo, 20880);
  ASSERT_TRUE(registry->Register(p).ok());
  ASSERT_TRUE(registry->Subscribe(Consumer(kDemo), n.Listener()).ok());
  EXPECT_EQ(Strings(n.latest()), Strings({p}));
  auto lookup = registry->Lookup(Consumer(kDemo));
  ASSERT_TRUE(lookup.ok());
  EXPECT_EQ(Strings(*lookup), Strings({p}));
  auto services = registry->ListServices();
  ASSERT_TRUE(services.ok());
  EXPECT_EQ(*services, std::vector<std::string>{kDemo});
}

TEST_P(RegistrySemanticsTest, ListenerMayCallBackIntoTheRegistry) {
  auto registry = Open();
  ASSERT_TRUE(registry);
  const Url p1 = Provider(kDemo, 1);
  const Url p2 = Provider(kDemo, 2);
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  uint64_t id = 0;
  std::atomic<int> calls{0};
  auto listener = [&](const std::vector<Url>& urls) {
    ++calls;
    if (Has(urls, p1) && !Has(urls, p2)) {
      // Every call a listener may make from the registry's thread.
      EXPECT_TRUE(registry->Register(p2).ok());
      auto lookup = registry->Lookup(Consumer(kDemo));
      EXPECT_TRUE(lookup.ok());
      auto services = registry->ListServices();
      EXPECT_TRUE(services.ok());
      auto nested = registry->Subscribe(Consumer(kDemo), [](const auto&) {});
      EXPECT_TRUE(nested.ok());
      if (nested.ok()) {
        EXPECT_TRUE(registry->Unsubscribe(*nested).ok());
      }
    }
    if (Has(urls, p2)) {
      std::lock_guard<std::mutex> lock(mu);
      EXPECT_TRUE(registry->Unsubscribe(id).ok());
      done = true;
      cv.notify_all();
    }
  };
  {
    std::lock_guard<std::mutex> lock(mu);  // `id` is written before the listener reads it
    auto r = registry->Subscribe(Consumer(kDemo), listener);
    ASSERT_TRUE(r.ok());
    id = *r;
  }
  ASSERT_TRUE(registry->Register(p1).ok());
  std::unique_lock<std::mutex> lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, 5s, [&] { return done; }));
  lock.unlock();
  // Unsubscribed from inside: no further calls, even on changes.
  const int seen = calls.load();
  Notifications witness;
  ASSERT_TRUE(registry->Subscribe(Consumer(kDemo), witness.Listener()).ok());
  ASSERT_TRUE(registry->Unregister(p1).ok());
  ASSERT_TRUE(witness.AwaitLacks(p1, 5s));
  EXPECT_EQ(calls.load(), seen);
}

TEST_P(RegistrySemanticsTest, RegistryMayBeDestroyedByItsOwnListener) {
  std::shared_ptr<Registry> registry = Open();
  ASSERT_TRUE(registry);
  std::mutex mu;
  std::condition_variable cv;
  std::shared_ptr<Registry> holder = registry;
  bool released = false;
  const Url p = Provider(kDemo, 1);
  ASSERT_TRUE(
      registry
          ->Subscribe(Consumer(kDemo),
                      [&](const std::vector<Url>& urls) {
                        if (!Has(urls, p)) return;
                        std::lock_guard<std::mutex> lock(mu);
                        holder.reset();  // the last reference: destroys (closes) the registry
                        released = true;
                        cv.notify_all();
                      })
          .ok());
  ASSERT_TRUE(registry->Register(p).ok());
  registry.reset();
  std::unique_lock<std::mutex> lock(mu);
  EXPECT_TRUE(cv.wait_for(lock, 5s, [&] { return released; }));
}

TEST_P(RegistrySemanticsTest, UnsubscribeStopsNotifications) {
  auto registry = Open();
  ASSERT_TRUE(registry);
  Notifications gone;
  Notifications witness;
  auto id = registry->Subscribe(Consumer(kDemo), gone.Listener());
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(registry->Subscribe(Consumer(kDemo), witness.Listener()).ok());
  ASSERT_TRUE(registry->Unsubscribe(*id).ok());
  EXPECT_EQ(registry->Unsubscribe(*id).code(), StatusCode::kNotFound);
  const Url p = Provider(kDemo, 1);
  ASSERT_TRUE(registry->Register(p).ok());
  ASSERT_TRUE(witness.AwaitHas(p));
  EXPECT_EQ(gone.count(), 1u);
}

TEST_P(RegistrySemanticsTest, WildcardSubscriptionSeesEveryService) {
  Notifications n;
  auto registry = Open();
  ASSERT_TRUE(registry);
  const Url a = Provider("com.example.A", 1);
  ASSERT_TRUE(registry->Register(a).ok());
  ASSERT_TRUE(registry->Subscribe(Consumer("*", "group=*&version=*"), n.Listener()).ok());
  EXPECT_EQ(Strings(n.latest()), Strings({a}));
  const Url b = Provider("com.example.B", 1, "version=1.0.0");
  ASSERT_TRUE(registry->Register(b).ok());
  ASSERT_TRUE(n.AwaitHas(b));
  EXPECT_EQ(Strings(n.latest()), Strings({a, b}));
}

INSTANTIATE_TEST_SUITE_P(Backends, RegistrySemanticsTest,
                         ::testing::ValuesIn(testing::RegistryBackends()),
                         [](const ::testing::TestParamInfo<RegistryBackendParam>& info) {
                           return info.param.name;
                         });

// The child's side of RegisteringChild; skipped unless run by it.
TEST(RegistryChildProcess, DISABLED_RegisterAndWait) {
  if (!testing::RunRegisteringChildIfAsked()) GTEST_SKIP() << "only run as a child process";
}

// ---------------------------------------------------------------------------------------------
// Matching: Dubbo's UrlUtils.isMatch.

TEST(IsMatchTest, InterfaceFromParameterElsePathWithWildcards) {
  const Url consumer = Consumer(kDemo);
  EXPECT_TRUE(IsMatch(consumer, Provider(kDemo, 1)));
  EXPECT_FALSE(IsMatch(consumer, Provider("com.example.Other", 1)));
  // The interface parameter wins over the path.
  EXPECT_TRUE(
      IsMatch(consumer, MustParse(std::string("dubbo://h:1/some-path?interface=") + kDemo)));
  EXPECT_FALSE(
      IsMatch(consumer, MustParse(std::string("dubbo://h:1/") + kDemo + "?interface=x.Y")));
  EXPECT_TRUE(IsMatch(MustParse(std::string("consumer://h/") + kDemo),
                      MustParse(std::string("dubbo://h:1/") + kDemo)));
  EXPECT_TRUE(IsMatch(Consumer("*"), Provider(kDemo, 1)));
  EXPECT_TRUE(IsMatch(consumer, MustParse("dubbo://h:1/*")));
}

TEST(IsMatchTest, Categories) {
  const Url override_url =
      MustParse(std::string("override://0.0.0.0/") + kDemo + "?category=configurators");
  EXPECT_FALSE(IsMatch(Consumer(kDemo), override_url));  // the consumer's default is providers
  EXPECT_TRUE(IsMatch(Consumer(kDemo, "category=providers,configurators,routers"), override_url));
  EXPECT_TRUE(IsMatch(Consumer(kDemo, "category=*"), override_url));
  EXPECT_TRUE(IsMatch(Consumer(kDemo, "category=-routers"), override_url));
  EXPECT_FALSE(IsMatch(Consumer(kDemo, "category=-configurators"), override_url));
  EXPECT_FALSE(IsMatch(Consumer(kDemo, "category=configurators"), Provider(kDemo, 1)));
  EXPECT_TRUE(IsMatch(Consumer(kDemo, "category=providers"), Provider(kDemo, 1)));
}

TEST(IsMatchTest, DisabledProvidersAreExcludedUnlessConsumerAsksForAll) {
  EXPECT_FALSE(IsMatch(Consumer(kDemo), Provider(kDemo, 1, "enabled=false")));
  EXPECT_FALSE(IsMatch(Consumer(kDemo), Provider(kDemo, 1, "enabled=FALSE")));
  // Boolean.parseBoolean: anything but "true" is false.
  EXPECT_FALSE(IsMatch(Consumer(kDemo), Provider(kDemo, 1, "enabled=no")));
  EXPECT_TRUE(IsMatch(Consumer(kDemo), Provider(kDemo, 1, "enabled=TRUE")));
  EXPECT_TRUE(IsMatch(Consumer(kDemo), Provider(kDemo, 1, "enabled=")));
  EXPECT_TRUE(IsMatch(Consumer(kDemo, "enabled=*"), Provider(kDemo, 1, "enabled=false")));
}

TEST(IsMatchTest, GroupsVersionsAndClassifiers) {
  const Url pa = Provider(kDemo, 1, "group=a&version=1.0.0");
  EXPECT_TRUE(IsMatch(Consumer(kDemo, "group=a&version=1.0.0"), pa));
  EXPECT_FALSE(IsMatch(Consumer(kDemo, "group=b&version=1.0.0"), pa));
  EXPECT_TRUE(IsMatch(Consumer(kDemo, "group=b,a&version=1.0.0"), pa));
  EXPECT_TRUE(IsMatch(Consumer(kDemo, "group=b , a&version=1.0.0"), pa));
  EXPECT_TRUE(IsMatch(Consumer(kDemo, "group=*&version=1.0.0"), pa));
  EXPECT_FALSE(IsMatch(Consumer(kDemo, "version=1.0.0"), pa));  // no group is not any group
  EXPECT_FALSE(IsMatch(Consumer(kDemo, "group=a"), pa));        // no version is not any version
  EXPECT_TRUE(IsMatch(Consumer(kDemo, "group=a&version=*"), pa));
  EXPECT_FALSE(IsMatch(Consumer(kDemo, "group=a&version=1.0"), pa));
  EXPECT_FALSE(IsMatch(Consumer(kDemo, "group=a"), Provider(kDemo, 1)));
  EXPECT_TRUE(IsMatch(Consumer(kDemo), Provider(kDemo, 1)));
  EXPECT_FALSE(IsMatch(Consumer(kDemo), Provider(kDemo, 1, "version=0.0.0")));
  EXPECT_FALSE(IsMatch(Consumer(kDemo, "group=a,"), Provider(kDemo, 1)));

  EXPECT_TRUE(IsMatch(Consumer(kDemo), Provider(kDemo, 1, "classifier=x")));
  EXPECT_TRUE(IsMatch(Consumer(kDemo, "classifier=x"), Provider(kDemo, 1, "classifier=x")));
  EXPECT_FALSE(IsMatch(Consumer(kDemo, "classifier=x"), Provider(kDemo, 1, "classifier=y")));
  EXPECT_FALSE(IsMatch(Consumer(kDemo, "classifier=x"), Provider(kDemo, 1)));
}

TEST(RegistryInternalTest, SplitsCommaListsAsDubbo) {
  using internal::SplitCommaList;
  EXPECT_EQ(SplitCommaList("a,b"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(SplitCommaList("a ,, b"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(SplitCommaList(" a , b "), (std::vector<std::string>{" a", "b "}));
  EXPECT_EQ(SplitCommaList(",a,"), (std::vector<std::string>{"a"}));
  EXPECT_TRUE(SplitCommaList("").empty());
  EXPECT_EQ(internal::CategoriesOf(Consumer(kDemo), {"providers"}),
            (std::vector<std::string>{"providers"}));
  EXPECT_EQ(internal::CategoriesOf(Consumer(kDemo, "category=*"), {}),
            (std::vector<std::string>{"providers", "consumers", "routers", "configurators"}));
  EXPECT_EQ(internal::CategoriesOf(Consumer(kDemo, "category=providers,-routers,providers"), {}),
            (std::vector<std::string>{"providers"}));
}

// ---------------------------------------------------------------------------------------------
// Opening registries by address.

TEST(OpenRegistryTest, ErrorsNameTheAddress) {
  RegisterBuiltinRegistries();
  RegisterBuiltinRegistries();  // idempotent
  EXPECT_TRUE(RegistryFactories().Contains("file"));

  auto unknown = OpenRegistry("nosuch://127.0.0.1:1");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(unknown.status().message().find("nosuch://127.0.0.1:1"), std::string::npos)
      << unknown.status();
  EXPECT_NE(unknown.status().message().find("known: "), std::string::npos) << unknown.status();

  auto no_scheme = OpenRegistry("127.0.0.1:2181");
  ASSERT_FALSE(no_scheme.ok());
  EXPECT_NE(no_scheme.status().message().find("127.0.0.1:2181"), std::string::npos)
      << no_scheme.status();

  auto bad = OpenRegistry("file://[::1");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("file://[::1"), std::string::npos) << bad.status();

  auto host = OpenRegistry("file://somehost/var/lib/dubbo");
  ASSERT_FALSE(host.ok());
  EXPECT_NE(host.status().message().find("file://somehost/var/lib/dubbo"), std::string::npos)
      << host.status();

  testing::TempDir dir;
  auto delay = OpenRegistry("file://" + dir.path() + "?notify.delay=soon");
  ASSERT_FALSE(delay.ok());
  EXPECT_NE(delay.status().message().find("notify.delay"), std::string::npos) << delay.status();
  auto inotify = OpenRegistry("file://" + dir.path() + "?inotify=maybe");
  EXPECT_FALSE(inotify.ok());
  auto root = OpenRegistry("file://" + dir.path() + "?group=../escape");
  ASSERT_FALSE(root.ok());
  EXPECT_NE(root.status().message().find("group"), std::string::npos) << root.status();

  std::filesystem::permissions(
      dir.path(), std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
  if (::geteuid() != 0) {
    auto readonly = OpenRegistry("file://" + dir.path() + "/sub");
    ASSERT_FALSE(readonly.ok());
    EXPECT_EQ(readonly.status().code(), StatusCode::kIoError);
    EXPECT_NE(readonly.status().message().find(dir.path()), std::string::npos) << readonly.status();
  }
  std::filesystem::permissions(dir.path(), std::filesystem::perms::owner_all);
}

// ---------------------------------------------------------------------------------------------
// The file registry's own rules: layout, entry format, liveness, robustness.

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteFile(const std::string& path, const std::string& content) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << content;
}

// A pid that is certainly not running: a child that exited and was reaped.
pid_t DeadPid() {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  int status;
  ::waitpid(pid, &status, 0);
  return pid;
}

std::string SelfStartTime() {
  std::string stat = ReadFile("/proc/self/stat");
  std::istringstream in(stat.substr(stat.rfind(')') + 2));
  std::string field;
  for (int i = 3; i <= 22; ++i) in >> field;
  return field;
}

class FileRegistryTest : public ::testing::Test {
 protected:
  std::shared_ptr<Registry> Open(const std::string& query = "") {
    auto registry = OpenRegistry("file://" + dir_.path() + query);
    EXPECT_TRUE(registry.ok()) << registry.status();
    return registry.ok() ? *registry : nullptr;
  }
  std::string ProvidersDir(const std::string& interface = kDemo,
                           const std::string& root = "dubbo") const {
    return dir_.path() + "/" + root + "/" + UrlEncode(interface) + "/providers";
  }
  std::vector<std::string> Files(const std::string& dir) const {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec))
      names.push_back(e.path().filename());
    std::sort(names.begin(), names.end());
    return names;
  }
  testing::TempDir dir_;
};

TEST_F(FileRegistryTest, LayoutMirrorsZooKeeperAndEntriesHoldUrlAndOwner) {
  auto registry = Open("?group=apps/dubbo");
  ASSERT_TRUE(registry);
  const Url p = Provider(kDemo, 20880);
  const Url persistent = Provider(kDemo, 20881, "dynamic=false");
  const Url c = Consumer(kDemo, "category=consumers");
  for (const Url& u : {p, persistent, c}) ASSERT_TRUE(registry->Register(u).ok());

  const std::string providers = ProvidersDir(kDemo, "apps/dubbo");
  EXPECT_EQ(Files(providers), (std::vector<std::string>{FileRegistryEntryName(p),
                                                        FileRegistryEntryName(persistent)}));
  EXPECT_EQ(
      ReadFile(providers + "/" + FileRegistryEntryName(p)).substr(0, p.ToFullString().size() + 1),
      p.ToFullString() + "\n");
  const std::string owner =
      ReadFile(providers + "/" + FileRegistryEntryName(p)).substr(p.ToFullString().size() + 1);
  EXPECT_EQ(owner.rfind("owner pid=" + std::to_string(::getpid()) + " start=" + SelfStartTime(), 0),
            0u)
      << owner;
  EXPECT_EQ(ReadFile(providers + "/" + FileRegistryEntryName(persistent)),
            persistent.ToFullString() + "\n");
  const std::string consumers = dir_.path() + "/apps/dubbo/" + kDemo + "/consumers";
  EXPECT_EQ(Files(consumers), std::vector<std::string>{FileRegistryEntryName(c)});

  // Names stay short and distinct however long the URL.
  std::string methods;
  for (int i = 0; i < 500; ++i)
    methods += (i ? "," : "") + std::string("method") + std::to_string(i);
  const Url long_url = Provider(kDemo, 20882, "methods=" + methods);
  const Url long_url2 = Provider(kDemo, 20882, "methods=" + methods + "x");
  EXPECT_LT(FileRegistryEntryName(long_url).size(), 255u);
  EXPECT_NE(FileRegistryEntryName(long_url), FileRegistryEntryName(long_url2));
  EXPECT_EQ(FileRegistryEntryName(p).rfind("dubbo-127.0.0.1-20880-", 0), 0u)
      << FileRegistryEntryName(p);
  EXPECT_LE(FileRegistryEntryName(MustParse("some+long-protocol.name.x.y.z.q.r.s://" +
                                            std::string(300, 'h') + ":65535/x?a=b"))
                .size(),
            172u);
  EXPECT_EQ(FileRegistryEntryName(MustParse("dubbo://[::1]:20880/x")).rfind("dubbo-__1-20880-", 0),
            0u);
  ASSERT_TRUE(registry->Register(long_url).ok());
  auto lookup = registry->Lookup(Consumer(kDemo));
  ASSERT_TRUE(lookup.ok());
  EXPECT_TRUE(Has(*lookup, long_url));

  // Registering again replaces the entry (same name), Unregister removes it.
  ASSERT_TRUE(registry->Register(p).ok());
  ASSERT_TRUE(registry->Unregister(p).ok());
  EXPECT_FALSE(std::filesystem::exists(providers + "/" + FileRegistryEntryName(p)));
  EXPECT_TRUE(registry->Unregister(p).ok());  // absent: nothing to do
  // No temporary file is left behind.
  for (const auto& name : Files(providers)) EXPECT_NE(name[0], '.') << name;
}

TEST_F(FileRegistryTest, EntriesOfGoneOwnersAreInvisibleAndCollected) {
  auto registry = Open();
  ASSERT_TRUE(registry);
  const std::string dir = ProvidersDir();
  const std::string self = std::to_string(::getpid());
  const std::string boot = [] {
    std::string b = ReadFile("/proc/sys/kernel/random/boot_id");
    while (!b.empty() && b.back() == '\n') b.pop_back();
    return b;
  }();
  const Url alive = Provider(kDemo, 1);
  const Url dead = Provider(kDemo, 2);
  const Url reused_pid = Provider(kDemo, 3);
  const Url old_boot = Provider(kDemo, 4);
  const Url handwritten = Provider(kDemo, 5, "dynamic=false");
  WriteFile(dir + "/alive",
            alive.ToFullString() + "\nowner pid=" + self + " start=" + SelfStartTime() + "\n");
  WriteFile(dir + "/dead",
            dead.ToFullString() + "\nowner pid=" + std::to_string(DeadPid()) + " start=1\n");
  // Our pid, another start time: a process that reused the owner's pid.
  WriteFile(dir + "/reused", reused_pid.ToFullString() + "\nowner pid=" + self + " start=1\n");
  if (!boot.empty()) {
    WriteFile(dir + "/old-boot", old_boot.ToFullString() + "\nowner pid=" + self +
                                     " start=" + SelfStartTime() +
                                     " boot=00000000-0000-0000-0000-000000000000\n");
  }
  WriteFile(dir + "/handwritten", handwritten.ToFullString());  // persistent, no newline even

  auto lookup = registry->Lookup(Consumer(kDemo));
  ASSERT_TRUE(lookup.ok());
  EXPECT_EQ(Strings(*lookup), Strings({alive, handwritten}));
  EXPECT_EQ(Files(dir), (std::vector<std::string>{"alive", "handwritten"}));

  // Unregister finds an entry under any name.
  ASSERT_TRUE(registry->Unregister(handwritten).ok());
  EXPECT_EQ(Files(dir), (std::vector<std::string>{"alive"}));
}

TEST_F(FileRegistryTest, CorruptUnreadableAndTemporaryFilesAreSkipped) {
  auto registry = Open();
  ASSERT_TRUE(registry);
  const std::string dir = ProvidersDir();
  const Url p = Provider(kDemo, 1);
  ASSERT_TRUE(registry->Register(p).ok());
  WriteFile(dir + "/empty", "");
  WriteFile(dir + "/garbage", std::string("\x00\x01\x02 binary", 10));
  WriteFile(dir + "/bad-owner", Provider(kDemo, 2).ToFullString() + "\nowner pid=-5 start=1\n");
  WriteFile(dir + "/bad-url", "dubbo://host:99999999/x\n");
  WriteFile(dir + "/.tmp.1.1", Provider(kDemo, 3).ToFullString() + "\n");  // in flight
  WriteFile(dir + "/.tmp.1.2", Provider(kDemo, 4).ToFullString() + "\n");  // left by a crash
  const struct timespec old[2] = {{::time(nullptr) - 600, 0}, {::time(nullptr) - 600, 0}};
  ASSERT_EQ(::utimensat(AT_FDCWD, (dir + "/.tmp.1.2").c_str(), old, 0), 0);
  std::filesystem::create_directories(dir + "/subdir");
  WriteFile(dir + "/unreadable", Provider(kDemo, 5).ToFullString() + "\n");
  ::chmod((dir + "/unreadable").c_str(), 0);
  std::filesystem::create_symlink(dir + "/" + FileRegistryEntryName(p), dir + "/symlink");

  Notifications n;
  ASSERT_TRUE(registry->Subscribe(Consumer(kDemo), n.Listener()).ok());
  if (::geteuid() == 0) {
    EXPECT_EQ(n.latest().size(), 2u);  // root reads the unreadable one
  } else {
    EXPECT_EQ(Strings(n.latest()), Strings({p}));
  }
  EXPECT_TRUE(std::filesystem::exists(dir + "/.tmp.1.1"));
  EXPECT_FALSE(std::filesystem::exists(dir + "/.tmp.1.2"));
  // Still serving: a new provider is seen.
  const Url p6 = Provider(kDemo, 6);
  ASSERT_TRUE(registry->Register(p6).ok());
  EXPECT_TRUE(n.AwaitHas(p6));
}

TEST_F(FileRegistryTest, OwnEntriesAreRecreatedWhenRemovedBehindItsBack) {
  auto provider_side = Open();
  auto consumer_side = Open();
  ASSERT_TRUE(provider_side && consumer_side);
  Notifications n;
  ASSERT_TRUE(consumer_side->Subscribe(Consumer(kDemo), n.Listener()).ok());
  const Url p = Provider(kDemo, 1);
  ASSERT_TRUE(provider_side->Register(p).ok());
  ASSERT_TRUE(n.AwaitHas(p));

  // Someone cleans the directory. Renamed away first: the registries re-create directories while
  // remove_all walks them.
  std::filesystem::rename(dir_.path() + "/dubbo", dir_.path() + "/cleaned");
  std::filesystem::remove_all(dir_.path() + "/cleaned");
  ASSERT_TRUE(n.AwaitLacks(p, 5s));
  EXPECT_TRUE(n.AwaitHas(p, 5s)) << "the provider's registry re-creates its entry";
  // And the subscription still follows changes in the re-created directories.
  const Url p2 = Provider(kDemo, 2);
  ASSERT_TRUE(provider_side->Register(p2).ok());
  EXPECT_TRUE(n.AwaitHas(p2, 5s));
}

TEST_F(FileRegistryTest, FailedRegistrationIsRetriedInTheBackground) {
  auto provider_side = Open();
  auto consumer_side = Open();
  ASSERT_TRUE(provider_side && consumer_side);
  // A file where the service's directory belongs: creating providers/ fails (even for root).
  const std::string service_dir = dir_.path() + "/dubbo/" + kDemo;
  WriteFile(service_dir, "in the way");
  const Url p = Provider(kDemo, 1);
  const Status s = provider_side->Register(p);
  EXPECT_EQ(s.code(), StatusCode::kIoError);
  EXPECT_NE(s.message().find(p.ToString()), std::string::npos) << s;

  std::filesystem::remove(service_dir);
  Notifications n;
  ASSERT_TRUE(consumer_side->Subscribe(Consumer(kDemo), n.Listener()).ok());
  EXPECT_TRUE(n.AwaitHas(p, 5s));
}

TEST_F(FileRegistryTest, WithoutInotifyChangesAreSeenByThePeriodicScan) {
  auto provider_side = Open();
  auto consumer_side = Open("?inotify=false&liveness.interval=50");
  ASSERT_TRUE(provider_side && consumer_side);
  Notifications n;
  ASSERT_TRUE(consumer_side->Subscribe(Consumer(kDemo), n.Listener()).ok());
  const Url p = Provider(kDemo, 1);
  ASSERT_TRUE(provider_side->Register(p).ok());
  EXPECT_TRUE(n.AwaitHas(p, 5s));
  ASSERT_TRUE(provider_side->Unregister(p).ok());
  EXPECT_TRUE(n.AwaitLacks(p, 5s));
  EXPECT_EQ(n.count(), 3u);  // initial, added, removed: unchanged passes notify nothing
}

TEST_F(FileRegistryTest, DefaultDirectoryIsPrivateToTheUser) {
  const std::string dir = FileRegistryDefaultDir();
  EXPECT_EQ(dir, "/tmp/dubbo-cpp-registry-" + std::to_string(::getuid()));
  // A root of our own, so nothing else in the shared default directory is touched.
  const std::string root = "registry-test-" + std::to_string(::getpid());
  auto registry = OpenRegistry("file://?group=" + root);
  ASSERT_TRUE(registry.ok()) << registry.status();
  struct stat st;
  ASSERT_EQ(::stat(dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, ::getuid());
  const Url p = Provider(kDemo, 1);
  ASSERT_TRUE((*registry)->Register(p).ok());
  EXPECT_TRUE(std::filesystem::exists(dir + "/" + root + "/" + kDemo + "/providers/" +
                                      FileRegistryEntryName(p)));
  (*registry)->Close();
  std::filesystem::remove_all(dir + "/" + root);
}

// ---------------------------------------------------------------------------------------------
// The ZooKeeper registry's own rules, against the real server (tests/support/zookeeper_server.h):
// Dubbo's layout and node names, sessions, outages, the cache file, retries.

TEST(ZookeeperAddressTest, ConnectStringFromAddressAndBackups) {
  auto hosts = [](const std::string& url) {
    return ZookeeperConnectString(MustParse(url)).value_or("error");
  };
  EXPECT_EQ(hosts("zookeeper://10.0.0.1:2181"), "10.0.0.1:2181");
  EXPECT_EQ(hosts("zookeeper://10.0.0.1"), "10.0.0.1:2181");
  EXPECT_EQ(hosts("zookeeper://h1:2181?backup=h2:2182,h3"), "h1:2181,h2:2182,h3:2181");
  EXPECT_EQ(hosts("zookeeper://h1:2181,h2:2182/org.apache.dubbo.registry.RegistryService"),
            "h1:2181,h2:2182");
  EXPECT_EQ(hosts("zookeeper://h1:2181,h2:2182?backup=h2:2182, h4:1"), "h1:2181,h2:2182,h4:1");
  EXPECT_EQ(hosts("zookeeper://[::1]:2181"), "[::1]:2181");
  EXPECT_FALSE(ZookeeperConnectString(MustParse("zookeeper://?backup=h2")).ok());
}

TEST(ZookeeperAddressTest, CacheFileNamedAfterApplicationAndRegistry) {
  const char* home = std::getenv("HOME");
  const std::string saved = home != nullptr ? home : "";
  ::setenv("HOME", "/home/someone", 1);
  EXPECT_EQ(
      ZookeeperCacheFilePath(MustParse("zookeeper://10.0.0.1:2181?application=demo-consumer")),
      "/home/someone/.dubbo/dubbo-registry-demo-consumer-10.0.0.1-2181.cache");
  EXPECT_EQ(ZookeeperCacheFilePath(MustParse("zookeeper://10.0.0.1?backup=h2:1&application=demo")),
            "/home/someone/.dubbo/dubbo-registry-demo-10.0.0.1-2181.cache");
  EXPECT_EQ(ZookeeperCacheFilePath(MustParse("zookeeper://10.0.0.1:2181")),
            "/home/someone/.dubbo/dubbo-registry-10.0.0.1-2181.cache");
  EXPECT_EQ(ZookeeperCacheFilePath(MustParse("zookeeper://10.0.0.1:2181?file=/var/cache/x.cache")),
            "/var/cache/x.cache");
  EXPECT_EQ(
      ZookeeperCacheFilePath(MustParse("zookeeper://10.0.0.1:2181?file-cache=false&application=a")),
      "");
  if (home != nullptr) {
    ::setenv("HOME", saved.c_str(), 1);
  } else {
    ::unsetenv("HOME");
  }
}

TEST(ZookeeperAddressTest, BadParametersAreRejected) {
  for (const char* url :
       {"zookeeper://127.0.0.1:1?session=soon", "zookeeper://127.0.0.1:1?retry.period=0",
        "zookeeper://127.0.0.1:1?notify.delay=-1", "zookeeper://127.0.0.1:1?group=a/../b",
        "zookeeper://127.0.0.1:1?timeout=x"}) {
    auto r = OpenRegistry(url);
    EXPECT_FALSE(r.ok()) << url;
    if (!r.ok()) {
      EXPECT_NE(r.status().message().find("127.0.0.1:1"), std::string::npos) << r.status();
    }
  }
  EXPECT_TRUE(RegistryFactories().Contains("zookeeper"));
}

TEST(RegistryCacheFileTest, JavaPropertiesEscaping) {
  // Properties.store: '=' ':' '#' '!' and '\' escaped, space only in keys (or leading in values),
  // everything outside printable ASCII as \uXXXX of its UTF-16 units.
  EXPECT_EQ(EscapeJavaProperty("g/com.foo.Bar:1.0.0", true), "g/com.foo.Bar\\:1.0.0");
  EXPECT_EQ(EscapeJavaProperty("a b=c#d!e\\f\tg", true), "a\\ b\\=c\\#d\\!e\\\\f\\tg");
  EXPECT_EQ(EscapeJavaProperty(" a b", false), "\\ a b");
  EXPECT_EQ(EscapeJavaProperty("caf\xc3\xa9 \xf0\x9f\x98\x80\x7f", false),
            "caf\\u00E9 \\uD83D\\uDE00\\u007F");
  const std::string value =
      "dubbo://1.2.3.4:20880/x?remark=caf\xc3\xa9 a:b=c#d!e\\ \xf0\x9f\x98\x80";
  const std::string text =
      FormatJavaProperties({{"g/x:1.0", value}, {"k y", " lead"}}, "Dubbo Registry Cache");
  auto parsed = ParseJavaProperties(text);
  EXPECT_EQ(parsed, (std::map<std::string, std::string>{{"g/x:1.0", value}, {"k y", " lead"}}))
      << text;

  // What Java's Properties.load accepts besides: ':' and whitespace separators, comments,
  // continuation lines, CRLF, Latin-1 bytes.
  EXPECT_EQ(ParseJavaProperties(
                "! comment\r\n  # another\na:1\nb 2\nc = 3 \\\n    4\nd=\\u0041\\n\ne=\xe9\n"),
            (std::map<std::string, std::string>{
                {"a", "1"}, {"b", "2"}, {"c", "3 4"}, {"d", "A\n"}, {"e", "\xc3\xa9"}}));
}

TEST(RegistryCacheFileTest, SavesMergeWithOtherWritersAndLoadBack) {
  testing::TempDir dir;
  const std::string path = dir.File("sub/dubbo-registry-app-h-2181.cache");
  RegistryCacheFile a(path);
  RegistryCacheFile b(path);
  EXPECT_FALSE(a.Get("x").has_value());
  EXPECT_TRUE(a.Put("x", "dubbo://1.1.1.1:1/x empty://1.1.1.1/x?category=routers"));
  EXPECT_FALSE(a.Put("x", "dubbo://1.1.1.1:1/x empty://1.1.1.1/x?category=routers"));
  EXPECT_TRUE(a.dirty());
  ASSERT_TRUE(a.Save().ok());
  EXPECT_FALSE(a.dirty());
  EXPECT_TRUE(b.Put("y", "dubbo://2.2.2.2:2/y"));
  ASSERT_TRUE(b.Save().ok());  // keeps a's entry, written after b loaded
  RegistryCacheFile c(path);
  EXPECT_EQ(c.Get("x").value_or(""), "dubbo://1.1.1.1:1/x empty://1.1.1.1/x?category=routers");
  EXPECT_EQ(Strings(c.GetUrls("x")),
            std::vector<std::string>{"dubbo://1.1.1.1:1/x"});  // no empty://
  EXPECT_EQ(c.Get("y").value_or(""), "dubbo://2.2.2.2:2/y");
  EXPECT_TRUE(std::filesystem::exists(path + ".lock"));
  for (const auto& e : std::filesystem::directory_iterator(dir.File("sub"))) {
    EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos) << e.path();
  }
}

// Polls `pred` until it holds; false after `timeout`.
bool Eventually(const std::function<bool()>& pred, Millis timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

Millis Since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - start);
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

// "#" + Java's Date.toString(): "#Sat Nov 21 21:16:20 UTC 2026" (the zone name varies).
bool IsJavaDateComment(const std::string& line) {
  auto is = [](char c, char kind) {
    switch (kind) {
      case 'A':
        return c >= 'A' && c <= 'Z';
      case 'a':
        return c >= 'a' && c <= 'z';
      case '9':
        return c >= '0' && c <= '9';
      default:
        return c == kind;
    }
  };
  const std::string head = "#Aaa Aaa 99 99:99:99 ";
  if (line.size() < head.size() + 6) return false;
  for (size_t i = 0; i < head.size(); ++i)
    if (!is(line[i], head[i])) return false;
  const std::string year = line.substr(line.size() - 5);
  const std::string zone = line.substr(head.size(), line.size() - head.size() - 5);
  return year[0] == ' ' && is(year[1], '9') && is(year[2], '9') && is(year[3], '9') &&
         is(year[4], '9') && !zone.empty() && zone.find(' ') == std::string::npos;
}

class ZookeeperRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    server_ = testing::ZooKeeperServer::Shared(&error);
    ASSERT_NE(server_, nullptr) << error;  // a failure, not a skip: the server is a test dependency
    static int counter = 0;
    root_ = "zk-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  }
  void TearDown() override {
    // A test that stopped the server leaves it running for the next one.
    std::string error;
    if (server_ != nullptr && !server_->running()) {
      EXPECT_TRUE(server_->Start(&error)) << error;
    }
  }

  std::string Address(const std::string& credentials = "") const {
    return "zookeeper://" + credentials + server_->address() +
           "?application=zk-test&group=" + root_ + "&file=" + cache_file();
  }
  std::shared_ptr<Registry> Open(const std::string& extra = "",
                                 const std::string& credentials = "") {
    auto registry = OpenRegistry(Address(credentials) + extra);
    EXPECT_TRUE(registry.ok()) << registry.status();
    return registry.ok() ? *registry : nullptr;
  }
  std::unique_ptr<testing::ZkTestClient> Client() {
    std::string error;
    auto client = testing::ZkTestClient::Connect(server_->address(), &error);
    EXPECT_NE(client, nullptr) << error;
    return client;
  }
  std::string ServicePath(const std::string& interface = kDemo) const {
    return "/" + root_ + "/" + UrlEncode(interface);
  }
  std::string NodePath(const Url& url) const {
    return ServicePath(url.Get("interface")) + "/" + url.Get("category", "providers") + "/" +
           UrlEncode(url.ToFullString());
  }
  std::string cache_file() const { return dir_.File("dubbo-registry-zk-test.cache"); }

  void ExpireSession(const Registry& registry) {
    auto ended = testing::ExpireRegistrySession(server_->address(), registry);
    ASSERT_TRUE(ended.ok()) << ended.status();
  }

  testing::ZooKeeperServer* server_ = nullptr;
  std::string root_;
  testing::TempDir dir_;
};

TEST_F(ZookeeperRegistryTest, LayoutAndNodeNamesAreDubbos) {
  auto registry = Open();
  ASSERT_TRUE(registry);
  // Values with spaces and reserved characters: the whole URL is encoded once, as URLEncoder does.
  const Url p = Provider(kDemo, 20880, "remark=hello world&tag=a/b?c");
  const Url persistent = Provider(kDemo, 20881, "dynamic=false");
  const Url c = Consumer(kDemo, "category=consumers&check=false&pid=42&timestamp=1");
  for (const Url& u : {p, persistent, c}) ASSERT_TRUE(registry->Register(u).ok());
  Notifications n;
  ASSERT_TRUE(registry->Subscribe(Consumer(kDemo), n.Listener()).ok());
  EXPECT_EQ(Strings(n.latest()), Strings({p, persistent}));

  auto client = Client();
  ASSERT_TRUE(client);
  EXPECT_EQ(client->Children("/" + root_), std::vector<std::string>{kDemo});
  // Subscribing created the categories it watches, as Dubbo's consumers do.
  EXPECT_EQ(client->Children(ServicePath()),
            (std::vector<std::string>{"configurators", "consumers", "providers", "routers"}));
  std::vector<std::string> providers = {UrlEncode(p.ToFullString()),
                                        UrlEncode(persistent.ToFullString())};
  std::sort(providers.begin(), providers.end());
  EXPECT_EQ(client->Children(ServicePath() + "/providers"), providers);
  EXPECT_EQ(client->Children(ServicePath() + "/consumers"),
            std::vector<std::string>{UrlEncode(c.ToFullString())});
  const std::string name = UrlEncode(p.ToFullString());
  EXPECT_EQ(
      name.rfind(
          "dubbo%3A%2F%2F127.0.0.1%3A20880%2Forg.apache.dubbo.demo.DemoService%3Fanyhost%3Dtrue%26",
          0),
      0u)
      << name;
  EXPECT_NE(name.find("%26remark%3Dhello+world%26"), std::string::npos) << name;
  EXPECT_NE(name.find("%26tag%3Da%2Fb%3Fc%26"), std::string::npos) << name;

  const auto session = ZookeeperRegistrySession(*registry);
  ASSERT_TRUE(session.has_value());
  struct Stat st {};
  ASSERT_TRUE(client->Exists(NodePath(p), &st));
  EXPECT_EQ(st.ephemeralOwner, session->id);
  ASSERT_TRUE(client->Exists(NodePath(c), &st));
  EXPECT_EQ(st.ephemeralOwner, session->id);
  ASSERT_TRUE(client->Exists(NodePath(persistent), &st));
  EXPECT_EQ(st.ephemeralOwner, 0);
  ASSERT_TRUE(client->Exists(ServicePath() + "/providers", &st));
  EXPECT_EQ(st.ephemeralOwner, 0);

  registry->Close();
  EXPECT_FALSE(client->Exists(NodePath(p)));
  EXPECT_FALSE(client->Exists(NodePath(c)));
  EXPECT_TRUE(client->Exists(NodePath(persistent)));
}

TEST_F(ZookeeperRegistryTest, NestedRootAndNodesOtherClientsWrite) {
  root_ += "/apps/dubbo";
  auto registry = Open();
  ASSERT_TRUE(registry);
  Notifications n;
  ASSERT_TRUE(registry->Subscribe(Consumer(kDemo), n.Listener()).ok());
  auto client = Client();
  ASSERT_TRUE(client);
  // JavaScript clients encode spaces as %20 and some tools write lowercase hex: URLDecoder takes
  // both.
  const Url js = Provider(kDemo, 1, "remark=hello world");
  std::string name = UrlEncode(js.ToFullString());
  name.replace(name.find("hello+world"), 11, "hello%20world");
  name.replace(name.find("%3A%2F%2F"), 9, "%3a%2f%2f");
  ASSERT_EQ(client->Create(ServicePath() + "/providers/" + name, ZOO_EPHEMERAL), ZOK);
  ASSERT_TRUE(n.AwaitHas(js));
  EXPECT_EQ(Strings(n.latest()), Strings({js}));
  // Not URLs: ignored.
  ASSERT_EQ(client->Create(ServicePath() + "/providers/leader-lock", ZOO_EPHEMERAL), ZOK);
  const Url p2 = Provider(kDemo, 2);
  ASSERT_TRUE(registry->Register(p2).ok());
  ASSERT_TRUE(n.AwaitHas(p2));
  EXPECT_EQ(Strings(n.latest()), Strings({js, p2}));
  EXPECT_EQ(registry->ListServices().value_or(std::vector<std::string>()),
            std::vector<std::string>{kDemo});
}

TEST_F(ZookeeperRegistryTest, StaleEphemeralOfAnotherSessionIsReplaced) {
  const Url p = Provider(kDemo, 20880);
  auto stale = Client();
  ASSERT_TRUE(stale);
  ASSERT_EQ(stale->Create(NodePath(p), ZOO_EPHEMERAL), ZOK);
  auto registry = Open();
  ASSERT_TRUE(registry);
  ASSERT_TRUE(registry->Register(p).ok());
  const auto session = ZookeeperRegistrySession(*registry);
  ASSERT_TRUE(session.has_value());
  auto client = Client();
  ASSERT_TRUE(client);
  struct Stat st {};
  ASSERT_TRUE(client->Exists(NodePath(p), &st));
  EXPECT_EQ(st.ephemeralOwner, session->id);
  EXPECT_NE(st.ephemeralOwner, stale->session_id());
  stale.reset();  // the old session ends: the node is the registry's now, and stays
  ASSERT_TRUE(client->Exists(NodePath(p), &st));
  EXPECT_EQ(st.ephemeralOwner, session->id);
  // Registering again in the same session keeps the node.
  ASSERT_TRUE(registry->Register(p).ok());
  ASSERT_TRUE(client->Exists(NodePath(p), &st));
  EXPECT_EQ(st.ephemeralOwner, session->id);
}

TEST_F(ZookeeperRegistryTest, DigestAuthWithCreatorOnlyAcl) {
  auto registry = Open("", "alice:secret@");
  ASSERT_TRUE(registry);
  const Url p = Provider(kDemo, 20880);
  ASSERT_TRUE(registry->Register(p).ok());

  auto anonymous = Client();
  ASSERT_TRUE(anonymous);
  EXPECT_TRUE(anonymous->Exists(NodePath(p)));  // exists needs no permission
  EXPECT_EQ(zoo_delete(anonymous->get(), NodePath(p).c_str(), -1), ZNOAUTH);
  int rc = 0;
  anonymous->Children(ServicePath() + "/providers", &rc);
  EXPECT_EQ(rc, ZNOAUTH);
  EXPECT_TRUE(anonymous->Exists(NodePath(p)));
  struct ACL_vector acl {};
  struct Stat st {};
  EXPECT_EQ(zoo_get_acl(anonymous->get(), NodePath(p).c_str(), &acl, &st), ZNOAUTH);
  auto alice = Client();
  ASSERT_TRUE(alice);
  ASSERT_EQ(alice->AddAuth("digest", "alice:secret"), ZOK);
  EXPECT_EQ(alice->Children(ServicePath() + "/providers"),
            std::vector<std::string>{UrlEncode(p.ToFullString())});
  ASSERT_EQ(zoo_get_acl(alice->get(), NodePath(p).c_str(), &acl, &st), ZOK);
  ASSERT_EQ(acl.count, 1);
  EXPECT_STREQ(acl.data[0].id.scheme, "digest");
  EXPECT_EQ(std::string(acl.data[0].id.id).rfind("alice:", 0), 0u) << acl.data[0].id.id;
  EXPECT_EQ(acl.data[0].perms, ZOO_PERM_ALL);
  deallocate_ACL_vector(&acl);

  // The same credentials read and write.
  Notifications n;
  auto consumer = Open("", "alice:secret@");
  ASSERT_TRUE(consumer);
  ASSERT_TRUE(consumer->Subscribe(Consumer(kDemo), n.Listener()).ok());
  EXPECT_EQ(Strings(n.latest()), Strings({p}));
  ASSERT_TRUE(consumer->Unregister(p).ok());
  EXPECT_TRUE(n.AwaitLacks(p, 5s));
}

// A new session is a new handle: the credentials go with it before anything is re-created, or
// the creator-only parents answer NoAuth to the re-registration.
TEST_F(ZookeeperRegistryTest, SessionExpiryWithDigestAuthRecreatesNodesUnderTheSameAcl) {
  auto registry = Open("&session=4000", "alice:secret@");
  ASSERT_TRUE(registry);
  const Url p = Provider(kDemo, 20880);
  ASSERT_TRUE(registry->Register(p).ok());
  Notifications n;
  ASSERT_TRUE(registry->Subscribe(Consumer(kDemo), n.Listener()).ok());
  ASSERT_EQ(Strings(n.latest()), Strings({p}));
  const auto before = ZookeeperRegistrySession(*registry);
  ASSERT_TRUE(before.has_value());
  ExpireSession(*registry);
  auto alice = Client();
  ASSERT_TRUE(alice);
  ASSERT_EQ(alice->AddAuth("digest", "alice:secret"), ZOK);
  EXPECT_TRUE(Eventually(
      [&] {
        const auto s = ZookeeperRegistrySession(*registry);
        struct Stat st {};
        return s && s->id != before->id && alice->Exists(NodePath(p), &st) &&
               st.ephemeralOwner == s->id;
      },
      15s))
      << "registration not re-created on the new session";
  struct ACL_vector acl {};
  struct Stat st {};
  ASSERT_EQ(zoo_get_acl(alice->get(), NodePath(p).c_str(), &acl, &st), ZOK);
  ASSERT_EQ(acl.count, 1);
  EXPECT_STREQ(acl.data[0].id.scheme, "digest");
  deallocate_ACL_vector(&acl);
  // The subscription reads the creator-only nodes on the new session too.
  ASSERT_TRUE(registry->Unregister(p).ok());
  EXPECT_TRUE(n.AwaitLacks(p, 5s));
}

TEST_F(ZookeeperRegistryTest, SessionExpiryRestoresRegistrationsAndWatches) {
  auto registry = Open("&session=4000");
  ASSERT_TRUE(registry);
  const Url p = Provider(kDemo, 20880);
  const Url c = Consumer(kDemo, "category=consumers&check=false");
  ASSERT_TRUE(registry->Register(p).ok());
  ASSERT_TRUE(registry->Register(c).ok());
  Notifications n;
  ASSERT_TRUE(registry->Subscribe(Consumer(kDemo), n.Listener()).ok());
  ASSERT_EQ(Strings(n.latest()), Strings({p}));
  const auto before = ZookeeperRegistrySession(*registry);
  ASSERT_TRUE(before.has_value());

  // Another handle attaching to the session and closing it ends the session: the registry's
  // handle learns it has expired.
  ExpireSession(*registry);
  auto client = Client();
  ASSERT_TRUE(client);
  int64_t after = 0;
  ASSERT_TRUE(Eventually(
      [&] {
        const auto s = ZookeeperRegistrySession(*registry);
        struct Stat sp {};
        struct Stat sc {};
        if (!s || s->id == before->id) return false;
        after = s->id;
        return client->Exists(NodePath(p), &sp) && sp.ephemeralOwner == s->id &&
               client->Exists(NodePath(c), &sc) && sc.ephemeralOwner == s->id;
      },
      15s))
      << "registrations not re-created on a new session";
  EXPECT_NE(after, before->id);
  EXPECT_TRUE(n.AwaitHas(p, 5s));
  // The watches were re-armed on the new session: changes made elsewhere still arrive.
  auto other = Open();
  ASSERT_TRUE(other);
  const Url p2 = Provider(kDemo, 20881);
  ASSERT_TRUE(other->Register(p2).ok());
  EXPECT_TRUE(n.Await([&](const auto& l) { return Has(l, p) && Has(l, p2); }, 5s));
  ASSERT_TRUE(other->Unregister(p2).ok());
  EXPECT_TRUE(n.AwaitLacks(p2, 5s));
}

TEST_F(ZookeeperRegistryTest, ServerRestartDeliversNoEmptyListAndRestoresRegistrations) {
  // Sessions outlive the restart (the server restores them from its data directory).
  auto provider = Open("&session=30000");
  auto consumer = Open("&session=30000");
  ASSERT_TRUE(provider && consumer);
  Notifications n;
  ASSERT_TRUE(consumer->Subscribe(Consumer(kDemo), n.Listener()).ok());
  const Url p = Provider(kDemo, 20880);
  ASSERT_TRUE(provider->Register(p).ok());
  ASSERT_TRUE(n.AwaitHas(p));
  const auto provider_session = ZookeeperRegistrySession(*provider);
  ASSERT_TRUE(provider_session.has_value());

  server_->Stop();
  // During the outage nothing blocks: a registration is queued, a subscription is answered from
  // what the registry knows, a lookup fails at once.
  const Url p2 = Provider(kDemo, 20881);
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(provider->Register(p2).ok());
  EXPECT_LT(Since(start), 2s);
  Notifications late;
  start = std::chrono::steady_clock::now();
  ASSERT_TRUE(consumer->Subscribe(Consumer(kDemo), late.Listener()).ok());
  EXPECT_LT(Since(start), 2s);
  EXPECT_EQ(Strings(late.latest()), Strings({p}));
  start = std::chrono::steady_clock::now();
  auto lookup = consumer->Lookup(Consumer(kDemo));
  EXPECT_FALSE(lookup.ok());
  EXPECT_EQ(lookup.status().code(), StatusCode::kUnavailable);
  EXPECT_LT(Since(start), 2s);

  std::string error;
  ASSERT_TRUE(server_->Start(&error)) << error;
  EXPECT_TRUE(n.Await([&](const auto& l) { return Has(l, p) && Has(l, p2); }, 20s));
  EXPECT_TRUE(late.Await([&](const auto& l) { return Has(l, p) && Has(l, p2); }, 5s));
  // Never an empty list, nor one without p, all along (n's very first list predates p).
  const auto lists = n.lists();
  for (size_t i = 1; i < lists.size(); ++i)
    EXPECT_TRUE(Has(lists[i], p)) << ::testing::PrintToString(Strings(lists[i]));
  for (const auto& list : late.lists())
    EXPECT_TRUE(Has(list, p)) << ::testing::PrintToString(Strings(list));
  auto client = Client();
  ASSERT_TRUE(client);
  struct Stat st {};
  ASSERT_TRUE(client->Exists(NodePath(p), &st));
  EXPECT_EQ(st.ephemeralOwner, provider_session->id);  // the same session, kept
  EXPECT_TRUE(client->Exists(NodePath(p2)));
}

TEST_F(ZookeeperRegistryTest, ConsumerStartingWhileServerIsDownIsServedFromCache) {
  const Url p = Provider(kDemo, 20880);
  {
    auto provider = Open();
    auto consumer = Open();
    ASSERT_TRUE(provider && consumer);
    ASSERT_TRUE(provider->Register(p).ok());
    Notifications n;
    ASSERT_TRUE(consumer->Subscribe(Consumer(kDemo), n.Listener()).ok());
    ASSERT_EQ(Strings(n.latest()), Strings({p}));
    consumer->Close();  // flushes the cache file
    provider->Close();
  }
  ASSERT_TRUE(std::filesystem::exists(cache_file()));

  server_->Stop();
  auto start = std::chrono::steady_clock::now();
  auto consumer = Open();  // does not wait for the server
  ASSERT_TRUE(consumer);
  Notifications n;
  ASSERT_TRUE(consumer->Subscribe(Consumer(kDemo), n.Listener()).ok());
  // The servers refuse connections: no waiting for the connection timeout (5 s by default).
  EXPECT_LT(Since(start), 2s);
  ASSERT_EQ(n.count(), 1u);
  EXPECT_EQ(Strings(n.latest()), Strings({p}));  // from the cache file
  start = std::chrono::steady_clock::now();
  const Url mine = Consumer(kDemo, "category=consumers&check=false");
  EXPECT_TRUE(consumer->Register(mine).ok());  // queued
  EXPECT_LT(Since(start), 2s);

  // ZooKeeper back: the live list (p's provider has gone since) replaces the cached one, and
  // the queued registration is written.
  std::string error;
  ASSERT_TRUE(server_->Start(&error)) << error;
  EXPECT_TRUE(n.Await([](const auto& l) { return l.empty(); }, 20s));
  auto client = Client();
  ASSERT_TRUE(client);
  EXPECT_TRUE(Eventually([&] { return client->Exists(NodePath(mine)); }, 10s));
}

TEST_F(ZookeeperRegistryTest, CacheFileIsDubbosFormat) {
  auto provider = Open();
  auto consumer = Open();
  ASSERT_TRUE(provider && consumer);
  const Url p = Provider(kDemo, 20880, "group=g1&version=1.0.0&remark=caf\xc3\xa9 a:b=c#d!e");
  const Url override_url =
      MustParse(std::string("override://0.0.0.0/") + kDemo +
                "?category=configurators&dynamic=false&group=g1&timeout=500&version=1.0.0");
  ASSERT_TRUE(provider->Register(p).ok());
  ASSERT_TRUE(provider->Register(override_url).ok());
  const Url subscriber = Consumer(kDemo, "group=g1&version=1.0.0");
  Notifications n;
  ASSERT_TRUE(consumer->Subscribe(subscriber, n.Listener()).ok());
  ASSERT_TRUE(n.Await([](const auto& l) { return l.size() == 2; }, 5s));
  EXPECT_EQ(Strings(n.latest()), Strings({p, override_url}));

  const std::string key = "g1/org.apache.dubbo.demo.DemoService:1.0.0";
  Url empty_routers = subscriber;
  empty_routers.set_protocol("empty");
  empty_routers.Set("category", "routers");
  const std::string value =
      p.ToFullString() + " " + override_url.ToFullString() + " " + empty_routers.ToFullString();
  std::string text;
  ASSERT_TRUE(Eventually(
      [&] {
        text = ReadFile(cache_file());
        return ParseJavaProperties(text)[key] == value;
      },
      5s))
      << text;
  const auto lines = Lines(text);
  ASSERT_EQ(lines.size(), 3u) << text;
  EXPECT_EQ(lines[0], "#Dubbo Registry Cache");
  // Java's Date.toString(): "Sat Nov 21 21:16:20 UTC 2026".
  EXPECT_TRUE(IsJavaDateComment(lines[1])) << lines[1];
  EXPECT_EQ(lines[2].rfind(
                "g1/org.apache.dubbo.demo.DemoService\\:1.0.0=dubbo\\://127.0.0.1\\:20880/", 0),
            0u)
      << lines[2];
  EXPECT_NE(lines[2].find("remark\\=caf\\u00E9 a\\:b\\=c\\#d\\!e"), std::string::npos) << lines[2];
  EXPECT_NE(lines[2].find(" override\\://0.0.0.0/"), std::string::npos) << lines[2];
  EXPECT_NE(lines[2].find(" empty\\://127.0.0.1/"), std::string::npos) << lines[2];
  for (char c : lines[2]) EXPECT_TRUE(c >= 0x20 && c < 0x7f) << "raw byte " << static_cast<int>(c);
}

TEST_F(ZookeeperRegistryTest, FailedRegistrationIsRetriedPastThreeAttempts) {
  // The providers node lets this host read and administer it, but not create children.
  auto client = Client();
  ASSERT_TRUE(client);
  struct ACL read_admin[] = {
      {ZOO_PERM_READ | ZOO_PERM_ADMIN, {const_cast<char*>("ip"), const_cast<char*>("127.0.0.1")}}};
  struct ACL_vector locked = {1, read_admin};
  const std::string providers = ServicePath() + "/providers";
  ASSERT_EQ(client->Create(providers, 0, &locked), ZOK);
  auto registry = Open("&retry.period=100");
  ASSERT_TRUE(registry);
  const Url p = Provider(kDemo, 20880);
  const Status s = registry->Register(p);
  EXPECT_EQ(s.code(), StatusCode::kForbidden) << s;
  EXPECT_NE(s.message().find("retrying"), std::string::npos) << s;
  // Dubbo 2.7 gives up after 3 retries; this keeps going. Let at least 5 periods pass.
  std::this_thread::sleep_for(600ms);
  EXPECT_FALSE(client->Exists(NodePath(p)));
  ASSERT_EQ(zoo_set_acl(client->get(), providers.c_str(), -1, &ZOO_OPEN_ACL_UNSAFE), ZOK);
  EXPECT_TRUE(Eventually([&] { return client->Exists(NodePath(p)); }, 5s));
}

TEST_F(ZookeeperRegistryTest, BackupServersAreUsed) {
  const uint16_t dead = testing::FreeLoopbackPort();
  for (const std::string& address :
       {"zookeeper://127.0.0.1:" + std::to_string(dead) + "?backup=" + server_->address() + "&",
        "zookeeper://127.0.0.1:" + std::to_string(dead) + "," + server_->address() + "?"}) {
    auto registry = OpenRegistry(address + "group=" + root_ + "&file-cache=false");
    ASSERT_TRUE(registry.ok()) << registry.status();
    const Url p = Provider(kDemo, 20880);
    ASSERT_TRUE((*registry)->Register(p).ok());
    auto lookup = (*registry)->Lookup(Consumer(kDemo));
    ASSERT_TRUE(lookup.ok()) << lookup.status();
    EXPECT_EQ(Strings(*lookup), Strings({p}));
    (*registry)->Close();
  }
}

}  // namespace
}  // namespace dubbo::registry

// Filters and governance end to end: providers exported by Application on 127.0.0.1, consumers
// referring to them for real (directly or through the file registry). Each limit is shown to
// reject with its code and Dubbo's message, and the provider's own counters show that a rejected
// call never ran the method. Also: per-method consumer timeouts, the provider timeout log, access
// logs, mock/degradation, sticky selection and user filters on both sides.
#include "cluster/filter.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <atomic>
#include <condition_variable>
#include <fstream>
#include <future>
#include <regex>
#include <sstream>
#include <thread>

#include "app/application.h"
#include "cluster/filter/accesslog.h"
#include "common/log.h"
#include "metrics/metrics.h"
#include "rpc/io_threads.h"
#include "rpc/provider_filter.h"
#include "rpc/stub.h"
#include "tests/support/process.h"

namespace filtertest {

struct Person {
  std::string name;
  int32_t age = 0;
};
DUBBO_STRUCT(Person, "org.apache.dubbo.filter.Person", name, age)

struct DegradedException : dubbo::Throwable {};
constexpr auto DubboDescribe(const DegradedException*) {
  return dubbo::MakeStruct<DegradedException>("com.example.DegradedException");
}

}  // namespace filtertest

namespace dubbo::testing {
namespace {

using namespace std::chrono_literals;
using filtertest::DegradedException;
using filtertest::Person;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kInterface = "org.apache.dubbo.filter.CounterService";

// The provider: every method counts its runs, so a test can tell a rejected call never ran.
class CounterService : public rpc::ServiceBase {
 public:
  explicit CounterService(rpc::IoThreads* timers) : timers_(timers) {}

  Result<std::string> SayHello(std::string name) {
    ++hellos;
    return "Hello " + name;
  }
  // Answers after `ms` without holding a thread; tracks how many run at once.
  void Sleep(int32_t ms, rpc::Responder<int32_t> reply) {
    ++sleeps;
    const int now = ++running;
    int seen = max_running.load();
    while (now > seen && !max_running.compare_exchange_weak(seen, now)) {
    }
    auto timer =
        std::make_shared<asio::steady_timer>(timers_->Next(), std::chrono::milliseconds(ms));
    auto holder = std::make_shared<rpc::Responder<int32_t>>(std::move(reply));
    timer->async_wait([this, timer, holder, ms](const std::error_code&) {
      --running;
      holder->Reply(ms);
    });
  }
  Status Fail(std::string message) {
    ++others;
    auto e = std::make_shared<JavaException>("java.lang.IllegalStateException", message);
    return Status(StatusCode::kBizException, e->ToString()).WithException(e);
  }
  Result<Person> Find(std::string name) {
    ++others;
    return Person{name, 42};
  }
  Result<std::vector<std::string>> Names() {
    ++others;
    return std::vector<std::string>{"x", "y"};
  }
  Result<int32_t> Count() {
    ++others;
    return 7;
  }
  Result<bool> Flag() {
    ++others;
    return false;
  }
  Result<std::optional<std::string>> Maybe() {
    ++others;
    return std::optional<std::string>("real");
  }

  static std::shared_ptr<const rpc::ServiceDefinition> Definition() {
    auto def = std::make_shared<rpc::ServiceDefinition>(std::string(kInterface));
    const std::string str = "Ljava/lang/String;";
    def->Add(rpc::Method("sayHello", str, {"java.lang.String"}, &CounterService::SayHello))
        .Add(rpc::AsyncMethod("sleep", "I", {"int"}, &CounterService::Sleep))
        .Add(rpc::Method("fail", str, {"java.lang.String"}, &CounterService::Fail))
        .Add(rpc::Method("find", str, {"java.lang.String"}, &CounterService::Find))
        .Add(rpc::Method("names", "", {}, &CounterService::Names))
        .Add(rpc::Method("count", "", {}, &CounterService::Count))
        .Add(rpc::Method("flag", "", {}, &CounterService::Flag))
        .Add(rpc::Method("maybe", "", {}, &CounterService::Maybe));
    return def;
  }

  std::atomic<int> hellos{0};
  std::atomic<int> sleeps{0};
  std::atomic<int> others{0};
  std::atomic<int> running{0};
  std::atomic<int> max_running{0};

 private:
  rpc::IoThreads* timers_;
};

// A hand-written consumer stub, shaped like rpcgen's.
class CounterStub : public rpc::StubBase {
 public:
  static constexpr std::string_view kInterface = testing::kInterface;
  CounterStub(std::shared_ptr<rpc::Invoker> invoker, std::string version, std::string group)
      : StubBase(std::move(invoker), std::string(kInterface), std::move(version),
                 std::move(group)) {}

  Result<std::string> SayHello(const std::string& name) const {
    return Call<std::string>(kSayHello, name);
  }
  Result<int32_t> Sleep(int32_t ms) const { return Call<int32_t>(kSleep, ms); }
  void Sleep(int32_t ms, std::function<void(Result<int32_t>)> done) const {
    CallWithCallback<int32_t>(kSleep, std::move(done), ms);
  }
  Status Fail(const std::string& message) const { return Call<void>(kFail, message); }
  Result<Person> Find(const std::string& name) const { return Call<Person>(kFind, name); }
  Result<std::vector<std::string>> Names() const { return Call<std::vector<std::string>>(kNames); }
  Result<int32_t> Count() const { return Call<int32_t>(kCount); }
  Result<bool> Flag() const { return Call<bool>(kFlag); }
  Result<std::optional<std::string>> Maybe() const {
    return Call<std::optional<std::string>>(kMaybe);
  }

 private:
  static constexpr rpc::MethodInfo kSayHello{"sayHello", "Ljava/lang/String;"};
  static constexpr rpc::MethodInfo kSleep{"sleep", "I"};
  static constexpr rpc::MethodInfo kFail{"fail", "Ljava/lang/String;"};
  static constexpr rpc::MethodInfo kFind{"find", "Ljava/lang/String;"};
  static constexpr rpc::MethodInfo kNames{"names", ""};
  static constexpr rpc::MethodInfo kCount{"count", ""};
  static constexpr rpc::MethodInfo kFlag{"flag", ""};
  static constexpr rpc::MethodInfo kMaybe{"maybe", ""};
};

// A sleep(ms) call with an explicit timeout, answered into a future (the callback runs on an I/O
// thread).
std::future<rpc::RpcResult> SleepCall(rpc::Invoker& invoker, int32_t ms,
                                      std::chrono::milliseconds timeout) {
  auto inv = std::make_shared<rpc::Invocation>();
  inv->interface = std::string(kInterface);
  inv->method = "sleep";
  inv->descriptor = "I";
  inv->arguments = rpc::MakeArguments([ms](ObjectOutput& o) { o.WriteInt(ms); });
  // Made by hand, not by a stub: the reference's settings (`retries`) as the stub resolves them.
  inv->settings = rpc::ReferenceSettings(invoker.url()).For(inv->method);
  inv->settings.timeout = timeout;
  auto promise = std::make_shared<std::promise<rpc::RpcResult>>();
  auto future = promise->get_future();
  invoker.Invoke(inv, [promise](rpc::RpcResult r) { promise->set_value(std::move(r)); });
  return future;
}

template <typename F>
bool WaitFor(F condition, std::chrono::milliseconds limit = 5s) {
  const auto deadline = Clock::now() + limit;
  while (!condition()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

int64_t MillisSince(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

std::vector<std::string> ReadLines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

size_t Occurrences(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// A provider filter that lets a test wait until After() ran for `n` calls (it runs after the
// built-in filters' After()).
class AfterObserver : public rpc::ProviderFilter {
 public:
  Status Before(const rpc::RequestInfo&) override { return Status::Ok(); }
  void After(const rpc::RequestInfo&, const rpc::CallOutcome&) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++after_;
    cv_.notify_all();
  }
  bool WaitAfter(int n, std::chrono::milliseconds limit = 5s) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, limit, [&] { return after_ >= n; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int after_ = 0;
};

struct Provider {
  std::unique_ptr<Application> app;
  std::shared_ptr<CounterService> service;
  uint16_t port = 0;
  std::string Url() const { return "dubbo://127.0.0.1:" + std::to_string(port); }
};

class FilterTest : public ::testing::Test {
 protected:
  std::string RegistryUrl() const { return "file://" + dir_.path() + "/registry?notify.delay=1"; }

  // A provider of CounterService with `service` parameters; registered when `registry`.
  Provider StartProvider(Parameters service = {}, bool registry = false) {
    ApplicationConfig c;
    c.name = "filter-provider";
    c.registry = registry ? RegistryUrl() : "";
    c.protocol = {{"host", "127.0.0.1"}, {"port", "0"}, {"shutdown.wait", "300"}};
    Provider p;
    p.app = Application::Create(c).value();
    p.service = std::make_shared<CounterService>(&timers_);
    const Status exported =
        p.app->Export(CounterService::Definition(), p.service, std::move(service));
    EXPECT_TRUE(exported.ok()) << exported;
    const Status started = p.app->Start();
    EXPECT_TRUE(started.ok()) << started;
    p.port = p.app->port();
    return p;
  }

  std::unique_ptr<Application> Consumer(bool registry = false) {
    ApplicationConfig c;
    c.name = "filter-consumer";
    c.registry = registry ? RegistryUrl() : "";
    return Application::Create(c).value();
  }

  // A stub connected straight to `p` (no registry), with `params` on the reference.
  CounterStub Direct(Application& consumer, const Provider& p, Parameters params = {}) {
    params["url"] = p.Url();
    auto stub = consumer.Refer<CounterStub>(std::move(params));
    EXPECT_TRUE(stub.ok()) << stub.status();
    return std::move(stub).value();
  }

  TempDir dir_;
  rpc::IoThreads timers_{1, "test-timers"};
};

// --- timeout -------------------------------------------------------------------------------------

TEST_F(FilterTest, ConsumerTimeoutIsTakenPerMethod) {
  auto p = StartProvider();
  auto consumer = Consumer();
  // The method's own timeout wins over the reference's, in both directions.
  auto longer =
      Direct(*consumer, p, {{"timeout", "150"}, {"sleep.timeout", "5000"}, {"retries", "0"}});
  EXPECT_EQ(longer.Sleep(400).value(), 400);
  auto shorter =
      Direct(*consumer, p, {{"timeout", "5000"}, {"sleep.timeout", "150"}, {"retries", "0"}});
  const auto start = Clock::now();
  auto timed_out = shorter.Sleep(1500);
  EXPECT_EQ(timed_out.status().code(), StatusCode::kServerTimeout) << timed_out.status();
  EXPECT_LT(MillisSince(start), 1200);
  EXPECT_EQ(shorter.SayHello("still").value(), "Hello still");  // others keep the reference's
}

// The stub reads the reference URL's timeouts once; what a call gets must stay what
// Url::GetMethodInt(method, "timeout", IDL default).value_or(IDL default) gave.
TEST(StubTimeoutTest, MethodKeyThenReferenceThenIdlDefault) {
  class UrlOnly final : public rpc::Invoker {
   public:
    explicit UrlOnly(Url url) : url_(std::move(url)) {}
    void Invoke(std::shared_ptr<const rpc::Invocation>, rpc::ResponseCallback) override {}
    const Url& url() const override { return url_; }
    bool IsAvailable() const override { return true; }

   private:
    Url url_;
  };
  class Probe : public rpc::StubBase {
   public:
    using StubBase::StubBase;
    std::chrono::milliseconds Of(const rpc::MethodInfo& m) const {
      return MakeInvocation(m)->settings.timeout;
    }
  };
  constexpr rpc::MethodInfo kA{"a", "", false, 300};
  constexpr rpc::MethodInfo kB{"b", "", false, 300};
  constexpr rpc::MethodInfo kC{"c", "", false, 300};
  constexpr rpc::MethodInfo kD{"d", ""};
  Url bad("dubbo", "127.0.0.1", 20880, "svc");
  bad.Set("timeout", "abc").Set("a.timeout", "250").Set("b.timeout", "xyz").Set("c.timeout", "");
  const Probe with_bad(std::make_shared<UrlOnly>(bad), "svc", "", "");
  EXPECT_EQ(with_bad.Of(kA), 250ms);
  EXPECT_EQ(with_bad.Of(kB), 300ms);  // a malformed method key gives the method's default
  EXPECT_EQ(with_bad.Of(kC), 300ms);  // empty: the reference's, malformed: the default
  EXPECT_EQ(with_bad.Of(kD), 1000ms);
  Url good = bad;
  good.Set("timeout", "700");
  const Probe with_good(std::make_shared<UrlOnly>(good), "svc", "", "");
  EXPECT_EQ(with_good.Of(kA), 250ms);
  EXPECT_EQ(with_good.Of(kB), 300ms);
  EXPECT_EQ(with_good.Of(kC), 700ms);
  EXPECT_EQ(with_good.Of(kD), 700ms);
}

// Retries and idempotent: the method's key, else the reference's, else the IDL's, read once; a
// malformed one is reported for the cluster to refuse the reference.
TEST(ReferenceSettingsTest, RetriesAndIdempotentFollowDubbosPrecedence) {
  Url url("dubbo", "127.0.0.1", 20880, "svc");
  url.Set("retries", "4").Set("read.retries", "0").Set("write.idempotent", "true");
  url.Set("version", "1.0.0");  // not a setting of the reference's calls: the stub's argument is
  const rpc::ReferenceSettings settings(url, "2.0.0", "blue");
  EXPECT_TRUE(settings.error().ok()) << settings.error();
  const rpc::CallSettings read = settings.For("read", {.retries = 7});
  EXPECT_EQ(read.retries, 0);
  EXPECT_FALSE(read.idempotent);
  EXPECT_EQ(read.version, "2.0.0");
  EXPECT_EQ(read.group, "blue");
  EXPECT_EQ(settings.For("other", {.retries = 7}).retries, 4);
  EXPECT_TRUE(settings.For("write").idempotent);
  EXPECT_TRUE(settings.For("other", {.idempotent = true}).idempotent);

  Url idl_only("dubbo", "127.0.0.1", 20880, "svc");
  EXPECT_EQ(rpc::ReferenceSettings(idl_only).For("m", {.retries = 3}).retries, 3);
  EXPECT_FALSE(rpc::ReferenceSettings(idl_only).For("m").retries.has_value());
  // Dubbo reads a negative count as "no retry": it is a value, not "unset".
  idl_only.Set("retries", "-1");
  EXPECT_EQ(rpc::ReferenceSettings(idl_only).For("m", {.retries = 3}).retries, -1);

  Url bad("dubbo", "127.0.0.1", 20880, "svc");
  bad.Set("read.retries", "1x");
  EXPECT_EQ(rpc::ReferenceSettings(bad).error().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(rpc::ReferenceSettings(bad).error().message().find("read.retries=1x"),
            std::string::npos);
  bad = Url("dubbo", "127.0.0.1", 20880, "svc");
  bad.Set("idempotent", "maybe");
  EXPECT_NE(rpc::ReferenceSettings(bad).error().message().find("idempotent=maybe"),
            std::string::npos);
}

TEST_F(FilterTest, ProviderTimeoutLogsSlowCallsWithoutAborting) {
  auto observer = std::make_shared<AfterObserver>();
  // Each test registers its own instance: replace the previous test's.
  ASSERT_TRUE(rpc::ProviderFilters()
                  .Register(
                      "test-after-observer",
                      [observer](const Url&) -> Result<std::shared_ptr<rpc::ProviderFilter>> {
                        return std::shared_ptr<rpc::ProviderFilter>(observer);
                      },
                      Replace::kYes)
                  .ok());
  auto p = StartProvider({{"timeout", "100"}, {"service.filter", "test-after-observer"}});
  auto consumer = Consumer();
  auto stub = Direct(*consumer, p, {{"timeout", "3000"}});
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(stub.Sleep(300).value(), 300);  // not aborted: the consumer gets its answer
  EXPECT_EQ(stub.SayHello("fast").value(), "Hello fast");
  ASSERT_TRUE(observer->WaitAfter(2));  // both calls' After() ran, the timeout filter's first
  const std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(Occurrences(log, "invoke timed out."), 1u) << log;
  EXPECT_NE(
      log.find("invoke timed out. method: sleep arguments: (int) , url is dubbo://127.0.0.1:" +
               std::to_string(p.port) + "/" + std::string(kInterface)),
      std::string::npos)
      << log;
  EXPECT_NE(log.find(" ms."), std::string::npos) << log;
}

// --- actives -------------------------------------------------------------------------------------

TEST_F(FilterTest, ActivesQueuesCallsWithoutBlockingAndNeverExceedsTheLimit) {
  auto p = StartProvider();
  auto consumer = Consumer();
  auto stub = Direct(*consumer, p, {{"actives", "2"}, {"timeout", "5000"}, {"retries", "0"}});
  constexpr int kCalls = 6;
  std::vector<std::promise<Result<int32_t>>> promises(kCalls);
  const auto issued = Clock::now();
  for (int i = 0; i < kCalls; ++i) {
    stub.Sleep(150, [&promises, i](Result<int32_t> r) { promises[i].set_value(std::move(r)); });
  }
  // Four of them wait for a slot, yet issuing them held this thread for no time.
  EXPECT_LT(MillisSince(issued), 100);
  for (auto& pr : promises) {
    auto r = pr.get_future().get();
    EXPECT_TRUE(r.ok()) << r.status();
  }
  EXPECT_EQ(p.service->sleeps.load(), kCalls);
  EXPECT_EQ(p.service->max_running.load(), 2);   // never more than `actives` at the provider
  EXPECT_GE(MillisSince(issued), 3 * 150 - 20);  // three rounds of two
}

TEST_F(FilterTest, ActivesFailsAWaiterAtItsTimeoutWithDubbosMessage) {
  auto p = StartProvider();
  auto consumer = Consumer();
  // Only sleep is limited; the wait must not spill over to other methods.
  auto stub = Direct(*consumer, p, {{"sleep.actives", "1"}, {"retries", "0"}});
  auto first = SleepCall(*stub.invoker(), 1500, 5000ms);
  ASSERT_TRUE(WaitFor([&] { return p.service->running.load() == 1; }));
  const auto start = Clock::now();
  auto second = SleepCall(*stub.invoker(), 10, 300ms);
  EXPECT_EQ(second.wait_for(0ms),
            std::future_status::timeout);  // queued, not answered, not blocking
  EXPECT_EQ(stub.SayHello("meanwhile").value(), "Hello meanwhile");
  const rpc::RpcResult r = second.get();
  const int64_t waited = MillisSince(start);
  EXPECT_EQ(r.status.code(), StatusCode::kLimitExceeded) << r.status;
  EXPECT_EQ(
      r.status.message().rfind("Waiting concurrent invoke timeout in client-side for service:  " +
                                   std::string(kInterface) + ", method: sleep, elapsed: ",
                               0),
      0u)
      << r.status;
  EXPECT_NE(r.status.message().find(
                ", timeout: 300. concurrent invokes: 1. max concurrent invoke limit: 1"),
            std::string::npos)
      << r.status;
  EXPECT_GE(waited, 280);
  EXPECT_LT(waited, 1300);  // failed at its own timeout, not when the slot freed
  EXPECT_TRUE(first.get().status.ok());
  EXPECT_EQ(p.service->sleeps.load(), 1);  // the rejected call never reached the provider
  // The slot is free again.
  EXPECT_EQ(stub.Sleep(5).value(), 5);
}

// --- executes ------------------------------------------------------------------------------------

// Rejections of `method` the provider-side metrics counted (all providers of this binary).
int64_t ProviderRejections(const std::string& method) {
  int64_t n = 0;
  for (const auto& [key, s] : metrics::MetricsRegistry::Global().Snapshot()) {
    if (key.side == metrics::MetricsSide::kProvider && key.interface == kInterface &&
        key.method == method) {
      n += s.Count(metrics::CallKind::kLimit);
    }
  }
  return n;
}

TEST_F(FilterTest, ExecutesRejectsAtOnceBeforeTheMethodRuns) {
  const int64_t rejections_before = ProviderRejections("sleep");
  auto p = StartProvider({{"sleep.executes", "1"}});
  auto consumer = Consumer();
  auto stub = Direct(*consumer, p, {{"timeout", "5000"}, {"retries", "0"}});
  auto first = SleepCall(*stub.invoker(), 800, 5000ms);
  ASSERT_TRUE(WaitFor([&] { return p.service->running.load() == 1; }));
  const auto start = Clock::now();
  auto rejected = stub.Sleep(10);
  EXPECT_LT(MillisSince(start), 500);  // at once, not after the running call
  // A provider-side rejection travels as status 70 (SERVICE_ERROR) with Java's message.
  EXPECT_EQ(rejected.status().code(), StatusCode::kServiceError) << rejected.status();
  const std::string m = rejected.status().message();
  EXPECT_EQ(m.rfind("Failed to invoke method sleep in provider dubbo://127.0.0.1:" +
                        std::to_string(p.port) + "/" + std::string(kInterface) + "?",
                    0),
            0u)
      << m;
  EXPECT_TRUE(m.ends_with(
      ", cause: The service using threads greater than <dubbo:service executes=\"1\" /> limited."))
      << m;
  EXPECT_EQ(stub.SayHello("other").value(), "Hello other");  // per method
  EXPECT_TRUE(first.get().status.ok());
  EXPECT_EQ(p.service->sleeps.load(), 1);                         // the rejected call never ran
  EXPECT_EQ(ProviderRejections("sleep") - rejections_before, 1);  // metrics run before the limits
  // Released when the first finished: the provider's After() runs once the answer is sent, so the
  // consumer can hold the answer a moment before the slot is free; await the release.
  EXPECT_TRUE(WaitFor([&] {
    auto again = stub.Sleep(5);
    return again.ok() && *again == 5;
  }));
  EXPECT_EQ(p.service->sleeps.load(), 2);  // rejected attempts never ran
}

// --- tps -----------------------------------------------------------------------------------------

TEST_F(FilterTest, TpsAdmitsTpsCallsPerFixedWindow) {
  auto p = StartProvider({{"tps", "3"}});
  auto consumer = Consumer();
  auto stub = Direct(*consumer, p, {{"retries", "0"}});
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(stub.SayHello("a").ok());
  auto rejected = stub.Count();  // the window is per service, not per method
  EXPECT_EQ(rejected.status().code(), StatusCode::kServiceError) << rejected.status();
  EXPECT_EQ(rejected.status().message(), "Failed to invoke service " + std::string(kInterface) +
                                             ".count because exceed max service tps.");
  EXPECT_EQ(p.service->hellos.load(), 3);
  EXPECT_EQ(p.service->others.load(), 0);

  // A short window refills.
  auto q = StartProvider({{"tps", "2"}, {"tps.interval", "300"}});
  auto short_window = Direct(*consumer, q, {{"retries", "0"}});
  const auto window = Clock::now();
  EXPECT_TRUE(short_window.SayHello("a").ok());
  EXPECT_TRUE(short_window.SayHello("b").ok());
  EXPECT_FALSE(short_window.SayHello("c").ok());
  ASSERT_TRUE(WaitFor([&] { return short_window.SayHello("again").ok(); }));
  EXPECT_GE(MillisSince(window), 290);
  EXPECT_EQ(q.service->hellos.load(), 3);
}

// --- token ---------------------------------------------------------------------------------------

TEST_F(FilterTest, TokenAdmitsOnlyConsumersCarryingTheRegisteredToken) {
  auto p = StartProvider({{"token", "true"}}, /*registry=*/true);
  const std::string token = p.app->ProviderUrls().at(0).Get("token");
  EXPECT_EQ(token.size(), 36u) << token;  // token=true became a UUID, registered with the URL

  auto via_registry = Consumer(/*registry=*/true);
  auto good = via_registry->Refer<CounterStub>();
  ASSERT_TRUE(good.ok()) << good.status();
  EXPECT_EQ(good->SayHello("registry").value(), "Hello registry");
  EXPECT_EQ(p.service->hellos.load(), 1);

  auto direct = Consumer();
  auto without = Direct(*direct, p, {{"retries", "0"}});
  auto rejected = without.SayHello("direct");
  EXPECT_EQ(rejected.status().code(), StatusCode::kServiceError) << rejected.status();
  EXPECT_EQ(rejected.status().message(),
            "Invalid token! Forbid invoke remote service interface " + std::string(kInterface) +
                " method sayHello() from consumer 127.0.0.1 to provider 127.0.0.1");
  EXPECT_EQ(p.service->hellos.load(), 1);  // never ran

  auto with = direct->Refer<CounterStub>({{"url", p.Url() + "?token=" + token}});
  ASSERT_TRUE(with.ok()) << with.status();
  EXPECT_EQ(with->SayHello("token").value(), "Hello token");
  EXPECT_EQ(p.service->hellos.load(), 2);

  // service.filter=-token takes the built-in out of the chain.
  auto open = StartProvider({{"token", "secret"}, {"service.filter", "-token"}});
  EXPECT_EQ(Direct(*direct, open).SayHello("open").value(), "Hello open");
}

// --- accesslog -----------------------------------------------------------------------------------

TEST_F(FilterTest, AccessLogAppendsDubboLinesOnBothSides) {
  const std::string provider_log = dir_.File("logs/provider/access.log");  // directories made
  const std::string consumer_log = dir_.File("consumer-access.log");
  auto p = StartProvider({{"accesslog", provider_log}, {"version", "1.0.0"}, {"group", "g"}});
  auto consumer = Consumer();
  auto stub =
      Direct(*consumer, p, {{"accesslog", consumer_log}, {"version", "1.0.0"}, {"group", "g"}});
  EXPECT_EQ(stub.SayHello("world").value(), "Hello world");
  EXPECT_EQ(stub.Count().value(), 7);
  EXPECT_EQ(stub.Find("bob").value().age, 42);
  rpc::FlushAccessLogs();

  const std::string port = std::to_string(p.port);
  const std::string stamp = R"(^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] )";
  const std::string service = R"( - g/org\.apache\.dubbo\.filter\.CounterService:1\.0\.0 )";
  const auto provider_lines = ReadLines(provider_log);
  ASSERT_EQ(provider_lines.size(), 3u);
  EXPECT_TRUE(std::regex_match(
      provider_lines[0], std::regex(stamp + R"(127\.0\.0\.1:\d+ -> 127\.0\.0\.1:)" + port +
                                    service + R"(sayHello\(java\.lang\.String\) \["world"\]$)")))
      << provider_lines[0];
  EXPECT_TRUE(
      std::regex_match(provider_lines[1], std::regex(stamp + ".*" + service + R"(count\(\) $)")))
      << provider_lines[1];
  EXPECT_TRUE(std::regex_match(provider_lines[2],
                               std::regex(".*find\\(java\\.lang\\.String\\) \\[\"bob\"\\]$")))
      << provider_lines[2];
  const auto consumer_lines = ReadLines(consumer_log);
  ASSERT_EQ(consumer_lines.size(), 3u);
  EXPECT_TRUE(std::regex_match(
      consumer_lines[0], std::regex(stamp + R"(filter-consumer -> 127\.0\.0\.1:)" + port + service +
                                    R"(sayHello\(java\.lang\.String\) \["world"\]$)")))
      << consumer_lines[0];

  // accesslog=true: the process log, at level info.
  auto q = StartProvider({{"accesslog", "true"}});
  auto to_log = Direct(*consumer, q);
  const LogLevel level = GetLogLevel();
  SetLogLevel(LogLevel::kInfo);
  ::testing::internal::CaptureStderr();
  EXPECT_TRUE(to_log.SayHello("logged").ok());
  rpc::FlushAccessLogs();
  const std::string log = ::testing::internal::GetCapturedStderr();
  SetLogLevel(level);
  EXPECT_NE(log.find(" INFO ["), std::string::npos) << log;
  EXPECT_NE(
      log.find(" - org.apache.dubbo.filter.CounterService sayHello(java.lang.String) [\"logged\"]"),
      std::string::npos)
      << log;
}

TEST_F(FilterTest, AccessLogBufferIsBoundedAndCountsWhatItDrops) {
  // The writer is stuck on a FIFO nobody reads: what arrives meanwhile fills the buffer, then
  // drops.
  const std::string fifo = dir_.File("stuck.fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const int reader = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);
  ASSERT_GE(reader, 0);
  auto writer = std::make_unique<rpc::AccessLogWriter>(
      rpc::AccessLogWriter::Options{.max_entries = 3, .max_bytes = 1u << 20});
  ASSERT_TRUE(writer->Open(fifo).ok());
  auto entry = [](std::string method) {
    rpc::AccessLogEntry e;
    e.time = std::chrono::system_clock::now();
    e.from = "a:1";
    e.to = "b:2";
    e.service = "svc";
    e.method = std::move(method);
    return e;
  };
  // One line longer than a pipe holds: the writer blocks in write() until the test reads.
  ASSERT_TRUE(writer->Append(fifo, entry(std::string(200000, 'm'))));
  ASSERT_TRUE(WaitFor([&] {
    int queued = 0;
    return ::ioctl(reader, FIONREAD, &queued) == 0 && queued >= 65536;
  }));
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(writer->Append(fifo, entry("kept" + std::to_string(i))));
  EXPECT_FALSE(writer->Append(fifo, entry("dropped1")));
  EXPECT_FALSE(writer->Append(fifo, entry("dropped2")));
  EXPECT_EQ(writer->dropped(), 2u);

  ::testing::internal::CaptureStderr();
  std::string all;
  std::thread drain([&] {  // until the writer closes the FIFO
    char buf[65536];
    while (true) {
      const ssize_t n = ::read(reader, buf, sizeof buf);
      if (n > 0) all.append(buf, static_cast<size_t>(n));
      if (n == 0) break;
      if (n < 0) std::this_thread::sleep_for(1ms);
    }
  });
  writer->Flush();
  const std::string warnings = ::testing::internal::GetCapturedStderr();
  writer.reset();
  drain.join();
  ::close(reader);
  EXPECT_NE(warnings.find("dropped 2 entries"), std::string::npos) << warnings;
  EXPECT_EQ(Occurrences(all, "\n"), 4u);
  for (int i = 0; i < 3; ++i)
    EXPECT_NE(all.find(" kept" + std::to_string(i) + "() "), std::string::npos);
  EXPECT_EQ(all.find("dropped"), std::string::npos);
}

// --- mock ----------------------------------------------------------------------------------------

TEST_F(FilterTest, ForceMockAnswersEveryFormWithoutCallingTheProvider) {
  auto p = StartProvider();
  auto consumer = Consumer();
  auto stub = Direct(*consumer, p,
                     {{"sayHello.mock", "force:return `mocked`"},
                      {"count.mock", "force:return 42"},
                      {"flag.mock", "force:return true"},
                      {"names.mock", "force:return [\"a\",\"b\"]"},
                      {"find.mock", "force:return {\"name\":\"m\",\"age\":7}"},
                      {"maybe.mock", "force:return null"},
                      {"fail.mock", "force:throw com.example.DegradedException"}});
  EXPECT_EQ(stub.SayHello("x").value(), "mocked");
  EXPECT_EQ(stub.Count().value(), 42);
  EXPECT_TRUE(stub.Flag().value());
  EXPECT_EQ(stub.Names().value(), (std::vector<std::string>{"a", "b"}));
  const Person m = stub.Find("x").value();
  EXPECT_EQ(m.name, "m");
  EXPECT_EQ(m.age, 7);
  EXPECT_FALSE(stub.Maybe().value().has_value());
  const Status thrown = stub.Fail("x");
  EXPECT_EQ(thrown.code(), StatusCode::kBizException) << thrown;
  auto e = rpc::ExceptionAs<DegradedException>(thrown);
  ASSERT_TRUE(e.has_value()) << thrown;
  EXPECT_EQ(e->message.value_or(""), "mocked exception for service degradation.");
  EXPECT_EQ(p.service->hellos.load() + p.service->others.load(),
            0);                         // nothing reached the provider
  EXPECT_EQ(stub.Sleep(5).value(), 5);  // a method without a mock is called
  EXPECT_EQ(p.service->sleeps.load(), 1);

  // `return empty` is the return type's empty value; `return` is null; `throw` is a failure.
  auto more = Direct(*consumer, p,
                     {{"names.mock", "force:return empty"},
                      {"find.mock", "force:return empty"},
                      {"maybe.mock", "force:return"},
                      {"sayHello.mock", "force:return plain text"},
                      {"count.mock", "force:throw"}});
  EXPECT_TRUE(more.Names().value().empty());
  EXPECT_EQ(more.Find("x").value().age, 0);
  EXPECT_FALSE(more.Maybe().value().has_value());
  EXPECT_EQ(more.SayHello("x").value(), "plain text");
  const auto failed = more.Count();
  EXPECT_EQ(failed.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(failed.status().message(), "mock error : mocked exception for service degradation.");
  EXPECT_EQ(p.service->hellos.load() + p.service->others.load(), 0);

  // The answer is encoded in the reference's serialization.
  auto packed =
      Direct(*consumer, p,
             {{"serialization", "msgpack"}, {"mock", "force:return {\"name\":\"mp\",\"age\":3}"}});
  EXPECT_EQ(packed.Find("x").value().name, "mp");
  EXPECT_EQ(p.service->others.load(), 0);
}

TEST_F(FilterTest, FailMockAnswersOnlyFailuresThatAreNotTheMethods) {
  auto p = StartProvider();
  auto consumer = Consumer();
  auto stub = Direct(
      *consumer, p,
      {{"mock", "fail:return \"fallback\""}, {"sayHello.mock", "return \"hello-fallback\""}});
  EXPECT_EQ(stub.SayHello("real").value(), "Hello real");  // a working provider answers
  const Status biz = stub.Fail("boom");  // a business exception is the method's answer
  ASSERT_NE(biz.exception(), nullptr) << biz;
  EXPECT_EQ(biz.exception()->class_name, "java.lang.IllegalStateException");

  // A provider that is not there: every call fails, the mock answers.
  asio::io_context io;
  asio::ip::tcp::acceptor probe(io,
                                asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const uint16_t dead = probe.local_endpoint().port();
  probe.close();
  auto gone = consumer->Refer<CounterStub>({{"url", "dubbo://127.0.0.1:" + std::to_string(dead)},
                                            {"check", "false"},
                                            {"sayHello.mock", "return \"hello-fallback\""},
                                            {"maybe.mock", "fail:return 'm'"},
                                            {"count.mock", "fail:throw"}});
  ASSERT_TRUE(gone.ok()) << gone.status();
  EXPECT_EQ(gone->SayHello("x").value(), "hello-fallback");
  EXPECT_EQ(gone->Maybe().value().value_or(""), "m");
  const auto failed = gone->Count();
  EXPECT_EQ(failed.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(failed.status().message().rfind(
                "mock error : mocked exception for service degradation., invoke error is :", 0),
            0u)
      << failed.status();
  // Without a mock the failure shows.
  EXPECT_FALSE(gone->Flag().ok());
}

// --- bad values ----------------------------------------------------------------------------------

TEST_F(FilterTest, BadValuesFailAtReferAndExportNamingTheParameter) {
  auto p = StartProvider();
  auto consumer = Consumer();
  const std::string file = dir_.File("plain-file");
  std::ofstream(file) << "x";
  auto refer = [&](Parameters params) {
    params["url"] = p.Url();
    return consumer->Refer<CounterStub>(std::move(params)).status();
  };
  EXPECT_NE(refer({{"actives", "-x"}}).message().find("parameter actives=-x is not an integer"),
            std::string::npos);
  EXPECT_NE(refer({{"sleep.actives", "2.5"}}).message().find("sleep.actives=2.5"),
            std::string::npos);
  const Status bad_json = refer({{"mock", "return {bad"}});
  EXPECT_EQ(bad_json.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad_json.message().find("parameter mock=return {bad: not a valid value: json:"),
            std::string::npos)
      << bad_json;
  const Status impl = refer({{"mock", "true"}});
  EXPECT_NE(impl.message().find("<Interface>Mock"), std::string::npos) << impl;
  EXPECT_NE(refer({{"sayHello.mock", "com.example.HelloMock"}})
                .message()
                .find("sayHello.mock=com.example.HelloMock"),
            std::string::npos);
  EXPECT_NE(refer({{"mock", "throw not a class"}}).message().find("is not a Java class name"),
            std::string::npos);
  EXPECT_NE(refer({{"accesslog", file + "/sub/access.log"}})
                .message()
                .find("accesslog=" + file + "/sub/access.log"),
            std::string::npos);

  ApplicationConfig c;
  c.protocol = {{"host", "127.0.0.1"}, {"port", "0"}};
  auto app = Application::Create(c).value();
  auto exported = [&](Parameters params) {
    return app->Export(CounterService::Definition(), std::make_shared<CounterService>(&timers_),
                       std::move(params));
  };
  EXPECT_NE(exported({{"executes", "abc"}}).message().find("parameter executes=abc"),
            std::string::npos);
  EXPECT_NE(exported({{"sleep.executes", "x1"}}).message().find("parameter sleep.executes=x1"),
            std::string::npos);
  EXPECT_NE(exported({{"tps", "abc"}}).message().find("parameter tps=abc"), std::string::npos);
  EXPECT_NE(exported({{"tps", "5"}, {"tps.interval", "soon"}})
                .message()
                .find("parameter tps.interval=soon"),
            std::string::npos);
  EXPECT_NE(exported({{"tps", "5"}, {"tps.interval", "0"}}).message().find("tps.interval=0"),
            std::string::npos);
  EXPECT_NE(exported({{"timeout", "slow"}}).message().find("parameter timeout=slow"),
            std::string::npos);
  EXPECT_NE(exported({{"accesslog", file + "/x.log"}}).message().find("accesslog="),
            std::string::npos);
  EXPECT_NE(exported({{"service.filter", "no-such-filter"}}).message().find("no-such-filter"),
            std::string::npos);
}

// --- sticky --------------------------------------------------------------------------------------

TEST_F(FilterTest, StickyKeepsOneProviderWhileItIsAvailable) {
  auto a = StartProvider({}, /*registry=*/true);
  auto b = StartProvider({}, /*registry=*/true);
  auto consumer = Consumer(/*registry=*/true);
  auto stub = consumer->Refer<CounterStub>({{"sayHello.sticky", "true"}, {"retries", "0"}}).value();
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(stub.SayHello("s").ok());
  // All on one provider (random would split 20 calls with probability 1 - 2^-19).
  EXPECT_TRUE(a.service->hellos == 20 || b.service->hellos == 20)
      << a.service->hellos << "/" << b.service->hellos;
  // A method without sticky spreads.
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(stub.Count().ok());
  EXPECT_GT(a.service->others.load(), 0);
  EXPECT_GT(b.service->others.load(), 0);

  // The sticky provider goes away: calls move to the other one and stay there.
  Provider& first = a.service->hellos == 20 ? a : b;
  Provider& second = a.service->hellos == 20 ? b : a;
  first.app->Stop();
  ASSERT_TRUE(WaitFor([&] { return stub.SayHello("move").ok() && second.service->hellos > 0; }));
  const int before = second.service->hellos;
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(stub.SayHello("s").ok());
  EXPECT_EQ(second.service->hellos.load(), before + 20);
}

// --- user filters --------------------------------------------------------------------------------

// Consumer side: adds an attachment to a copy of the invocation.
class StampFilter : public cluster::Filter {
 public:
  void Invoke(rpc::Invoker& next, std::shared_ptr<const rpc::Invocation> inv,
              rpc::ResponseCallback done) override {
    auto copy = std::make_shared<rpc::Invocation>(*inv);
    copy->attachments.Set("x-stamp", "stamped-" + inv->method);
    next.Invoke(std::move(copy), std::move(done));
  }
};

// Provider side: admits only stamped calls and remembers the stamps it saw.
class RequireStampFilter : public rpc::ProviderFilter {
 public:
  Status Before(const rpc::RequestInfo& request) override {
    const auto stamp = request.attachments.GetString("x-stamp");
    if (!stamp) return Status(StatusCode::kForbidden, "missing x-stamp on " + request.method);
    std::lock_guard<std::mutex> lock(mu);
    seen.push_back(*stamp);
    return Status::Ok();
  }
  std::mutex mu;
  std::vector<std::string> seen;
};

TEST_F(FilterTest, UserFiltersRunOnBothSidesAndMayChangeAttachments) {
  // Each test registers its own instance: replace the previous test's.
  ASSERT_TRUE(cluster::Filters()
                  .Register(
                      "test-stamp",
                      [](const Url&) -> Result<std::shared_ptr<cluster::Filter>> {
                        return std::shared_ptr<cluster::Filter>(std::make_shared<StampFilter>());
                      },
                      Replace::kYes)
                  .ok());
  auto require = std::make_shared<RequireStampFilter>();
  // Each test registers its own instance: replace the previous test's.
  ASSERT_TRUE(rpc::ProviderFilters()
                  .Register(
                      "test-require-stamp",
                      [require](const Url&) -> Result<std::shared_ptr<rpc::ProviderFilter>> {
                        return std::shared_ptr<rpc::ProviderFilter>(require);
                      },
                      Replace::kYes)
                  .ok());
  auto p = StartProvider({{"service.filter", "test-require-stamp"}});
  auto consumer = Consumer();
  auto stamped = Direct(*consumer, p, {{"reference.filter", "test-stamp"}});
  EXPECT_EQ(stamped.SayHello("x").value(), "Hello x");
  {
    std::lock_guard<std::mutex> lock(require->mu);
    EXPECT_EQ(require->seen, std::vector<std::string>{"stamped-sayHello"});
  }
  auto plain = Direct(*consumer, p, {{"retries", "0"}});
  auto rejected = plain.SayHello("y");
  EXPECT_EQ(rejected.status().message(), "missing x-stamp on sayHello");
  EXPECT_EQ(p.service->hellos.load(), 1);

  // "-default" drops the built-in consumer filters: actives=1 no longer limits.
  auto unlimited =
      Direct(*consumer, p, {{"reference.filter", "-default,test-stamp"}, {"actives", "1"}});
  std::promise<void> both;
  std::atomic<int> answered{0};
  for (int i = 0; i < 2; ++i) {
    unlimited.Sleep(300, [&](Result<int32_t> r) {
      EXPECT_TRUE(r.ok()) << r.status();
      if (++answered == 2) both.set_value();
    });
  }
  ASSERT_EQ(both.get_future().wait_for(5s), std::future_status::ready);
  EXPECT_EQ(p.service->max_running.load(), 2);
}

}  // namespace
}  // namespace dubbo::testing

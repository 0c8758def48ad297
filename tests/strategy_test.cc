// Cluster strategies, safe retries, the retry budget and outlier ejection, against real provider
// processes (tests/support/fault_provider.cc) that answer slowly, fail, refuse or get killed.
// Providers record every execution in a file before answering; the assertions count those
// records, so "executed exactly once" is what the providers saw, not what the consumer believes.
#include <gtest/gtest.h>
#include <signal.h>

#include <asio/ip/tcp.hpp>
#include <atomic>
#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "app/application.h"
#include "cluster/cluster_invoker.h"
#include "cluster/directory.h"
#include "cluster/provider_invoker.h"
#include "cluster/registry_directory.h"
#include "fault_provider.dubbo.h"
#include "rpc/channel_invoker.h"
#include "rpc/client.h"
#include "rpc/invoker.h"
#include "tests/support/process.h"

namespace dubbo {
namespace {

namespace fault = org::apache::dubbo::cpp::fault;
using namespace std::chrono_literals;
using testing::ChildProcess;
using testing::TempDir;
using Clock = std::chrono::steady_clock;

constexpr std::string_view kInterface = fault::FaultService::kInterface;

bool Contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

// Polls `pred` until it holds or `timeout` passes.
bool WaitFor(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 10s) {
  const auto deadline = Clock::now() + timeout;
  while (!pred()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

int64_t MillisSince(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count();
}

// A port nothing listens on: one that was free a moment ago.
uint16_t DeadPort() {
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io,
                                   asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

// One line of a provider's record file: "run write w-1 p0" or "rejected read r-2 p1".
struct Record {
  std::string event;
  std::string method;
  std::string id;
  std::string provider;
};

// A fault-provider process. Killed with SIGKILL when destroyed: the tests never need its
// graceful shutdown, and it would wait for idle connections.
class Provider {
 public:
  Provider(const TempDir& dir, std::string name, const std::string& mode)
      : name_(std::move(name)), record_(dir.File(name_ + ".log")) {
    process_ = std::make_unique<ChildProcess>(std::vector<std::string>{
        FAULT_PROVIDER, "--name", name_, "--record", record_, "--port", "0", "--mode", mode});
    if (!process_->started()) return;
    if (auto line = process_->ReadLine(15s); line && line->rfind("port ", 0) == 0) {
      port_ = static_cast<uint16_t>(std::stoi(line->substr(5)));
    }
    ready_ = port_ != 0 && process_->WaitForLine("ready", 15s);
  }
  ~Provider() { Kill(); }

  bool ready() const { return ready_; }
  uint16_t port() const { return port_; }
  const std::string& name() const { return name_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  void Kill() {
    if (killed_ || !process_->started()) return;
    killed_ = true;
    process_->Signal(SIGKILL);
    process_->Wait(10s);
  }

  std::vector<Record> Records() const {
    std::vector<Record> out;
    std::ifstream in(record_);
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      Record r;
      if (fields >> r.event >> r.method >> r.id >> r.provider) out.push_back(std::move(r));
    }
    return out;
  }
  // How many times `method` ran (event "run") or was rejected ("rejected") with `id` here; an
  // empty `id` counts every id.
  size_t Count(const std::string& event, const std::string& method,
               const std::string& id = "") const {
    size_t n = 0;
    for (const Record& r : Records())
      n += r.event == event && r.method == method && (id.empty() || r.id == id);
    return n;
  }

 private:
  std::string name_;
  std::string record_;
  std::unique_ptr<ChildProcess> process_;
  uint16_t port_ = 0;
  bool ready_ = false;
  bool killed_ = false;
};

class StrategyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { RegisterBuiltins(); }

  StrategyTest() {
    rpc::ClientOptions options;
    options.connect_timeout = 1000ms;
    options.reconnect_min = 50ms;
    options.reconnect_max = 200ms;
    client_ = std::make_shared<rpc::Client>(options);
  }

  Provider& Start(const std::string& name, const std::string& mode = "ok") {
    providers_.push_back(std::make_unique<Provider>(dir_, name, mode));
    Provider& p = *providers_.back();
    EXPECT_TRUE(p.ready()) << "fault-provider " << name << " did not start";
    return p;
  }

  // A reference to the providers on `ports`, listed in this order, with consumer parameters
  // `params`, through the same JoinCluster an Application uses.
  std::shared_ptr<rpc::Invoker> Join(const std::vector<uint16_t>& ports,
                                     const Url::Parameters& params,
                                     std::shared_ptr<cluster::Directory>* directory = nullptr) {
    Url consumer("consumer", "127.0.0.1", 0, std::string(kInterface));
    consumer.Set("interface", std::string(kInterface)).Set("side", "consumer");
    for (const auto& [k, v] : params) consumer.Set(k, v);
    cluster::ProviderList invokers;
    for (const uint16_t port : ports) {
      Url provider("dubbo", "127.0.0.1", port, std::string(kInterface));
      provider.Set("interface", std::string(kInterface));
      auto channel =
          rpc::ChannelInvoker::Create(cluster::MergeProviderUrl(provider, consumer), *client_);
      EXPECT_TRUE(channel.ok()) << channel.status();
      auto invoker = cluster::MakeProviderInvoker(*channel);
      EXPECT_TRUE(invoker.ok()) << invoker.status();
      invokers.push_back(*invoker);
    }
    auto dir = std::make_shared<cluster::StaticDirectory>(consumer, std::move(invokers));
    if (directory != nullptr) *directory = dir;
    auto joined = cluster::JoinCluster(dir);
    EXPECT_TRUE(joined.ok()) << joined.status();
    return joined.ok() ? *joined : nullptr;
  }

  fault::FaultServiceStub Stub(const std::vector<uint16_t>& ports, const Url::Parameters& params,
                               std::shared_ptr<cluster::Directory>* directory = nullptr) {
    return fault::FaultServiceStub(Join(ports, params, directory));
  }

  // Changes a provider's mode over a direct channel, bypassing every cluster.
  void SetMode(const Provider& p, const std::string& mode) {
    Url url("dubbo", "127.0.0.1", p.port(), std::string(kInterface));
    auto channel = rpc::ChannelInvoker::Create(url, *client_);
    ASSERT_TRUE(channel.ok()) << channel.status();
    const Status s = fault::FaultServiceStub(*channel).SetMode(mode);
    ASSERT_TRUE(s.ok()) << s;
  }

  size_t Runs(const std::string& method, const std::string& id) const {
    size_t n = 0;
    for (const auto& p : providers_) n += p->Count("run", method, id);
    return n;
  }

  static cluster::ProviderInvoker& ProviderAt(const cluster::Directory& d, size_t i) {
    return *(*d.List())[i];
  }

  std::shared_ptr<rpc::Client> client_;
  TempDir dir_;
  std::vector<std::unique_ptr<Provider>> providers_;  // killed before the client closes
};

const Url::Parameters kNoEjection = {{"outlier.consecutive.failures", "0"}};

Url::Parameters With(Url::Parameters base, const Url::Parameters& more) {
  for (const auto& [k, v] : more) base[k] = v;
  return base;
}

// ---- failover ---------------------------------------------------------------------------------

TEST_F(StrategyTest, FailoverTriesEachProviderOnceAndNamesThemAll) {
  Provider& a = Start("a", "error");
  Provider& b = Start("b", "error");
  Provider& c = Start("c", "error");
  auto stub = Stub({a.port(), b.port(), c.port()}, kNoEjection);

  auto r = stub.Read("fo-1", 0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kServerError) << r.status();
  const std::string m = r.status().message();
  EXPECT_TRUE(
      Contains(m, "Failed to invoke the method read in the service " + std::string(kInterface)))
      << m;
  EXPECT_TRUE(Contains(m, "Tried 3 times of the providers [")) << m;
  EXPECT_TRUE(Contains(m, "(3/3) from direct connection")) << m;
  for (const Provider* p : {&a, &b, &c}) {
    EXPECT_TRUE(Contains(m, p->address())) << m;
    // Retries 2 = 3 attempts, each on a provider not tried before.
    EXPECT_EQ(p->Count("run", "read", "fo-1"), 1u) << p->name();
  }
  EXPECT_TRUE(Contains(m, "Last error is: ")) << m;
  EXPECT_TRUE(Contains(m, "failed fo-1 after running it")) << m;

  // Per method: read.retries=0 is one attempt.
  auto once = Stub({a.port(), b.port(), c.port()}, With(kNoEjection, {{"read.retries", "0"}}));
  EXPECT_FALSE(once.Read("fo-2", 0).ok());
  EXPECT_EQ(Runs("read", "fo-2"), 1u);
}

TEST_F(StrategyTest, FailoverTakesTheIdlRetriesWhenTheUrlHasNone) {
  Provider& a = Start("a", "error");
  Provider& b = Start("b", "error");
  Provider& c = Start("c", "error");
  const std::vector<uint16_t> ports = {a.port(), b.port(), c.port()};
  // probe is @retries(1) in the IDL: two attempts.
  EXPECT_FALSE(Stub(ports, kNoEjection).Probe("idl-1", 0).ok());
  EXPECT_EQ(Runs("probe", "idl-1"), 2u);
  // The reference's `retries` and `probe.retries` override it.
  EXPECT_FALSE(Stub(ports, With(kNoEjection, {{"retries", "2"}})).Probe("idl-2", 0).ok());
  EXPECT_EQ(Runs("probe", "idl-2"), 3u);
  EXPECT_FALSE(Stub(ports, With(kNoEjection, {{"retries", "2"}, {"probe.retries", "0"}}))
                   .Probe("idl-3", 0)
                   .ok());
  EXPECT_EQ(Runs("probe", "idl-3"), 1u);
  // A negative count is one attempt, as in Dubbo.
  EXPECT_FALSE(Stub(ports, With(kNoEjection, {{"retries", "-1"}})).Read("idl-4", 0).ok());
  EXPECT_EQ(Runs("read", "idl-4"), 1u);
}

TEST_F(StrategyTest, FailoverNeverRetriesBusinessExceptions) {
  Provider& a = Start("a");
  Provider& b = Start("b");
  auto stub = Stub({a.port(), b.port()}, {});
  auto r = stub.Fail("biz-1");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kBizException) << r.status();
  auto boom = rpc::ExceptionAs<fault::Boom>(r.status());
  ASSERT_TRUE(boom.has_value()) << r.status();
  EXPECT_EQ(boom->id, "biz-1");
  EXPECT_EQ(Runs("fail", "biz-1"), 1u);
}

// ---- safe retries -------------------------------------------------------------------------------

TEST_F(StrategyTest, NonIdempotentCallIsNotResentOnceItMayHaveReachedAProvider) {
  Provider& a = Start("a");
  Provider& b = Start("b");
  auto stub = Stub({a.port(), b.port()}, With(kNoEjection, {{"timeout", "200"}}));

  // The provider sleeps past the timeout: the request reached it, so it is not sent again.
  const auto start = Clock::now();
  auto w = stub.Write("ni-1", 800);
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().code(), StatusCode::kServerTimeout) << w.status();
  EXPECT_LT(MillisSince(start), 600);
  EXPECT_TRUE(Contains(w.status().message(), "not retried: write is not idempotent")) << w.status();
  EXPECT_TRUE(Contains(w.status().message(), "Tried 1 times")) << w.status();
  // A retry would have left at once; give it time to arrive anyway.
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(Runs("write", "ni-1"), 1u);

  // The idempotent twin is retried on timeouts, as Dubbo retries everything.
  EXPECT_EQ(stub.Read("ni-2", 800).status().code(), StatusCode::kServerTimeout);
  EXPECT_TRUE(WaitFor([&] { return Runs("read", "ni-2") == 3; }, 5s)) << Runs("read", "ni-2");

  // The URL can declare it idempotent.
  auto marked = Stub({a.port(), b.port()},
                     With(kNoEjection, {{"timeout", "200"}, {"write.idempotent", "true"}}));
  EXPECT_FALSE(marked.Write("ni-3", 800).ok());
  EXPECT_TRUE(WaitFor([&] { return Runs("write", "ni-3") == 3; }, 5s)) << Runs("write", "ni-3");

  // A provider error after the method ran is not retried either.
  SetMode(a, "error");
  SetMode(b, "error");
  auto e = stub.Write("ni-4", 0);
  EXPECT_EQ(e.status().code(), StatusCode::kServerError) << e.status();
  EXPECT_TRUE(Contains(e.status().message(), "not retried")) << e.status();
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(Runs("write", "ni-4"), 1u);
}

TEST_F(StrategyTest, NonIdempotentCallIsRetriedWhenItProvablyNeverReachedAProvider) {
  Provider& busy = Start("busy", "busy");
  Provider& ok = Start("ok");
  const uint16_t dead = DeadPort();
  std::shared_ptr<cluster::Directory> dir;
  // availablecheck=false makes the balancer pick the dead provider too.
  auto stub = Stub({dead, busy.port(), ok.port()},
                   With(kNoEjection, {{"cluster.availablecheck", "false"}}), &dir);
  for (int i = 0; i < 30; ++i) {
    const std::string id = "nr-" + std::to_string(i);
    auto w = stub.Write(id, 0);
    ASSERT_TRUE(w.ok()) << id << ": " << w.status();
    EXPECT_EQ(*w, "ok");
  }
  for (int i = 0; i < 30; ++i)
    EXPECT_EQ(ok.Count("run", "write", "nr-" + std::to_string(i)), 1u) << i;
  // Refused connections and status-100 rejections were both met, and retried.
  EXPECT_GT(ProviderAt(*dir, 0).Totals().failed.load(), 0);
  EXPECT_GT(busy.Count("rejected", "write"), 0u);
  EXPECT_EQ(busy.Count("run", "write"), 0u);
}

// ---- failfast, failsafe, available
// ---------------------------------------------------------------

TEST_F(StrategyTest, FailfastMakesOneAttempt) {
  Provider& a = Start("a", "error");
  Provider& b = Start("b", "error");
  auto stub = Stub({a.port(), b.port()}, With(kNoEjection, {{"cluster", "failfast"}}));
  auto r = stub.Read("ff-1", 0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kServerError);
  EXPECT_EQ(Runs("read", "ff-1"), 1u);
  const Provider& ran = a.Count("run", "read", "ff-1") == 1 ? a : b;
  EXPECT_TRUE(Contains(r.status().message(),
                       "Tried 1 times of the providers [" + ran.address() + "] (1/2)"))
      << r.status();
  EXPECT_TRUE(Contains(r.status().message(), "method read")) << r.status();
}

TEST_F(StrategyTest, FailsafeAnswersFailuresWithAnEmptyResult) {
  Provider& a = Start("a", "error");
  auto stub = Stub({a.port()}, With(kNoEjection, {{"cluster", "failsafe"}}));
  auto r = stub.Read("fs-1", 0);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, "");  // the null the stub decodes as the type's default
  EXPECT_EQ(Runs("read", "fs-1"), 1u);
  // A business exception is a result, not a failure.
  EXPECT_EQ(stub.Fail("fs-2").status().code(), StatusCode::kBizException);
  // No provider at all fails before any strategy runs, as in Dubbo.
  auto none = Stub({}, {{"cluster", "failsafe"}});
  EXPECT_EQ(none.Read("fs-3", 0).status().code(), StatusCode::kUnavailable);
}

TEST_F(StrategyTest, AvailableCallsTheFirstAvailableProvider) {
  Provider& gone = Start("gone");
  Provider& a = Start("a");
  Provider& b = Start("b");
  std::shared_ptr<cluster::Directory> dir;
  auto stub = Stub({gone.port(), a.port(), b.port()}, {{"cluster", "available"}}, &dir);
  auto first = stub.Read("av-0", 0);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(*first, "gone");  // the first listed, no balancing
  gone.Kill();
  ASSERT_TRUE(WaitFor([&] { return !(*dir->List())[0]->IsAvailable(); }));
  for (int i = 1; i <= 5; ++i) {
    auto r = stub.Read("av-" + std::to_string(i), 0);
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(*r, "a");
  }
  EXPECT_EQ(b.Count("run", "read"), 0u);

  // The killed provider's channel stays unavailable while it reconnects in vain.
  auto none = Stub({gone.port()}, {{"cluster", "available"}});
  auto r = none.Read("av-x", 0);
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(Contains(r.status().message(), "No provider available")) << r.status();
  EXPECT_TRUE(Contains(r.status().message(), "none of [" + gone.address() + "] is available"))
      << r.status();
}

// ---- failback ----------------------------------------------------------------------------------

TEST_F(StrategyTest, FailbackRetriesInTheBackground) {
  Provider& p = Start("p", "busy");
  const Url::Parameters failback =
      With(kNoEjection, {{"cluster", "failback"}, {"failback.period", "100"}});
  auto stub = Stub({p.port()}, failback);
  // The caller gets the empty result at once; the provider sees 1 + retries (3) attempts.
  auto r = stub.Write("fb-1", 0);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, "");
  EXPECT_TRUE(WaitFor([&] { return p.Count("rejected", "write", "fb-1") == 4; }, 5s))
      << p.Count("rejected", "write", "fb-1");
  std::this_thread::sleep_for(350ms);
  EXPECT_EQ(p.Count("rejected", "write", "fb-1"), 4u);

  // Once the provider accepts, the retry runs it exactly once.
  auto patient = Stub({p.port()}, With(failback, {{"retries", "20"}}));
  ASSERT_TRUE(patient.Write("fb-2", 0).ok());
  SetMode(p, "ok");
  EXPECT_TRUE(WaitFor([&] { return p.Count("run", "write", "fb-2") == 1; }, 5s));
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(p.Count("run", "write", "fb-2"), 1u);
  EXPECT_GE(p.Count("rejected", "write", "fb-2"), 1u);
}

TEST_F(StrategyTest, FailbackCapsThePendingRetries) {
  Provider& p = Start("p", "busy");
  auto stub = Stub({p.port()}, With(kNoEjection, {{"cluster", "failback"},
                                                  {"failback.period", "400"},
                                                  {"failbacktasks", "2"},
                                                  {"retries", "1"}}));
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(stub.Write("cap-" + std::to_string(i), 0).ok());
  SetMode(p, "ok");
  EXPECT_TRUE(WaitFor([&] { return p.Count("run", "write") == 2; }, 5s));
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(p.Count("run", "write"), 2u);
  EXPECT_EQ(p.Count("run", "write", "cap-0"), 1u);
  EXPECT_EQ(p.Count("run", "write", "cap-1"), 1u);
}

TEST_F(StrategyTest, FailbackReturnsFailuresItMustNotRetry) {
  Provider& p = Start("p", "error");
  auto stub =
      Stub({p.port()}, With(kNoEjection, {{"cluster", "failback"}, {"failback.period", "100"}}));
  // The write ran and failed: re-sending it could run it twice, so the caller hears of it.
  auto w = stub.Write("fbn-1", 0);
  EXPECT_EQ(w.status().code(), StatusCode::kServerError) << w.status();
  EXPECT_TRUE(Contains(w.status().message(), "not retried")) << w.status();
  // The idempotent read is swallowed and retried three times.
  auto r = stub.Read("fbn-2", 0);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(WaitFor([&] { return p.Count("run", "read", "fbn-2") == 4; }, 5s));
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(p.Count("run", "write", "fbn-1"), 1u);
  EXPECT_EQ(p.Count("run", "read", "fbn-2"), 4u);
}

// ---- forking -----------------------------------------------------------------------------------

TEST_F(StrategyTest, ForkingTakesTheFirstSuccess) {
  Provider& slow = Start("slow", "slow:1500");
  Provider& fast = Start("fast");
  const std::vector<uint16_t> ports = {slow.port(), fast.port()};
  auto stub = Stub(ports, With(kNoEjection, {{"cluster", "forking"}, {"timeout", "3000"}}));
  auto start = Clock::now();
  auto r = stub.Read("fk-1", 0);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, "fast");
  EXPECT_LT(MillisSince(start), 1000);
  // Both got it; the slow one records its start in its own process, maybe after the answer.
  EXPECT_TRUE(WaitFor([&] { return slow.Count("run", "read", "fk-1") == 1; }, 5s));
  EXPECT_EQ(fast.Count("run", "read", "fk-1"), 1u);

  // forks=1: one provider only.
  auto one =
      Stub(ports, With(kNoEjection, {{"cluster", "forking"}, {"forks", "1"}, {"timeout", "3000"}}));
  ASSERT_TRUE(one.Read("fk-2", 0).ok());
  EXPECT_EQ(Runs("read", "fk-2"), 1u);

  // All fail: the last failure.
  SetMode(slow, "error");
  SetMode(fast, "error");
  auto f = stub.Read("fk-3", 0);
  EXPECT_EQ(f.status().code(), StatusCode::kServerError) << f.status();
  EXPECT_TRUE(Contains(f.status().message(), "all forked calls failed")) << f.status();
  EXPECT_EQ(Runs("read", "fk-3"), 2u);

  // Nobody answers within the timeout: a timeout error, not Java's null, bounded by the timeout.
  SetMode(slow, "slow:2000");
  SetMode(fast, "slow:2000");
  auto bounded = Stub(ports, With(kNoEjection, {{"cluster", "forking"}, {"timeout", "300"}}));
  start = Clock::now();
  auto t = bounded.Read("fk-4", 0);
  EXPECT_EQ(t.status().code(), StatusCode::kServerTimeout) << t.status();
  EXPECT_LT(MillisSince(start), 1200);
}

// ---- broadcast ---------------------------------------------------------------------------------

TEST_F(StrategyTest, BroadcastCallsEveryProviderAndCountsFailures) {
  std::vector<Provider*> p;
  std::vector<uint16_t> ports;
  for (const char* name : {"p0", "p1", "p2", "p3"}) {
    p.push_back(&Start(name));
    ports.push_back(p.back()->port());
  }
  auto broadcast = [&](const Url::Parameters& extra) {
    return Stub(ports, With(With(kNoEjection, {{"cluster", "broadcast"}}), extra));
  };
  auto r = broadcast({}).Write("bc-1", 0);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, "p3");  // the last result
  for (Provider* x : p) EXPECT_EQ(x->Count("run", "write", "bc-1"), 1u) << x->name();

  SetMode(*p[0], "error");
  SetMode(*p[1], "error");
  // 50 % of 4: stop at the second failure.
  auto half = broadcast({{"broadcast.fail.percent", "50"}}).Write("bc-2", 0);
  EXPECT_EQ(half.status().code(), StatusCode::kServerError) << half.status();
  EXPECT_EQ(p[0]->Count("run", "write", "bc-2") + p[1]->Count("run", "write", "bc-2"), 2u);
  EXPECT_EQ(p[2]->Count("run", "write", "bc-2") + p[3]->Count("run", "write", "bc-2"), 0u);
  // 0 %: the threshold 0 is never equal to a failure count, so every provider is called.
  EXPECT_FALSE(broadcast({{"broadcast.fail.percent", "0"}}).Write("bc-3", 0).ok());
  EXPECT_EQ(Runs("write", "bc-3"), 4u);
  // The default 100 %: every provider, and the failure is returned.
  EXPECT_FALSE(broadcast({}).Write("bc-4", 0).ok());
  EXPECT_EQ(Runs("write", "bc-4"), 4u);
  // Out of range: Dubbo resets it to 100.
  EXPECT_FALSE(broadcast({{"broadcast.fail.percent", "150"}}).Write("bc-5", 0).ok());
  EXPECT_EQ(Runs("write", "bc-5"), 4u);

  // A business exception counts as a failure: 25 % of 4 stops at the first, and it is returned.
  SetMode(*p[0], "ok");
  SetMode(*p[1], "ok");
  auto biz = broadcast({{"broadcast.fail.percent", "25"}}).Fail("bc-6");
  EXPECT_EQ(biz.status().code(), StatusCode::kBizException) << biz.status();
  ASSERT_TRUE(rpc::ExceptionAs<fault::Boom>(biz.status()).has_value());
  EXPECT_EQ(p[0]->Count("run", "fail", "bc-6"), 1u);
  EXPECT_EQ(Runs("fail", "bc-6"), 1u);
}

// ---- retry budget ------------------------------------------------------------------------------

TEST_F(StrategyTest, RetryBudgetStopsARetryStorm) {
  Provider& a = Start("a", "error");
  Provider& b = Start("b", "error");
  auto stub = Stub({a.port(), b.port()}, With(kNoEjection, {{"retry.budget.percent", "10"},
                                                            {"retry.budget.min.per.second", "0"}}));
  size_t budget_stops = 0;
  for (int i = 0; i < 100; ++i) {
    auto r = stub.Read("rb-" + std::to_string(i), 0);
    ASSERT_FALSE(r.ok());
    budget_stops += Contains(r.status().message(), "the retry budget of the reference is spent");
  }
  // Without the budget: 300 executions. With it: 100 first attempts and ~10 % retries.
  const size_t runs = a.Count("run", "read") + b.Count("run", "read");
  EXPECT_GE(runs, 105u);
  EXPECT_LE(runs, 115u);
  EXPECT_GE(budget_stops, 85u);

  // The floor lets a quiet reference retry: 1 per second of a 10 s window.
  auto quiet = Stub(
      {a.port(), b.port()},
      With(kNoEjection, {{"retry.budget.percent", "10"}, {"retry.budget.min.per.second", "1"}}));
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(quiet.Read("rq-" + std::to_string(i), 0).ok());
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Runs("read", "rq-" + std::to_string(i)), 3u) << i;
}

// ---- outlier ejection --------------------------------------------------------------------------

TEST_F(StrategyTest, OutlierIsEjectedThenReadmittedGradually) {
  Provider& bad = Start("bad", "error");
  Provider& good = Start("good");
  std::shared_ptr<cluster::Directory> dir;
  auto stub = Stub({bad.port(), good.port()},
                   {{"outlier.consecutive.failures", "3"},
                    {"outlier.ejection.base", "1500"},
                    {"outlier.recovery", "2000"}},
                   &dir);
  cluster::ProviderInvoker& outlier = ProviderAt(*dir, 0);
  int i = 0;
  auto read = [&] {
    auto r = stub.Read("oe-" + std::to_string(i++), 0);
    EXPECT_TRUE(r.ok()) << r.status();  // reads fail over to the good provider
    return r.ok() ? *r : std::string();
  };
  ASSERT_TRUE(WaitFor([&] {
    read();
    return outlier.ejected();
  }));
  EXPECT_EQ(bad.Count("run", "read"), 3u);  // three failures in a row, then out
  EXPECT_FALSE(outlier.IsAvailable());
  for (int k = 0; k < 40; ++k) EXPECT_EQ(read(), "good");
  ASSERT_TRUE(outlier.ejected()) << "the test ran slower than the 1.5 s ejection";
  EXPECT_EQ(bad.Count("run", "read"), 3u);

  // Back in: a small share first, then its full half.
  SetMode(bad, "ok");
  ASSERT_TRUE(WaitFor([&] { return !outlier.ejected(); }, 3s));
  const auto readmitted = Clock::now();
  size_t early = 0;
  size_t early_bad = 0;
  while (MillisSince(readmitted) < 300) {
    early_bad += read() == "bad";
    ++early;
  }
  ASSERT_TRUE(WaitFor([&] { return MillisSince(readmitted) > 2100; }, 3s));
  size_t late_bad = 0;
  for (int k = 0; k < 200; ++k) late_bad += read() == "bad";
  const double early_share = static_cast<double>(early_bad) / static_cast<double>(early);
  const double late_share = static_cast<double>(late_bad) / 200.0;
  EXPECT_LT(early_share, 0.2) << early_bad << " of " << early;
  EXPECT_GT(late_share, 0.3) << late_bad << " of 200";
  EXPECT_EQ(outlier.ejections(), 0);  // recovered: the next ejection starts from the base again
}

TEST_F(StrategyTest, OutlierBackOffDoublesAndHalfTheProvidersStayIn) {
  Provider& bad = Start("bad", "error");
  Provider& good = Start("good");
  std::shared_ptr<cluster::Directory> dir;
  auto stub = Stub({bad.port(), good.port()},
                   {{"outlier.consecutive.failures", "3"},
                    {"outlier.ejection.base", "300"},
                    {"outlier.recovery", "300"}},
                   &dir);
  cluster::ProviderInvoker& outlier = ProviderAt(*dir, 0);
  int i = 0;
  auto read = [&] { EXPECT_TRUE(stub.Read("bo-" + std::to_string(i++), 0).ok()); };
  // Measures one ejection: from the call that ejected it to the end.
  auto ejection = [&]() -> int64_t {
    if (!WaitFor([&] {
          read();
          return outlier.ejected();
        })) {
      return -1;
    }
    const auto start = Clock::now();
    WaitFor([&] { return !outlier.ejected(); }, 5s);
    return MillisSince(start);
  };
  const int64_t first = ejection();
  EXPECT_EQ(outlier.ejections(), 1);
  // Still failing during the recovery ramp: ejected again, for twice as long.
  const int64_t second = ejection();
  EXPECT_EQ(outlier.ejections(), 2);
  EXPECT_GE(first, 250);
  EXPECT_LT(first, 500);
  EXPECT_GE(second, 550);

  // Both failing: only half of the providers may be out at once.
  Provider& c = Start("c", "error");
  Provider& d = Start("d", "error");
  std::shared_ptr<cluster::Directory> both;
  auto all_bad =
      Stub({c.port(), d.port()},
           {{"outlier.consecutive.failures", "2"}, {"outlier.ejection.base", "10000"}}, &both);
  for (int k = 0; k < 20; ++k) EXPECT_FALSE(all_bad.Read("half-" + std::to_string(k), 0).ok());
  EXPECT_EQ(both->outliers()->ejected.load(), 1);
  EXPECT_NE(ProviderAt(*both, 0).ejected(), ProviderAt(*both, 1).ejected());
}

// ---- the headline: SIGKILL under load
// ------------------------------------------------------------

TEST_F(StrategyTest, FailoverSurvivesAProviderKilledUnderLoad) {
  Provider& p0 = Start("p0");
  Provider& p1 = Start("p1");
  Provider& p2 = Start("p2");
  auto stub = Stub({p0.port(), p1.port(), p2.port()}, {{"timeout", "3000"}});
  constexpr int kThreads = 32;
  constexpr int kCalls = 60;
  std::atomic<int> completed{0};
  std::atomic<int> after_kill{0};
  std::atomic<bool> killed{false};
  std::vector<std::string> read_failures[kThreads];
  std::vector<std::pair<std::string, bool>> writes[kThreads];
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCalls; ++i) {
        const std::string id = std::to_string(t) + "-" + std::to_string(i);
        if (i % 2 == 0) {
          auto r = stub.Read("r" + id, 5);
          if (!r.ok()) read_failures[t].push_back("r" + id + ": " + r.status().ToString());
        } else {
          writes[t].emplace_back("w" + id, stub.Write("w" + id, 5).ok());
        }
        completed.fetch_add(1);
        if (killed.load()) after_kill.fetch_add(1);
      }
    });
  }
  ASSERT_TRUE(WaitFor([&] { return completed.load() >= 300; }, 30s));
  p1.Kill();  // SIGKILL with calls in flight
  killed = true;
  for (auto& th : threads) th.join();

  std::map<std::string, int> runs;
  for (const Provider* p : {&p0, &p1, &p2})
    for (const Record& r : p->Records())
      if (r.event == "run" && r.method == "write") ++runs[r.id];
  size_t write_failures = 0;
  for (int t = 0; t < kThreads; ++t) {
    // Every idempotent call succeeded: failover re-sent those caught by the kill.
    EXPECT_TRUE(read_failures[t].empty()) << read_failures[t].front();
    for (const auto& [id, ok] : writes[t]) {
      // No non-idempotent call ran twice; every one that succeeded ran exactly once.
      EXPECT_LE(runs[id], 1) << id;
      if (ok) {
        EXPECT_EQ(runs[id], 1) << id;
      }
      write_failures += !ok;
    }
  }
  EXPECT_GT(p1.Count("run", "read") + p1.Count("run", "write"), 0u);  // it served before the kill
  EXPECT_GT(after_kill.load(), kThreads);
  // Writes caught in flight fail rather than risk a second run; the rest went elsewhere.
  EXPECT_LT(write_failures, static_cast<size_t>(kThreads));
  std::cout << "[          ] writes failed by the kill: " << write_failures << " of "
            << kThreads * kCalls / 2 << std::endl;
}

// ---- configuration errors ----------------------------------------------------------------------

TEST_F(StrategyTest, MalformedParametersAreErrorsNamingThem) {
  const std::vector<std::pair<Url::Parameters, std::string>> cases = {
      {{{"retries", "abc"}}, "retries=abc"},
      {{{"read.retries", "1x"}}, "read.retries=1x"},
      {{{"idempotent", "maybe"}}, "idempotent=maybe"},
      {{{"write.idempotent", "yes"}}, "write.idempotent=yes"},
      {{{"cluster", "forking"}, {"forks", "two"}}, "forks=two"},
      {{{"cluster", "failback"}, {"failback.period", "0"}}, "failback.period=0"},
      {{{"cluster", "failback"}, {"failbacktasks", "many"}}, "failbacktasks=many"},
      {{{"cluster", "broadcast"}, {"broadcast.fail.percent", "half"}},
       "broadcast.fail.percent=half"},
      {{{"retry.budget.percent", "ten"}}, "retry.budget.percent=ten"},
      {{{"retry.budget.window", "5"}}, "retry.budget.window=5"},
      {{{"cluster.availablecheck", "perhaps"}}, "cluster.availablecheck=perhaps"},
      {{{"outlier.consecutive.failures", "-1"}}, "outlier.consecutive.failures=-1"},
      {{{"outlier.max.ejection.percent", "150"}}, "outlier.max.ejection.percent=150"},
      {{{"outlier.ejection.base", "soon"}}, "outlier.ejection.base=soon"},
  };
  for (const auto& [params, named] : cases) {
    Url consumer("consumer", "127.0.0.1", 0, std::string(kInterface));
    for (const auto& [k, v] : params) consumer.Set(k, v);
    auto joined = cluster::JoinCluster(
        std::make_shared<cluster::StaticDirectory>(consumer, cluster::ProviderList{}));
    ASSERT_FALSE(joined.ok()) << named;
    EXPECT_EQ(joined.status().code(), StatusCode::kInvalidArgument) << joined.status();
    EXPECT_TRUE(Contains(joined.status().message(), named)) << joined.status();
  }
  // The provider's own outlier settings are checked when its invoker is made.
  Url provider("dubbo", "127.0.0.1", 1, std::string(kInterface));
  provider.Set("outlier.recovery", "later");
  auto channel = rpc::ChannelInvoker::Create(provider, *client_);
  ASSERT_TRUE(channel.ok());
  auto made = cluster::MakeProviderInvoker(*channel);
  ASSERT_FALSE(made.ok());
  EXPECT_TRUE(Contains(made.status().message(), "outlier.recovery=later")) << made.status();
}

}  // namespace
}  // namespace dubbo

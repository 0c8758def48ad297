// Parked asynchronous calls (a broker's long poll): the framework ends them when their
// connection closes, their deadline passes or the server shuts down, runs their cancel callback
// once, bounds how many may be parked, and lets the service answer from any thread concurrently
// with all of that.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "tests/support/eventually.h"
#include "tests/support/rpc_fixtures.h"

namespace dubbo::testing {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kParkInterface = "org.apache.dubbo.demo.ParkService";

class ParkService : public rpc::ServiceBase {
 public:
  // Parks until the test answers it (Answer) or the framework ends it.
  void Wait(std::string key, rpc::Responder<std::string> reply) {
    auto held = std::make_shared<rpc::Responder<std::string>>(std::move(reply));
    const bool parked = held->Park([this, key](const Status& why) { Cancelled(key, why); });
    if (!parked) return;  // answered kLimitExceeded
    std::lock_guard<std::mutex> lock(mu_);
    waiting_[key] = held;
  }
  // A long poll: "empty" at the deadline unless answered before.
  void Poll(int32_t ms, rpc::Responder<std::string> reply) {
    auto held = std::make_shared<rpc::Responder<std::string>>(std::move(reply));
    held->ParkUntil(std::chrono::steady_clock::now() + std::chrono::milliseconds(ms), "empty",
                    [this](const Status& why) { Cancelled("poll", why); });
    std::lock_guard<std::mutex> lock(mu_);
    waiting_["poll"] = held;  // kept, as a broker keeps its parked pulls
  }

  std::vector<std::shared_ptr<rpc::Responder<std::string>>> TakeWaiting() {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::shared_ptr<rpc::Responder<std::string>>> out;
    for (auto& [k, r] : waiting_) out.push_back(r);
    waiting_.clear();
    return out;
  }
  size_t waiting() {
    std::lock_guard<std::mutex> lock(mu_);
    return waiting_.size();
  }
  // Cancel reasons seen, by status code.
  std::map<StatusCode, int> cancels() {
    std::lock_guard<std::mutex> lock(mu_);
    return cancels_;
  }
  int cancel_count() {
    std::lock_guard<std::mutex> lock(mu_);
    int n = 0;
    for (const auto& [c, k] : cancels_) n += k;
    return n;
  }

  static std::shared_ptr<const rpc::ServiceDefinition> Definition() {
    auto def = std::make_shared<rpc::ServiceDefinition>(std::string(kParkInterface));
    def->Add(
           rpc::AsyncMethod("wait", "Ljava/lang/String;", {"java.lang.String"}, &ParkService::Wait))
        .Add(rpc::AsyncMethod("poll", "I", {"int"}, &ParkService::Poll));
    return def;
  }

 private:
  void Cancelled(const std::string&, const Status& why) {
    std::lock_guard<std::mutex> lock(mu_);
    ++cancels_[why.code()];
  }

  std::mutex mu_;
  std::map<std::string, std::shared_ptr<rpc::Responder<std::string>>> waiting_;
  std::map<StatusCode, int> cancels_;
};

rpc::Invocation WaitCall(const std::string& key, std::chrono::milliseconds timeout = 20s) {
  rpc::Invocation inv;
  inv.interface = std::string(kParkInterface);
  inv.method = "wait";
  inv.descriptor = "Ljava/lang/String;";
  inv.arguments = rpc::MakeArguments([key](ObjectOutput& o) { o.WriteString(key); });
  inv.settings.timeout = timeout;
  return inv;
}

class ParkedTest : public ::testing::Test {
 protected:
  void StartServer(rpc::ServerOptions options = {}) {
    options.host = "127.0.0.1";
    options.port = 0;
    options.io_threads = 2;
    server_ = std::make_unique<rpc::Server>(options);
    service_ = std::make_shared<ParkService>();
    ASSERT_TRUE(server_->Export(ParkService::Definition(), service_).ok());
    ASSERT_TRUE(server_->Start().ok());
  }
  std::shared_ptr<rpc::Channel> Connect() {
    clients_.push_back(std::make_unique<rpc::Client>());
    return clients_.back()->GetChannel("127.0.0.1:" + std::to_string(server_->port())).value();
  }
  // Starts a call; the future gets its result.
  static std::future<rpc::RpcResult> Start(rpc::Channel& ch, const rpc::Invocation& inv) {
    auto p = std::make_shared<std::promise<rpc::RpcResult>>();
    auto f = p->get_future();
    ch.Call(inv, *SerializationRegistry::Global().Find(2),
            [p](rpc::RpcResult r) { p->set_value(std::move(r)); });
    return f;
  }

  std::unique_ptr<rpc::Server> server_;
  std::shared_ptr<ParkService> service_;
  std::vector<std::unique_ptr<rpc::Client>> clients_;
};

TEST_F(ParkedTest, AParkedPollIsAnsweredAtItsDeadline) {
  StartServer();
  auto ch = Connect();
  rpc::Invocation poll;
  poll.interface = std::string(kParkInterface);
  poll.method = "poll";
  poll.descriptor = "I";
  poll.arguments = rpc::MakeArguments([](ObjectOutput& o) { o.WriteInt(150); });
  poll.settings.timeout = 10s;
  const auto start = std::chrono::steady_clock::now();
  auto r = CallSync<std::string>(*ch, poll);
  const auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, "empty");
  EXPECT_GE(waited, 140ms);
  EXPECT_LT(waited, 5s);
  EXPECT_EQ(service_->cancels()[StatusCode::kServerTimeout], 1);
  EXPECT_TRUE(Eventually([&] { return server_->parked() == 0; }));
}

TEST_F(ParkedTest, ClosingTheConnectionCancelsItsParkedCallsAtOnce) {
  StartServer();
  auto ch = Connect();
  auto first = Start(*ch, WaitCall("a"));
  auto second = Start(*ch, WaitCall("b"));
  ASSERT_TRUE(Eventually([&] { return server_->parked() == 2; }));
  ch->Close();
  ASSERT_TRUE(Eventually([&] { return service_->cancel_count() == 2; }));
  EXPECT_EQ(service_->cancels()[StatusCode::kChannelInactive], 2);
  EXPECT_EQ(server_->parked(), 0u);
  // Answering afterwards is harmless: the call is over.
  for (auto& r : service_->TakeWaiting()) {
    EXPECT_FALSE(r->active());
    r->Reply("too late");
  }
  EXPECT_FALSE(first.get().status.ok());
  EXPECT_FALSE(second.get().status.ok());
}

TEST_F(ParkedTest, ShutdownAnswersParkedCallsForARetryElsewhereWithoutWaiting) {
  StartServer();
  auto ch = Connect();
  auto parked = Start(*ch, WaitCall("a"));
  ASSERT_TRUE(Eventually([&] { return server_->parked() == 1; }));
  const auto start = std::chrono::steady_clock::now();
  server_->Shutdown(10s);  // would wait 10 s for the parked call
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  const rpc::RpcResult r = parked.get();
  EXPECT_EQ(r.status.code(), StatusCode::kThreadPoolExhausted) << r.status;
  EXPECT_NE(r.status.message().find("retry on another provider"), std::string::npos) << r.status;
  EXPECT_EQ(service_->cancels()[StatusCode::kThreadPoolExhausted], 1);
}

TEST_F(ParkedTest, LimitsRefuseBeyondThemWithAClearStatus) {
  rpc::ServerOptions options;
  options.max_parked_per_connection = 2;
  options.max_parked = 3;
  StartServer(options);
  auto one = Connect();
  auto a = Start(*one, WaitCall("a"));
  auto b = Start(*one, WaitCall("b"));
  ASSERT_TRUE(Eventually([&] { return server_->parked() == 2; }));
  const rpc::RpcResult c = Start(*one, WaitCall("c")).get();
  // On the wire a provider's refusal is SERVICE_ERROR (70), as Java's limit filters answer.
  EXPECT_EQ(c.status.code(), StatusCode::kServiceError) << c.status;
  EXPECT_NE(c.status.message().find("max_parked_per_connection 2"), std::string::npos) << c.status;
  auto two = Connect();
  auto d = Start(*two, WaitCall("d"));
  ASSERT_TRUE(Eventually([&] { return server_->parked() == 3; }));
  const rpc::RpcResult e = Start(*two, WaitCall("e")).get();
  EXPECT_EQ(e.status.code(), StatusCode::kServiceError) << e.status;
  EXPECT_NE(e.status.message().find("max_parked 3"), std::string::npos) << e.status;
  EXPECT_EQ(server_->parks_refused(), 2u);
  for (auto& r : service_->TakeWaiting()) r->Reply("done");
  EXPECT_TRUE(a.get().status.ok());
  EXPECT_TRUE(b.get().status.ok());
  EXPECT_TRUE(d.get().status.ok());
  EXPECT_EQ(server_->parked(), 0u);
}

// 10,000 parked calls; half of the connections close while four threads answer every
// call: each call ends exactly once (answered or cancelled), nothing crashes, the counts return
// to zero.
TEST_F(ParkedTest, AnswersFromManyThreadsRaceClosingConnectionsSafely) {
  StartServer();
  constexpr int kConnections = 4;
  constexpr int kPerConnection = 2500;  // 10,000 parked calls
  std::vector<std::shared_ptr<rpc::Channel>> channels;
  std::vector<std::future<rpc::RpcResult>> results;
  for (int c = 0; c < kConnections; ++c) {
    channels.push_back(Connect());
    for (int i = 0; i < kPerConnection; ++i) {
      results.push_back(
          Start(*channels.back(), WaitCall(std::to_string(c) + "-" + std::to_string(i))));
    }
  }
  ASSERT_TRUE(Eventually(
      [&] { return server_->parked() == static_cast<size_t>(kConnections * kPerConnection); }));
  auto waiting = service_->TakeWaiting();
  ASSERT_EQ(waiting.size(), static_cast<size_t>(kConnections * kPerConnection));
  std::atomic<size_t> next{0};
  std::atomic<int> answered{0};
  std::vector<std::thread> answering;
  for (int t = 0; t < 4; ++t) {
    answering.emplace_back([&] {
      for (size_t i = next++; i < waiting.size(); i = next++)
        answered += waiting[i]->TryReply("ok");
    });
  }
  channels[0]->Close();
  channels[1]->Close();
  for (auto& t : answering) t.join();
  int ok = 0;
  for (auto& f : results) ok += f.get().status.ok();
  waiting.clear();
  EXPECT_TRUE(Eventually([&] { return server_->parked() == 0; })) << server_->parked();
  // Calls on the surviving connections were all answered; every call ended exactly once, by the
  // service's answer or by the framework's cancel.
  EXPECT_GE(ok, 2 * kPerConnection);
  EXPECT_GE(answered.load(), ok);
  EXPECT_EQ(answered.load() + service_->cancel_count(), kConnections * kPerConnection);
}

}  // namespace
}  // namespace dubbo::testing

// The call context both ways (Java's RpcContext): a consumer's per-reference and per-call
// attachments reach the provider's handler, which sees the consumer's address, application and
// deadline and answers with attachments the consumer reads — in the blocking, callback and
// coroutine forms, for synchronous and asynchronous handlers. And the server-side deadline: a
// request still queued past its consumer's timeout is answered SERVER_TIMEOUT, not run.
#include <gtest/gtest.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <optional>
#include <thread>

#include "app/application.h"
#include "greeter.dubbo.h"
#include "rpc/call_context.h"
#include "rpc/io_threads.h"

namespace dubbo::testing {
namespace {

using namespace std::chrono_literals;
using namespace org::apache::dubbo::demo;

// What a handler saw of its call.
struct Seen {
  std::string trace;
  std::string tenant;
  std::string remote;
  std::string application;
  bool has_deadline = false;
};

class ContextService final : public DemoServiceBase {
 public:
  explicit ContextService(rpc::IoThreads* timers) : timers_(timers) {}

  Result<std::string> SayHello(std::string name) override {
    rpc::ServerCall* call = rpc::CurrentCall();
    if (call == nullptr) return Status(StatusCode::kInternal, "no current call");
    if (name == "block") {
      blocking.store(true);
      std::this_thread::sleep_for(300ms);  // work that holds the only worker thread
      return "blocked";
    }
    ran.fetch_add(1);
    Record(call->request());
    call->SetResponseAttachment("served-by", "sync:" + name);
    return "Hello " + name;
  }
  Result<Reply> Greet(Greeting) override { return Reply{}; }
  Result<std::vector<std::string>> Names(int32_t) override { return std::vector<std::string>{}; }
  Result<std::string> Refuse(std::string) override { return std::string(); }
  void SlowHello(std::string name, int32_t delay_ms, rpc::Responder<std::string> reply) override {
    Record(reply.request());
    reply.SetResponseAttachment("served-by", "async:" + name);
    auto timer =
        std::make_shared<asio::steady_timer>(timers_->Next(), std::chrono::milliseconds(delay_ms));
    timer->async_wait([timer, name, reply = std::make_shared<decltype(reply)>(std::move(reply))](
                          const std::error_code&) { reply->Reply("Hello " + name); });
  }

  Seen last() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_;
  }
  std::atomic<int> ran{0};
  std::atomic<bool> blocking{false};

 private:
  void Record(const rpc::RequestInfo& info) {
    std::lock_guard<std::mutex> lock(mu_);
    last_.trace = info.attachments.GetString("trace-id").value_or("");
    last_.tenant = info.attachments.GetString("tenant").value_or("");
    last_.remote = info.remote;
    last_.application = info.RemoteApplication();
    last_.has_deadline = info.deadline != std::chrono::steady_clock::time_point::max();
  }

  rpc::IoThreads* timers_;
  std::mutex mu_;
  Seen last_;
};

class ContextTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ApplicationConfig c;
    c.name = "context-provider";
    // One worker thread: a blocked handler queues the next request behind it.
    c.protocol = {{"host", "127.0.0.1"}, {"port", "0"}, {"threads", "1"}, {"queues", "16"}};
    c.qos_enable = false;
    auto app = Application::Create(c);
    ASSERT_TRUE(app.ok()) << app.status();
    provider_ = std::move(*app);
    service_ = std::make_shared<ContextService>(&timers_);
    ASSERT_TRUE(provider_->Export(service_).ok());
    ASSERT_TRUE(provider_->Start().ok());

    ApplicationConfig cc;
    cc.name = "context-consumer";
    cc.qos_enable = false;
    auto consumer = Application::Create(cc);
    ASSERT_TRUE(consumer.ok()) << consumer.status();
    consumer_ = std::move(*consumer);
  }

  DemoServiceStub Stub(Parameters extra = {}) {
    extra["url"] = "dubbo://127.0.0.1:" + std::to_string(provider_->port());
    extra.emplace("retries", "0");
    auto stub = consumer_->Refer<DemoServiceStub>(extra);
    EXPECT_TRUE(stub.ok()) << stub.status();
    return std::move(*stub);
  }

  rpc::IoThreads timers_{1, "context-timers"};
  std::unique_ptr<Application> provider_;
  std::unique_ptr<Application> consumer_;
  std::shared_ptr<ContextService> service_;
};

TEST_F(ContextTest, AttachmentsTravelBothWaysInAllThreeCallForms) {
  auto stub = Stub();
  stub.SetAttachment("tenant", "acme");  // every call of this reference

  // Blocking form, synchronous handler.
  auto ctx = std::make_shared<rpc::CallContext>();
  ctx->attachments.Set("trace-id", "t-1");
  {
    rpc::CallContextScope scope(ctx);
    auto r = stub.SayHello("a");
    ASSERT_TRUE(r.ok()) << r.status();
  }
  Seen seen = service_->last();
  EXPECT_EQ(seen.trace, "t-1");
  EXPECT_EQ(seen.tenant, "acme");
  EXPECT_NE(seen.remote.find("127.0.0.1:"), std::string::npos) << seen.remote;
  EXPECT_TRUE(seen.has_deadline);  // our consumers send their timeout
  EXPECT_EQ(ctx->response_attachments().GetString("served-by").value_or(""), "sync:a");

  // Outside the scope: the reference's attachment only.
  ASSERT_TRUE(stub.SayHello("b").ok());
  seen = service_->last();
  EXPECT_EQ(seen.trace, "");
  EXPECT_EQ(seen.tenant, "acme");

  // Callback form, asynchronous handler.
  auto cb_ctx = std::make_shared<rpc::CallContext>();
  cb_ctx->attachments.Set("trace-id", "t-2");
  std::promise<Result<std::string>> done;
  {
    rpc::CallContextScope scope(cb_ctx);
    stub.SlowHello("c", 20, [&done](Result<std::string> r) { done.set_value(std::move(r)); });
  }
  auto cb = done.get_future().get();
  ASSERT_TRUE(cb.ok()) << cb.status();
  EXPECT_EQ(service_->last().trace, "t-2");
  EXPECT_EQ(cb_ctx->response_attachments().GetString("served-by").value_or(""), "async:c");

  // Coroutine form: the scope applies where the awaitable is made.
  auto co_ctx = std::make_shared<rpc::CallContext>();
  co_ctx->attachments.Set("trace-id", "t-3");
  asio::io_context io;
  auto awaitable = [&] {
    rpc::CallContextScope scope(co_ctx);
    return stub.SayHelloAsync("d");
  }();
  std::optional<Result<std::string>> co;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        auto r = co_await std::move(awaitable);
        co.emplace(std::move(r));
      },
      asio::detached);
  io.run();
  ASSERT_TRUE(co.has_value());
  ASSERT_TRUE(co->ok()) << co->status();
  EXPECT_EQ(service_->last().trace, "t-3");
  EXPECT_EQ(co_ctx->response_attachments().GetString("served-by").value_or(""), "sync:d");
}

TEST_F(ContextTest, CurrentCallIsNullOutsideAHandler) { EXPECT_EQ(rpc::CurrentCall(), nullptr); }

TEST_F(ContextTest, ARequestQueuedPastItsConsumersTimeoutIsNotRun) {
  auto slow = Stub({{"timeout", "5000"}});
  auto hasty = Stub({{"timeout", "100"}});
  // The blocker takes the only worker for 300 ms; the hasty call waits behind it.
  std::promise<Result<std::string>> blocked;
  slow.SayHello("block", [&blocked](Result<std::string> r) { blocked.set_value(std::move(r)); });
  for (auto until = std::chrono::steady_clock::now() + 5s;
       !service_->blocking.load() && std::chrono::steady_clock::now() < until;) {
    std::this_thread::yield();
  }
  ASSERT_TRUE(service_->blocking.load());
  const int ran_before = service_->ran.load();
  auto r = hasty.SayHello("late");
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(r.status().code() == StatusCode::kClientTimeout ||
              r.status().code() == StatusCode::kServerTimeout)
      << r.status();
  ASSERT_TRUE(blocked.get_future().get().ok());
  // The provider answered the queued request without running it: a fresh call runs at once.
  auto after = slow.SayHello("after");
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(service_->ran.load(), ran_before + 1);  // "after" only, never "late"
}

// Application::Unrefer ends one reference: its calls fail, the application's others go on.
TEST_F(ContextTest, UnreferEndsOneReference) {
  auto gone = Stub();
  auto kept = Stub();
  ASSERT_TRUE(gone.SayHello("x").ok());
  ASSERT_TRUE(consumer_->Unrefer(gone).ok());
  auto r = gone.SayHello("x");
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status();
  EXPECT_EQ(consumer_->Unrefer(gone).code(), StatusCode::kNotFound);
  auto still = kept.SayHello("y");
  EXPECT_TRUE(still.ok()) << still.status();
}

}  // namespace
}  // namespace dubbo::testing

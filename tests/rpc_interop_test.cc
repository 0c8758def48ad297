// The Dubbo 2 protocol against peers this project did not write, every run:
//   - our rpc::Server called by npm consumers written for Java providers (apache-dubbo-js
//     3.0.0-rc6 over its DirectlyDubbo connection, and the old-version client node-zookeeper-dubbo
//     3.0.15), driven by tests/interop/js/dubbo_consumer.js;
//   - our rpc::Client calling a provider whose Hessian encoder and decoder are npm hessian.js
//     (tests/interop/js/dubbo_provider.js).
// Versions are pinned by tests/interop/js/package-lock.json. A missing node or npm package fails
// the test: nothing is skipped.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/process.h"
#include "tests/support/rpc_fixtures.h"

extern char** environ;

namespace dubbo::testing {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kInterface = "org.apache.dubbo.demo.InteropService";
constexpr std::string_view kString = "Ljava/lang/String;";
const std::string kFailMessage = "the user is locked: \u00fcn\u00efc\u00f6d\u00e9 \u2713";

// --- the Java types both sides declare -----------------------------------------------------------

struct Pet {
  std::string name;
  int32_t age = 0;
  friend bool operator==(const Pet&, const Pet&) = default;
};
DUBBO_STRUCT(Pet, "demo.Pet", name, age)

struct User {
  int32_t id = 0;
  std::string name;
  int64_t created_at = 0;
  std::vector<std::string> tags;
  std::vector<Pet> pets;
  friend bool operator==(const User&, const User&) = default;
};
constexpr auto DubboDescribe(const User*) {
  return MakeStruct<User>("demo.User", DUBBO_FIELD_AS(User, id, "id"),
                          DUBBO_FIELD_AS(User, name, "name"),
                          DUBBO_FIELD_AS(User, created_at, "createdAt"),
                          DUBBO_FIELD_AS(User, tags, "tags"), DUBBO_FIELD_AS(User, pets, "pets"));
}

// The user dubbo_consumer.js sends (createdAt needs more than 32 bits).
User Ada() { return User{7, "Ada", 1700000000123, {"admin", "ops"}, {{"Rex", 3}, {"Tom", 11}}}; }

// --- our provider --------------------------------------------------------------------------------

// org.apache.dubbo.demo.InteropService. Exported twice: unversioned, and as 1.0.0 in group g1,
// whose answers carry `suffix` so a test can tell which instance served it. Remembers what the
// consumers sent.
class InteropService : public rpc::ServiceBase {
 public:
  explicit InteropService(std::string suffix) : suffix_(std::move(suffix)) {}

  // Asynchronous only to see the request: the attachments a consumer sent.
  void SayHello(std::string name, rpc::Responder<std::string> reply) {
    const rpc::RequestInfo& r = reply.request();
    auto text = [&](std::string_view key) { return r.attachments.GetString(key).value_or("-"); };
    const std::string seen = "dubbo=" + r.dubbo_version + " group=" + r.group +
                             " version=" + text("version") + " timeout=" + text("timeout") +
                             " application=" + text("application");
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.insert(seen);
    }
    reply.Reply("Hello " + name + suffix_);
  }
  // Synchronous: sees its call through rpc::CurrentCall() (Java's RpcContext).
  Result<User> EchoUser(User user) {
    const rpc::ServerCall* call = rpc::CurrentCall();
    if (call == nullptr) return Status(StatusCode::kInternal, "no current call");
    std::lock_guard<std::mutex> lock(mu_);
    users_.push_back(user);
    if (auto trace = call->request().attachments.GetString("trace-id")) traces_.insert(*trace);
    return user;
  }
  Result<std::optional<std::string>> Nothing() { return std::optional<std::string>(); }
  Status Fail(std::string message) {
    auto e = std::make_shared<JavaException>("java.lang.IllegalStateException", message);
    return Status(StatusCode::kBizException, e->ToString()).WithException(e);
  }

  std::set<std::string> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  std::vector<User> users() {
    std::lock_guard<std::mutex> lock(mu_);
    return users_;
  }
  std::set<std::string> traces() {
    std::lock_guard<std::mutex> lock(mu_);
    return traces_;
  }

  static std::shared_ptr<const rpc::ServiceDefinition> Definition() {
    auto def = std::make_shared<rpc::ServiceDefinition>(std::string(kInterface));
    const std::string str(kString);
    def->Add(rpc::AsyncMethod("sayHello", str, {"java.lang.String"}, &InteropService::SayHello))
        .Add(rpc::Method("echoUser", "Ldemo/User;", {"demo.User"}, &InteropService::EchoUser))
        .Add(rpc::Method("nothing", "", {}, &InteropService::Nothing))
        .Add(rpc::Method("fail", str, {"java.lang.String"}, &InteropService::Fail));
    return def;
  }

 private:
  const std::string suffix_;
  std::mutex mu_;
  std::set<std::string> requests_;
  std::vector<User> users_;
  std::set<std::string> traces_;  // the `trace-id` attachments echoUser's callers set
};

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(NpmConsumerInteropTest, ApacheDubboJsAndNodeZookeeperDubboCallOurProvider) {
  rpc::ServerOptions options;
  options.host = "127.0.0.1";
  options.port = 0;
  options.io_threads = 2;
  rpc::Server server(options);
  auto plain = std::make_shared<InteropService>("");
  auto grouped = std::make_shared<InteropService>(" from g1/1.0.0");
  ASSERT_TRUE(server.Export(InteropService::Definition(), plain).ok());
  ASSERT_TRUE(server.Export(InteropService::Definition(), grouped, "1.0.0", "g1").ok());
  ASSERT_TRUE(server.Start().ok());

  const CommandResult run =
      RunCommand("node " + ShellQuote(SourceDir() + "/tests/interop/js/dubbo_consumer.js") +
                 " 127.0.0.1:" + std::to_string(server.port()));
  ASSERT_EQ(run.exit_code, 0)
      << "dubbo_consumer.js failed (is node installed and scripts/setup run?):\n"
      << run.output;

  // Exactly these outcomes, in this order. The User's fields come back in the class definition's
  // order, which is ours. node-zookeeper-dubbo fails on result flags 3/4/5, so its lines passing
  // shows the server answered its "2.5.3.6" and Dubbox "2.8.4" requests with flags 0/1/2.
  // "heartbeat": the server answered apache-dubbo-js's heartbeat request byte for byte as Java.
  const std::string user =
      R"({"id":7,"name":"Ada","createdAt":1700000000123,"tags":["admin","ops"],)"
      R"("pets":[{"name":"Rex","age":3},{"name":"Tom","age":11}]})";
  const std::string fail =
      R"({"name":"java.lang.IllegalStateException","message":")" + kFailMessage + R"("})";
  std::vector<std::string> expected;
  for (const std::string client : {"apache-dubbo-js", "node-zookeeper-dubbo"}) {
    const std::string head = R"({"client":")" + client + R"(","call":)";
    expected.push_back(head + R"("sayHello","ok":true,"value":"Hello world"})");
    expected.push_back(head + R"("echoUser","ok":true,"value":)" + user + "}");
    expected.push_back(head + R"("nothing","ok":true,"value":null})");
    expected.push_back(head + R"("fail","ok":false,"error":)" + fail + "}");
    expected.push_back(head +
                       R"("sayHello@g1:1.0.0","ok":true,"value":"Hello world from g1/1.0.0"})");
    if (client == "apache-dubbo-js") {
      expected.push_back(head + R"("sayHello@9.9.9","ok":false,"notFound":true})");
      expected.push_back(head + R"("heartbeat","ok":true,"value":"answered"})");
      expected.push_back(head + R"("sayHello","ok":true,"value":"Hello world"})");
      expected.push_back(head + R"("sayHello[2.0.0]","ok":true,"value":"Hello world"})");
      expected.push_back(head + R"("fail[2.0.0]","ok":false,"error":)" + fail + "}");
      expected.push_back(head + R"("burst","ok":true,"value":200})");
    } else {
      expected.push_back(head + R"("sayHello[dubbox 2.8.4]","ok":true,"value":"Hello world"})");
      expected.push_back(head + R"("burst","ok":true,"value":30})");
    }
  }
  EXPECT_EQ(Lines(run.output), expected) << run.output;

  // What arrived: both users intact, and the attachments as each client sends them
  // (apache-dubbo-js: version "0.0.0" when unversioned, timeout in seconds as a number;
  // node-zookeeper-dubbo: no version attachment, a null timeout when none is configured).
  EXPECT_EQ(plain->users(), (std::vector<User>{Ada(), Ada()}));
  // apache-dubbo-js's own attachment reached the synchronous handler's call context.
  EXPECT_EQ(plain->traces(), (std::set<std::string>{"js-trace-1"}));
  EXPECT_EQ(plain->requests(),
            (std::set<std::string>{
                "dubbo=2.0.0 group= version=0.0.0 timeout=- application=dubbo-js",
                "dubbo=2.0.2 group= version=0.0.0 timeout=- application=dubbo-js",
                "dubbo=2.5.3.6 group= version=- timeout=- application=-",
                "dubbo=2.8.4 group= version=- timeout=- application=-",
            }));
  EXPECT_EQ(grouped->requests(),
            (std::set<std::string>{
                "dubbo=2.0.2 group=g1 version=1.0.0 timeout=10 application=dubbo-js",
                "dubbo=2.5.3.6 group=g1 version=1.0.0 timeout=6000 application=-",
            }));
}

// --- the npm provider ----------------------------------------------------------------------------

class NpmProviderInteropTest : public ::testing::Test {
 protected:
  // One provider for the suite; each test opens its own client.
  static void SetUpTestSuite() {
    provider_ = new ChildProcess({"node", SourceDir() + "/tests/interop/js/dubbo_provider.js"});
    if (!provider_->started()) return;
    const auto line = provider_->ReadLine(30s);
    unsigned port = 0;
    if (line && std::sscanf(line->c_str(), "listening %u", &port) == 1)
      port_ = static_cast<uint16_t>(port);
  }
  static void TearDownTestSuite() {
    delete provider_;
    provider_ = nullptr;
  }

  void SetUp() override {
    ASSERT_TRUE(provider_->started()) << provider_->error();
    ASSERT_NE(port_, 0) << "dubbo_provider.js did not report its port (see its stderr above; "
                           "is scripts/setup run?)";
  }

  std::shared_ptr<rpc::Channel> Connect(rpc::ClientOptions options = {}) {
    clients_.push_back(std::make_unique<rpc::Client>(options));
    return clients_.back()->GetChannel("127.0.0.1:" + std::to_string(port_)).value();
  }

  static rpc::Invocation Call(std::string method, std::string descriptor,
                              std::function<void(ObjectOutput&)> args, std::string version = "",
                              std::string group = "") {
    rpc::Invocation inv;
    inv.interface = std::string(kInterface);
    inv.settings.version = std::move(version);
    inv.settings.group = std::move(group);
    inv.method = std::move(method);
    inv.descriptor = std::move(descriptor);
    if (args) inv.arguments = rpc::MakeArguments(std::move(args));
    inv.settings.timeout = 5s;
    return inv;
  }
  template <typename T>
  static rpc::Invocation Call1(std::string method, std::string descriptor, T arg,
                               std::string version = "", std::string group = "") {
    return Call(
        std::move(method), std::move(descriptor), [arg](ObjectOutput& o) { WriteTyped(o, arg); },
        std::move(version), std::move(group));
  }

  // The provider's heartbeat counters.
  static std::map<std::string, int32_t> Stats(rpc::Channel& ch) {
    auto r = CallSync<std::map<std::string, int32_t>>(ch, Call("stats", "", nullptr));
    return r.ok() ? *r : std::map<std::string, int32_t>{};
  }

  static ChildProcess* provider_;
  static uint16_t port_;
  std::vector<std::unique_ptr<rpc::Client>> clients_;
};

ChildProcess* NpmProviderInteropTest::provider_ = nullptr;
uint16_t NpmProviderInteropTest::port_ = 0;

TEST_F(NpmProviderInteropTest, StringCallsReachTheExportedVersionAndGroup) {
  auto ch = Connect();
  auto r =
      CallSync<std::string>(*ch, Call1("sayHello", std::string(kString), std::string("world")));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, "Hello world");

  r = CallSync<std::string>(
      *ch, Call1("sayHello", std::string(kString), std::string("world"), "1.0.0", "g1"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, "Hello world from g1/1.0.0");

  r = CallSync<std::string>(*ch,
                            Call1("sayHello", std::string(kString), std::string("world"), "9.9.9"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kServiceError) << r.status();
  EXPECT_EQ(r.status().message(),
            "Not found exported service: org.apache.dubbo.demo.InteropService:9.9.9");
}

TEST_F(NpmProviderInteropTest, StructArgumentAndResult) {
  auto ch = Connect();
  auto r = CallSync<User>(*ch, Call1("echoUser", "Ldemo/User;", Ada()));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, Ada());

  User empty;  // empty lists and an empty name survive the trip too
  empty.id = -1;
  empty.created_at = -(int64_t{1} << 40);
  r = CallSync<User>(*ch, Call1("echoUser", "Ldemo/User;", empty));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, empty);
}

TEST_F(NpmProviderInteropTest, NullResult) {
  auto ch = Connect();
  auto r = CallSync<std::optional<std::string>>(*ch, Call("nothing", "", nullptr));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_FALSE(r->has_value());
  std::promise<Status> done;
  ch->Call(Call("nothing", "", nullptr), *SerializationRegistry::Global().Find(2),
           [&](rpc::RpcResult res) { done.set_value(rpc::DecodeVoidResult(res)); });
  auto f = done.get_future();
  ASSERT_EQ(f.wait_for(10s), std::future_status::ready);
  EXPECT_TRUE(f.get().ok());
}

TEST_F(NpmProviderInteropTest, BusinessExceptionCarriesTheJavaException) {
  auto ch = Connect();
  auto r = CallSync<std::string>(*ch, Call1("fail", std::string(kString), kFailMessage));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kBizException) << r.status();
  EXPECT_EQ(r.status().message(), "java.lang.IllegalStateException: " + kFailMessage);
  const std::shared_ptr<const JavaException> e = r.status().exception();
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->class_name, "java.lang.IllegalStateException");
  EXPECT_EQ(e->message, kFailMessage);
  EXPECT_EQ(e->cause, nullptr);  // the self-reference Java uses for "no cause"
  EXPECT_EQ(e->stack_trace,
            (std::vector<StackTraceElement>{{"org.apache.dubbo.demo.InteropServiceImpl", "fail",
                                             "InteropServiceImpl.java", 42}}));
}

TEST_F(NpmProviderInteropTest, AttachmentsOurClientSendsAreReadByHessianJs) {
  auto ch = Connect();
  auto attachment = [&](std::string key, std::string version = "", std::string group = "") {
    auto r = CallSync<std::optional<std::string>>(
        *ch, Call1("attachment", std::string(kString), std::move(key), std::move(version),
                   std::move(group)));
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->value_or("<null>") : "<error>";
  };
  EXPECT_EQ(attachment("path"), kInterface);
  EXPECT_EQ(attachment("interface"), kInterface);
  EXPECT_EQ(attachment("version"), "0.0.0");
  EXPECT_EQ(attachment("timeout"), "5000");  // milliseconds, as a string (Java 3.x)
  EXPECT_EQ(attachment("group"), "<null>");
  EXPECT_EQ(attachment("group", "1.0.0", "g1"), "g1");
  EXPECT_EQ(attachment("version", "1.0.0", "g1"), "1.0.0");
}

TEST_F(NpmProviderInteropTest, HeartbeatsAreAnsweredBothWays) {
  // Our client sends a heartbeat after 50 ms without reading; the provider answers it.
  rpc::ClientOptions options;
  options.connection.heartbeat = 50ms;
  auto ch = Connect(options);
  const int32_t before = Stats(*ch)["heartbeatsAnswered"];
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  int32_t answered = before;
  while (answered <= before && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);  // quiet time in which the heartbeat is due
    answered = Stats(*ch)["heartbeatsAnswered"];
  }
  EXPECT_GT(answered, before) << "the provider never saw a heartbeat from our client";

  // The provider sends a heartbeat request (id -2) as Dubbo 2.6 providers do; our client must
  // answer with the event flag, status 20 and the same id.
  const int32_t replies = Stats(*ch)["heartbeatRepliesReceived"];
  auto probe = CallSync<int32_t>(*ch, Call("probeHeartbeat", "", nullptr));
  ASSERT_TRUE(probe.ok()) << probe.status();
  int32_t now = replies;
  while (now <= replies && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
    now = Stats(*ch)["heartbeatRepliesReceived"];
  }
  EXPECT_EQ(now, replies + 1) << "our client did not answer the provider's heartbeat request";
  auto r =
      CallSync<std::string>(*ch, Call1("sayHello", std::string(kString), std::string("again")));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, "Hello again");
}

TEST_F(NpmProviderInteropTest, FiveHundredCallsInFlightAnsweredInReverse) {
  // gather(n, i) is held by the provider until n calls are held, then all are answered last
  // first: every call must be in flight at once on the one connection, and each response
  // overtakes the requests sent before it.
  constexpr int kCalls = 500;
  auto ch = Connect();
  ASSERT_TRUE(
      CallSync<std::string>(*ch, Call1("sayHello", std::string(kString), std::string("warm")))
          .ok());
  std::mutex mu;
  std::vector<int32_t> completed;
  std::promise<void> all;
  for (int32_t i = 0; i < kCalls; ++i) {
    auto inv = Call("gather", "II", [i](ObjectOutput& o) {
      o.WriteInt(kCalls);
      o.WriteInt(i);
    });
    inv.settings.timeout = 20s;
    ch->Call(inv, *SerializationRegistry::Global().Find(2), [&, i](rpc::RpcResult r) {
      auto v = rpc::DecodeResult<int32_t>(r);
      std::lock_guard<std::mutex> lock(mu);
      completed.push_back(v.ok() && *v == i ? i : -1 - i);
      if (completed.size() == kCalls) all.set_value();
    });
  }
  ASSERT_EQ(all.get_future().wait_for(30s), std::future_status::ready);
  std::vector<int32_t> reversed;
  for (int32_t i = kCalls - 1; i >= 0; --i) reversed.push_back(i);
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(completed, reversed);
  EXPECT_EQ(ch->pending(), 0u);
}

}  // namespace
}  // namespace dubbo::testing

// Discovery through ZooKeeper with peers this project did not write, every run, against a real
// ZooKeeper server (tests/support/zookeeper_server.h):
//   - our provider (a dubbo-cpp Application registering in ZooKeeper) found and called by two npm
//     consumers written for Java providers, which get the ZooKeeper address only
//     (tests/interop/js/zk_consumer.js: apache-dubbo-js 3.0.0-rc6's ZooKeeper registry and
//     node-zookeeper-dubbo 3.0.15), including following the watch when the provider is replaced;
//     and their consumer:// nodes read back by our registry;
//   - our consumer Application finding a hessian.js provider whose nodes a JavaScript process
//     wrote as Java would (tests/interop/js/zk_provider.js), and losing it when that process goes.
// Versions are pinned by tests/interop/js/package-lock.json. A missing node, npm package or
// ZooKeeper fails the test: nothing is skipped.
//
// Peer quirks these tests live with (docs/registry.md, "Interop"):
//   - apache-dubbo-js rc6 keeps only children starting with "dubbo://" and parses the whole URL
//     with querystring, so the first query key is swallowed (ours is `anyhost`, as Java's); an
//     empty provider list is ignored (it keeps the old one); its Setting maps an interface to one
//     version and group, kept in module-wide state (one client per process); with an empty
//     version it does not filter at all and sends the group of whichever export it picked, so
//     an unversioned rc6 consumer of an interface also exported as g1/1.0.0 calls either export
//     at random (Java's and nzd's consumers match exactly): only its versioned consumer is
//     tested; `register` as a string means root /dubbo.
//   - node-zookeeper-dubbo compares `version` and `group` with === (absent matches absent only),
//     needs `methods`, ignores an empty list too, has no call timeout and prints through
//     console.log (the script sends that to stderr).
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <future>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "app/application.h"
#include "common/url.h"
#include "registry/registry.h"
#include "rpc/result.h"
#include "rpc/service.h"
#include "tests/support/process.h"
#include "tests/support/zookeeper_server.h"

namespace dubbo::testing {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kString = "Ljava/lang/String;";
// Ours (served by the Application) and the hessian.js provider's.
constexpr std::string_view kCppInterface = "org.apache.dubbo.demo.ZkInteropService";
constexpr std::string_view kJsInterface = "org.apache.dubbo.demo.InteropService";

// sayHello answers name the instance, so a test sees which provider and which export served.
class GreetingService : public rpc::ServiceBase {
 public:
  explicit GreetingService(std::string from) : from_(std::move(from)) {}
  Result<std::string> SayHello(std::string name) { return "Hello " + name + " from " + from_; }

  static std::shared_ptr<const rpc::ServiceDefinition> Definition() {
    auto def = std::make_shared<rpc::ServiceDefinition>(std::string(kCppInterface));
    def->Add(rpc::Method("sayHello", std::string(kString), {"java.lang.String"},
                         &GreetingService::SayHello));
    return def;
  }

 private:
  const std::string from_;
};

Result<std::string> SayHello(rpc::Invoker& invoker, std::string_view interface,
                             const std::string& name) {
  auto inv = std::make_shared<rpc::Invocation>();
  inv->interface = std::string(interface);
  inv->method = "sayHello";
  inv->descriptor = std::string(kString);
  inv->arguments = rpc::MakeArguments([name](ObjectOutput& o) { o.WriteString(name); });
  inv->settings = rpc::ReferenceSettings(invoker.url()).For(inv->method);
  inv->settings.timeout = 5s;
  std::promise<Result<std::string>> p;
  invoker.Invoke(inv, [&p](rpc::RpcResult r) { p.set_value(rpc::DecodeResult<std::string>(r)); });
  return p.get_future().get();
}

template <typename F>
bool Eventually(F f, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!f()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

class RegistryInteropTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    server_ = ZooKeeperServer::Shared(&error);
    ASSERT_NE(server_, nullptr) << error;
  }

  // The JS peers use ZooKeeper's default root (/dubbo); each test has an interface of its own.
  std::string RegistryUrl(const std::string& app) const {
    return "zookeeper://" + server_->address() + "?file=" + dir_.File(app + ".cache");
  }

  // Exports kCppInterface unversioned and as 1.0.0 in group g1, on 127.0.0.1.
  std::unique_ptr<Application> Provider(const std::string& tag) {
    ApplicationConfig c;
    c.name = "cpp-provider";
    c.registry = RegistryUrl(c.name + "-" + tag);
    c.protocol = {{"host", "127.0.0.1"}, {"port", "0"}, {"shutdown.wait", "2000"}};
    auto app = Application::Create(c);
    EXPECT_TRUE(app.ok()) << app.status();
    if (!app.ok()) return nullptr;
    EXPECT_TRUE(
        (*app)->Export(GreetingService::Definition(), std::make_shared<GreetingService>(tag)).ok());
    EXPECT_TRUE((*app)
                    ->Export(GreetingService::Definition(),
                             std::make_shared<GreetingService>(tag + " g1/1.0.0"),
                             {{"version", "1.0.0"}, {"group", "g1"}})
                    .ok());
    const Status started = (*app)->Start();
    EXPECT_TRUE(started.ok()) << started;
    return std::move(*app);
  }

  ZooKeeperServer* server_ = nullptr;
  TempDir dir_;
};

TEST_F(RegistryInteropTest, NpmConsumersDiscoverOurProviderThroughZooKeeper) {
  auto a = Provider("A");
  ASSERT_TRUE(a);
  // One process per client and export (zk_consumer.js says why).
  struct Peer {
    std::string client, app, version, group;
    std::unique_ptr<ChildProcess> process;
    std::string Expected(const std::string& call, const std::string& greeting) const {
      return R"({"client":")" + client + R"(","call":")" + call + R"(","ok":true,"value":")" +
             greeting + (group.empty() ? "" : " " + group + "/" + version) + R"("})";
    }
  };
  // No unversioned apache-dubbo-js peer: it would call either export at random (see the top).
  // Each peer creates the consumers parent itself and gives up on its own node when another
  // process created the parent first (NODE_EXISTS); in a running estate the parent exists.
  {
    std::string error;
    auto zk = ZkTestClient::Connect(server_->address(), &error);
    ASSERT_NE(zk, nullptr) << error;
    ASSERT_EQ(zk->Create("/dubbo/" + std::string(kCppInterface) + "/consumers"), ZOK);
  }
  std::vector<Peer> peers(3);
  peers[0] = {"apache-dubbo-js", "js-rc6-g1", "1.0.0", "g1", nullptr};
  peers[1] = {"node-zookeeper-dubbo", "js-nzd", "", "", nullptr};
  peers[2] = {"node-zookeeper-dubbo", "js-nzd-g1", "1.0.0", "g1", nullptr};
  for (Peer& p : peers) {
    std::vector<std::string> argv = {"node", SourceDir() + "/tests/interop/js/zk_consumer.js",
                                     server_->address(),
                                     p.client == "apache-dubbo-js" ? "rc6" : "nzd"};
    if (!p.version.empty()) argv.insert(argv.end(), {p.version, p.group});
    p.process = std::make_unique<ChildProcess>(argv);
    ASSERT_TRUE(p.process->started()) << p.process->error();
  }

  // Each client read the providers' nodes, picked the export its version and group match,
  // connected to the address in the node name and called it.
  for (Peer& p : peers) {
    std::vector<std::string> lines;
    ASSERT_TRUE(p.process->WaitForLine(R"({"phase":"waiting"})", 60s, &lines))
        << p.app
        << " did not finish discovery (is node installed and scripts/setup run?); it printed:\n"
        << ::testing::PrintToString(lines);
    EXPECT_EQ(lines, std::vector<std::string>{p.Expected("sayHello", "Hello world from A")})
        << p.app;
  }

  // Their consumer:// nodes (written with encodeURIComponent, empty values) parse as ours.
  auto registry = registry::OpenRegistry(RegistryUrl("reader"));
  ASSERT_TRUE(registry.ok()) << registry.status();
  Url consumers("consumer", "127.0.0.1", 0, std::string(kCppInterface));
  consumers.Set("category", "consumers").Set("version", "*").Set("group", "*");
  std::set<std::string> seen;
  std::set<std::string> want;
  for (const Peer& p : peers)
    want.insert(p.app + " side=consumer version=" + p.version + " group=" + p.group);
  EXPECT_TRUE(Eventually(
      [&] {
        seen.clear();
        for (const Url& u : (*registry)->Lookup(consumers).value_or(std::vector<Url>{})) {
          seen.insert(u.Get("application") + " side=" + u.Get("side") +
                      " version=" + u.Get("version") + " group=" + u.Get("group"));
        }
        return seen == want;
      },
      10s))
      << ::testing::PrintToString(seen);
  (*registry)->Close();

  // A stops (its nodes go: both clients ignore the empty list and keep failing on the old
  // address), B starts on another port; only reading B's new nodes makes a call succeed.
  a->Stop();
  auto b = Provider("B");
  ASSERT_TRUE(b);
  for (Peer& p : peers) p.process->Signal(SIGUSR2);
  for (Peer& p : peers) {
    auto line = p.process->ReadLine(60s);
    ASSERT_TRUE(line) << p.app << " did not report a call after the provider changed";
    EXPECT_EQ(*line, p.Expected("sayHello after the provider changed", "Hello again from B"));
    EXPECT_EQ(p.process->Wait(10s), 0) << p.app;
  }
}

TEST_F(RegistryInteropTest, OurConsumerDiscoversAJsProviderWhoseNodesJavaScriptWrote) {
  ChildProcess js({"node", SourceDir() + "/tests/interop/js/zk_provider.js", server_->address()});
  ASSERT_TRUE(js.started()) << js.error();
  const auto line = js.ReadLine(30s);
  unsigned port = 0;
  ASSERT_TRUE(line && std::sscanf(line->c_str(), "registered %u", &port) == 1)
      << "zk_provider.js did not register (is node installed and scripts/setup run?): "
      << line.value_or("<EOF>");

  // The names as a JavaScript process wrote them are what our encoder writes for the URLs they
  // hold: Java's URLEncoder of the whole sorted URL, '+' for the space.
  std::string error;
  auto zk = ZkTestClient::Connect(server_->address(), &error);
  ASSERT_NE(zk, nullptr) << error;
  const std::vector<std::string> names =
      zk->Children("/dubbo/" + UrlEncode(std::string(kJsInterface)) + "/providers");
  ASSERT_EQ(names.size(), 2u) << ::testing::PrintToString(names);
  for (const std::string& name : names) {
    auto decoded = UrlDecode(name);
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    auto url = Url::Parse(*decoded);
    ASSERT_TRUE(url.ok()) << url.status();
    EXPECT_EQ(UrlEncode(url->ToFullString()), name);
    EXPECT_EQ(url->Get("owner"), "interop team");
    EXPECT_NE(name.find("%26owner%3Dinterop+team%26"), std::string::npos) << name;
  }

  ApplicationConfig c;
  c.name = "cpp-consumer";
  c.registry = RegistryUrl(c.name);
  auto consumer = Application::Create(c).value();
  auto plain = consumer->Refer(std::string(kJsInterface));
  ASSERT_TRUE(plain.ok()) << plain.status();
  auto grouped =
      consumer->Refer(std::string(kJsInterface), {{"version", "1.0.0"}, {"group", "g1"}});
  ASSERT_TRUE(grouped.ok()) << grouped.status();
  auto hello = SayHello(**plain, kJsInterface, "world");
  ASSERT_TRUE(hello.ok()) << hello.status();
  EXPECT_EQ(*hello, "Hello world");
  hello = SayHello(**grouped, kJsInterface, "world");
  ASSERT_TRUE(hello.ok()) << hello.status();
  EXPECT_EQ(*hello, "Hello world from g1/1.0.0");

  // What the consumer's registry made of the foreign node.
  Url query("consumer", "127.0.0.1", 0, std::string(kJsInterface));
  auto found = consumer->registry()->Lookup(query);
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_EQ(found->size(), 1u);
  const Url& p = found->front();
  EXPECT_EQ(p.Address(), "127.0.0.1:" + std::to_string(port));
  EXPECT_EQ(p.Get("application"), "js-hessian-provider");
  EXPECT_EQ(p.Get("methods"),
            "attachment,echoUser,fail,gather,nothing,probeHeartbeat,sayHello,stats");
  EXPECT_EQ(p.Get("owner"), "interop team");

  // The process goes, its session with it: the ephemeral nodes vanish and the consumer follows.
  js.Signal(SIGTERM);
  EXPECT_TRUE(js.Wait(10s).has_value());
  Status last;
  EXPECT_TRUE(Eventually(
      [&] {
        last = SayHello(**plain, kJsInterface, "gone").status();
        return last.code() == StatusCode::kUnavailable &&
               last.message().find("No provider available") != std::string::npos;
      },
      15s))
      << last;
  consumer->Stop();
}

}  // namespace
}  // namespace dubbo::testing

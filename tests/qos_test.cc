// The QoS port over real sockets: telnet sessions and HTTP GETs against running Applications
// (a provider and a consumer through the embedded file registry). Every command's answer is
// checked against what happened; offline/online are seen by the consumer; bad input (unknown
// commands, binary bytes, a 1 MiB line, idle and surplus clients) is answered or cut off while
// the server keeps serving others; port conflicts leave the application running.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "app/application.h"
#include "metrics/custom.h"
#include "metrics/metrics.h"
#include "qos/commands.h"
#include "qos/qos_server.h"
#include "qos/request.h"
#include "registry/registry.h"
#include "tests/support/eventually.h"
#include "tests/support/gate_service.h"
#include "tests/support/process.h"

namespace dubbo::testing {
namespace {

using namespace std::chrono_literals;

// A loopback port nothing listens on right now.
uint16_t FreeLoopbackPortForTest() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  uint16_t port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

// The trimmed cells of a table ("|a|b|" rows).
std::set<std::string> Cells(const std::string& table) {
  std::set<std::string> cells;
  std::istringstream lines(table);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] != '|') continue;
    size_t start = 1;
    for (size_t bar; (bar = line.find('|', start)) != std::string::npos; start = bar + 1) {
      std::string cell = line.substr(start, bar - start);
      cell.erase(0, cell.find_first_not_of(' '));
      cell.erase(cell.find_last_not_of(' ') + 1);
      cells.insert(cell);
    }
  }
  return cells;
}

// A blocking TCP client with deadlines.
class Client {
 public:
  ~Client() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool Connect(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  bool Send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }
  // Everything up to and including `token`; nullopt when it does not come in time.
  std::optional<std::string> ReadUntil(std::string_view token,
                                       std::chrono::milliseconds timeout = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (const size_t at = buffer_.find(token); at != std::string::npos) {
        std::string out = buffer_.substr(0, at + token.size());
        buffer_.erase(0, at + token.size());
        return out;
      }
      if (!Fill(deadline)) return std::nullopt;
    }
  }
  // Everything until the peer closes; false in `closed` when it did not close in time.
  std::string ReadToClose(std::chrono::milliseconds timeout, bool* closed) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    *closed = false;
    while (Fill(deadline)) {
    }
    *closed = eof_;
    std::string out;
    out.swap(buffer_);
    return out;
  }

 private:
  bool Fill(std::chrono::steady_clock::time_point deadline) {
    if (eof_) return false;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buf[65536];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    buffer_.append(buf, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  bool eof_ = false;
  std::string buffer_;
};

// A telnet session past the welcome banner.
std::unique_ptr<Client> Telnet(uint16_t port) {
  auto c = std::make_unique<Client>();
  if (!c->Connect(port)) return nullptr;
  // An empty line makes it a telnet session at once (the banner and a prompt), then a prompt.
  c->Send("\n");
  auto banner = c->ReadUntil("dubbo>");
  if (!banner || banner->find("/____/") == std::string::npos || !c->ReadUntil("dubbo>"))
    return nullptr;
  return c;
}

// The answer to one command line (without the prompt that follows it).
std::string Command(Client& c, const std::string& line) {
  c.Send(line + "\n");
  auto out = c.ReadUntil("\r\ndubbo>");
  if (!out) return "<no answer to " + line + ">";
  return out->substr(0, out->size() - 8);
}

struct HttpReply {
  int status = 0;
  std::string content_type;
  std::string body;
};

HttpReply Http(uint16_t port, const std::string& target, const std::string& method = "GET") {
  Client c;
  HttpReply r;
  if (!c.Connect(port)) return r;
  c.Send(method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: qos_test\r\n\r\n");
  bool closed = false;
  const std::string raw = c.ReadToClose(10s, &closed);
  const size_t head_end = raw.find("\r\n\r\n");
  if (!closed || head_end == std::string::npos || raw.rfind("HTTP/1.1 ", 0) != 0) return r;
  r.status = std::stoi(raw.substr(9, 3));
  const size_t ct = raw.find("Content-Type: ");
  if (ct != std::string::npos && ct < head_end)
    r.content_type = raw.substr(ct + 14, raw.find("\r\n", ct) - ct - 14);
  r.body = raw.substr(head_end + 4);
  const size_t cl = raw.find("Content-Length: ");
  if (cl == std::string::npos || std::stoul(raw.substr(cl + 16)) != r.body.size()) r.status = -1;
  return r;
}

// The cells of a `count` table row for `method`: method, total, succeeded, failed, active, ...
std::vector<std::string> Row(const std::string& table, const std::string& method) {
  std::vector<std::string> cells;
  const size_t at = table.find("| " + method + " ");
  if (at == std::string::npos) return cells;
  const std::string line = table.substr(at, table.find('\n', at) - at);
  size_t start = 1;
  while (start < line.size()) {
    const size_t bar = line.find('|', start);
    if (bar == std::string::npos) break;
    std::string cell = line.substr(start, bar - start);
    cell.erase(0, cell.find_first_not_of(' '));
    cell.erase(cell.find_last_not_of(' ') + 1);
    cells.push_back(cell);
    start = bar + 1;
  }
  return cells;
}

class QosTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    provider_name_ = "qos-provider-" + test;
    consumer_name_ = "qos-consumer-" + test;
    ApplicationConfig p;
    p.name = provider_name_;
    p.registry = Registry();
    p.qos_port = 0;
    p.protocol = {{"host", "127.0.0.1"}, {"port", "0"}, {"shutdown.wait", "200"}};
    provider_ = Application::Create(p).value();
    ASSERT_TRUE(provider_->Export(GateService::Definition(), gate_).ok());
    ASSERT_TRUE(provider_->Start().ok());
    ASSERT_NE(provider_->qos_port(), 0);

    ApplicationConfig c;
    c.name = consumer_name_;
    c.registry = Registry();
    c.qos_port = 0;
    consumer_ = Application::Create(c).value();
    auto invoker = consumer_->Refer(std::string(kGateInterface), {{"retries", "0"}});
    ASSERT_TRUE(invoker.ok()) << invoker.status();
    invoker_ = *invoker;
    ASSERT_TRUE(consumer_->Start().ok());
    ASSERT_NE(consumer_->qos_port(), 0);
    ASSERT_NE(consumer_->qos_port(), provider_->qos_port());
  }
  void TearDown() override {
    gate_->Release();
    if (consumer_) consumer_->Stop();
    if (provider_) provider_->Stop();
  }
  std::string Registry() const { return "file://" + dir_.path() + "?notify.delay=1"; }

  TempDir dir_;
  std::shared_ptr<GateService> gate_ = std::make_shared<GateService>();
  std::string provider_name_;
  std::string consumer_name_;
  std::unique_ptr<Application> provider_;
  std::unique_ptr<Application> consumer_;
  std::shared_ptr<rpc::Invoker> invoker_;
};

TEST_F(QosTest, SilentClientGetsTheBannerAndPrompt) {
  Client c;
  ASSERT_TRUE(c.Connect(provider_->qos_port()));
  auto banner =
      c.ReadUntil("dubbo>", 5s);  // after the 500 ms a telnet user is given to speak first
  ASSERT_TRUE(banner.has_value());
  EXPECT_NE(banner->find("/____/ \\____//____//____/ \\____/"), std::string::npos) << *banner;
  EXPECT_EQ(Command(c, "live"), "true");
}

TEST_F(QosTest, LsListsExportedAndReferredServicesOverTelnetAndHttp) {
  auto t = Telnet(provider_->qos_port());
  ASSERT_TRUE(t);
  const std::string ls = Command(*t, "ls");
  EXPECT_EQ(ls,
            "As Provider side:\n"
            "+---------------------------------+---+\n"
            "|      Provider Service Name      |PUB|\n"
            "+---------------------------------+---+\n"
            "|org.apache.dubbo.demo.GateService| Y |\n"
            "+---------------------------------+---+\n"
            "As Consumer side:\n"
            "+---------------------+---+\n"
            "|Consumer Service Name|NUM|\n"
            "+---------------------+---+\n");
  const HttpReply http = Http(provider_->qos_port(), "/ls");
  EXPECT_EQ(http.status, 200);
  EXPECT_EQ(http.content_type, "text/plain; charset=utf-8");
  EXPECT_EQ(http.body, ls);

  // The consumer's QoS: the reference and how many providers it can call.
  EXPECT_EQ(Http(consumer_->qos_port(), "/ls").body,
            "As Provider side:\n"
            "+---------------------+---+\n"
            "|Provider Service Name|PUB|\n"
            "+---------------------+---+\n"
            "As Consumer side:\n"
            "+---------------------------------+---+\n"
            "|      Consumer Service Name      |NUM|\n"
            "+---------------------------------+---+\n"
            "|org.apache.dubbo.demo.GateService| 1 |\n"
            "+---------------------------------+---+\n");
}

TEST_F(QosTest, CountShowsTheCallsMade) {
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(CallGate(*invoker_, "echo", "x").status.ok());
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(CallGate(*invoker_, "boom", "x").status.ok());
  auto t = Telnet(provider_->qos_port());
  ASSERT_TRUE(t);
  const std::string count = Command(*t, "count GateService");
  EXPECT_EQ(count.rfind("As Provider side: org.apache.dubbo.demo.GateService\n", 0), 0u) << count;
  EXPECT_EQ(Row(count, "method"), (std::vector<std::string>{"method", "total", "succeeded",
                                                            "failed", "active", "average", "max"}))
      << count;
  auto echo = Row(count, "echo");
  ASSERT_EQ(echo.size(), 7u) << count;
  EXPECT_EQ(echo[1], "3");
  EXPECT_EQ(echo[2], "3");
  EXPECT_EQ(echo[3], "0");
  EXPECT_EQ(echo[4], "0");
  EXPECT_TRUE(echo[5].ends_with("ms")) << echo[5];
  auto boom = Row(count, "boom");
  ASSERT_EQ(boom.size(), 7u) << count;
  EXPECT_EQ(boom[1], "2");
  EXPECT_EQ(boom[2], "0");
  EXPECT_EQ(boom[3], "2");
  // Methods listed in the provider URL are there before their first call.
  ASSERT_EQ(Row(count, "hold").size(), 7u) << count;
  EXPECT_EQ(Row(count, "hold")[1], "0");

  // One method, over HTTP, on the consumer's side.
  const HttpReply c =
      Http(consumer_->qos_port(), "/count?service=org.apache.dubbo.demo.GateService&method=echo");
  EXPECT_EQ(c.status, 200);
  EXPECT_EQ(c.body.rfind("As Consumer side: org.apache.dubbo.demo.GateService\n", 0), 0u) << c.body;
  EXPECT_EQ(Row(c.body, "echo").at(1), "3");
  EXPECT_TRUE(Row(c.body, "boom").empty());

  EXPECT_EQ(Command(*t, "count NoSuchService"), "No such service NoSuchService");
  EXPECT_EQ(Command(*t, "count GateService nope"),
            "As Provider side: org.apache.dubbo.demo.GateService\nNo such method nope in service "
            "org.apache.dubbo.demo.GateService\n");
}

TEST_F(QosTest, InvokeMakesARealGenericCall) {
  auto t = Telnet(provider_->qos_port());
  ASSERT_TRUE(t);
  const std::string r = Command(*t, "invoke org.apache.dubbo.demo.GateService.echo(\"hi there\")");
  EXPECT_EQ(r.rfind("result: \"hi there\"\nelapsed: ", 0), 0u) << r;
  EXPECT_TRUE(r.ends_with(" ms.")) << r;
  // It went through the provider's real path: the provider counted a generic call.
  EXPECT_TRUE(Eventually([&] {
    for (const auto& [key, s] : metrics::MetricsRegistry::Global().Snapshot())
      if (key.application == provider_name_ && key.method == "$invoke" && s.Finished() == 1)
        return true;
    return false;
  }));
  EXPECT_EQ(Command(*t, "invoke GateService.boom(\"bad day\")"),
            "Failed to invoke method boom, cause: java.lang.IllegalStateException: bad day");
  EXPECT_EQ(Command(*t, "invoke GateService.echo(\"unterminated)")
                .rfind("Invalid json argument, cause: ", 0),
            0u);
  EXPECT_EQ(Command(*t, "invoke echo(\"x\")")
                .rfind("Invalid parameters, format: service.method(args)", 0),
            0u);
  EXPECT_EQ(Command(*t, "invoke GateService.echo"),
            "Invalid parameters, format: service.method(args)");
  EXPECT_EQ(Command(*t, "invoke org.NoSuch.echo(1)"), "No such service org.NoSuch");

  // The consumer only refers to the service: its QoS calls through the reference, over HTTP.
  const HttpReply h = Http(consumer_->qos_port(),
                           "/invoke?org.apache.dubbo.demo.GateService.echo(%22via%20ref%22)");
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.body.rfind("result: \"via ref\"\n", 0), 0u) << h.body;
}

TEST_F(QosTest, OfflineTakesTheProviderOutOfTheRegistryAndOnlineBringsItBack) {
  ASSERT_TRUE(CallGate(*invoker_, "echo", "before").status.ok());
  auto registry = registry::OpenRegistry(Registry()).value();
  const Url query("consumer", "127.0.0.1", 0, std::string(kGateInterface));
  ASSERT_EQ(registry->Lookup(query).value().size(), 1u);

  auto t = Telnet(provider_->qos_port());
  ASSERT_TRUE(t);
  EXPECT_EQ(Command(*t, "ready"), "true");
  EXPECT_EQ(Http(provider_->qos_port(), "/ready").status, 200);
  EXPECT_EQ(Command(*t, "offline org.NoSuchService"), "service not found");
  EXPECT_EQ(Command(*t, "offline org.apache.dubbo.demo.GateService"), "OK");
  EXPECT_TRUE(registry->Lookup(query).value().empty());
  // The consumer hears of it and stops calling.
  EXPECT_TRUE(Eventually(
      [&] { return CallGate(*invoker_, "echo", "x").status.code() == StatusCode::kUnavailable; }));
  EXPECT_NE(Command(*t, "ls").find("|org.apache.dubbo.demo.GateService| N |"), std::string::npos);
  EXPECT_EQ(Command(*t, "ready"), "false");
  const HttpReply not_ready = Http(provider_->qos_port(), "/ready");
  EXPECT_EQ(not_ready.status, 503);
  EXPECT_EQ(not_ready.body, "false");
  EXPECT_NE(Http(consumer_->qos_port(), "/ls").body.find("|org.apache.dubbo.demo.GateService| 0 |"),
            std::string::npos);

  EXPECT_EQ(Http(provider_->qos_port(), "/online").body, "OK");  // no argument: every service
  EXPECT_EQ(registry->Lookup(query).value().size(), 1u);
  EXPECT_TRUE(Eventually([&] { return CallGate(*invoker_, "echo", "x").status.ok(); }));
  EXPECT_EQ(Command(*t, "ready"), "true");
  registry->Close();
}

TEST_F(QosTest, PsHelpLiveAndQuit) {
  auto t = Telnet(provider_->qos_port());
  ASSERT_TRUE(t);
  EXPECT_EQ(Command(*t, "ps"), std::to_string(provider_->port()));
  EXPECT_EQ(Command(*t, "ps -l"), "dubbo://127.0.0.1:" + std::to_string(provider_->port()));
  EXPECT_EQ(Http(consumer_->qos_port(), "/ps").body, "");  // a consumer serves no port
  const std::string help = Command(*t, "help");
  const std::set<std::string> cells = Cells(help);
  for (const char* name : {"help", "ls", "ps", "count", "invoke", "online", "offline", "ready",
                           "live", "metrics", "quit"}) {
    EXPECT_TRUE(cells.count(name)) << name << "\n" << help;
  }
  EXPECT_EQ(Command(*t, "help count").rfind("COMMAND NAME: count\n", 0), 0u);
  EXPECT_EQ(Command(*t, "live"), "true");
  EXPECT_EQ(Http(provider_->qos_port(), "/live").status, 200);
  t->Send("quit\n");
  bool closed = false;
  EXPECT_EQ(t->ReadToClose(5s, &closed), "BYE!\n");
  EXPECT_TRUE(closed);
}

TEST_F(QosTest, MetricsAreValidPrometheusTextWithTheCallsMade) {
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(CallGate(*invoker_, "echo", "x").status.ok());
  const HttpReply m = Http(provider_->qos_port(), "/metrics");
  ASSERT_EQ(m.status, 200);
  EXPECT_EQ(m.content_type, "text/plain; version=0.0.4; charset=utf-8");
  // Every sample line is `name{labels} value` of a family declared by a TYPE line before it.
  std::set<std::string> declared;
  size_t samples = 0;
  std::istringstream lines(m.body);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("# TYPE ", 0) == 0) {
      declared.insert(line.substr(7, line.find(' ', 7) - 7));
      continue;
    }
    if (line.rfind("# HELP ", 0) == 0) continue;
    ++samples;
    // `name{labels} value`, or `name value` for a custom metric without labels.
    size_t brace = line.find('{');
    size_t close = line.rfind("} ");
    if (brace == std::string::npos) {
      brace = line.find(' ');
      close = brace - 1;
    }
    ASSERT_NE(brace, std::string::npos) << line;
    ASSERT_NE(close, std::string::npos) << line;
    std::string family = line.substr(0, brace);
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      if (family.ends_with(suffix) && !declared.count(family))
        family.resize(family.size() - std::strlen(suffix));
    }
    EXPECT_TRUE(declared.count(family)) << line;
    const std::string value = line.substr(close + 2);
    char* end = nullptr;
    std::strtod(value.c_str(), &end);
    EXPECT_EQ(*end, '\0') << line;
  }
  EXPECT_GT(samples, 0u);
  const std::string labels =
      "{application_name=\"" + provider_name_ +
      "\",interface=\"org.apache.dubbo.demo.GateService\",method=\"echo\",group=\"\",version=\"\"}";
  EXPECT_NE(m.body.find("\ndubbo_provider_requests_succeed_total" + labels + " 4\n"),
            std::string::npos)
      << m.body;
  EXPECT_NE(m.body.find("\ndubbo_provider_rt_milliseconds_histogram_count" + labels + " 4\n"),
            std::string::npos);
  const std::string consumer_labels =
      "{application_name=\"" + consumer_name_ + labels.substr(labels.find("\",interface"));
  EXPECT_NE(m.body.find("\ndubbo_consumer_requests_succeed_total" + consumer_labels + " 4\n"),
            std::string::npos);
  // The same text from telnet.
  auto t = Telnet(provider_->qos_port());
  ASSERT_TRUE(t);
  EXPECT_NE(Command(*t, "metrics").find("dubbo_provider_requests_succeed_total" + labels + " 4\n"),
            std::string::npos);
}

// What an application adds: its own metrics appear after the call metrics, its own commands are
// served and listed like the built-ins.
TEST_F(QosTest, CustomMetricsAndCommandsAreServed) {
  auto stored = metrics::CustomMetrics::Global().Counter("qos_test_messages_stored_total",
                                                         "messages stored", {"topic"});
  ASSERT_TRUE(stored.ok()) << stored.status();
  (*stored)->With({"orders"}).Add(3);
  auto depth = metrics::CustomMetrics::Global().Histogram("qos_test_batch_size", "batch sizes",
                                                          {"topic"}, {1, 10, 100});
  ASSERT_TRUE(depth.ok()) << depth.status();
  (*depth)->With({"orders"}).Observe(7);
  const HttpReply m = Http(provider_->qos_port(), "/metrics");
  ASSERT_EQ(m.status, 200);
  EXPECT_NE(m.body.find("# TYPE qos_test_messages_stored_total counter\n"
                        "qos_test_messages_stored_total{topic=\"orders\"} 3\n"),
            std::string::npos)
      << m.body;
  EXPECT_NE(m.body.find("qos_test_batch_size_bucket{topic=\"orders\",le=\"10\"} 1\n"),
            std::string::npos)
      << m.body;

  ASSERT_TRUE(qos::Commands::RegisterCommand("queues", "List the message queues.", "queues",
                                             [](std::string_view args) {
                                               qos::Reply r;
                                               r.text = "queues of [" + std::string(args) + "]";
                                               return r;
                                             })
                  .ok());
  EXPECT_EQ(
      qos::Commands::RegisterCommand("ls", "", "", [](std::string_view) { return qos::Reply{}; })
          .code(),
      StatusCode::kAlreadyExists);
  EXPECT_EQ(qos::Commands::RegisterCommand("bad name", "", "",
                                           [](std::string_view) { return qos::Reply{}; })
                .code(),
            StatusCode::kInvalidArgument);
  auto t = Telnet(provider_->qos_port());
  ASSERT_TRUE(t);
  EXPECT_EQ(Command(*t, "queues orders"), "queues of [orders]");
  EXPECT_TRUE(Cells(Command(*t, "help")).count("queues"));
  EXPECT_EQ(Command(*t, "help queues").rfind("COMMAND NAME: queues\n", 0), 0u);
  EXPECT_EQ(Http(provider_->qos_port(), "/queues").body, "queues of []");
}

TEST_F(QosTest, BadInputGetsAnErrorAndOthersAreStillServed) {
  auto bystander = Telnet(provider_->qos_port());
  ASSERT_TRUE(bystander);
  auto t = Telnet(provider_->qos_port());
  ASSERT_TRUE(t);
  EXPECT_EQ(Command(*t, "frobnicate now"), "Unsupported command: frobnicate");
  EXPECT_EQ(Command(*t, std::string("\x01\x02\xfe\xfd\x7f", 5)), "Unsupported command: ?????");
  EXPECT_EQ(Command(*t, "live"), "true");  // the session goes on

  // A 1 MiB line: an error, and the connection is closed (the rest is read and dropped).
  std::thread writer([&] { t->Send(std::string(1 << 20, 'a') + "\n"); });
  bool closed = false;
  const std::string answer = t->ReadToClose(10s, &closed);
  writer.join();
  EXPECT_TRUE(closed);
  EXPECT_EQ(answer, "Error: the line is longer than 4096 bytes, closing.\r\n");
  EXPECT_EQ(Command(*bystander, "live"), "true");
  auto fresh = Telnet(provider_->qos_port());
  ASSERT_TRUE(fresh);
  EXPECT_EQ(Command(*fresh, "ready"), "true");

  // HTTP: unknown commands are 404, other methods 405, garbage request lines 400.
  const HttpReply unknown = Http(provider_->qos_port(), "/nope");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.body, "Unsupported command: nope");
  EXPECT_EQ(Http(provider_->qos_port(), "/ls", "POST").status, 405);
  EXPECT_EQ(Http(provider_->qos_port(), "/", "GET").status, 404);
  Client garbage;
  ASSERT_TRUE(garbage.Connect(provider_->qos_port()));
  garbage.Send("GARBAGE\r\n\r\n");
  const std::string bad = garbage.ReadToClose(10s, &closed);
  EXPECT_EQ(bad.rfind("HTTP/1.1 400 ", 0), 0u) << bad;
  EXPECT_EQ(Command(*bystander, "live"), "true");
}

TEST(QosServerTest, IdleSurplusAndSlowClientsAreCutOff) {
  qos::QosOptions options;
  options.port = 0;
  options.idle_timeout = 300ms;
  options.max_connections = 2;
  options.welcome_delay = 50ms;
  auto server = qos::QosServer::Start(options);
  ASSERT_TRUE(server.ok()) << server.status();
  const uint16_t port = (*server)->port();

  Client a, b, c;
  ASSERT_TRUE(a.Connect(port));
  ASSERT_TRUE(a.ReadUntil("dubbo>", 5s));
  ASSERT_TRUE(b.Connect(port));
  ASSERT_TRUE(b.ReadUntil("dubbo>", 5s));
  ASSERT_TRUE(c.Connect(port));
  bool closed = false;
  EXPECT_EQ(c.ReadToClose(5s, &closed),
            "Too many QoS connections (at most 2), try again later\r\n");
  EXPECT_TRUE(closed);

  // Both sessions go quiet: closed after the idle timeout, which frees their places.
  EXPECT_EQ(a.ReadToClose(5s, &closed), "\r\nIdle for too long, closing.\r\n");
  EXPECT_TRUE(closed);
  b.ReadToClose(5s, &closed);
  EXPECT_TRUE(closed);
  EXPECT_TRUE(Eventually([&] { return (*server)->connections() == 0; }));

  // A slow HTTP client that never finishes its request head is cut off too.
  Client slow;
  ASSERT_TRUE(slow.Connect(port));
  slow.Send("GET /ls HTTP/1.1\r\nHost: x\r\n");
  slow.ReadToClose(5s, &closed);
  EXPECT_TRUE(closed);
  // And the server still answers.
  const HttpReply live = Http(port, "/live");
  EXPECT_EQ(live.status, 200);
  EXPECT_EQ(live.body, "true");
}

TEST(QosPortTest, ApplicationsShareAPortAndATakenPortIsNotFatal) {
  // This test chooses the port itself: the environment's (DUBBO_APPLICATION_QOS_PORT=0 under
  // ctest) would override the configuration, as in Java.
  const char* env = std::getenv("DUBBO_APPLICATION_QOS_PORT");
  const std::string saved = env != nullptr ? env : "";
  unsetenv("DUBBO_APPLICATION_QOS_PORT");
  struct Restore {
    std::string value;
    bool had;
    ~Restore() {
      if (had) setenv("DUBBO_APPLICATION_QOS_PORT", value.c_str(), 1);
    }
  } restore{saved, env != nullptr};
  // Applications of one process asking for the same port share one server that lists them all.
  const uint16_t port = FreeLoopbackPortForTest();
  ApplicationConfig config;
  config.qos_port = port;
  config.protocol = {{"host", "127.0.0.1"}, {"port", "0"}, {"shutdown.wait", "0"}};
  config.name = "qos-share-a";
  auto a = Application::Create(config).value();
  auto gate = std::make_shared<GateService>();
  ASSERT_TRUE(a->Export(GateService::Definition(), gate, {{"version", "1.0.0"}}).ok());
  ASSERT_TRUE(a->Start().ok());
  config.name = "qos-share-b";
  auto b = Application::Create(config).value();
  ASSERT_TRUE(b->Export(GateService::Definition(), gate, {{"version", "2.0.0"}}).ok());
  ASSERT_TRUE(b->Start().ok());
  EXPECT_EQ(a->qos_port(), port);
  EXPECT_EQ(b->qos_port(), port);
  const std::string ls = Http(port, "/ls").body;
  EXPECT_NE(ls.find("org.apache.dubbo.demo.GateService:1.0.0"), std::string::npos) << ls;
  EXPECT_NE(ls.find("org.apache.dubbo.demo.GateService:2.0.0"), std::string::npos) << ls;
  a->Stop();
  const std::string after = Http(port, "/ls").body;  // still served, for b alone
  EXPECT_EQ(after.find(":1.0.0"), std::string::npos) << after;
  EXPECT_NE(after.find(":2.0.0"), std::string::npos) << after;

  // Another process's port (here a listening socket of the test): logged, the application runs.
  config.name = "qos-taken";
  auto c = Application::Create(config).value();
  ASSERT_TRUE(c->Export(GateService::Definition(), gate, {{"version", "3.0.0"}}).ok());
  b->Stop();  // frees `port` ...
  Client probe;
  EXPECT_FALSE(probe.Connect(port));
  const int holder = ::socket(AF_INET, SOCK_STREAM, 0);  // ... which someone else takes
  const int one = 1;  // past the TIME_WAIT of the connections the test made
  ::setsockopt(holder, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(holder, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(holder, 1), 0);
  ASSERT_TRUE(c->Start().ok());
  EXPECT_EQ(c->qos_port(), 0);
  auto ref =
      c->Refer(std::string(kGateInterface),
               {{"url", "dubbo://127.0.0.1:" + std::to_string(c->port())}, {"version", "3.0.0"}});
  ASSERT_TRUE(ref.ok()) << ref.status();
  EXPECT_TRUE(CallGate(**ref, "echo", "still serving").status.ok());
  ::close(holder);
  c->Stop();

  // qos-enable=false: no server at all.
  config.name = "qos-off";
  config.qos_enable = false;
  auto d = Application::Create(config).value();
  ASSERT_TRUE(d->Start().ok());
  EXPECT_EQ(d->qos_port(), 0);
}

TEST(QosConfigTest, PropertiesKeysAndBadValues) {
  TempDir dir;
  const std::string path = dir.File("dubbo.properties");
  std::ofstream(path)
      << "dubbo.application.name=q\ndubbo.application.qos-enable=false\n"
         "dubbo.application.qos-port=0\ndubbo.application.qos-accept-foreign-ip=true\n";
  auto config = ApplicationConfig::Load(path);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_FALSE(config->qos_enable);
  EXPECT_EQ(config->qos_port, 0);
  EXPECT_TRUE(config->qos_accept_foreign_ip);
  std::ofstream(path) << "dubbo.application.qos.port=33333\n";
  EXPECT_EQ(ApplicationConfig::Load(path).value().qos_port, 33333);
  EXPECT_TRUE(ApplicationConfig::Load(path).value().qos_enable);
  std::ofstream(path) << "dubbo.application.qos-port=abc\n";
  EXPECT_EQ(ApplicationConfig::Load(path).status().message(),
            path + ":1: dubbo.application.qos-port=abc: expected a port number 0..65535");
  std::ofstream(path) << "\ndubbo.application.qos-enable=yes\n";
  EXPECT_EQ(ApplicationConfig::Load(path).status().message(),
            path + ":2: dubbo.application.qos-enable=yes: expected true or false");
}

// The parsing the server does on what arrives, without sockets (fuzz/qos_fuzz.cc fuzzes it).
TEST(QosRequestTest, TelnetLines) {
  auto line = qos::ParseTelnetLine("  count\tdemo.Greeter  greet \r");
  EXPECT_EQ(line.kind, qos::TelnetLine::Kind::kCommand);
  EXPECT_EQ(line.name, "count");
  EXPECT_EQ(line.args, "demo.Greeter  greet");
  EXPECT_EQ(qos::ParseTelnetLine(" \r").kind, qos::TelnetLine::Kind::kEmpty);
  EXPECT_EQ(qos::ParseTelnetLine("ls\xff\xf4").kind, qos::TelnetLine::Kind::kInterrupt);
}

TEST(QosRequestTest, HttpRequestHeads) {
  auto r = qos::ParseHttpRequest(
      "GET /count?service=demo.Greeter&method=greet&flag HTTP/1.1\r\nHost: x");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.name, "count");
  EXPECT_EQ(r.args, "demo.Greeter greet flag");
  r = qos::ParseHttpRequest("GET /invoke?args=demo.Greeter.greet(%22a+b%22) HTTP/1.0");
  EXPECT_EQ(r.args, "demo.Greeter.greet(\"a b\")");
  EXPECT_EQ(qos::ParseHttpRequest("POST /ls HTTP/1.1").status, 405);
  EXPECT_EQ(qos::ParseHttpRequest("GET ls HTTP/1.1").status, 400);
  EXPECT_EQ(qos::ParseHttpRequest("GET /ls").status, 400);
  EXPECT_EQ(qos::ParseHttpRequest("GET /ls?x=%zz HTTP/1.1").error, "bad query");
  EXPECT_EQ(qos::ParseHttpRequest("GET /a/b HTTP/1.1").status, 400);
  r = qos::ParseHttpRequest("GET /\x01%zz HTTP/1.1");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.error, "Unsupported command: ?%zz");
}

}  // namespace
}  // namespace dubbo::testing

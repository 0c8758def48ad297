// greeter-capture: makes one call of every kind docs/protocol.md shows, against a running
// greeter-provider, so scripts/capture-protocol can record the traffic. Not an example to copy:
// part of it writes frames by hand to act as an old consumer.
//   greeter-capture --port N
//
// Over one connection of an ordinary consumer (our Application and stub, dubbo version "2.0.2",
// so responses carry attachments):
//   sayHello("world")              two-way request, value response (flag 4)
//   refuse("Bob")                  exception response (flag 3)
//   $echo(null)                    null-value response (flag 5)
//   sayHello("one-way"), one-way   a request with no response
//   MissingService.sayHello        error status 70 (SERVICE_ERROR: "Not found exported service")
//   (idle for a while)             heartbeat requests from us, heartbeat responses
//   (provider stops)               the provider's read-only event "R"
// Then over a second connection, frames written here with dubbo version "2.0.0", as a consumer
// older than Dubbo 2.6.3 sends them, so the provider answers without attachments: flags 1, 0, 2.
//
// Prints one line per call. After the heartbeats it prints "waiting for the read-only event" and
// waits (up to 10 s) for the provider to be stopped.
#include <CLI/CLI.hpp>
#include <asio/connect.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/write.hpp>
#include <chrono>
#include <future>
#include <iostream>
#include <thread>

#include "app/application.h"
#include "greeter.dubbo.h"
#include "rpc/dubbo_codec.h"
#include "rpc/frame.h"

namespace demo = org::apache::dubbo::demo;
using namespace std::chrono_literals;

namespace {

constexpr std::string_view kDemoService = "org.apache.dubbo.demo.DemoService";
int failures = 0;

void Expect(bool ok, const std::string& what) {
  std::cout << what << (ok ? "" : "  UNEXPECTED") << std::endl;
  if (!ok) ++failures;
}

// One call through `invoker` with a hand-made invocation (for $echo, one-way and a missing service,
// which the generated stub does not offer).
dubbo::rpc::RpcResult Invoke(dubbo::rpc::Invoker& invoker, std::string_view interface,
                             std::string method, std::string descriptor,
                             std::function<void(dubbo::ObjectOutput&)> args, bool one_way) {
  auto inv = std::make_shared<dubbo::rpc::Invocation>();
  inv->interface = interface;
  inv->method = std::move(method);
  inv->descriptor = std::move(descriptor);
  inv->arguments = dubbo::rpc::MakeArguments(std::move(args));
  inv->one_way = one_way;
  std::promise<dubbo::rpc::RpcResult> done;
  invoker.Invoke(inv, [&](dubbo::rpc::RpcResult r) { done.set_value(std::move(r)); });
  return done.get_future().get();
}

// The old consumer: a blocking socket, frames encoded with our Hessian 2 writer but dubbo version
// "2.0.0" (outside 2.0.2..2.0.99), so the provider must answer with flags 0/1/2.
void LegacyCalls(uint16_t port) {
  const dubbo::Serialization& s = *dubbo::SerializationRegistry::Global().Find(2);
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), port});
  struct Call {
    std::string label, method;
    std::function<void(dubbo::ObjectOutput&)> args;
    int expected_flag;
  };
  const Call calls[] = {
      {"legacy sayHello(\"legacy\")", "sayHello",
       [](dubbo::ObjectOutput& o) { o.WriteString("legacy"); }, 1},
      {"legacy refuse(\"legacy\")", "refuse",
       [](dubbo::ObjectOutput& o) { o.WriteString("legacy"); }, 0},
      {"legacy $echo(null)", "$echo", [](dubbo::ObjectOutput& o) { o.WriteNull(); }, 2},
  };
  int64_t id = 1000;
  for (const auto& c : calls) {
    std::string frame(dubbo::rpc::kHeaderSize, '\0');
    s.Encode(&frame, [&](dubbo::ObjectOutput& o) {
      o.WriteString("2.0.0");
      o.WriteString(kDemoService);
      o.WriteString("0.0.0");
      o.WriteString(c.method);
      o.WriteString(c.method == "$echo" ? "Ljava/lang/Object;" : "Ljava/lang/String;");
      c.args(o);
      o.WriteMapBegin(2);
      o.WriteString("path");
      o.WriteString(kDemoService);
      o.WriteString("timeout");
      o.WriteString("3000");
      o.WriteMapEnd();
    });
    dubbo::rpc::FrameHeader h;
    h.flags = dubbo::rpc::kFlagRequest | dubbo::rpc::kFlagTwoWay | 2;
    h.id = ++id;
    h.body_length = static_cast<int32_t>(frame.size() - dubbo::rpc::kHeaderSize);
    dubbo::rpc::EncodeHeader(h, frame.data());
    asio::write(socket, asio::buffer(frame));

    std::string header(dubbo::rpc::kHeaderSize, '\0');
    asio::read(socket, asio::buffer(header));
    auto rh = dubbo::rpc::DecodeHeader(header);
    if (!rh.ok()) {
      Expect(false, c.label + ": " + rh.status().ToString());
      return;
    }
    std::string body(static_cast<size_t>(rh->body_length), '\0');
    asio::read(socket, asio::buffer(body));
    int32_t flag = -1;
    (void)s.Decode(body, [&](dubbo::ObjectInput& in) { flag = in.ReadInt(); });
    Expect(rh->status == 20 && rh->id == h.id && flag == c.expected_flag,
           c.label + " -> status " + std::to_string(rh->status) + ", result flag " +
               std::to_string(flag));
  }
}

}  // namespace

int main(int argc, char** argv) {
  uint16_t port = 20880;
  int heartbeat_ms = 300;
  CLI::App cli("Makes one call of each kind for scripts/capture-protocol");
  cli.add_option("--port", port, "greeter-provider's port on 127.0.0.1");
  cli.add_option("--heartbeat", heartbeat_ms, "consumer heartbeat interval (ms)");
  CLI11_PARSE(cli, argc, argv);

  dubbo::ApplicationConfig config;
  config.name = "greeter-capture";
  config.qos_enable = false;
  config.consumer["heartbeat"] = std::to_string(heartbeat_ms);
  auto app = dubbo::Application::Create(config);
  if (!app.ok()) {
    std::cerr << "greeter-capture: " << app.status() << "\n";
    return 1;
  }

  LegacyCalls(port);

  const std::string url = "dubbo://127.0.0.1:" + std::to_string(port);
  auto greeter = (*app)->Refer<demo::DemoServiceStub>({{"url", url}, {"timeout", "3000"}});
  auto raw = (*app)->Refer(std::string(kDemoService), {{"url", url}, {"timeout", "3000"}});
  auto missing = (*app)->Refer("org.apache.dubbo.demo.MissingService",
                               {{"url", url}, {"timeout", "3000"}, {"check", "false"}});
  if (!greeter.ok() || !raw.ok() || !missing.ok()) {
    std::cerr << "greeter-capture: cannot refer to the services on " << url << "\n";
    return 1;
  }
  std::this_thread::sleep_for(100ms);

  auto hello = greeter->SayHello("world");
  Expect(hello.ok() && *hello == "Hello world",
         "sayHello(\"world\") -> " + (hello.ok() ? *hello : hello.status().ToString()));
  std::this_thread::sleep_for(50ms);

  auto refused = greeter->Refuse("Bob");
  auto e = dubbo::rpc::ExceptionAs<demo::GreetingRefused>(refused.status());
  Expect(static_cast<bool>(e), "refuse(\"Bob\") -> " + refused.status().ToString());
  std::this_thread::sleep_for(50ms);

  auto echo = Invoke(
      **raw, kDemoService, "$echo", "Ljava/lang/Object;",
      [](dubbo::ObjectOutput& o) { o.WriteNull(); }, false);
  Expect(echo.status.ok(), "$echo(null) -> " + echo.status.ToString() + ", body " +
                               std::to_string(echo.body.size()) + " bytes");
  std::this_thread::sleep_for(50ms);

  auto one_way = Invoke(
      **raw, kDemoService, "sayHello", "Ljava/lang/String;",
      [](dubbo::ObjectOutput& o) { o.WriteString("one-way"); }, true);
  Expect(one_way.status.ok(), "sayHello(\"one-way\"), one-way -> " + one_way.status.ToString());
  std::this_thread::sleep_for(50ms);

  auto lost = Invoke(
      **missing, "org.apache.dubbo.demo.MissingService", "sayHello", "Ljava/lang/String;",
      [](dubbo::ObjectOutput& o) { o.WriteString("nobody"); }, false);
  Expect(lost.status.code() == dubbo::StatusCode::kServiceError,
         "MissingService.sayHello -> " + lost.status.ToString());

  // Idle: the consumer sends heartbeats once nothing has been read for `heartbeat` ms.
  std::this_thread::sleep_for(std::chrono::milliseconds(heartbeat_ms * 2 + heartbeat_ms / 2));

  std::cout << "waiting for the read-only event" << std::endl;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while ((*raw)->IsAvailable() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  Expect(!(*raw)->IsAvailable(), "provider read-only or gone");
  (*app)->Stop();
  return failures == 0 ? 0 : 1;
}

// The Dubbo protocol end to end on loopback: our client against our server, and hand-made frames
// from a raw socket where the exact bytes matter.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <future>
#include <thread>

#include "codec/hessian2/codec.h"
#include "common/hex.h"
#include "rpc/dubbo_codec.h"
#include "tests/support/rpc_fixtures.h"

namespace dubbo::testing {
namespace {

using namespace std::chrono_literals;

class RpcTest : public ::testing::Test {
 protected:
  void SetUp() override { StartServer({}); }

  void StartServer(rpc::ServerOptions options, uint16_t port = 0) {
    options.host = "127.0.0.1";
    options.port = port;
    if (options.io_threads == 0) options.io_threads = 2;
    server_ = std::make_unique<rpc::Server>(options);
    service_ = std::make_shared<DemoService>(&timers_);
    ASSERT_TRUE(server_->Export(DemoService::Definition(), service_).ok());
    ASSERT_TRUE(server_->Start().ok());
  }

  std::shared_ptr<rpc::Channel> Connect(rpc::ClientOptions options = {}) {
    clients_.push_back(std::make_unique<rpc::Client>(options));
    return clients_.back()->GetChannel("127.0.0.1:" + std::to_string(server_->port())).value();
  }

  static rpc::Invocation Hello(std::string name) {
    return DemoCall("sayHello", "Ljava/lang/String;",
                    [name](ObjectOutput& o) { WriteTyped(o, name); });
  }
  static rpc::Invocation SleepFor(int32_t ms, std::chrono::milliseconds timeout = 3000ms) {
    return DemoCall(
        "sleep", "I", [ms](ObjectOutput& o) { o.WriteInt(ms); }, timeout);
  }

  rpc::IoThreads timers_{1, "test-timers"};
  std::unique_ptr<rpc::Server> server_;
  std::shared_ptr<DemoService> service_;
  std::vector<std::unique_ptr<rpc::Client>> clients_;
};

TEST_F(RpcTest, TypedCallRoundTrip) {
  auto ch = Connect();
  auto r = CallSync<std::string>(*ch, Hello("world"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, "Hello world");
  auto none = CallSync<std::optional<std::string>>(*ch, DemoCall("nothing", "", nullptr));
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_FALSE(none->has_value());
}

TEST_F(RpcTest, ThousandsOfConcurrentCallsOnOneConnection) {
  auto ch = Connect();
  constexpr int kCalls = 5000;
  std::atomic<int> correct{0};
  std::atomic<int> done{0};
  std::promise<void> all;
  for (int i = 0; i < kCalls; ++i) {
    const std::string name = "n" + std::to_string(i);
    ch->Call(Hello(name), *SerializationRegistry::Global().Find(2), [&, name](rpc::RpcResult r) {
      auto v = rpc::DecodeResult<std::string>(r);
      if (v.ok() && *v == "Hello " + name) ++correct;
      if (++done == kCalls) all.set_value();
    });
  }
  ASSERT_EQ(all.get_future().wait_for(30s), std::future_status::ready);
  EXPECT_EQ(correct.load(), kCalls);
  EXPECT_EQ(server_->connections(), 1u);  // all of it on one shared connection
}

TEST_F(RpcTest, ResponsesCompleteOutOfOrderAndMatchById) {
  auto ch = Connect();
  std::mutex mu;
  std::vector<int32_t> order;
  std::promise<void> all;
  const std::vector<int32_t> delays = {400, 300, 200, 100, 0};
  for (int32_t ms : delays) {
    ch->Call(SleepFor(ms), *SerializationRegistry::Global().Find(2), [&, ms](rpc::RpcResult r) {
      auto v = rpc::DecodeResult<int32_t>(r);
      std::lock_guard<std::mutex> lock(mu);
      order.push_back(v.ok() && *v == ms ? ms : -1);
      if (order.size() == delays.size()) all.set_value();
    });
  }
  ASSERT_EQ(all.get_future().wait_for(10s), std::future_status::ready);
  EXPECT_EQ(order, (std::vector<int32_t>{0, 100, 200, 300, 400}));
}

TEST_F(RpcTest, ServerTimeoutWhenSentButUnanswered) {
  auto ch = Connect();
  auto r = CallSync<int32_t>(*ch, SleepFor(2000, 200ms));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kServerTimeout) << r.status();
}

TEST_F(RpcTest, ClientTimeoutWhenTheRequestNeverLeaves) {
  // A peer that accepts and never reads: a 32 MiB request cannot leave the socket buffers, and the
  // small call queued behind it is never sent either.
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  rpc::ClientOptions options;
  options.connection.payload = 64 << 20;
  rpc::Client client(options);
  auto ch =
      client.GetChannel("127.0.0.1:" + std::to_string(acceptor.local_endpoint().port())).value();
  RawPeer silent;
  ASSERT_TRUE(silent.Accept(acceptor).ok());
  const std::string huge(32 << 20, 'x');
  auto big = DemoCall(
      "sayHello", "Ljava/lang/String;", [&](ObjectOutput& o) { o.WriteString(huge); }, 500ms);
  std::promise<Status> first;
  ch->Call(big, *SerializationRegistry::Global().Find(2),
           [&](rpc::RpcResult r) { first.set_value(r.status); });
  auto small = CallSync<std::string>(*ch, Hello("behind"));
  ASSERT_FALSE(small.ok());
  EXPECT_EQ(small.status().code(), StatusCode::kClientTimeout) << small.status();
  EXPECT_EQ(first.get_future().get().code(), StatusCode::kClientTimeout);
}

TEST_F(RpcTest, BusinessExceptionsTravelAsJavaThrowables) {
  auto ch = Connect();
  auto r = CallSync<std::string>(
      *ch, DemoCall("fail", "Ljava/lang/String;", [](ObjectOutput& o) { o.WriteString("boom"); }));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kBizException);
  ASSERT_NE(r.status().exception(), nullptr);
  EXPECT_EQ(r.status().exception()->class_name, "java.lang.IllegalStateException");
  EXPECT_EQ(r.status().message(), "java.lang.IllegalStateException: boom");
}

TEST_F(RpcTest, UnknownServiceAndMethodAreStatus70NamingThem) {
  auto ch = Connect();
  auto missing = Hello("x");
  missing.interface = "com.example.Missing";
  auto r = CallSync<std::string>(*ch, missing);
  ASSERT_EQ(r.status().code(), StatusCode::kServiceError);
  EXPECT_NE(r.status().message().find("Not found exported service: com.example.Missing:"),
            std::string::npos)
      << r.status();
  auto grouped = Hello("x");
  grouped.settings.group = "blue";
  r = CallSync<std::string>(*ch, grouped);
  ASSERT_EQ(r.status().code(), StatusCode::kServiceError);
  EXPECT_NE(r.status().message().find("blue/org.apache.dubbo.demo.DemoService"), std::string::npos)
      << r.status();
  r = CallSync<std::string>(*ch, DemoCall("nope", "I", [](ObjectOutput& o) { o.WriteInt(1); }));
  ASSERT_EQ(r.status().code(), StatusCode::kServiceError);
  EXPECT_NE(r.status().message().find("Not found method nope(I)"), std::string::npos) << r.status();
}

TEST_F(RpcTest, OversizeRequestAndResponse) {
  // Response over the server's payload: status 25 at once, not a timeout.
  server_.reset();
  rpc::ServerOptions small;
  small.payload = 1000;
  StartServer(small);
  auto ch = Connect();
  auto r =
      CallSync<std::string>(*ch, DemoCall("big", "I", [](ObjectOutput& o) { o.WriteInt(5000); }));
  ASSERT_EQ(r.status().code(), StatusCode::kSerializationError) << r.status();
  EXPECT_NE(r.status().message().find("Data length too large"), std::string::npos);
  // Request over the server's payload: refused before the body is buffered (status 40), and the
  // connection keeps serving.
  r = CallSync<std::string>(*ch, Hello(std::string(4000, 'y')));
  ASSERT_EQ(r.status().code(), StatusCode::kBadRequest) << r.status();
  EXPECT_EQ(CallSync<std::string>(*ch, Hello("again")).value(), "Hello again");
  // Request over the client's payload: never sent.
  rpc::ClientOptions tight;
  tight.connection.payload = 300;
  auto ch2 = Connect(tight);
  r = CallSync<std::string>(*ch2, Hello(std::string(400, 'z')));
  EXPECT_EQ(r.status().code(), StatusCode::kLimitExceeded) << r.status();
  // Response over the client's payload: status 90 synthesised for that call.
  r = CallSync<std::string>(*ch2, DemoCall("big", "I", [](ObjectOutput& o) { o.WriteInt(500); }));
  EXPECT_EQ(r.status().code(), StatusCode::kClientError) << r.status();
  EXPECT_EQ(CallSync<std::string>(*ch2, Hello("ok")).value(), "Hello ok");
}

TEST_F(RpcTest, OneWayRequestsAreNeverAnswered) {
  RawPeer peer;
  ASSERT_TRUE(peer.Connect(server_->port()).ok());
  const std::string body = DemoRequestBody("record", "Ljava/lang/String;", [](hessian2::Writer& w) {
    w.WriteString("fire-and-forget");
  });
  peer.Send(RequestFrame(41, body, 0x82));         // one-way
  peer.Send(RequestFrame(42, SayHelloBody("x")));  // two-way
  auto f = peer.Read();
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->header.id, 42);  // the first (and only) answer is the two-way call's
  EXPECT_TRUE(service_->WaitRecorded(1, 5s));
  EXPECT_EQ(service_->recorded(), std::vector<std::string>{"fire-and-forget"});
  // A one-way call to an unknown method is not answered either.
  const std::string unknown = HessianBody([](hessian2::Writer& w) {
    w.WriteString("2.0.2");
    w.WriteString("com.example.Missing");
    w.WriteString("0.0.0");
    w.WriteString("nope");
    w.WriteString("");
    w.WriteMapBegin("");
    w.WriteMapEnd();
  });
  peer.Send(RequestFrame(43, unknown, 0x82));
  peer.Send(RequestFrame(44, SayHelloBody("z")));
  f = peer.Read();
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->header.id, 44);
  // Through the client: a one-way invocation completes locally and the server runs it.
  auto ch = Connect();
  auto note =
      DemoCall("record", "Ljava/lang/String;", [](ObjectOutput& o) { o.WriteString("second"); });
  note.one_way = true;
  std::promise<Status> sent;
  ch->Call(note, *SerializationRegistry::Global().Find(2),
           [&](rpc::RpcResult r) { sent.set_value(r.status); });
  EXPECT_TRUE(sent.get_future().get().ok());
  EXPECT_TRUE(service_->WaitRecorded(2, 5s));
}

TEST_F(RpcTest, ExactResponseBytesAndTheAttachmentVersionRule) {
  RawPeer peer;
  ASSERT_TRUE(peer.Connect(server_->port()).ok());
  peer.Send(RequestFrame(0, SayHelloBody("world", "2.0.2")));
  auto f = peer.Read();
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->header.flags, 0x02);
  EXPECT_EQ(f->header.status, 20);
  EXPECT_EQ(f->header.id, 0);
  // Flag 4 (a Hessian int, 0x94), the value, then attachments with dubbo=2.0.2 — Java's bytes.
  EXPECT_EQ(ToHex(f->body), "940b48656c6c6f20776f726c644805647562626f05322e302e325a");
  // Old consumers (2.0.0, "2.5.3.6", "") only understand flags 0/1/2.
  for (std::string version : {"2.0.0", "2.5.3.6", ""}) {
    peer.Send(RequestFrame(-7, SayHelloBody("old", version)));
    f = peer.Read();
    ASSERT_TRUE(f.has_value()) << version;
    EXPECT_EQ(f->header.id, -7);
    EXPECT_EQ(ToHex(f->body), "910948656c6c6f206f6c64") << version;  // 1, "Hello old"
  }
}

TEST_F(RpcTest, AcceptsWhatRealPeersSend) {
  RawPeer a;
  RawPeer b;
  ASSERT_TRUE(a.Connect(server_->port()).ok());
  ASSERT_TRUE(b.Connect(server_->port()).ok());
  auto body = [](std::function<void(hessian2::Writer&)> version,
                 std::function<void(hessian2::Writer&)> attachments, bool trailing) {
    return HessianBody([&](hessian2::Writer& w) {
      w.WriteString("2.0.2");
      w.WriteString(kDemoInterface);
      version(w);
      w.WriteString("sayHello");
      w.WriteString("Ljava/lang/String;");
      w.WriteString("peer");
      attachments(w);
      if (trailing) w.WriteNull();  // dubbo-go appends an extra null
    });
  };
  auto typed_map = [](hessian2::Writer& w) {  // hessian.js clients send 'M' java.util.HashMap
    w.WriteMapBegin("java.util.HashMap");
    w.WriteString("timeout");
    w.WriteInt(5);  // dubbo-js: seconds, as a number
    w.WriteMapEnd();
  };
  auto plain_map = [](hessian2::Writer& w) {
    w.WriteMapBegin("");
    w.WriteString("timeout");
    w.WriteString("3000");
    w.WriteMapEnd();
  };
  const std::vector<std::function<void(hessian2::Writer&)>> versions = {
      [](hessian2::Writer& w) { w.WriteNull(); }, [](hessian2::Writer& w) { w.WriteString(""); },
      [](hessian2::Writer& w) { w.WriteString("0.0.0"); },
      [](hessian2::Writer& w) { w.WriteString("*"); }};
  int64_t id = 0;
  for (const auto& v : versions) {
    for (bool trailing : {false, true}) {
      // The same ids on two connections, including 0 and negative ones.
      for (RawPeer* p : {&a, &b}) {
        p->Send(RequestFrame(id, body(v, trailing ? typed_map : plain_map, trailing)));
        auto f = p->Read();
        ASSERT_TRUE(f.has_value());
        EXPECT_EQ(f->header.id, id);
        EXPECT_EQ(f->header.status, 20)
            << rpc::DecodeErrorMessage(SerializationRegistry::Global().Find(2), f->body);
      }
      id = id == 0 ? -1 : id * 2;
    }
  }
}

// The provider recognises a repeated prelude and repeated attachments by their bytes and reuses
// what it decoded; anything that differs must still be decoded afresh.
TEST_F(RpcTest, RepeatedPreludesReuseOnlyWhatRepeats) {
  RawPeer peer;
  ASSERT_TRUE(peer.Connect(server_->port()).ok());
  auto hello = [](std::string_view name,
                  const std::function<void(hessian2::Writer&)>& attachments) {
    return HessianBody([&](hessian2::Writer& w) {
      w.WriteString("2.0.2");
      w.WriteString(kDemoInterface);
      w.WriteString("0.0.0");
      w.WriteString("sayHello");
      w.WriteString("Ljava/lang/String;");
      w.WriteString(name);
      attachments(w);
    });
  };
  auto plain = [](hessian2::Writer& w) {
    w.WriteMapBegin("");
    w.WriteString("timeout");
    w.WriteString("3000");
    w.WriteMapEnd();
  };
  auto blue = [](hessian2::Writer& w) {
    w.WriteMapBegin("");
    w.WriteString("group");
    w.WriteString("blue");
    w.WriteMapEnd();
  };
  auto nested = [](hessian2::Writer& w) {  // a map value: decoded every time, never remembered
    w.WriteMapBegin("");
    w.WriteString("ctx");
    w.WriteMapBegin("");
    w.WriteString("group");
    w.WriteString("blue");
    w.WriteMapEnd();
    w.WriteMapEnd();
  };
  auto answer = [&](int64_t id, const std::string& body) {
    peer.Send(RequestFrame(id, body));
    auto f = peer.Read();
    EXPECT_TRUE(f.has_value());
    if (!f) return std::string("no answer");
    EXPECT_EQ(f->header.id, id);
    if (f->header.status != 20) {
      return std::to_string(f->header.status) + " " +
             rpc::DecodeErrorMessage(SerializationRegistry::Global().Find(2), f->body);
    }
    rpc::RpcResult r;
    r.body = f->body;
    auto v = rpc::DecodeResult<std::string>(r);
    return v.ok() ? *v : v.status().ToString();
  };
  EXPECT_EQ(answer(1, hello("a", plain)), "Hello a");
  EXPECT_EQ(answer(2, hello("b", plain)), "Hello b");           // same prelude and attachments
  const std::string other_group = answer(3, hello("c", blue));  // same prelude, other attachments
  EXPECT_EQ(other_group.rfind("70 Not found exported service: blue/", 0), 0u) << other_group;
  EXPECT_EQ(answer(4, hello("d", plain)), "Hello d");
  EXPECT_EQ(answer(5, hello("e", blue)).rfind("70 ", 0), 0u);
  EXPECT_EQ(answer(6, hello("f", nested)), "Hello f");
  EXPECT_EQ(answer(7, hello("g", nested)), "Hello g");
  // A different method behind the same leading bytes is read as that method.
  const std::string unknown = HessianBody([](hessian2::Writer& w) {
    w.WriteString("2.0.2");
    w.WriteString(kDemoInterface);
    w.WriteString("0.0.0");
    w.WriteString("sayHelloAgain");
    w.WriteString("Ljava/lang/String;");
    w.WriteString("h");
    w.WriteMapBegin("");
    w.WriteMapEnd();
  });
  EXPECT_NE(answer(8, unknown).find("Not found method sayHelloAgain"), std::string::npos);
  EXPECT_EQ(answer(9, hello("i", plain)), "Hello i");
  // A body cut inside the remembered prelude is an error, not a match.
  const std::string full = hello("j", plain);
  peer.Send(RequestFrame(10, full.substr(0, 20)));
  auto f = peer.Read();
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->header.status, 40);
}

TEST_F(RpcTest, AnswersWithTheRequestsSerialization) {
  auto ch = Connect();
  std::promise<rpc::RpcResult> got;
  ch->Call(Hello("mp"), *SerializationRegistry::Global().Find(27),
           [&](rpc::RpcResult r) { got.set_value(std::move(r)); });
  auto r = got.get_future().get();
  ASSERT_TRUE(r.status.ok()) << r.status;
  EXPECT_EQ(r.serialization, 27);
  EXPECT_EQ(rpc::DecodeResult<std::string>(r).value(), "Hello mp");
}

TEST_F(RpcTest, MalformedFramesCloseOnlyTheirConnection) {
  auto ch = Connect();
  RawPeer bad;
  ASSERT_TRUE(bad.Connect(server_->port()).ok());
  bad.Send(std::string("GET / HTTP/1.1\r\n\r\n"));
  EXPECT_TRUE(bad.WaitClosed(5s));
  // A well-framed request with an undecodable body is answered 40 and the connection stays.
  RawPeer garbled;
  ASSERT_TRUE(garbled.Connect(server_->port()).ok());
  garbled.Send(RequestFrame(9, std::string("\x05"
                                           "2.0.2"
                                           "\x40\x40",
                                           8)));
  auto f = garbled.Read();
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->header.status, 40);
  EXPECT_NE(
      rpc::DecodeErrorMessage(SerializationRegistry::Global().Find(2), f->body)
          .find("Fail to decode request due to: hessian2: unknown lead byte 0x40 at offset 6"),
      std::string::npos);
  garbled.Send(RequestFrame(10, SayHelloBody("still")));
  f = garbled.Read();
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->header.status, 20);
  // Unknown serialization id: status 40 naming it.
  garbled.Send(RequestFrame(11, SayHelloBody("x"), 0xc0 | 9));
  f = garbled.Read();
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->header.status, 40);
  // Other connections never noticed.
  EXPECT_EQ(CallSync<std::string>(*ch, Hello("fine")).value(), "Hello fine");
}

TEST_F(RpcTest, HeartbeatsInBothDirections) {
  // A consumer's heartbeat is answered with the same id, event flag and a null body.
  RawPeer peer;
  ASSERT_TRUE(peer.Connect(server_->port()).ok());
  peer.Send(RequestFrame(77, "N", 0xe2));
  auto f = peer.Read();
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->header.flags, 0x22);
  EXPECT_EQ(f->header.status, 20);
  EXPECT_EQ(f->header.id, 77);
  EXPECT_EQ(f->body, "N");
  // Our client sends heartbeats when nothing was read for `heartbeat`, and answers a provider's.
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  rpc::ClientOptions options;
  options.connection.heartbeat = 100ms;
  rpc::Client client(options);
  auto ch =
      client.GetChannel("127.0.0.1:" + std::to_string(acceptor.local_endpoint().port())).value();
  RawPeer provider;
  ASSERT_TRUE(provider.Accept(acceptor).ok());
  auto hb = provider.Read(2s);
  ASSERT_TRUE(hb.has_value());
  EXPECT_EQ(hb->header.flags, 0xe2);
  EXPECT_EQ(hb->body, "N");
  provider.Send(RequestFrame(5, "N", 0xe2));  // a 2.6.x provider's heartbeat
  bool answered = false;
  for (int i = 0; i < 10 && !answered; ++i) {
    auto g = provider.Read(2s);
    ASSERT_TRUE(g.has_value());
    answered = g->header.id == 5 && g->header.flags == 0x22;
  }
  EXPECT_TRUE(answered);
}

TEST_F(RpcTest, IdleConnectionsAreClosed) {
  server_.reset();
  rpc::ServerOptions options;
  options.idle_timeout = 300ms;
  StartServer(options);
  RawPeer idle;
  ASSERT_TRUE(idle.Connect(server_->port()).ok());
  EXPECT_TRUE(idle.WaitClosed(3s));
}

TEST_F(RpcTest, EchoAndGenericInvoke) {
  auto ch = Connect();
  auto echo =
      DemoCall("$echo", "Ljava/lang/Object;", [](ObjectOutput& o) { o.WriteString("ping"); });
  EXPECT_EQ(CallSync<std::string>(*ch, echo).value(), "ping");
  auto inv = rpc::GenericInvocation(std::string(kDemoInterface), "sayHello", {"java.lang.String"},
                                    {Value::String("generic")});
  auto r = CallSync<Value>(*ch, inv);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, Value::String("Hello generic"));
  // Without parameter types a unique method name is enough; wrong argument types say why.
  inv = rpc::GenericInvocation(std::string(kDemoInterface), "sleep", {}, {Value::Int(1)});
  EXPECT_EQ(CallSync<Value>(*ch, inv).value(), Value::Int(1));
  inv = rpc::GenericInvocation(std::string(kDemoInterface), "sleep", {"int"}, {Value::String("x")});
  auto bad = CallSync<Value>(*ch, inv);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("argument 0"), std::string::npos) << bad.status();
}

TEST_F(RpcTest, WorkerPoolRejectsBeyondItsBoundWithStatus100) {
  server_.reset();
  rpc::ServerOptions options;
  options.threads = 1;
  options.queues = 0;
  StartServer(options);
  auto ch = Connect();
  // The only worker is held by a blocking call: the next request is refused at once.
  std::promise<Result<int32_t>> blocked;
  ch->Call(DemoCall("block", "I", [](ObjectOutput& o) { o.WriteInt(800); }),
           *SerializationRegistry::Global().Find(2),
           [&](rpc::RpcResult r) { blocked.set_value(rpc::DecodeResult<int32_t>(r)); });
  ASSERT_TRUE(service_->WaitBlocked(5s));
  const auto start = std::chrono::steady_clock::now();
  auto r = CallSync<std::string>(*ch, Hello("refused"));
  EXPECT_EQ(r.status().code(), StatusCode::kThreadPoolExhausted) << r.status();
  EXPECT_NE(r.status().message().find("thread pool is exhausted"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 500ms);  // answered, not timed out
  EXPECT_EQ(blocked.get_future().get().value(), 800);
  // The worker frees its slot just after its reply leaves; then calls are admitted again.
  Result<std::string> later = Status(StatusCode::kThreadPoolExhausted, "not yet");
  for (int i = 0; i < 200 && later.status().code() == StatusCode::kThreadPoolExhausted; ++i) {
    later = CallSync<std::string>(*ch, Hello("later"));
    if (!later.ok()) std::this_thread::sleep_for(5ms);
  }
  EXPECT_EQ(later.value_or(""), "Hello later") << later.status();
}

TEST_F(RpcTest, GracefulShutdownAnswersEveryCallInFlight) {
  auto ch = Connect();
  constexpr int kCalls = 50;
  std::atomic<int> ok{0};
  std::atomic<int> done{0};
  std::promise<void> all;
  for (int i = 0; i < kCalls; ++i) {
    ch->Call(SleepFor(300), *SerializationRegistry::Global().Find(2), [&](rpc::RpcResult r) {
      if (rpc::DecodeResult<int32_t>(r).ok()) ++ok;
      if (++done == kCalls) all.set_value();
    });
  }
  while (server_->in_flight() < kCalls) std::this_thread::sleep_for(1ms);
  bool hook_ran = false;
  server_->AddShutdownHook([&] { hook_ran = true; });
  server_->Shutdown(5s);
  EXPECT_TRUE(hook_ran);
  ASSERT_EQ(all.get_future().wait_for(10s), std::future_status::ready);
  EXPECT_EQ(ok.load(), kCalls);
  EXPECT_FALSE(ch->IsAvailable());  // the "R" event (then the close) took it out of rotation
}

TEST_F(RpcTest, ClientReconnectsAfterTheServerRestarts) {
  auto ch = Connect();
  ASSERT_EQ(CallSync<std::string>(*ch, Hello("before")).value(), "Hello before");
  const uint16_t port = server_->port();
  server_->Shutdown(0ms);
  server_.reset();
  // While the provider is down, calls fail at once with the cause instead of waiting.
  auto down = CallSync<std::string>(*ch, Hello("down"));
  ASSERT_FALSE(down.ok());
  EXPECT_TRUE(down.status().code() == StatusCode::kUnavailable ||
              down.status().code() == StatusCode::kChannelInactive)
      << down.status();
  StartServer({}, port);
  Result<std::string> after = Status(StatusCode::kUnavailable, "not yet");
  for (int i = 0; i < 100 && !after.ok(); ++i) {
    after = CallSync<std::string>(*ch, Hello("after"));
    if (!after.ok()) std::this_thread::sleep_for(50ms);
  }
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(*after, "Hello after");
}

TEST(FrameTest, VersionRuleAndDescriptors) {
  EXPECT_EQ(rpc::DubboVersionNumber("2.0.2"), 2000200);
  EXPECT_EQ(rpc::DubboVersionNumber("2.6.3"), 2060300);
  EXPECT_EQ(rpc::DubboVersionNumber("2.5.3.6"), 2050306);
  EXPECT_EQ(rpc::DubboVersionNumber("3.0.0-SNAPSHOT"), 3000000);
  EXPECT_TRUE(rpc::SupportsResponseAttachments("2.0.2"));
  EXPECT_TRUE(rpc::SupportsResponseAttachments("2.0.99"));
  EXPECT_FALSE(rpc::SupportsResponseAttachments("2.0.0"));
  EXPECT_FALSE(rpc::SupportsResponseAttachments("2.5.3.6"));
  EXPECT_FALSE(rpc::SupportsResponseAttachments("2.6.5"));
  EXPECT_FALSE(rpc::SupportsResponseAttachments(""));
  auto parts = rpc::SplitDescriptor("Ljava/lang/String;I[J[[Ljava/util/List;Z");
  ASSERT_TRUE(parts.ok());
  EXPECT_EQ(*parts, (std::vector<std::string_view>{"Ljava/lang/String;", "I", "[J",
                                                   "[[Ljava/util/List;", "Z"}));
  EXPECT_EQ(
      rpc::SplitDescriptor("Ljava/lang/String").status().message(),
      "parameter descriptor \"Ljava/lang/String\" has an unterminated class name at offset 0");
  EXPECT_EQ(rpc::DescriptorOf("java.lang.String"), "Ljava/lang/String;");
  EXPECT_EQ(rpc::DescriptorOf("int[]"), "[I");
  EXPECT_EQ(rpc::DescriptorOf("long"), "J");
  // The hand-assembled request vector of the reference: header DA BB C2 00, id 0, length 0xB6.
  std::string frame;
  rpc::Invocation inv;
  inv.interface = "org.apache.dubbo.demo.DemoService";
  inv.method = "sayHello";
  inv.descriptor = "Ljava/lang/String;";
  inv.arguments = rpc::MakeArguments([](ObjectOutput& o) { o.WriteString("world"); });
  ASSERT_TRUE(
      rpc::AppendRequestFrame(inv, *SerializationRegistry::Global().Find(2), 0, 0, &frame).ok());
  EXPECT_EQ(ToHex(frame.substr(0, 12)), "dabbc2000000000000000000");
  auto h = rpc::DecodeHeader(frame).value();
  EXPECT_EQ(static_cast<size_t>(h.body_length), frame.size() - 16);
  EXPECT_EQ(rpc::DecodeHeader(std::string("\xda\xbc") + std::string(14, '\0')).status().message(),
            "bad magic 0xdabc (expected 0xdabb)");
}

// Resident memory of this process (the provider runs in it), in bytes.
size_t ResidentBytes() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoul(line.substr(6)) * 1024;
  }
  return 0;
}

// A consumer that sends requests for 64 KiB answers and never reads them: the provider stops
// reading its requests once 4 MiB of answers are queued for it, so its memory stays bounded, and
// other connections go on being served.
TEST_F(RpcTest, AConsumerThatNeverReadsCannotGrowTheProvidersMemory) {
  const size_t rss_before = ResidentBytes();
  RawPeer hog;
  ASSERT_TRUE(hog.Connect(server_->port()).ok());
  const std::string body =
      DemoRequestBody("big", "I", [](hessian2::Writer& w) { w.WriteInt(64 * 1024); });
  std::string batch;
  for (int i = 0; i < 1000; ++i) batch += RequestFrame(i + 1, body);
  // Up to 100,000 requests, sent without blocking until the provider stops taking them.
  hog.socket().non_blocking(true);
  size_t sent = 0;
  const size_t want = 100 * batch.size();
  auto stalled_since = std::chrono::steady_clock::now();
  while (sent < want && std::chrono::steady_clock::now() - stalled_since < 1s) {
    std::error_code ec;
    const size_t at = sent % batch.size();
    const size_t n =
        hog.socket().write_some(asio::buffer(batch.data() + at, batch.size() - at), ec);
    if (n > 0) {
      sent += n;
      stalled_since = std::chrono::steady_clock::now();
    } else {
      std::this_thread::sleep_for(5ms);  // the socket is full: the provider stopped reading
    }
  }
  const size_t requests_sent = sent / (batch.size() / 1000);
  EXPECT_LT(sent, want) << "the provider read every request without its answers being read";
  // Another consumer is still answered promptly.
  auto other = Connect();
  const auto start = std::chrono::steady_clock::now();
  auto r = CallSync<std::string>(*other, Hello("still here"));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  const size_t rss_after = ResidentBytes();
  const size_t growth = rss_after > rss_before ? rss_after - rss_before : 0;
  std::printf(
      "backpressure: %zu requests sent before the provider stopped reading; RSS grew %zu KiB\n",
      requests_sent, growth / 1024);
  // Answers queued for the hog: the 4 MiB high-water mark plus one batch of frames already read
  // (at most one 64 KiB read of ~100 B requests -> ~650 answers of 64 KiB), plus allocator slack.
  EXPECT_LT(growth, size_t{128} << 20);
}

// DemoService with `block` marked @blocking (rpc::Blocking), as rpcgen generates it.
std::shared_ptr<const rpc::ServiceDefinition> DemoWithBlockingBlock() {
  auto def = std::make_shared<rpc::ServiceDefinition>(std::string(kDemoInterface));
  const auto demo = DemoService::Definition();
  for (const auto& m : demo->methods()) def->Add(m.name == "block" ? rpc::Blocking(m) : m);
  return def;
}

// A @blocking method holds a thread of the blocking pool, not the connection's only I/O thread:
// echo calls on the same connection go on at their usual speed while it blocks.
TEST(BlockingMethodTest, ABlockedMethodDoesNotDelayCallsOnTheSameConnection) {
  rpc::IoThreads timers(1, "test-timers");
  rpc::ServerOptions options;
  options.host = "127.0.0.1";
  options.port = 0;
  options.io_threads = 1;  // one I/O thread: a handler blocking it would stall every call
  rpc::Server server(options);
  auto service = std::make_shared<DemoService>(&timers);
  ASSERT_TRUE(server.Export(DemoWithBlockingBlock(), service).ok());
  ASSERT_TRUE(server.Start().ok());
  rpc::Client client;
  auto ch = client.GetChannel("127.0.0.1:" + std::to_string(server.port())).value();
  const rpc::Invocation hello = DemoCall("sayHello", "Ljava/lang/String;",
                                         [](ObjectOutput& o) { WriteTyped(o, std::string("x")); });
  ASSERT_TRUE(CallSync<std::string>(*ch, hello).ok());

  // One round: echo calls, one after another, for as long as a block(100) runs; their p99 (us).
  auto round = [&]() -> double {
    std::promise<Result<int32_t>> blocked;
    auto blocked_result = blocked.get_future();
    ch->Call(DemoCall("block", "I", [](ObjectOutput& o) { o.WriteInt(100); }),
             *SerializationRegistry::Global().Find(2),
             [&blocked](rpc::RpcResult r) { blocked.set_value(rpc::DecodeResult<int32_t>(r)); });
    EXPECT_TRUE(service->WaitBlocked(5s));
    std::vector<double> micros;
    while (micros.size() < 20000 && blocked_result.wait_for(0ms) != std::future_status::ready) {
      const auto start = std::chrono::steady_clock::now();
      auto r = CallSync<std::string>(*ch, hello);
      EXPECT_TRUE(r.ok()) << r.status();
      micros.push_back(
          std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
              .count());
    }
    EXPECT_TRUE(blocked_result.get().ok());
    if (micros.size() < 10) return 1e9;
    std::sort(micros.begin(), micros.end());
    const double p99 = micros[micros.size() * 99 / 100];
    std::printf("blocking: %zu echo calls while block(100) ran, p50 %.0f us, p99 %.0f us\n",
                micros.size(), micros[micros.size() / 2], p99);
    return p99;
  };
  // A method blocking the I/O thread would hold every echo for up to 100 ms in every round; a
  // parallel ctest on two cores can cost one round a few ms of scheduling, so the best of up to
  // three rounds is what is asserted.
  double best = round();
  for (int i = 0; i < 2 && best >= 5000.0; ++i) best = std::min(best, round());
  EXPECT_LT(best, 5000.0);
}

// A full blocking pool answers 100 at once, as Java's fixed pool does.
TEST(BlockingMethodTest, AFullBlockingPoolAnswersThreadPoolExhausted) {
  rpc::IoThreads timers(1, "test-timers");
  rpc::ServerOptions options;
  options.host = "127.0.0.1";
  options.port = 0;
  options.blocking_threads = 1;
  options.blocking_queues = 0;
  rpc::Server server(options);
  auto service = std::make_shared<DemoService>(&timers);
  ASSERT_TRUE(server.Export(DemoWithBlockingBlock(), service).ok());
  ASSERT_TRUE(server.Start().ok());
  rpc::Client client;
  auto ch = client.GetChannel("127.0.0.1:" + std::to_string(server.port())).value();
  std::promise<Result<int32_t>> first;
  ch->Call(DemoCall("block", "I", [](ObjectOutput& o) { o.WriteInt(300); }),
           *SerializationRegistry::Global().Find(2),
           [&first](rpc::RpcResult r) { first.set_value(rpc::DecodeResult<int32_t>(r)); });
  ASSERT_TRUE(service->WaitBlocked(5s));
  auto second =
      CallSync<int32_t>(*ch, DemoCall("block", "I", [](ObjectOutput& o) { o.WriteInt(1); }));
  EXPECT_EQ(second.status().code(), StatusCode::kThreadPoolExhausted) << second.status();
  EXPECT_NE(second.status().message().find("blocking pool is exhausted"), std::string::npos)
      << second.status();
  EXPECT_TRUE(first.get_future().get().ok());
}
}  // namespace
}  // namespace dubbo::testing

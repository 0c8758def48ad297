// Code that rpcgen generated at build time from tests/idl/all_types.idl (every type and construct
// of the IDL), end to end on loopback: a provider implementing the generated base, exported with
// the generated definition, called through the generated stub in its three forms, with Hessian 2
// and MessagePack. Also what a Java consumer would send (descriptors, Java type names) and
// generic $invoke reaching the generated provider.
#include <gtest/gtest.h>

#include <algorithm>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <cctype>
#include <condition_variable>
#include <exception>
#include <future>
#include <mutex>

#include "all_types.dubbo.h"
#include "app/application.h"
#include "common/url.h"
#include "rpc/channel_invoker.h"
#include "rpc/client.h"
#include "rpc/frame.h"
#include "rpc/invoker.h"
#include "rpc/io_threads.h"
#include "rpc/result.h"
#include "rpc/server.h"

namespace dubbo::testing {
namespace {

namespace at = ::org::apache::dubbo::idl::alltypes;
namespace money = ::com::example::money;
using namespace std::chrono_literals;
using TimePoint = std::chrono::system_clock::time_point;

TimePoint Millis(int64_t ms) { return TimePoint(std::chrono::milliseconds(ms)); }

at::Point P(int32_t x, int32_t y) { return at::Point{x, y}; }

// A value with every field set (optionals both ways), in forms both codecs carry exactly.
at::AllTypes Sample() {
  at::AllTypes v;
  v.flag = true;
  v.tiny = -8;
  v.small = 1234;
  v.count = -70000;
  v.big = int64_t{1} << 40;
  v.ratio = 0.5f;
  v.precise = 3.25;
  v.text = "h\xc3\xa9llo";
  v.blob = {0x00, 0x01, 0xff};
  v.when = Millis(1700000000123);
  v.stamp.millis = 1700000000456;
  v.amount.value = "123.45";
  v.color = at::Color::GREEN;
  v.origin = P(1, -2);
  v.numbers = {1, 2, 3};
  v.path = {P(0, 0), P(3, 4)};
  v.labels = {"a", "b"};
  v.palette = {at::Color::RED, at::Color::BLUE};
  v.counters = {{"x", 1}, {"y", int64_t{1} << 35}};
  v.corners = {{at::Color::RED, P(1, 1)}, {at::Color::BLUE, P(2, 2)}};
  v.buckets = {{1, {"one"}}, {2, {"two", "deux"}}};
  v.maybeFlag = false;
  v.maybeCount = std::nullopt;
  v.maybeText = "t";
  v.maybePoint = P(7, 8);
  v.maybeList = std::nullopt;
  v.sparse = {1.5, std::nullopt, 2.5};
  v.tree = at::Node{"root", {at::Node{"leaf", {}}, at::Node{"branch", {at::Node{"twig", {}}}}}};
  v.price = money::Money{BigDecimal{"9.99"}, "EUR"};
  v.refund = money::Money{BigDecimal{"1"}, "USD"};
  v.delete_ = "gone";
  return v;
}

at::NotFound NotFoundFor(int64_t id) {
  at::NotFound e;
  e.message = "no record " + std::to_string(id);
  e.resource = "record/" + std::to_string(id);
  e.code = 404;
  e.level = at::Level::HIGH;
  return e;
}

class AllTypesImpl : public at::AllTypesServiceBase {
 public:
  explicit AllTypesImpl(rpc::IoThreads* timers) : timers_(timers) {}

  Result<at::AllTypes> Echo(at::AllTypes value) override { return value; }
  Result<bool> Flip(bool b) override { return !b; }
  Result<int8_t> NextByte(int8_t v) override { return static_cast<int8_t>(v + 1); }
  Result<int16_t> NextShort(int16_t v) override { return static_cast<int16_t>(v + 1); }
  Result<int32_t> NextInt(int32_t v) override { return v + 1; }
  Result<int64_t> NextLong(int64_t v) override { return v + 1; }
  Result<float> Half(float v) override { return v / 2; }
  Result<double> Twice(double v) override { return v * 2; }
  Result<std::string> Upper(std::string s) override {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
    return s;
  }
  Result<Binary> Reverse(Binary data) override {
    std::reverse(data.begin(), data.end());
    return data;
  }
  Result<TimePoint> Later(TimePoint d, int64_t millis) override {
    return d + std::chrono::milliseconds(millis);
  }
  Result<SqlTimestamp> StampLater(SqlTimestamp t, int64_t millis) override {
    t.millis += millis;
    return t;
  }
  Result<BigDecimal> Negate(BigDecimal d) override {
    return BigDecimal{d.value.starts_with("-") ? d.value.substr(1) : "-" + d.value};
  }
  Result<at::Color> Next(at::Color c) override {
    return static_cast<at::Color>((static_cast<int>(c) + 1) % 3);
  }
  Result<at::Point> Move(at::Point p, int32_t dx, int32_t dy) override {
    return P(p.x + dx, p.y + dy);
  }
  Result<std::vector<at::Point>> Points(int32_t n) override {
    std::vector<at::Point> out;
    for (int32_t i = 0; i < n; ++i) out.push_back(P(i, i * i));
    return out;
  }
  Result<std::set<at::Color>> Others(std::set<at::Color> colors) override {
    std::set<at::Color> out;
    for (at::Color c : {at::Color::RED, at::Color::GREEN, at::Color::BLUE})
      if (colors.count(c) == 0) out.insert(c);
    return out;
  }
  Result<std::map<at::Color, at::Point>> Mirror(std::map<at::Color, at::Point> corners) override {
    for (auto& [color, p] : corners) p = P(-p.x, -p.y);
    return corners;
  }
  Result<std::map<std::string, std::vector<int32_t>>> Group(std::vector<int32_t> values) override {
    std::map<std::string, std::vector<int32_t>> out;
    for (int32_t v : values) out[v % 2 == 0 ? "even" : "odd"].push_back(v);
    return out;
  }
  Result<std::optional<int32_t>> Maybe(std::optional<int32_t> v) override {
    if (!v) return std::optional<int32_t>();
    return std::optional<int32_t>(*v * 2);
  }
  Result<std::optional<std::string>> Lookup(std::string key) override {
    if (key == "known") return std::optional<std::string>("value");
    return std::optional<std::string>();
  }
  Result<at::Node> Tree(int32_t depth) override {
    at::Node n{"depth " + std::to_string(depth), {}};
    if (depth > 0) n.children.push_back(*Tree(depth - 1));
    return n;
  }
  Result<money::Money> Convert(money::Money m, std::string currency) override {
    m.currency = std::move(currency);
    return m;
  }
  Status Reset() override {
    ++resets_;
    return Status::Ok();
  }
  Status Log(std::string line) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      lines_.push_back(std::move(line));
    }
    cv_.notify_all();
    return Status::Ok();
  }
  // Answers from a timer, without holding a thread.
  void Delayed(int32_t v, int32_t ms, rpc::Responder<int32_t> reply) override {
    auto timer =
        std::make_shared<asio::steady_timer>(timers_->Next(), std::chrono::milliseconds(ms));
    auto holder = std::make_shared<rpc::Responder<int32_t>>(std::move(reply));
    timer->async_wait([timer, holder, v](const std::error_code&) { holder->Reply(v * 10); });
  }
  // Answers from another thread.
  void Touch(std::string key, rpc::Responder<void> reply) override {
    auto holder = std::make_shared<rpc::Responder<void>>(std::move(reply));
    asio::post(timers_->Next(), [this, holder, key] {
      touched_ = key;
      holder->Reply();
    });
  }
  Result<at::AllTypes> Find(int64_t id) override {
    if (id == 404) return NotFoundFor(id).ToStatus();
    if (id < 0) {
      at::Invalid e;
      e.message = "negative id";
      return e.ToStatus();
    }
    return Sample();
  }
  Status Validate(std::string s) override {
    if (!s.empty()) return Status::Ok();
    at::Invalid e;
    e.message = "empty";
    return e.ToStatus();
  }
  void FindName(int64_t id, rpc::Responder<std::string> reply) override {
    if (id == 404) return reply.Throw(NotFoundFor(id));
    reply.Reply("name " + std::to_string(id));
  }
  Result<std::string> Describe(int32_t v) override { return "int " + std::to_string(v); }
  Result<std::string> Describe(std::optional<int32_t> v) override {
    return "Integer " + (v ? std::to_string(*v) : std::string("null"));
  }
  Result<std::string> Describe(std::string v) override { return "String " + v; }
  Result<std::string> Describe(at::Point p, std::vector<at::Point> more) override {
    return "Point " + std::to_string(p.x) + "," + std::to_string(p.y) + " +" +
           std::to_string(more.size());
  }
  Result<int32_t> Stable() override { return 7; }
  Result<int32_t> GetTotal() override { return 42; }

  bool WaitLogged(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, 5s, [&] { return lines_.size() >= n; });
  }
  std::vector<std::string> lines() {
    std::lock_guard<std::mutex> lock(mu_);
    return lines_;
  }
  std::atomic<int> resets_{0};
  std::string touched_;

 private:
  rpc::IoThreads* timers_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> lines_;
};

// Loopback server exporting AllTypesImpl, and a stub over a ChannelInvoker with the serialization
// of the test's parameter.
class GeneratedTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    rpc::ServerOptions options;
    options.host = "127.0.0.1";
    options.port = 0;
    options.io_threads = 2;
    server_ = std::make_unique<rpc::Server>(options);
    impl_ = std::make_shared<AllTypesImpl>(&timers_);
    ASSERT_TRUE(
        server_->Export(at::AllTypesServiceBase::Definition(), impl_, "1.0.0", "test").ok());
    ASSERT_TRUE(server_->Start().ok());
    auto url =
        Url::Parse("dubbo://127.0.0.1:" + std::to_string(server_->port()) + "/" +
                   std::string(at::AllTypesService::kInterface) + "?serialization=" + GetParam());
    ASSERT_TRUE(url.ok()) << url.status();
    auto invoker = rpc::ChannelInvoker::Create(*url, client_);
    ASSERT_TRUE(invoker.ok()) << invoker.status();
    invoker_ = *invoker;
    stub_ = std::make_unique<at::AllTypesServiceStub>(invoker_);
  }

  // Sends a generic call and waits for its result as a Value.
  Result<Value> Generic(const std::string& method, std::vector<std::string> types,
                        std::vector<Value> args) {
    rpc::Invocation inv = rpc::GenericInvocation(std::string(at::AllTypesService::kInterface),
                                                 method, std::move(types), std::move(args));
    inv.settings.version = "1.0.0";
    inv.settings.group = "test";
    inv.settings.timeout = 5s;
    std::promise<Result<Value>> p;
    invoker_->Invoke(std::make_shared<const rpc::Invocation>(std::move(inv)),
                     [&p](rpc::RpcResult r) { p.set_value(rpc::DecodeValueResult(r)); });
    return p.get_future().get();
  }

  rpc::IoThreads timers_{1, "test-timers"};
  std::unique_ptr<rpc::Server> server_;
  std::shared_ptr<AllTypesImpl> impl_;
  rpc::Client client_;
  std::shared_ptr<rpc::ChannelInvoker> invoker_;
  std::unique_ptr<at::AllTypesServiceStub> stub_;
};

INSTANTIATE_TEST_SUITE_P(Serializations, GeneratedTest, ::testing::Values("hessian2", "msgpack"),
                         [](const auto& info) { return info.param; });

TEST_P(GeneratedTest, BlockingCallsRoundTripEveryType) {
  const at::AllTypes sample = Sample();
  auto echoed = stub_->Echo(sample);
  ASSERT_TRUE(echoed.ok()) << echoed.status();
  EXPECT_TRUE(*echoed == sample);
  // Field by field, so a failure says which one.
  EXPECT_EQ(echoed->tiny, sample.tiny);
  EXPECT_EQ(echoed->ratio, sample.ratio);
  EXPECT_EQ(echoed->blob, sample.blob);
  EXPECT_EQ(echoed->when, sample.when);
  EXPECT_EQ(echoed->stamp, sample.stamp);
  EXPECT_EQ(echoed->amount, sample.amount);
  EXPECT_EQ(echoed->palette, sample.palette);
  EXPECT_EQ(echoed->corners, sample.corners);
  EXPECT_EQ(echoed->maybeFlag, sample.maybeFlag);
  EXPECT_EQ(echoed->maybeCount, sample.maybeCount);
  EXPECT_EQ(echoed->maybeList, sample.maybeList);
  EXPECT_EQ(echoed->sparse, sample.sparse);
  EXPECT_TRUE(echoed->tree == sample.tree);
  EXPECT_TRUE(echoed->price == sample.price);
  EXPECT_EQ(echoed->delete_, "gone");
  // Defaults travel too.
  auto empty = stub_->Echo(at::AllTypes{});
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_TRUE(*empty == at::AllTypes{});

  EXPECT_EQ(stub_->Flip(true).value(), false);
  EXPECT_EQ(stub_->NextByte(-128).value(), -127);
  EXPECT_EQ(stub_->NextShort(32000).value(), 32001);
  EXPECT_EQ(stub_->NextInt(-1).value(), 0);
  EXPECT_EQ(stub_->NextLong(int64_t{1} << 50).value(), (int64_t{1} << 50) + 1);
  EXPECT_EQ(stub_->Half(3.0f).value(), 1.5f);
  EXPECT_EQ(stub_->Twice(-0.25).value(), -0.5);
  EXPECT_EQ(stub_->Upper("abc").value(), "ABC");
  EXPECT_EQ(stub_->Reverse(Binary{1, 2, 3}).value(), (Binary{3, 2, 1}));
  EXPECT_EQ(stub_->Later(Millis(1000), 234).value(), Millis(1234));
  EXPECT_EQ(stub_->StampLater(SqlTimestamp{5000}, 5).value(), SqlTimestamp{5005});
  EXPECT_EQ(stub_->Negate(BigDecimal{"12.5"}).value(), BigDecimal{"-12.5"});
  EXPECT_EQ(stub_->Next(at::Color::BLUE).value(), at::Color::RED);
  EXPECT_EQ(stub_->Move(P(1, 2), 10, 20).value(), P(11, 22));
  EXPECT_EQ(stub_->Points(3).value(), (std::vector<at::Point>{P(0, 0), P(1, 1), P(2, 4)}));
  EXPECT_EQ(stub_->Others({at::Color::GREEN}).value(),
            (std::set<at::Color>{at::Color::RED, at::Color::BLUE}));
  EXPECT_EQ(stub_->Mirror({{at::Color::GREEN, P(1, -1)}}).value(),
            (std::map<at::Color, at::Point>{{at::Color::GREEN, P(-1, 1)}}));
  EXPECT_EQ(stub_->Group({1, 2, 3, 4}).value(),
            (std::map<std::string, std::vector<int32_t>>{{"even", {2, 4}}, {"odd", {1, 3}}}));
  EXPECT_EQ(stub_->Maybe(21).value(), 42);
  EXPECT_EQ(stub_->Maybe(std::nullopt).value(), std::nullopt);
  EXPECT_EQ(stub_->Lookup("known").value(), "value");
  EXPECT_EQ(stub_->Lookup("unknown").value(), std::nullopt);
  auto tree = stub_->Tree(2);
  ASSERT_TRUE(tree.ok()) << tree.status();
  ASSERT_EQ(tree->children.size(), 1u);
  ASSERT_EQ(tree->children[0].children.size(), 1u);
  EXPECT_EQ(tree->children[0].children[0].name, "depth 0");
  // (MessagePack carries a decimal as a double when that is exact, as msgpack-java does: 2.50
  // would come back as 2.5.)
  EXPECT_EQ(stub_->Convert(money::Money{BigDecimal{"2.5"}, "EUR"}, "GBP").value(),
            (money::Money{BigDecimal{"2.5"}, "GBP"}));
  EXPECT_EQ(stub_->Stable().value(), 7);
  EXPECT_EQ(stub_->GetTotal().value(), 42);
}

TEST_P(GeneratedTest, VoidOneWayAndAsynchronousMethods) {
  EXPECT_TRUE(stub_->Reset().ok());
  EXPECT_EQ(impl_->resets_.load(), 1);
  // One-way: OK once sent, then the provider gets it.
  EXPECT_TRUE(stub_->Log("first").ok());
  EXPECT_TRUE(stub_->Log("second").ok());
  ASSERT_TRUE(impl_->WaitLogged(2));
  EXPECT_EQ(impl_->lines(), (std::vector<std::string>{"first", "second"}));
  // Asynchronous providers answer later, from a timer or another thread.
  EXPECT_EQ(stub_->Delayed(4, 10).value(), 40);
  EXPECT_TRUE(stub_->Touch("key").ok());
  EXPECT_EQ(impl_->touched_, "key");
}

TEST_P(GeneratedTest, DeclaredExceptionsComeBackTyped) {
  auto found = stub_->Find(404);
  ASSERT_FALSE(found.ok());
  EXPECT_EQ(found.status().code(), StatusCode::kBizException) << found.status();
  auto e = rpc::ExceptionAs<at::NotFound>(found.status());
  ASSERT_TRUE(e.has_value()) << found.status();
  EXPECT_EQ(e->message, "no record 404");
  EXPECT_EQ(e->resource, "record/404");
  EXPECT_EQ(e->code, 404);
  EXPECT_EQ(e->level, at::Level::HIGH);
  EXPECT_FALSE(rpc::ExceptionAs<at::Invalid>(found.status()).has_value());
  EXPECT_EQ(found.status().exception()->class_name, "org.apache.dubbo.idl.alltypes.NotFound");

  auto invalid = stub_->Find(-1);
  ASSERT_FALSE(invalid.ok());
  auto i = rpc::ExceptionAs<at::Invalid>(invalid.status());
  ASSERT_TRUE(i.has_value()) << invalid.status();
  EXPECT_EQ(i->message, "negative id");

  const Status validated = stub_->Validate("");
  ASSERT_TRUE(rpc::ExceptionAs<at::Invalid>(validated).has_value()) << validated;
  EXPECT_TRUE(stub_->Validate("fine").ok());
  EXPECT_TRUE(stub_->Find(1).ok());

  // Thrown through a Responder.
  auto name = stub_->FindName(404);
  ASSERT_FALSE(name.ok());
  auto thrown = rpc::ExceptionAs<at::NotFound>(name.status());
  ASSERT_TRUE(thrown.has_value()) << name.status();
  EXPECT_EQ(thrown->code, 404);
  EXPECT_EQ(thrown->level, at::Level::HIGH);
  EXPECT_EQ(stub_->FindName(5).value(), "name 5");
}

TEST_P(GeneratedTest, OverloadsReachTheirOwnImplementation) {
  EXPECT_EQ(stub_->Describe(1).value(), "int 1");
  EXPECT_EQ(stub_->Describe(std::optional<int32_t>(2)).value(), "Integer 2");
  EXPECT_EQ(stub_->Describe(std::optional<int32_t>()).value(), "Integer null");
  EXPECT_EQ(stub_->Describe(std::string("s")).value(), "String s");
  EXPECT_EQ(stub_->Describe(P(1, 2), {P(3, 4), P(5, 6)}).value(), "Point 1,2 +2");
}

TEST_P(GeneratedTest, CoroutineForm) {
  asio::io_context io;
  std::optional<Result<at::AllTypes>> echoed;
  std::optional<Result<std::optional<int32_t>>> maybe;
  std::optional<Status> logged;
  std::optional<Result<at::AllTypes>> found;
  std::optional<Result<int32_t>> delayed;
  std::optional<Result<std::string>> described;
  std::optional<std::thread::id> resumed_on;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        echoed = co_await stub_->EchoAsync(Sample());
        maybe = co_await stub_->MaybeAsync(std::nullopt);
        logged = co_await stub_->LogAsync("from a coroutine");
        found = co_await stub_->FindAsync(404);
        delayed = co_await stub_->DelayedAsync(2, 5);
        described = co_await stub_->DescribeAsync(std::optional<int32_t>(9));
        resumed_on = std::this_thread::get_id();
      },
      [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
      });
  io.run();
  ASSERT_TRUE(echoed && echoed->ok()) << (echoed ? echoed->status() : Status());
  EXPECT_TRUE(**echoed == Sample());
  ASSERT_TRUE(maybe && maybe->ok());
  EXPECT_EQ(**maybe, std::nullopt);
  ASSERT_TRUE(logged);
  EXPECT_TRUE(logged->ok()) << *logged;
  ASSERT_TRUE(found);
  EXPECT_EQ(rpc::ExceptionAs<at::NotFound>(found->status())->resource, "record/404");
  ASSERT_TRUE(delayed);
  EXPECT_EQ(delayed->value(), 20);
  ASSERT_TRUE(described);
  EXPECT_EQ(described->value(), "Integer 9");
  EXPECT_EQ(resumed_on, std::this_thread::get_id());  // on the io_context, not an I/O thread
  EXPECT_TRUE(impl_->WaitLogged(1));
}

TEST_P(GeneratedTest, CallbackForm) {
  std::promise<Result<at::AllTypes>> echoed;
  stub_->Echo(Sample(), [&](Result<at::AllTypes> r) { echoed.set_value(std::move(r)); });
  std::promise<Status> reset;
  stub_->Reset([&](Status s) { reset.set_value(std::move(s)); });
  std::promise<Result<std::string>> thrown;
  stub_->FindName(404, [&](Result<std::string> r) { thrown.set_value(std::move(r)); });
  std::promise<Status> logged;
  stub_->Log("by callback", [&](Status s) { logged.set_value(std::move(s)); });
  std::promise<Result<std::string>> described;
  stub_->Describe(P(0, 0), {}, [&](Result<std::string> r) { described.set_value(std::move(r)); });

  auto e = echoed.get_future().get();
  ASSERT_TRUE(e.ok()) << e.status();
  EXPECT_TRUE(*e == Sample());
  EXPECT_TRUE(reset.get_future().get().ok());
  auto t = thrown.get_future().get();
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(rpc::ExceptionAs<at::NotFound>(t.status())->code, 404);
  EXPECT_TRUE(logged.get_future().get().ok());
  EXPECT_EQ(described.get_future().get().value(), "Point 0,0 +0");
  EXPECT_TRUE(impl_->WaitLogged(1));
}

TEST_P(GeneratedTest, GenericInvokeReachesTheGeneratedProvider) {
  auto moved =
      Generic("move", {"org.apache.dubbo.idl.alltypes.Point", "int", "int"},
              {Value::FromMap(Map{
                   "",
                   {{Value::String("class"), Value::String("org.apache.dubbo.idl.alltypes.Point")},
                    {Value::String("x"), Value::Int(1)},
                    {Value::String("y"), Value::Int(2)}}}),
               Value::Int(10), Value::Int(20)});
  ASSERT_TRUE(moved.ok()) << moved.status();
  ASSERT_NE(moved->Find("x"), nullptr) << "not a generalized Point";
  int64_t x = 0;
  int64_t y = 0;
  ASSERT_TRUE(moved->Find("x")->GetInteger(&x));
  ASSERT_TRUE(moved->Find("y")->GetInteger(&y));
  EXPECT_EQ(x, 11);
  EXPECT_EQ(y, 22);
  // Overloads are told apart by the Java parameter types.
  EXPECT_EQ(Generic("describe", {"java.lang.Integer"}, {Value::Int(5)}).value(),
            Value::String("Integer 5"));
  EXPECT_EQ(Generic("describe", {"int"}, {Value::Int(5)}).value(), Value::String("int 5"));
  EXPECT_EQ(Generic("describe", {"java.lang.String"}, {Value::String("g")}).value(),
            Value::String("String g"));
  EXPECT_EQ(
      Generic("next", {"org.apache.dubbo.idl.alltypes.Color"}, {Value::String("RED")}).value(),
      Value::String("GREEN"));
  EXPECT_EQ(Generic("reverse", {"byte[]"}, {Value::FromBinary({1, 2})}).value(),
            Value::FromBinary({2, 1}));
}

// Generated classes plug into the Application: Export takes the provider, Refer builds the stub,
// whose IDL defaults (version 1.0.0, group test) find the provider.
TEST(GeneratedApplicationTest, ExportAndReferThroughTheApplication) {
  rpc::IoThreads timers(1, "test-timers");
  ApplicationConfig config;
  config.name = "generated";
  config.protocol = {{"host", "127.0.0.1"}, {"port", "0"}, {"shutdown.wait", "3000"}};
  auto app = Application::Create(config).value();
  ASSERT_TRUE(app->Export(std::make_shared<AllTypesImpl>(&timers),
                          {{"version", "1.0.0"}, {"group", "test"}})
                  .ok());
  ASSERT_TRUE(app->Start().ok());
  auto stub = app->Refer<at::AllTypesServiceStub>(
      {{"url", "dubbo://127.0.0.1:" + std::to_string(app->port())}});
  ASSERT_TRUE(stub.ok()) << stub.status();
  EXPECT_EQ(stub->Upper("app").value(), "APP");
  EXPECT_EQ(stub->Describe(std::optional<int32_t>(1)).value(), "Integer 1");
  app->Stop();
}

// The descriptors and Java type names are what a Java consumer of the equivalent interface sends.
TEST(GeneratedMetadataTest, DescriptorsAreJavas) {
  using S = at::AllTypesService;
  EXPECT_EQ(S::kInterface, "org.apache.dubbo.idl.alltypes.AllTypesService");
  EXPECT_EQ(S::kDefaultVersion, "1.0.0");
  EXPECT_EQ(S::kDefaultGroup, "test");
  const std::pair<const rpc::MethodInfo&, std::string_view> expected[] = {
      {S::kEcho, "Lorg/apache/dubbo/idl/AllTypesBean;"},
      {S::kFlip, "Z"},
      {S::kNextByte, "B"},
      {S::kNextShort, "S"},
      {S::kNextInt, "I"},
      {S::kNextLong, "J"},
      {S::kHalf, "F"},
      {S::kTwice, "D"},
      {S::kUpper, "Ljava/lang/String;"},
      {S::kReverse, "[B"},
      {S::kLater, "Ljava/util/Date;J"},
      {S::kStampLater, "Ljava/sql/Timestamp;J"},
      {S::kNegate, "Ljava/math/BigDecimal;"},
      {S::kNext, "Lorg/apache/dubbo/idl/alltypes/Color;"},
      {S::kMove, "Lorg/apache/dubbo/idl/alltypes/Point;II"},
      {S::kPoints, "I"},
      {S::kOthers, "Ljava/util/Set;"},
      {S::kMirror, "Ljava/util/Map;"},
      {S::kGroup, "Ljava/util/List;"},
      {S::kMaybe, "Ljava/lang/Integer;"},
      {S::kLookup, "Ljava/lang/String;"},
      {S::kTree, "I"},
      {S::kConvert, "Lcom/example/money/Money;Ljava/lang/String;"},
      {S::kReset, ""},
      {S::kLog, "Ljava/lang/String;"},
      {S::kDelayed, "II"},
      {S::kTouch, "Ljava/lang/String;"},
      {S::kFind, "J"},
      {S::kValidate, "Ljava/lang/String;"},
      {S::kFindName, "J"},
      {S::kDescribe, "I"},
      {S::kDescribe2, "Ljava/lang/Integer;"},
      {S::kDescribe3, "Ljava/lang/String;"},
      {S::kDescribe4, "Lorg/apache/dubbo/idl/alltypes/Point;Ljava/util/List;"},
      {S::kStable, ""},
      {S::kGetTotal, ""},
  };
  ASSERT_EQ(std::size(expected), S::kMethods.size());
  for (size_t i = 0; i < S::kMethods.size(); ++i) {
    EXPECT_EQ(S::kMethods[i], &expected[i].first) << i;
    EXPECT_EQ(expected[i].first.descriptor, expected[i].second) << expected[i].first.name;
  }
  EXPECT_EQ(S::kGetTotal.name, "get_total");
  EXPECT_EQ(S::kDescribe3.name, "describe");

  // The definition carries the same descriptors, and Java type names that spell them.
  auto def = at::AllTypesServiceBase::Definition();
  ASSERT_EQ(def->methods().size(), S::kMethods.size());
  for (size_t i = 0; i < def->methods().size(); ++i) {
    const rpc::MethodDefinition& m = def->methods()[i];
    EXPECT_EQ(m.name, S::kMethods[i]->name);
    EXPECT_EQ(m.descriptor, S::kMethods[i]->descriptor);
    std::string spelled;
    for (const std::string& t : m.parameter_types) spelled += rpc::DescriptorOf(t);
    EXPECT_EQ(spelled, m.descriptor) << m.name;
  }
  EXPECT_EQ(def->methods()[11].parameter_types,
            (std::vector<std::string>{"java.sql.Timestamp", "long"}));
  EXPECT_EQ(def->methods()[9].parameter_types, (std::vector<std::string>{"byte[]"}));
  EXPECT_EQ(def->methods()[31].parameter_types, (std::vector<std::string>{"java.lang.Integer"}));
  EXPECT_EQ(def->MethodNames(), S::kMethodNames);
  EXPECT_EQ(def.get(), at::AllTypesServiceBase::Definition().get());  // built once
}

TEST(GeneratedMetadataTest, MethodOptions) {
  using S = at::AllTypesService;
  static_assert(S::kStable.timeout_ms == 5000 && S::kStable.retries == 3 && S::kStable.idempotent);
  static_assert(S::kEcho.timeout_ms == 0 && S::kEcho.retries == -1 && !S::kEcho.idempotent);
  static_assert(S::kLog.one_way && !S::kEcho.one_way);
  static_assert(S::FindMethod("stable") == &S::kStable);
  static_assert(S::FindMethod("describe") == &S::kDescribe);
  static_assert(S::FindMethod("absent") == nullptr);
  EXPECT_EQ(
      S::kMethodNames,
      "convert,delayed,describe,echo,find,findName,flip,get_total,group,half,later,log,lookup,"
      "maybe,"
      "mirror,move,negate,next,nextByte,nextInt,nextLong,nextShort,others,points,reset,reverse,"
      "stable,stampLater,touch,tree,twice,upper,validate");
}

// The generated types are described for the codecs as the IDL says.
TEST(GeneratedMetadataTest, TypesCarryTheirJavaNames) {
  static_assert(DescribeStruct<at::AllTypes>().java_class == "org.apache.dubbo.idl.AllTypesBean");
  static_assert(DescribeStruct<money::Money>().java_class == "com.example.money.Money");
  static_assert(DescribeEnum<at::Color>().java_class == "org.apache.dubbo.idl.alltypes.Color");
  static_assert(kStructFieldNames<at::AllTypes>.back() == "delete");
  static_assert(kStructFieldNames<at::NotFound>.size() == 3);
  static_assert(kStructFieldNames<at::Invalid>.empty());
  static_assert(std::is_base_of_v<Throwable, at::NotFound>);
  EXPECT_EQ(DescribeEnum<at::Level>().NameOf(at::Level::HIGH), "HIGH");
}

}  // namespace
}  // namespace dubbo::testing

// The load balancers (cluster/loadbalance): each one's picks against Dubbo's algorithm. Pure
// selection logic runs over light fake invokers (a URL and nothing else) and over ProviderInvokers
// whose statistics the test sets; the last tests go through JoinCluster to real in-process
// servers on 127.0.0.1.
//
// Expected values come from independent computations, not from the code under test:
//   - MD5 vectors: RFC 1321 appendix A.5, and Python's hashlib for the block-boundary lengths;
//   - consistenthash picks: a Python transcription of Dubbo's ConsistentHashSelector (hashlib.md5,
//     a dict standing in for the TreeMap, bisect for ceilingEntry):
//       def h(d, k): return d[4*k] | d[4*k+1] << 8 | d[4*k+2] << 16 | d[4*k+3] << 24
//       ring = {h(md5(addr + str(i)), k): idx for idx, addr in enumerate(addrs)
//               for i in range(nodes // 4) for k in range(4)}
//       pick(key) = ring[first point >= h(md5(key), 0), wrapping to the smallest]
//   - warm-up weights: Java's float arithmetic emulated with struct.pack('f') rounding;
//   - roundrobin sequences: a Python transcription of RoundRobinLoadBalance.doSelect.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <future>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "app/application.h"
#include "cluster/cluster_invoker.h"
#include "cluster/loadbalance/consistent_hash.h"
#include "cluster/loadbalance/least_active.h"
#include "cluster/loadbalance/md5.h"
#include "cluster/loadbalance/method_load_balance.h"
#include "cluster/loadbalance/random.h"
#include "cluster/loadbalance/round_robin.h"
#include "cluster/loadbalance/shortest_response.h"
#include "cluster/provider_invoker.h"
#include "cluster/registry_directory.h"
#include "common/hex.h"
#include "rpc/argument_text.h"
#include "rpc/channel_invoker.h"
#include "rpc/stub.h"
#include "tests/support/rpc_fixtures.h"

namespace lbtest {
struct Pair {
  int32_t a = 0;
  std::string b;
};
DUBBO_STRUCT(Pair, "demo.Outer$Pair", a, b)
enum class Color { RED, GREEN };
DUBBO_ENUM(Color, "demo.Color", RED, GREEN)
}  // namespace lbtest

namespace dubbo::cluster {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kService = "org.apache.dubbo.demo.DemoService";

class FakeInvoker final : public rpc::Invoker {
 public:
  explicit FakeInvoker(Url url) : url_(std::move(url)) {}
  void Invoke(std::shared_ptr<const rpc::Invocation>, rpc::ResponseCallback done) override {
    done({});
  }
  const Url& url() const override { return url_; }
  bool IsAvailable() const override { return true; }

 private:
  Url url_;
};

// A ProviderInvoker of dubbo://<host>:20880/DemoService?<params> over a fake channel: its
// statistics are what leastactive and shortestresponse read.
std::shared_ptr<ProviderInvoker> Fake(const std::string& host, const std::string& params = "") {
  auto url = Url::Parse("dubbo://" + host + ":20880/" + std::string(kService) +
                        (params.empty() ? "" : "?" + params));
  EXPECT_TRUE(url.ok()) << url.status();
  auto fake = std::make_shared<FakeInvoker>(*url);
  return std::make_shared<ProviderInvoker>(fake, fake);
}
std::shared_ptr<ProviderInvoker> Provider(const std::string& host, const std::string& params = "") {
  return Fake(host, params);
}

// An invocation of `method` whose arguments are typed values, as a generated stub makes it.
template <typename... Args>
rpc::Invocation Call(std::string method, const Args&... args) {
  rpc::Invocation inv;
  inv.interface = std::string(kService);
  inv.method = std::move(method);
  // DemoService's descriptors, for the calls that reach a server.
  inv.descriptor = inv.method == "sayHello" ? "Ljava/lang/String;" : "I";
  if constexpr (sizeof...(Args) > 0)
    inv.arguments = std::make_shared<rpc::TypedArguments<Args...>>(args...);
  return inv;
}

size_t IndexOf(const ProviderList& list, const std::shared_ptr<rpc::Invoker>& pick) {
  const auto it = std::find(list.begin(), list.end(), pick);
  EXPECT_NE(it, list.end());
  return static_cast<size_t>(it - list.begin());
}

std::vector<int64_t> Counts(LoadBalance& lb, const ProviderList& list, const rpc::Invocation& inv,
                            int samples) {
  std::vector<int64_t> counts(list.size());
  const Url consumer;
  for (int i = 0; i < samples; ++i) ++counts[IndexOf(list, lb.Select(list, consumer, inv))];
  return counts;
}

// Each count within 7 standard deviations of its binomial expectation (a false failure has
// probability below 1e-11 per count), and nothing where the probability is 0.
void ExpectDistribution(const std::vector<int64_t>& counts, const std::vector<double>& p) {
  ASSERT_EQ(counts.size(), p.size());
  int64_t n = 0;
  for (const auto c : counts) n += c;
  for (size_t i = 0; i < counts.size(); ++i) {
    const double mean = static_cast<double>(n) * p[i];
    const double sd = std::sqrt(static_cast<double>(n) * p[i] * (1 - p[i]));
    EXPECT_NEAR(static_cast<double>(counts[i]), mean, 7 * sd + 1e-9)
        << "provider " << i << " of " << counts.size();
  }
}

std::string Sequence(LoadBalance& lb, const ProviderList& list, const rpc::Invocation& inv,
                     int picks) {
  std::string s;
  const Url consumer;
  for (int i = 0; i < picks; ++i)
    s += static_cast<char>('a' + IndexOf(list, lb.Select(list, consumer, inv)));
  return s;
}

// --- MD5 and the ring's hash ---------------------------------------------------------------------

TEST(Md5Test, Rfc1321Vectors) {
  const std::pair<std::string, std::string> vectors[] = {
      {"", "d41d8cd98f00b204e9800998ecf8427e"},
      {"a", "0cc175b9c0f1b6a831c399e269772661"},
      {"abc", "900150983cd24fb0d6963f7d28e17f72"},
      {"message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
      {"abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"},
      {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
       "d174ab98d277d9f5a5611c2c9f419d9f"},
      {"12345678901234567890123456789012345678901234567890123456789012345678901234567890",
       "57edf4a22be3c955ac49da2e2107b67a"},
      // Padding boundaries (hashlib): 55 bytes fit one block, 56 need two, 64 is a whole block.
      {std::string(55, 'x'), "04364420e25c512fd958a70738aa8f72"},
      {std::string(56, 'x'), "668a72d5ba17f08e62dabcafad6db14b"},
      {std::string(64, 'x'), "c1bb4f81d892b2d57947682aeb252456"},
  };
  for (const auto& [in, hex] : vectors) {
    const Md5Digest d = Md5(in);
    EXPECT_EQ(ToHex(std::string_view(reinterpret_cast<const char*>(d.data()), d.size())), hex)
        << "input of " << in.size() << " bytes";
  }
}

TEST(ConsistentHashTest, PointsAreLittleEndianSlicesOfMd5) {
  // Dubbo's points for provider 10.0.0.1:20880, replica 0 (hashlib).
  EXPECT_EQ(HashPoint("10.0.0.1:208800", 0), 1592126881u);
  EXPECT_EQ(HashPoint("10.0.0.1:208800", 1), 2304069046u);
  EXPECT_EQ(HashPoint("10.0.0.1:208800", 2), 3038814219u);
  EXPECT_EQ(HashPoint("10.0.0.1:208800", 3), 1693096856u);
  EXPECT_EQ(HashPoint("alice"), 3001189475u);
}

// --- weights and warm-up -------------------------------------------------------------------------

TEST(WeightTest, WarmUpFollowsJavaArithmetic) {
  const int64_t now = 1'700'000'000'000;
  auto at = [&](int64_t uptime, int32_t weight = 100, int32_t warmup = 600000) {
    return WarmupWeight(WeightSpec{weight, now - uptime, warmup}, now);
  };
  EXPECT_EQ(at(1), 1);  // 1 / 6000.0 = 0 -> clamped to 1
  EXPECT_EQ(at(5999), 1);
  EXPECT_EQ(at(6000), 1);
  EXPECT_EQ(at(59999), 9);  // truncated, not rounded
  EXPECT_EQ(at(300000), 50);
  EXPECT_EQ(at(599999), 99);
  EXPECT_EQ(at(600000), 100);  // uptime == warmup: warmed up
  EXPECT_EQ(at(10'000'000), 100);
  EXPECT_EQ(at(0),
            100);        // Java tests 0 < uptime: a provider started this millisecond is not ramped
  EXPECT_EQ(at(-1), 1);  // clock skew: a timestamp in the future
  EXPECT_EQ(at(-10'000), 1);
  // Float, not exact, arithmetic: 500 / (1000f / 26) = 12.9999995f -> 12 (the exact quotient is
  // 13).
  EXPECT_EQ(at(500, 26, 1000), 12);
  EXPECT_EQ(at(3500, 46, 7000), 22);
  // No timestamp, zero and negative weights.
  EXPECT_EQ(WarmupWeight(WeightSpec{100, 0, 600000}, now), 100);
  EXPECT_EQ(at(1, 0), 0);
  EXPECT_EQ(at(1, -5), 0);
}

TEST(WeightTest, ReadsMethodWeightAndUrlSettings) {
  auto p = Fake("10.0.0.1", "weight=30&sayHello.weight=7&warmup=1000&timestamp=5000");
  EXPECT_EQ(Weight(*p, "sayHello", 5000 + 2000), 7);
  EXPECT_EQ(Weight(*p, "other", 5000 + 2000), 30);
  EXPECT_EQ(Weight(*p, "other", 5000 + 500), 15);  // 500 / (1000 / 30f) = 15
  EXPECT_EQ(Weight(*p, "other", 4000), 1);
  Status error;
  const WeightSpec spec = ReadWeightSpec(Fake("10.0.0.1", "weight=heavy")->url(), "m", &error);
  EXPECT_EQ(spec.weight, 100);
  EXPECT_NE(error.message().find("weight=heavy"), std::string::npos) << error;
}

// --- random --------------------------------------------------------------------------------------

TEST(RandomTest, UniformWithoutWeights) {
  RandomLoadBalance lb;
  const ProviderList list = {Fake("10.0.0.1"), Fake("10.0.0.2"), Fake("10.0.0.3"),
                             Fake("10.0.0.4")};
  ExpectDistribution(Counts(lb, list, Call("m"), 40000), {0.25, 0.25, 0.25, 0.25});
}

TEST(RandomTest, WeightedLinearAndBinarySearch) {
  RandomLoadBalance lb;
  // Four providers: Dubbo's linear scan.
  const ProviderList four = {Fake("10.0.0.1", "weight=1"), Fake("10.0.0.2", "weight=2"),
                             Fake("10.0.0.3", "weight=3"), Fake("10.0.0.4", "weight=4")};
  ExpectDistribution(Counts(lb, four, Call("m"), 50000), {0.1, 0.2, 0.3, 0.4});
  // Six: the binary search, including a provider of weight 0 that must never be picked.
  const ProviderList six = {Fake("10.0.0.1", "weight=1"), Fake("10.0.0.2", "weight=0"),
                            Fake("10.0.0.3", "weight=3"), Fake("10.0.0.4", "weight=4"),
                            Fake("10.0.0.5", "weight=5"), Fake("10.0.0.6", "weight=7")};
  const auto counts = Counts(lb, six, Call("m"), 50000);
  EXPECT_EQ(counts[1], 0);
  ExpectDistribution(counts, {1 / 20.0, 0, 3 / 20.0, 4 / 20.0, 5 / 20.0, 7 / 20.0});
  // Per-method weights.
  const ProviderList methods = {Fake("10.0.0.1", "weight=1&hot.weight=9"),
                                Fake("10.0.0.2", "weight=1")};
  ExpectDistribution(Counts(lb, methods, Call("hot"), 20000), {0.9, 0.1});
  ExpectDistribution(Counts(lb, methods, Call("cold"), 20000), {0.5, 0.5});
}

TEST(RandomTest, EqualOrZeroWeightsAreUniform) {
  RandomLoadBalance lb;
  const ProviderList equal = {Fake("10.0.0.1", "weight=5"), Fake("10.0.0.2", "weight=5"),
                              Fake("10.0.0.3", "weight=5")};
  ExpectDistribution(Counts(lb, equal, Call("m"), 30000), {1 / 3.0, 1 / 3.0, 1 / 3.0});
  const ProviderList zero = {Fake("10.0.0.1", "weight=0"), Fake("10.0.0.2", "weight=0"),
                             Fake("10.0.0.3", "weight=0")};
  ExpectDistribution(Counts(lb, zero, Call("m"), 30000), {1 / 3.0, 1 / 3.0, 1 / 3.0});
  // A weight on any provider, not only the first, makes the pick weighted.
  const ProviderList later = {Fake("10.0.0.1"), Fake("10.0.0.2", "weight=300")};
  ExpectDistribution(Counts(lb, later, Call("m"), 20000), {0.25, 0.75});
}

TEST(RandomTest, WarmingProvidersGetTheirRampedWeight) {
  RandomLoadBalance lb;
  const int64_t now = NowMillis();
  // Started 60 s ago with the default 10 min warm-up: weight 10 for the next 6 s. The other one
  // started an hour ago: 100. And one whose timestamp lies in the future: 1.
  const ProviderList list = {Fake("10.0.0.1", "timestamp=" + std::to_string(now - 60000)),
                             Fake("10.0.0.2", "timestamp=" + std::to_string(now - 3'600'000)),
                             Fake("10.0.0.3", "timestamp=" + std::to_string(now + 3'600'000))};
  ExpectDistribution(Counts(lb, list, Call("m"), 40000), {10 / 111.0, 100 / 111.0, 1 / 111.0});
}

// --- roundrobin ----------------------------------------------------------------------------------

TEST(RoundRobinTest, SmoothWeightedSequences) {
  {
    RoundRobinLoadBalance lb;
    const ProviderList list = {Fake("10.0.0.1", "weight=5"), Fake("10.0.0.2", "weight=1"),
                               Fake("10.0.0.3", "weight=1")};
    EXPECT_EQ(Sequence(lb, list, Call("m"), 14), "aabacaaaabacaa");
  }
  {
    RoundRobinLoadBalance lb;
    const ProviderList list = {Fake("10.0.0.1", "weight=1"), Fake("10.0.0.2", "weight=2"),
                               Fake("10.0.0.3", "weight=3")};
    EXPECT_EQ(Sequence(lb, list, Call("m"), 12), "cbacbccbacbc");
  }
  {
    RoundRobinLoadBalance lb;
    const ProviderList list = {Fake("10.0.0.1"), Fake("10.0.0.2"), Fake("10.0.0.3")};
    EXPECT_EQ(Sequence(lb, list, Call("m"), 6), "abcabc");
  }
  {
    RoundRobinLoadBalance lb;
    const ProviderList list = {Fake("10.0.0.1", "weight=3"), Fake("10.0.0.2", "weight=2")};
    EXPECT_EQ(Sequence(lb, list, Call("m"), 10), "ababaababa");
  }
}

TEST(RoundRobinTest, StateIsPerMethod) {
  RoundRobinLoadBalance lb;
  const ProviderList list = {Fake("10.0.0.1", "weight=1"), Fake("10.0.0.2", "weight=2"),
                             Fake("10.0.0.3", "weight=3")};
  EXPECT_EQ(Sequence(lb, list, Call("one"), 4), "cbac");
  EXPECT_EQ(Sequence(lb, list, Call("two"), 12), "cbacbccbacbc");
  EXPECT_EQ(Sequence(lb, list, Call("one"), 8), "bccbacbc");
}

TEST(RoundRobinTest, WeightChangeResetsThatProvider) {
  RoundRobinLoadBalance lb;
  auto a = Fake("10.0.0.1", "weight=1");
  auto c = Fake("10.0.0.3", "weight=3");
  const ProviderList before = {a, Fake("10.0.0.2", "weight=2"), c};
  EXPECT_EQ(Sequence(lb, before, Call("m"), 2), "cb");
  // An override recreated b's invoker with weight 4: same identity, so its state is found, and its
  // current restarts from 0. (Keeping b's current would give abcbcbcb.)
  const ProviderList after = {a, Fake("10.0.0.2", "weight=4"), c};
  EXPECT_EQ(Sequence(lb, after, Call("m"), 8), "bcabcbcb");
}

TEST(RoundRobinTest, RecreatedInvokerKeepsItsPlace) {
  RoundRobinLoadBalance lb;
  auto a = Fake("10.0.0.1", "weight=1");
  auto c = Fake("10.0.0.3", "weight=3");
  EXPECT_EQ(Sequence(lb, {a, Fake("10.0.0.2", "weight=2"), c}, Call("m"), 4), "cbac");
  // A new invoker for b (another parameter changed, same weight) continues b's sequence.
  EXPECT_EQ(Sequence(lb, {a, Fake("10.0.0.2", "weight=2&tag=x"), c}, Call("m"), 8), "bccbacbc");
}

TEST(RoundRobinTest, ConcurrentPicksKeepTheProportions) {
  RoundRobinLoadBalance lb;
  const ProviderList list = {Fake("10.0.0.1", "weight=5"), Fake("10.0.0.2", "weight=1"),
                             Fake("10.0.0.3", "weight=1")};
  const auto inv = Call("m");
  std::vector<std::future<std::vector<int64_t>>> workers;
  for (int t = 0; t < 4; ++t)
    workers.push_back(std::async(std::launch::async, [&] { return Counts(lb, list, inv, 7000); }));
  std::vector<int64_t> total(3);
  for (auto& w : workers) {
    const auto c = w.get();
    for (size_t i = 0; i < 3; ++i) total[i] += c[i];
  }
  // The per-method lock makes each pass atomic: exactly 5:1:1 over whole cycles.
  EXPECT_EQ(total, (std::vector<int64_t>{20000, 4000, 4000}));
}

// --- leastactive ---------------------------------------------------------------------------------

TEST(LeastActiveTest, PicksFewestInFlight) {
  LeastActiveLoadBalance lb;
  auto a = Provider("10.0.0.1");
  auto b = Provider("10.0.0.2");
  auto c = Provider("10.0.0.3");
  a->Stats("m").active = 3;
  b->Stats("m").active = 1;
  c->Stats("m").active = 2;
  const ProviderList list = {a, b, c};
  EXPECT_EQ(Counts(lb, list, Call("m"), 200), (std::vector<int64_t>{0, 200, 0}));
  // Per method: for another method all are idle.
  ExpectDistribution(Counts(lb, list, Call("other"), 30000), {1 / 3.0, 1 / 3.0, 1 / 3.0});
  // Counts are read on every pick.
  b->Stats("m").active = 5;
  EXPECT_EQ(Counts(lb, list, Call("m"), 200), (std::vector<int64_t>{0, 0, 200}));
}

TEST(LeastActiveTest, TiesGoByWeightThenUniformly) {
  LeastActiveLoadBalance lb;
  auto a = Provider("10.0.0.1", "weight=100");
  auto b = Provider("10.0.0.2", "weight=300");
  auto c = Provider("10.0.0.3", "weight=100");
  c->Stats("m").active = 1;
  ExpectDistribution(Counts(lb, {a, b, c}, Call("m"), 40000), {0.25, 0.75, 0});
  auto d = Provider("10.0.0.4", "weight=100");
  ExpectDistribution(Counts(lb, {a, c, d}, Call("m"), 30000), {0.5, 0, 0.5});
}

// --- shortestresponse ----------------------------------------------------------------------------

void SetWindow(ProviderInvoker& p, int64_t calls, int64_t average_us, int32_t active,
               int64_t start_ms) {
  MethodStats& s = p.Stats("m");
  s.window_start_ms = start_ms;
  s.window_succeeded = calls;
  s.window_elapsed_us = calls * average_us;
  s.active = active;
}

TEST(ShortestResponseTest, PicksLowestEstimate) {
  ShortestResponseLoadBalance lb;
  const int64_t now = NowMillis();
  auto a = Provider("10.0.0.1");
  auto b = Provider("10.0.0.2");
  auto c = Provider("10.0.0.3");
  SetWindow(*a, 10, 500, 0, now);  // 500 x 1
  SetWindow(*b, 10, 100, 9, now);  // 100 x 10 = 1000
  SetWindow(*c, 10, 300, 0, now);  // 300 x 1
  const ProviderList list = {a, b, c};
  EXPECT_EQ(EstimateResponse(b->Stats("m")), 1000);
  EXPECT_EQ(Counts(lb, list, Call("m"), 200), (std::vector<int64_t>{0, 0, 200}));
  // c gets busy: 300 x 3 = 900 > 500.
  c->Stats("m").active = 2;
  EXPECT_EQ(Counts(lb, list, Call("m"), 200), (std::vector<int64_t>{200, 0, 0}));
}

TEST(ShortestResponseTest, TiesGoByWeight) {
  ShortestResponseLoadBalance lb;
  const int64_t now = NowMillis();
  auto a = Provider("10.0.0.1", "weight=100");
  auto b = Provider("10.0.0.2", "weight=300");
  auto c = Provider("10.0.0.3", "weight=100");
  SetWindow(*a, 4, 250, 0, now);
  SetWindow(*b, 2, 250, 0, now);
  SetWindow(*c, 2, 900, 0, now);
  ExpectDistribution(Counts(lb, {a, b, c}, Call("m"), 40000), {0.25, 0.75, 0});
}

TEST(ShortestResponseTest, WindowIsRebasedWhenItElapsed) {
  ShortestResponseLoadBalance lb;
  const int64_t now = NowMillis();
  auto a = Provider("10.0.0.1");
  auto b = Provider("10.0.0.2");
  SetWindow(*a, 10, 100, 0, now);           // fast, current window
  SetWindow(*b, 10, 5000, 0, now - 31000);  // slow, but its window is older than 30 s
  // The pick rebases b's window first: no call in the new window, estimate 0, so b is picked.
  EXPECT_EQ(lb.Select({a, b}, Url(), Call("m")), b);
  EXPECT_EQ(b->Stats("m").window_succeeded.load(), 0);
  EXPECT_EQ(b->Stats("m").window_elapsed_us.load(), 0);
  EXPECT_GE(b->Stats("m").window_start_ms.load(), now);
  EXPECT_EQ(a->Stats("m").window_succeeded.load(), 10);  // a's window has not elapsed
  EXPECT_EQ(b->Stats("m").succeeded.load(), 0);          // lifetime counters are untouched

  // The first window starts at the first pick, keeping what was counted before.
  MethodStats fresh;
  fresh.window_succeeded = 3;
  EXPECT_TRUE(RebaseWindow(fresh, now, 30000));
  EXPECT_EQ(fresh.window_start_ms.load(), now);
  EXPECT_EQ(fresh.window_succeeded.load(), 3);
  EXPECT_FALSE(RebaseWindow(fresh, now + 30000, 30000));
  EXPECT_TRUE(RebaseWindow(fresh, now + 30001, 30000));
  EXPECT_EQ(fresh.window_succeeded.load(), 0);
}

TEST(ShortestResponseTest, SlidePeriodComesFromTheConsumerUrl) {
  ShortestResponseLoadBalance lb;
  const int64_t now = NowMillis();
  auto a = Provider("10.0.0.1");
  auto b = Provider("10.0.0.2");
  SetWindow(*a, 10, 100, 0, now);
  SetWindow(*b, 10, 5000, 0, now - 1500);
  const Url consumer = *Url::Parse("consumer://127.0.0.1/svc?shortestresponse.slide.period=1000");
  EXPECT_EQ(lb.Select({a, b}, consumer, Call("m")), b);
  EXPECT_EQ(b->Stats("m").window_succeeded.load(), 0);
}

// --- consistenthash ------------------------------------------------------------------------------

ProviderList FourHosts(const std::string& params = "") {
  return {Fake("10.0.0.1", params), Fake("10.0.0.2", params), Fake("10.0.0.3", params),
          Fake("10.0.0.4", params)};
}

TEST(ConsistentHashTest, PicksMatchDubbosRing) {
  ConsistentHashLoadBalance lb;
  const ProviderList list = FourHosts();
  const std::map<std::string, size_t> expected = {{"alice", 0}, {"bob", 0},  {"carol", 3},
                                                  {"dave", 3},  {"erin", 2}, {"frank", 2},
                                                  {"grace", 2}, {"heidi", 2}};
  for (const auto& [key, index] : expected) {
    EXPECT_EQ(IndexOf(list, lb.Select(list, Url(), Call("m", std::string(key)))), index) << key;
  }
  const std::string users = "1213221033223232120331330311331211300233";  // user-0 .. user-39
  for (size_t i = 0; i < users.size(); ++i) {
    const std::string key = "user-" + std::to_string(i);
    EXPECT_EQ(IndexOf(list, lb.Select(list, Url(), Call("m", key))),
              static_cast<size_t>(users[i] - '0'))
        << key;
  }
}

TEST(ConsistentHashTest, KeysAreJavaTextOfTypedArguments) {
  ConsistentHashLoadBalance lb;
  const ProviderList list = FourHosts();
  auto pick = [&](const rpc::Invocation& inv) {
    return IndexOf(list, lb.Select(list, Url(), inv));
  };
  EXPECT_EQ(pick(Call("m", int32_t{42})), 1u);                   // "42"
  EXPECT_EQ(pick(Call("m", int64_t{-7})), 3u);                   // "-7"
  EXPECT_EQ(pick(Call("m", std::optional<std::string>())), 1u);  // "null"
  EXPECT_EQ(pick(Call("m", std::string("x"), int32_t{5})), 1u);  // only argument 0: "x"
  // A writer that cannot tell its arguments' text hashes the empty key, like a call without
  // arguments.
  rpc::Invocation opaque = Call("m");
  opaque.arguments = rpc::MakeArguments([](ObjectOutput& o) { o.WriteString("alice"); });
  EXPECT_EQ(pick(opaque), 3u);  // pick("") in the Python model
  EXPECT_EQ(pick(Call("m")), 3u);
}

TEST(ConsistentHashTest, HashArgumentsAndNodesPerMethod) {
  ConsistentHashLoadBalance lb;
  // Keys for ("e", 7): "e" -> 0, "e7" -> 2, "7e" -> 1, "7" -> 3.
  const ProviderList list = {
      Fake("10.0.0.1", "two.hash.arguments=0,1&rev.hash.arguments=1,,0&second.hash.arguments=1"),
      Fake("10.0.0.2"), Fake("10.0.0.3"), Fake("10.0.0.4")};
  auto pick = [&](const std::string& method) {
    return IndexOf(list, lb.Select(list, Url(), Call(method, std::string("e"), int32_t{7})));
  };
  EXPECT_EQ(pick("first"), 0u);
  EXPECT_EQ(pick("two"), 2u);
  EXPECT_EQ(pick("rev"), 1u);
  EXPECT_EQ(pick("second"), 3u);

  // hash.nodes=8 (and 10: 10 / 4 = 2 digests as well): 8 points per provider.
  for (const std::string nodes : {"8", "10"}) {
    ConsistentHashLoadBalance small;
    const ProviderList few = FourHosts("hash.nodes=" + nodes);
    const std::map<std::string, size_t> expected = {
        {"alice", 0}, {"bob", 3}, {"carol", 2}, {"dave", 0}, {"heidi", 3}, {"true", 2}, {"x", 2}};
    for (const auto& [key, index] : expected) {
      EXPECT_EQ(IndexOf(few, small.Select(few, Url(), Call("m", std::string(key)))), index)
          << key << " " << nodes;
    }
    // "k15" hashes past the last point (4208999753): it wraps to the first, owned by provider 3.
    EXPECT_GT(HashPoint("k15"), 4208999753u);
    EXPECT_EQ(IndexOf(few, small.Select(few, Url(), Call("m", std::string("k15")))), 3u);
  }
}

TEST(ConsistentHashTest, IgnoresWeightsAndWarmUp) {
  ConsistentHashLoadBalance lb;
  const int64_t now = NowMillis();
  const ProviderList list = {Fake("10.0.0.1", "weight=1&timestamp=" + std::to_string(now)),
                             Fake("10.0.0.2", "weight=1000"), Fake("10.0.0.3", "weight=0"),
                             Fake("10.0.0.4")};
  const std::map<std::string, size_t> expected = {
      {"alice", 0}, {"carol", 3}, {"erin", 2}, {"42", 1}};
  for (const auto& [key, index] : expected) {
    for (int i = 0; i < 20; ++i)
      EXPECT_EQ(IndexOf(list, lb.Select(list, Url(), Call("m", std::string(key)))), index);
  }
}

TEST(ConsistentHashTest, RemovingOrAddingAProviderMovesOnlyItsKeys) {
  ConsistentHashLoadBalance lb;
  ProviderList ten;
  for (int i = 1; i <= 10; ++i) ten.push_back(Fake("10.0.1." + std::to_string(i)));
  auto owner = [&](const ProviderList& list, int key) {
    return lb.Select(list, Url(), Call("m", "key-" + std::to_string(key)))->url().Address();
  };
  constexpr int kKeys = 3000;
  std::vector<std::string> before;
  for (int k = 0; k < kKeys; ++k) before.push_back(owner(ten, k));

  ProviderList nine = ten;
  nine.erase(nine.begin() + 3);
  const std::string removed = ten[3]->url().Address();
  int moved = 0;
  for (int k = 0; k < kKeys; ++k) {
    const std::string now = owner(nine, k);
    if (before[k] == removed) {
      ++moved;
      EXPECT_NE(now, removed);
    } else {
      EXPECT_EQ(now, before[k]) << "key-" << k << " moved although its provider stayed";
    }
  }
  EXPECT_GT(moved, kKeys / 20);  // its ~1/10 of the keys, which did move

  ProviderList eleven = ten;
  eleven.push_back(Fake("10.0.1.11"));
  int gained = 0;
  for (int k = 0; k < kKeys; ++k) {
    const std::string now = owner(eleven, k);
    if (now != before[k]) {
      ++gained;
      EXPECT_EQ(now, "10.0.1.11:20880") << "key-" << k << " moved between old providers";
    }
  }
  // About 1/11 of the keys (273); 160 points per provider keep the share within a few tens of %.
  EXPECT_GT(gained, kKeys / 22);
  EXPECT_LT(gained, kKeys / 6);
}

// --- Java text of arguments ----------------------------------------------------------------------

template <typename T>
std::string Text(const T& v) {
  std::string s = "<";
  EXPECT_TRUE(rpc::AppendJavaText(v, &s));
  return s.substr(1);
}

TEST(ArgumentTextTest, StringValueOf) {
  EXPECT_EQ(Text(std::string("héllo")), "héllo");
  EXPECT_EQ(Text(int32_t{-12}), "-12");
  EXPECT_EQ(Text(int64_t{9'000'000'000}), "9000000000");
  EXPECT_EQ(Text(int8_t{-3}), "-3");
  EXPECT_EQ(Text(true), "true");
  EXPECT_EQ(Text(false), "false");
  EXPECT_EQ(Text(std::optional<int32_t>()), "null");
  EXPECT_EQ(Text(std::optional<int32_t>(4)), "4");
  EXPECT_EQ(Text(lbtest::Color::GREEN), "GREEN");
  EXPECT_EQ(Text(BigDecimal{"1E+3"}), "1E+3");
  EXPECT_EQ(Text(std::vector<std::string>{"a", "b"}), "[a, b]");
  EXPECT_EQ(Text(std::vector<bool>{true, false}), "[true, false]");
  EXPECT_EQ(Text(std::vector<int32_t>{}), "[]");
  EXPECT_EQ(Text(std::map<std::string, int32_t>{{"a", 1}, {"b", 2}}), "{a=1, b=2}");
  EXPECT_EQ(Text(lbtest::Pair{1, "x"}), "Outer.Pair(a=1, b=x)");  // Lombok's @ToString
}

TEST(ArgumentTextTest, DoubleAndFloatToString) {
  // Double.toString / Float.toString (JDK 19+).
  EXPECT_EQ(Text(1.0), "1.0");
  EXPECT_EQ(Text(100.0), "100.0");
  EXPECT_EQ(Text(1.5), "1.5");
  EXPECT_EQ(Text(0.001), "0.001");
  EXPECT_EQ(Text(0.00123), "0.00123");
  EXPECT_EQ(Text(1.0e-4), "1.0E-4");
  EXPECT_EQ(Text(123456.789), "123456.789");
  EXPECT_EQ(Text(1234567.0), "1234567.0");
  EXPECT_EQ(Text(1.0e7), "1.0E7");
  EXPECT_EQ(Text(12345678.9), "1.23456789E7");
  EXPECT_EQ(Text(1.0e21), "1.0E21");
  EXPECT_EQ(Text(-2.5), "-2.5");
  EXPECT_EQ(Text(-0.0), "-0.0");
  EXPECT_EQ(Text(0.0), "0.0");
  EXPECT_EQ(Text(1.7976931348623157e308), "1.7976931348623157E308");
  EXPECT_EQ(Text(4.9e-324), "4.9E-324");
  EXPECT_EQ(Text(std::nan("")), "NaN");
  EXPECT_EQ(Text(-HUGE_VAL), "-Infinity");
  EXPECT_EQ(Text(0.1f), "0.1");
  EXPECT_EQ(Text(1.0e10f), "1.0E10");
  EXPECT_EQ(Text(3.4028235e38f), "3.4028235E38");
}

TEST(ArgumentTextTest, UnknownTextAppendsNothing) {
  std::string s = "k";
  EXPECT_FALSE(rpc::AppendJavaText(Binary{1, 2}, &s));
  EXPECT_FALSE(
      rpc::AppendJavaText(std::vector<Binary>{{1}}, &s));  // fails after writing "[": undone
  EXPECT_EQ(s, "k");
  const rpc::TypedArguments<std::string, int32_t> args("a", 7);
  EXPECT_TRUE(args.AppendArgumentText(1, &s));
  EXPECT_FALSE(args.AppendArgumentText(2, &s));
  EXPECT_EQ(s, "k7");
}

// --- per-method balancers and parameters ---------------------------------------------------------

TEST(MakeLoadBalanceTest, PlainBalancerWithoutMethodKeys) {
  dubbo::RegisterBuiltins();
  auto lb = MakeLoadBalance(*Url::Parse("consumer://127.0.0.1/svc?loadbalance=roundrobin"));
  ASSERT_TRUE(lb.ok()) << lb.status();
  EXPECT_NE(dynamic_cast<RoundRobinLoadBalance*>(lb->get()), nullptr);
  auto fallback = MakeLoadBalance(*Url::Parse("consumer://127.0.0.1/svc"));
  ASSERT_TRUE(fallback.ok()) << fallback.status();
  EXPECT_NE(dynamic_cast<RandomLoadBalance*>(fallback->get()), nullptr);
}

TEST(MakeLoadBalanceTest, MethodLoadBalanceSendsMethodsToTheirOwn) {
  dubbo::RegisterBuiltins();
  const Url consumer = *Url::Parse(
      "consumer://127.0.0.1/svc?loadbalance=roundrobin&lookup.loadbalance=consistenthash");
  auto lb = MakeLoadBalance(consumer);
  ASSERT_TRUE(lb.ok()) << lb.status();
  EXPECT_NE(dynamic_cast<MethodLoadBalance*>(lb->get()), nullptr);
  const ProviderList list = FourHosts();
  // lookup: consistenthash, always alice's provider.
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(IndexOf(list, (*lb)->Select(list, consumer, Call("lookup", std::string("alice")))),
              0u);
  // Everything else: roundrobin.
  EXPECT_EQ(Sequence(**lb, list, Call("other", std::string("alice")), 8), "abcdabcd");
}

TEST(MakeLoadBalanceTest, RejectsMalformedParameters) {
  dubbo::RegisterBuiltins();
  const std::pair<std::string, std::string> cases[] = {
      {"hash.nodes=abc", "hash.nodes=abc is not an integer"},
      {"get.hash.nodes=2", "get.hash.nodes=2 is out of range"},
      {"hash.nodes=1000000", "hash.nodes=1000000 is out of range"},
      {"hash.arguments=first", "hash.arguments=first is not a list of argument indexes"},
      {"hash.arguments=,", "hash.arguments=, names no argument index"},
      {"shortestresponse.slide.period=0", "shortestresponse.slide.period=0 must be at least 1"},
      {"shortestresponse.slide.period=soon",
       "shortestresponse.slide.period=soon is not an integer"},
      {"weight=heavy", "weight=heavy is not an integer"},
      {"warmup=-5", "warmup=-5 must be at least 0"},
      {"loadbalance=nosuch", "unknown load balancer \"nosuch\""},
      {"get.loadbalance=nosuch", "get.loadbalance=nosuch: unknown load balancer \"nosuch\""},
  };
  for (const auto& [params, message] : cases) {
    auto lb = MakeLoadBalance(*Url::Parse("consumer://127.0.0.1/svc?" + params));
    ASSERT_FALSE(lb.ok()) << params;
    EXPECT_EQ(lb.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(lb.status().message().find(message), std::string::npos) << lb.status();
  }
  // Valid forms are accepted.
  EXPECT_TRUE(MakeLoadBalance(
                  *Url::Parse("consumer://127.0.0.1/svc?loadbalance=consistenthash&hash.nodes=320"
                              "&hash.arguments=0,,1&shortestresponse.slide.period=5000&weight=-1"))
                  .ok());
}

TEST(ConsistentHashTest, MalformedProviderValuesFallBackToDefaults) {
  ConsistentHashLoadBalance lb;
  // A provider URL (from a registry) cannot be rejected: the defaults apply, the picks are those
  // of hash.nodes=160 and argument 0.
  const ProviderList list = FourHosts("hash.nodes=lots&hash.arguments=zero");
  EXPECT_EQ(IndexOf(list, lb.Select(list, Url(), Call("m", std::string("carol")))), 3u);
  EXPECT_EQ(IndexOf(list, lb.Select(list, Url(), Call("m", std::string("erin")))), 2u);
}

// --- through JoinCluster to real providers -------------------------------------------------------

class ClusterLoadBalanceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dubbo::RegisterBuiltins();
    for (int i = 0; i < 3; ++i) {
      rpc::ServerOptions options;
      options.host = "127.0.0.1";
      options.port = 0;
      options.io_threads = 1;
      auto server = std::make_unique<rpc::Server>(options);
      ASSERT_TRUE(server
                      ->Export(testing::DemoService::Definition(),
                               std::make_shared<testing::DemoService>(&timers_))
                      .ok());
      ASSERT_TRUE(server->Start().ok());
      servers_.push_back(std::move(server));
    }
  }

  // A reference to the three servers with `params`, as direct connections.
  std::shared_ptr<rpc::Invoker> Refer(const std::string& params) {
    const Url consumer =
        *Url::Parse("consumer://127.0.0.1/" + std::string(kService) + "?" + params);
    ProviderList invokers;
    for (const auto& server : servers_) {
      auto provider = *Url::Parse("dubbo://127.0.0.1:" + std::to_string(server->port()) + "/" +
                                  std::string(kService));
      auto channel = rpc::ChannelInvoker::Create(MergeProviderUrl(provider, consumer), client_);
      EXPECT_TRUE(channel.ok()) << channel.status();
      auto invoker = MakeProviderInvoker(*channel);
      EXPECT_TRUE(invoker.ok()) << invoker.status();
      invokers.push_back(*invoker);
    }
    providers_ = invokers;
    auto joined = JoinCluster(std::make_shared<StaticDirectory>(consumer, std::move(invokers)));
    EXPECT_TRUE(joined.ok()) << joined.status();
    return joined.ok() ? *joined : nullptr;
  }

  // Starts a call; the future gives the address of the provider that answered.
  static std::future<std::string> Start(rpc::Invoker& invoker, rpc::Invocation inv) {
    inv.settings = rpc::ReferenceSettings(invoker.url()).For(inv.method);
    inv.settings.timeout = 5000ms;
    auto promise = std::make_shared<std::promise<std::string>>();
    auto future = promise->get_future();
    invoker.Invoke(std::make_shared<const rpc::Invocation>(std::move(inv)),
                   [promise](rpc::RpcResult r) {
                     EXPECT_TRUE(r.status.ok()) << r.status;
                     promise->set_value(r.remote);
                   });
    return future;
  }
  static std::string CallOnce(rpc::Invoker& invoker, rpc::Invocation inv) {
    auto f = Start(invoker, std::move(inv));
    if (f.wait_for(10s) != std::future_status::ready) return "timed out";
    return f.get();
  }

  rpc::IoThreads timers_{1, "lb-test-timers"};
  std::vector<std::unique_ptr<rpc::Server>> servers_;
  rpc::Client client_;
  ProviderList providers_;
};

TEST_F(ClusterLoadBalanceTest, PerMethodBalancersThroughJoinCluster) {
  auto ref = Refer("loadbalance=roundrobin&sayHello.loadbalance=consistenthash");
  ASSERT_NE(ref, nullptr);
  // sayHello: consistenthash on the name, so every call for "alice" reaches one provider.
  const std::string alice = CallOnce(*ref, Call("sayHello", std::string("alice")));
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(CallOnce(*ref, Call("sayHello", std::string("alice"))), alice);
  // big: roundrobin with equal weights, so the providers in list order, twice.
  std::vector<std::string> order;
  for (int i = 0; i < 6; ++i) order.push_back(CallOnce(*ref, Call("big", int32_t{1})));
  for (size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(order[i], "127.0.0.1:" + std::to_string(servers_[i % 3]->port())) << "call " << i;
  }
}

TEST_F(ClusterLoadBalanceTest, LeastActiveSeesLiveInFlightCounts) {
  // No `actives` filter configured: in Java every count would be 0 here.
  auto ref = Refer("loadbalance=leastactive");
  ASSERT_NE(ref, nullptr);
  auto slow = Start(*ref, Call("sleep", int32_t{1500}));
  // Find the provider holding the slow call.
  std::string busy;
  for (const auto& p : providers_) {
    if (p->Stats("sleep").active.load() == 1) busy = p->url().Address();
  }
  ASSERT_FALSE(busy.empty());
  for (int i = 0; i < 12; ++i)
    EXPECT_NE(CallOnce(*ref, Call("sleep", int32_t{0})), busy) << "call " << i;
  ASSERT_EQ(slow.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(slow.get(), busy);
}

}  // namespace
}  // namespace dubbo::cluster

// The load balancer benchmark: what one pick (LoadBalance::Pick, the balancer's own choice; the
// reselect around it in Select() runs only after a tried, unavailable or ejected pick) costs, per
// balancer, for 10, 100 and 1,000 providers. Providers are ProviderInvokers over inert invokers (no
// network: this is the pick alone) with registry-style URLs: a `timestamp` an hour old (so past
// warm-up) and weight 100, except where a row says otherwise. Time is the thread's CPU time over a
// loop of picks, after a warm-up pick that builds the balancer's per-list state. With --threads N,
// N threads pick at once from one balancer (as calls of one reference do) and the table shows CPU
// ns per pick.
//
//   lb_bench [--seconds 0.3] [--threads 1] [--providers 10,100,1000]
//
// Prints one markdown table.
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "app/application.h"
#include "bench/rpc/bench_common.h"
#include "cluster/cluster_invoker.h"
#include "cluster/loadbalance/load_balance.h"
#include "cluster/provider_invoker.h"
#include "rpc/stub.h"

namespace {

using namespace dubbo;
using namespace dubbo::cluster;

class InertInvoker final : public rpc::Invoker {
 public:
  explicit InertInvoker(Url url) : url_(std::move(url)) {}
  void Invoke(std::shared_ptr<const rpc::Invocation>, rpc::ResponseCallback done) override {
    done({});
  }
  const Url& url() const override { return url_; }
  bool IsAvailable() const override { return true; }

 private:
  Url url_;
};

// Dubbo's random as a direct port does it: every weight read from the URLs on every pick. For
// comparison with "random", which reads them once per provider list.
class UrlRandomLoadBalance final : public LoadBalance {
 public:
  std::shared_ptr<ProviderInvoker> Pick(const SelectIn& in) override {
    const ProviderList& invokers = in.invokers;
    const rpc::Invocation& inv = in.inv;
    const int64_t now = NowMillis();
    thread_local std::vector<int64_t> prefix;
    prefix.resize(invokers.size());
    int64_t total = 0;
    bool same = true;
    for (size_t i = 0; i < invokers.size(); ++i) {
      const int32_t w = Weight(*invokers[i], inv.method, now);
      total += w;
      prefix[i] = total;
      if (same && total != int64_t{w} * static_cast<int64_t>(i + 1)) same = false;
    }
    thread_local uint64_t x = 88172645463325252ull;  // xorshift: cheap and good enough here
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    if (total <= 0 || same) return invokers[x % invokers.size()];
    const auto offset = static_cast<int64_t>(x % static_cast<uint64_t>(total));
    return invokers[static_cast<size_t>(std::upper_bound(prefix.begin(), prefix.end(), offset) -
                                        prefix.begin())];
  }
};

struct Row {
  std::string title;
  std::string balancer;  // LoadBalances() name, or "url-random"
  // Provider URL parameters for provider i.
  std::function<std::string(size_t i, int64_t now)> params;
  bool busy = false;  // give the providers in-flight counts and latencies
};

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// CPU ns per pick of `row` over `n` providers.
double Measure(const Row& row, size_t n, double seconds, int threads) {
  const int64_t now = NowMillis();
  ProviderList invokers;
  std::vector<std::shared_ptr<ProviderInvoker>> providers;
  for (size_t i = 0; i < n; ++i) {
    auto url =
        Url::Parse("dubbo://10." + std::to_string(i / 250) + "." + std::to_string(i % 250) +
                   ".1:20880/" + "org.apache.dubbo.benchmark.EchoService?" + row.params(i, now));
    auto inert = std::make_shared<InertInvoker>(*url);
    auto p = std::make_shared<ProviderInvoker>(inert, inert);
    if (row.busy) {
      MethodStats& s = p->Stats("echo");
      s.active = static_cast<int32_t>(i % 7);
      s.window_start_ms = now;
      s.window_succeeded = 100;
      s.window_elapsed_us = 100 * static_cast<int64_t>(200 + (i * 37) % 500);
    }
    providers.push_back(p);
    invokers.push_back(p);
  }
  std::shared_ptr<LoadBalance> lb;
  if (row.balancer == "url-random") {
    lb = std::make_shared<UrlRandomLoadBalance>();
  } else {
    lb = *LoadBalances().Create(row.balancer);
  }
  // Calls with different first arguments (consistenthash hashes them; the others ignore them).
  std::vector<rpc::Invocation> calls(1024);
  for (size_t i = 0; i < calls.size(); ++i) {
    calls[i].interface = "org.apache.dubbo.benchmark.EchoService";
    calls[i].method = "echo";
    calls[i].arguments =
        std::make_shared<rpc::TypedArguments<std::string>>("user-" + std::to_string(i));
  }
  const Url consumer;
  (void)lb->Pick(SelectIn{invokers, consumer, calls[0]});  // builds the per-list state

  std::atomic<bool> go{false};
  std::vector<double> per_pick(static_cast<size_t>(threads));
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      while (!go.load()) std::this_thread::yield();
      const double start = ThreadCpuSeconds();
      uint64_t picks = 0;
      size_t sink = 0;
      double used = 0;
      do {
        for (int k = 0; k < 256; ++k, ++picks) {
          sink += reinterpret_cast<uintptr_t>(
              lb->Pick(SelectIn{invokers, consumer, calls[picks % calls.size()]}).get());
        }
        used = ThreadCpuSeconds() - start;
      } while (used < seconds);
      if (sink == 1) std::puts("");  // keeps the picks from being optimised away
      per_pick[static_cast<size_t>(t)] = used * 1e9 / static_cast<double>(picks);
    });
  }
  go.store(true);
  for (auto& w : workers) w.join();
  double sum = 0;
  for (double v : per_pick) sum += v;
  return sum / threads;
}

std::string Num(double ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, ns >= 100 || ns == static_cast<int64_t>(ns) ? "%.0f" : "%.1f", ns);
  std::string s = buf;
  // Thousands separators for the integer part.
  const size_t dot = s.find('.');
  for (int64_t i = static_cast<int64_t>(dot == std::string::npos ? s.size() : dot) - 3; i > 0;
       i -= 3) {
    s.insert(static_cast<size_t>(i), ",");
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  const bench::Flags flags(argc, argv);
  const double seconds = flags.Num("seconds", 0.3);
  const int threads = static_cast<int>(std::max(1L, flags.Int("threads", 1)));
  std::vector<size_t> sizes;
  {
    const std::string list = flags.Str("providers", "10,100,1000");
    size_t start = 0;
    while (start < list.size()) {
      const size_t end = std::min(list.find(',', start), list.size());
      sizes.push_back(std::stoul(list.substr(start, end - start)));
      start = end + 1;
    }
  }
  dubbo::RegisterBuiltins();

  auto settled = [](size_t, int64_t now) {
    return "timestamp=" + std::to_string(now - 3'600'000) + "&weight=100";
  };
  const std::vector<Row> rows = {
      {"random (registry URLs: equal weights)", "random", settled},
      {"random, weights 50..149", "random",
       [](size_t i, int64_t now) {
         return "timestamp=" + std::to_string(now - 3'600'000) +
                "&weight=" + std::to_string(50 + i % 100);
       }},
      {"random, every provider warming up", "random",
       [](size_t i, int64_t now) {
         return "timestamp=" + std::to_string(now - 60'000 - static_cast<int64_t>(i)) +
                "&weight=100";
       }},
      {"random, weights 50..149 read from URLs per pick (no view cache)", "url-random",
       [](size_t i, int64_t now) {
         return "timestamp=" + std::to_string(now - 3'600'000) +
                "&weight=" + std::to_string(50 + i % 100);
       }},
      {"roundrobin", "roundrobin", settled},
      {"leastactive (in-flight counts 0..6)", "leastactive", settled, true},
      {"shortestresponse (varied latencies)", "shortestresponse", settled, true},
      {"consistenthash (160 nodes, 1,024 keys)", "consistenthash", settled},
  };

  std::printf("#### Load balancer: CPU ns per pick%s\n\n",
              threads > 1 ? (", " + std::to_string(threads) + " threads picking at once").c_str()
                          : ", one thread");
  std::printf("| balancer |");
  for (size_t n : sizes) std::printf(" %s providers |", Num(static_cast<double>(n)).c_str());
  std::printf("\n|---|");
  for (size_t i = 0; i < sizes.size(); ++i) std::printf("---:|");
  std::printf("\n");
  for (const Row& row : rows) {
    std::printf("| %s |", row.title.c_str());
    std::fflush(stdout);
    for (size_t n : sizes) {
      std::printf(" %s |", Num(Measure(row, n, seconds, threads)).c_str());
      std::fflush(stdout);
    }
    std::printf("\n");
  }
  return 0;
}

// The cluster path benchmark: what a call costs through the consumer's cluster layer (cluster
// filters, strategy, directory, load balancer, provider filters and statistics) against the same
// call made straight on the provider's ChannelInvoker. Both go over loopback to an rpc::Server
// in this process (one I/O thread; the client has one too) exporting dubbo-benchmark's
// EchoService, with `inflight` calls outstanding: each completion (on the client's I/O thread)
// decodes and checks the echo, records its latency and issues the next call.
//
// Rows: "direct" (ChannelInvoker::Invoke); "cluster, 1 provider" (JoinCluster with defaults:
// failover + random; the balancer is skipped for a single provider); "cluster, 3 providers, <lb>"
// for each balancer. The three providers are three provider URLs of the same server, so every
// row uses the same single connection and the difference is the consumer's work alone
// (consistenthash places all three at the same ring points, so one of them takes every call).
//
// CPU is the whole process's (client and server threads) over the measured window, per call;
// "Δ" columns subtract the direct row. Other processes' CPU during the window is shown as noise.
//
//   cluster_bench [--warmup 0.5] [--seconds 2] [--inflight 32] [--payload 64] [--repeat 1]
//
// With --repeat R every row runs R times, interleaved, and the run with the median CPU per call is
// reported. Prints one markdown table.
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
#include "bench/rpc/user_service.h"
#include "cluster/cluster_invoker.h"
#include "cluster/directory.h"
#include "cluster/provider_invoker.h"
#include "cluster/registry_directory.h"
#include "rpc/channel_invoker.h"
#include "rpc/client.h"
#include "rpc/result.h"
#include "rpc/server.h"
#include "rpc/stub.h"

namespace {

using namespace dubbo;
using bench::Clock;

struct Lane {
  std::shared_ptr<const rpc::Invocation> inv;
  size_t expect = 0;
  Clock::time_point start;
  std::vector<int64_t> samples;
};

struct Result1 {
  double qps = 0, p50_us = 0, p99_us = 0, cpu_ns = 0, other_cpu_s = 0;
  uint64_t errors = 0;
};

class Driver {
 public:
  Driver(std::shared_ptr<rpc::Invoker> invoker, size_t lanes, size_t payload)
      : invoker_(std::move(invoker)), lanes_(lanes) {
    for (size_t i = 0; i < lanes_.size(); ++i) {
      auto inv = std::make_shared<rpc::Invocation>();
      inv->interface = benchmark::kEchoInterface;
      inv->method = "echo";
      inv->descriptor = benchmark::kStringDescriptor;
      inv->settings.timeout = std::chrono::milliseconds(5000);
      std::string text = "lane-" + std::to_string(i) + "-";
      text.resize(std::max(payload, text.size()), 'x');
      lanes_[i].expect = text.size();
      inv->arguments = std::make_shared<rpc::TypedArguments<std::string>>(text);
      lanes_[i].inv = std::move(inv);
    }
  }

  Result1 Run(double warmup, double seconds) {
    active_.store(lanes_.size());
    for (auto& l : lanes_) Issue(l);
    std::this_thread::sleep_for(std::chrono::duration<double>(warmup));
    phase_.store(1, std::memory_order_release);
    const auto t0 = Clock::now();
    const double cpu0 = bench::SelfCpuSeconds();
    const double machine0 = bench::MachineBusySeconds();
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    phase_.store(2, std::memory_order_release);
    const auto t1 = Clock::now();
    const double cpu1 = bench::SelfCpuSeconds();
    const double machine1 = bench::MachineBusySeconds();
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (active_.load(std::memory_order_acquire) > 0 && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    std::vector<int64_t> all;
    for (const auto& l : lanes_) all.insert(all.end(), l.samples.begin(), l.samples.end());
    std::sort(all.begin(), all.end());
    Result1 r;
    const double secs = std::chrono::duration<double>(t1 - t0).count();
    const double calls = static_cast<double>(all.size());
    r.qps = calls / secs;
    r.p50_us = bench::Percentile(all, 0.50);
    r.p99_us = bench::Percentile(all, 0.99);
    r.cpu_ns = calls > 0 ? (cpu1 - cpu0) * 1e9 / calls : 0;
    r.other_cpu_s = std::max(0.0, (machine1 - machine0) - (cpu1 - cpu0));
    r.errors = errors_.load() + (active_.load() > 0 ? 1 : 0);
    return r;
  }

 private:
  void Issue(Lane& lane) {
    lane.start = Clock::now();
    invoker_->Invoke(lane.inv, [this, &lane](rpc::RpcResult r) { OnDone(lane, r); });
  }
  void OnDone(Lane& lane, const rpc::RpcResult& r) {
    const auto now = Clock::now();
    auto v = rpc::DecodeResult<std::string>(r);
    const int phase = phase_.load(std::memory_order_acquire);
    if (phase == 1) {
      if (v.ok() && v->size() == lane.expect) {
        lane.samples.push_back(
            std::chrono::duration_cast<std::chrono::nanoseconds>(now - lane.start).count());
      } else if (errors_.fetch_add(1) == 0) {
        std::fprintf(stderr, "cluster_bench: call failed: %s\n",
                     v.ok() ? "wrong echo" : v.status().ToString().c_str());
      }
    }
    if (phase == 2) {
      active_.fetch_sub(1, std::memory_order_acq_rel);
      return;
    }
    Issue(lane);
  }

  std::shared_ptr<rpc::Invoker> invoker_;
  std::vector<Lane> lanes_;
  std::atomic<int> phase_{0};
  std::atomic<size_t> active_{0};
  std::atomic<uint64_t> errors_{0};
};

struct Path {
  std::string title;
  std::function<Result<std::shared_ptr<rpc::Invoker>>()> make;
};

std::string Fmt(double v, int decimals = 0) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  std::string s = buf;
  const size_t dot = s.find('.');
  const size_t start = s[0] == '-' ? 1 : 0;
  for (int64_t i = static_cast<int64_t>(dot == std::string::npos ? s.size() : dot) - 3;
       i > static_cast<int64_t>(start); i -= 3) {
    s.insert(static_cast<size_t>(i), ",");
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  const bench::Flags flags(argc, argv);
  const double warmup = flags.Num("warmup", 0.5);
  const double seconds = flags.Num("seconds", 2);
  const size_t inflight = static_cast<size_t>(std::max(1L, flags.Int("inflight", 32)));
  const size_t payload = static_cast<size_t>(std::max(0L, flags.Int("payload", 64)));
  const int repeat = static_cast<int>(std::max(1L, flags.Int("repeat", 1)));

  RegisterBuiltins();
  rpc::ServerOptions options;
  options.host = "127.0.0.1";
  options.port = 0;
  options.io_threads = 1;
  rpc::Server server(options);
  Status st = server.Export(benchmark::EchoService::Definition(),
                            std::make_shared<benchmark::EchoService>());
  if (st.ok()) st = server.Start();
  if (!st.ok()) {
    std::fprintf(stderr, "cluster_bench: %s\n", st.ToString().c_str());
    return 1;
  }
  rpc::ClientOptions client_options;
  client_options.io_threads = 1;
  rpc::Client client(client_options);
  const std::string address = "127.0.0.1:" + std::to_string(server.port());
  const std::string service = std::string("dubbo://") + address + "/" + benchmark::kEchoInterface;

  auto direct = [&]() -> Result<std::shared_ptr<rpc::Invoker>> {
    DUBBO_ASSIGN_OR_RETURN(Url url, Url::Parse(service));
    DUBBO_ASSIGN_OR_RETURN(auto channel, rpc::ChannelInvoker::Create(url, client));
    return std::shared_ptr<rpc::Invoker>(std::move(channel));
  };
  auto clustered = [&](size_t providers, const std::string& params) {
    return [&, providers, params]() -> Result<std::shared_ptr<rpc::Invoker>> {
      DUBBO_ASSIGN_OR_RETURN(Url consumer, Url::Parse(std::string("consumer://127.0.0.1/") +
                                                      benchmark::kEchoInterface + "?interface=" +
                                                      benchmark::kEchoInterface + params));
      cluster::ProviderList invokers;
      for (size_t i = 0; i < providers; ++i) {
        // Registry-style provider URLs: started an hour ago (past warm-up), one per "instance".
        DUBBO_ASSIGN_OR_RETURN(
            Url provider, Url::Parse(service + "?instance=" + std::to_string(i) + "&timestamp=" +
                                     std::to_string(cluster::NowMillis() - 3'600'000)));
        DUBBO_ASSIGN_OR_RETURN(
            auto channel,
            rpc::ChannelInvoker::Create(cluster::MergeProviderUrl(provider, consumer), client));
        DUBBO_ASSIGN_OR_RETURN(auto invoker, cluster::MakeProviderInvoker(std::move(channel)));
        invokers.push_back(std::move(invoker));
      }
      return cluster::JoinCluster(
          std::make_shared<cluster::StaticDirectory>(consumer, std::move(invokers)));
    };
  };
  std::vector<Path> paths = {{"direct ChannelInvoker", direct},
                             {"cluster, 1 provider (failover, random)", clustered(1, "")}};
  for (const char* lb :
       {"random", "roundrobin", "leastactive", "shortestresponse", "consistenthash"}) {
    paths.push_back({std::string("cluster, 3 providers, ") + lb,
                     clustered(3, std::string("&loadbalance=") + lb)});
  }

  std::vector<std::vector<Result1>> runs(paths.size());
  for (int r = 0; r < repeat; ++r) {
    for (size_t p = 0; p < paths.size(); ++p) {
      auto invoker = paths[p].make();
      if (!invoker.ok()) {
        std::fprintf(stderr, "cluster_bench: %s: %s\n", paths[p].title.c_str(),
                     invoker.status().ToString().c_str());
        return 1;
      }
      Driver driver(*invoker, inflight, payload);
      runs[p].push_back(driver.Run(warmup, seconds));
      if (runs[p].back().errors > 0) {
        std::fprintf(stderr, "cluster_bench: %s: %llu failed calls\n", paths[p].title.c_str(),
                     static_cast<unsigned long long>(runs[p].back().errors));
        return 1;
      }
    }
  }
  std::vector<Result1> best;
  for (auto& rs : runs) {
    std::sort(rs.begin(), rs.end(),
              [](const Result1& a, const Result1& b) { return a.cpu_ns < b.cpu_ns; });
    best.push_back(rs[rs.size() / 2]);
  }

  std::printf(
      "#### Cluster path vs direct call: echo %zu B, %zu in flight, one connection over "
      "loopback\n\n",
      payload, inflight);
  std::printf(
      "| path | QPS | wall ns/call | p50 µs | p99 µs | CPU ns/call | Δ CPU ns/call | Δ p50 µs | Δ "
      "p99 µs | other CPU s |\n");
  std::printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  for (size_t p = 0; p < paths.size(); ++p) {
    const Result1& r = best[p];
    const Result1& d = best[0];
    const bool base = p == 0;
    std::printf("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %.2f |\n", paths[p].title.c_str(),
                Fmt(r.qps).c_str(), Fmt(1e9 / r.qps).c_str(), Fmt(r.p50_us, 1).c_str(),
                Fmt(r.p99_us, 1).c_str(), Fmt(r.cpu_ns).c_str(),
                base ? "—" : Fmt(r.cpu_ns - d.cpu_ns).c_str(),
                base ? "—" : Fmt(r.p50_us - d.p50_us, 1).c_str(),
                base ? "—" : Fmt(r.p99_us - d.p99_us, 1).c_str(), r.other_cpu_s);
  }
  std::printf(
      "\nCPU: client and server threads of this process over the measured window (%.1f s per "
      "row%s).\n",
      seconds, repeat > 1 ? (", median-CPU run of " + std::to_string(repeat)).c_str() : "");
  server.Shutdown(std::chrono::milliseconds(0));
  return 0;
}

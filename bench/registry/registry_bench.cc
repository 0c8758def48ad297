// The registry benchmark (bench/README.md, "Registry benchmark"; run by scripts/bench-registry).
// For each registry kind (a real ZooKeeper server started here, the file:// registry):
//   - providers: 1,000 provider URLs over 100 services (10 instances each), registered through 10
//     registry objects in this process (one per provider "host", 100 URLs each);
//   - consumers: a child process (this program with --consumer-child) with N registry objects, each
//     subscribed to all 100 services, as N consumer applications would be;
//   - latency: per cycle one provider URL is unregistered, and the time from just before
//     Unregister() to the moment the LAST consumer's listener delivered a list without it is
//     recorded; then it is registered again and the same is measured for its return. The child
//     stamps each change with CLOCK_MONOTONIC (one clock for both processes);
//   - consumer CPU: the child's getrusage(RUSAGE_SELF) user+system time over a rolling restart of
//     all 1,000 providers (unregister, `--down-ms` later register again, `--gap-ms` later the next
//     one), until every consumer lists all 1,000 again. The child does not report changes during
//     it (no pipe writes), it only counts listener calls.
// Prints one markdown table (and RESULT lines for scripts).
//
//   registry_bench [--registries zookeeper,file] [--providers 1000] [--services 100]
//                  [--consumers 10] [--cycles 200] [--down-ms 5] [--gap-ms 5] [--params "&k=v"]
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/rpc/bench_common.h"
#include "common/url.h"
#include "registry/registry.h"
#include "tests/support/process.h"
#include "tests/support/zookeeper_server.h"

extern char** environ;

namespace {

using dubbo::Url;
using dubbo::registry::Registry;

int64_t MonotonicNs() {
  struct timespec ts {};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// --key value / --key=value flags.
using bench::Flags;

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "registry_bench: %s\n", message.c_str());
  std::exit(1);
}

std::string ServiceName(long s) { return "org.apache.dubbo.bench.Service" + std::to_string(s); }

// Provider j: service j % services on "host" j / services (10.10.<host>.<service % 250>), a URL
// shaped like a Java provider's.
Url ProviderUrl(long j, long services) {
  const long s = j % services;
  const long host = j / services;
  Url url("dubbo", "10.10." + std::to_string(host) + "." + std::to_string(s % 250),
          static_cast<uint16_t>(20880 + s / 250), ServiceName(s));
  url.Set("anyhost", "true")
      .Set("application", "bench-provider-" + std::to_string(host))
      .Set("deprecated", "false")
      .Set("dubbo", "2.0.2")
      .Set("dynamic", "true")
      .Set("generic", "false")
      .Set("interface", ServiceName(s))
      .Set("methods", "create,delete,find,list,update")
      .Set("pid", std::to_string(10000 + host))
      .Set("release", "dubbo-cpp-0.1.0")
      .Set("side", "provider")
      .Set("timestamp", "1700000000000");
  return url;
}

Url ConsumerUrl(long s) {
  Url url("consumer", "127.0.0.1", 0, ServiceName(s));
  url.Set("application", "bench-consumer")
      .Set("category", "providers,configurators,routers")
      .Set("check", "false")
      .Set("dubbo", "2.0.2")
      .Set("interface", ServiceName(s))
      .Set("side", "consumer");
  return url;
}

// --- the consumer process
// --------------------------------------------------------------------------

// N registry objects, each subscribed to every service. Reports "E <+|-> <consumer> <service>
// <address> <ns>" per change while reporting is on; answers commands on stdin:
//   quiet / loud   stop / resume reporting changes
//   state          "state <addresses listed over all consumers and services> <listener calls>"
//   cpu            "cpu <user+system µs of this process> <listener calls>"
int RunConsumers(const Flags& flags) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  const std::string base = flags.Str("registry-url", "");
  const long consumers = flags.Int("consumers", 10);
  const long services = flags.Int("services", 100);
  const std::string cache_dir = flags.Str("cache-dir", "");
  std::mutex out_mu;
  std::atomic<bool> loud{false};
  std::atomic<int64_t> listed{0};
  std::atomic<int64_t> notifications{0};
  auto emit = [&](const std::string& line) {
    std::lock_guard<std::mutex> lock(out_mu);
    (void)dubbo::testing::WriteFully(STDOUT_FILENO, line);
  };

  struct Consumer {
    std::shared_ptr<Registry> registry;
    std::mutex mu;
    std::vector<std::set<std::string>> lists;  // per service: provider addresses
  };
  std::vector<std::unique_ptr<Consumer>> all;
  for (long c = 0; c < consumers; ++c) {
    std::string address = base;
    if (!cache_dir.empty()) {
      address += (address.find('?') == std::string::npos ? "?" : "&");
      address += "file=" + cache_dir + "/consumer-" + std::to_string(c) + ".cache";
    }
    auto registry = dubbo::registry::OpenRegistry(address);
    if (!registry.ok())
      Die("consumer cannot open " + address + ": " + registry.status().ToString());
    auto consumer = std::make_unique<Consumer>();
    consumer->registry = *registry;
    consumer->lists.resize(static_cast<size_t>(services));
    all.push_back(std::move(consumer));
  }
  for (long c = 0; c < consumers; ++c) {
    Consumer* consumer = all[static_cast<size_t>(c)].get();
    for (long s = 0; s < services; ++s) {
      auto listener = [&, consumer, c, s](const std::vector<Url>& urls) {
        const int64_t now = MonotonicNs();
        notifications.fetch_add(1, std::memory_order_relaxed);
        std::set<std::string> next;
        for (const Url& u : urls) {
          if (u.protocol() == "dubbo") next.insert(u.Address());
        }
        std::string events;
        {
          std::lock_guard<std::mutex> lock(consumer->mu);
          std::set<std::string>& current = consumer->lists[static_cast<size_t>(s)];
          if (loud.load(std::memory_order_relaxed)) {
            const std::string tail = " " + std::to_string(c) + " " + std::to_string(s) + " ";
            for (const auto& a : current) {
              if (!next.count(a)) events += "E -" + tail + a + " " + std::to_string(now) + "\n";
            }
            for (const auto& a : next) {
              if (!current.count(a)) events += "E +" + tail + a + " " + std::to_string(now) + "\n";
            }
          }
          listed.fetch_add(static_cast<int64_t>(next.size()) -
                           static_cast<int64_t>(current.size()));
          current = std::move(next);
        }
        if (!events.empty()) emit(events);
      };
      auto id = consumer->registry->Subscribe(ConsumerUrl(s), listener);
      if (!id.ok()) Die("subscribe failed: " + id.status().ToString());
    }
  }
  emit("subscribed\n");
  loud = true;

  std::string buffer;
  char chunk[256];
  while (true) {
    const ssize_t n = ::read(STDIN_FILENO, chunk, sizeof chunk);
    if (n <= 0) break;  // the parent is gone or done
    buffer.append(chunk, static_cast<size_t>(n));
    for (size_t nl = buffer.find('\n'); nl != std::string::npos; nl = buffer.find('\n')) {
      const std::string command = buffer.substr(0, nl);
      buffer.erase(0, nl + 1);
      if (command == "quiet") {
        loud = false;
        emit("ok\n");
      } else if (command == "loud") {
        loud = true;
        emit("ok\n");
      } else if (command == "state") {
        emit("state " + std::to_string(listed.load()) + " " + std::to_string(notifications.load()) +
             "\n");
      } else if (command == "cpu") {
        struct rusage ru {};
        getrusage(RUSAGE_SELF, &ru);
        const int64_t us = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000LL +
                           ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
        emit("cpu " + std::to_string(us) + " " + std::to_string(notifications.load()) + "\n");
      }
    }
  }
  for (auto& c : all) c->registry->Close();
  return 0;
}

// --- the driver
// ------------------------------------------------------------------------------------

// The child process holding the consumer registries: commands on its stdin, events on its stdout.
class ConsumerProcess {
 public:
  explicit ConsumerProcess(const std::vector<std::string>& argv) : child_(argv) {
    if (!child_.started()) Die("cannot start the consumer process: " + child_.error());
  }
  ~ConsumerProcess() {
    child_.CloseStdin();  // the child closes its registries and exits
    if (!child_.Wait(std::chrono::seconds(10))) child_.Signal(SIGKILL);
  }

  void Send(const std::string& command) {
    if (!child_.WriteLine(command)) Die("the consumer process exited");
  }

  std::optional<std::string> ReadLine(std::chrono::milliseconds timeout) {
    return child_.ReadLine(timeout);
  }

  // Reads lines until one starts with `prefix` (change events before it are dropped).
  std::string Await(const std::string& prefix, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      auto line = ReadLine(std::max(left, std::chrono::milliseconds(0)));
      if (!line)
        Die("no \"" + prefix + "\" from the consumer process within " +
            std::to_string(timeout.count()) + " ms");
      if (line->rfind(prefix, 0) == 0) return *line;
    }
  }

 private:
  dubbo::testing::ChildProcess child_;
};

int64_t Percentile(std::vector<int64_t> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t rank = static_cast<size_t>(p * static_cast<double>(v.size()) + 0.999999);
  rank = std::clamp<size_t>(rank, 1, v.size());
  return v[rank - 1];
}

struct Result {
  std::string registry;
  std::string notify_delay;
  int64_t initial_ms = 0;
  std::vector<int64_t> unregister_us;
  std::vector<int64_t> register_us;
  double restart_s = 0;
  double consumer_cpu_s = 0;
  int64_t restart_notifications = 0;
};

// Waits until every consumer's listener delivered the change of `address` in `service`:
// `sign` "-" gone, "+" back. Returns the time of the last delivery.
int64_t AwaitEveryConsumer(ConsumerProcess& child, char sign, long service,
                           const std::string& address, long consumers) {
  std::set<long> seen;
  int64_t last = 0;
  while (static_cast<long>(seen.size()) < consumers) {
    auto line = child.ReadLine(std::chrono::seconds(60));
    if (!line) Die("consumers did not all see " + std::string(1, sign) + address + " within 60 s");
    std::istringstream in(*line);
    std::string tag, what, addr;
    long c = -1, s = -1;
    int64_t ns = 0;
    if (!(in >> tag >> what >> c >> s >> addr >> ns) || tag != "E") continue;
    if (what[0] != sign || s != service || addr != address) {
      Die("unexpected change from the consumers: " + *line);
    }
    seen.insert(c);
    last = std::max(last, ns);
  }
  return last;
}

Result Run(const std::string& kind, const std::string& registry_url, const Flags& flags,
           const std::string& tmp) {
  const long providers = flags.Int("providers", 1000);
  const long services = flags.Int("services", 100);
  const long consumers = flags.Int("consumers", 10);
  const long cycles = flags.Int("cycles", 200);
  const long down_ms = flags.Int("down-ms", 5);
  const long gap_ms = flags.Int("gap-ms", 5);
  const long hosts = (providers + services - 1) / services;
  Result result;
  result.registry = kind;
  auto parsed = Url::Parse(registry_url);
  if (!parsed.ok()) Die(parsed.status().ToString());
  result.notify_delay = parsed->Get("notify.delay", kind == "zookeeper" ? "100" : "10");

  // Providers: one registry object per host.
  std::vector<std::shared_ptr<Registry>> provider_registries;
  for (long h = 0; h < hosts; ++h) {
    std::string address = registry_url;
    if (kind == "zookeeper") address += "&file-cache=false";
    auto r = dubbo::registry::OpenRegistry(address);
    if (!r.ok()) Die("cannot open " + address + ": " + r.status().ToString());
    provider_registries.push_back(*r);
  }
  std::vector<Url> urls;
  for (long j = 0; j < providers; ++j) {
    urls.push_back(ProviderUrl(j, services));
    const auto s = provider_registries[static_cast<size_t>(j / services)]->Register(urls.back());
    if (!s.ok()) Die("register failed: " + s.ToString());
  }

  const std::string cache_dir = tmp + "/cache-" + kind;
  std::filesystem::create_directories(cache_dir);
  const auto start = std::chrono::steady_clock::now();
  ConsumerProcess child({"/proc/self/exe", "--consumer-child", "--registry-url", registry_url,
                         "--consumers", std::to_string(consumers), "--services",
                         std::to_string(services), "--cache-dir",
                         kind == "zookeeper" ? cache_dir : ""});
  child.Await("subscribed", std::chrono::seconds(120));
  // Every consumer lists every provider.
  const int64_t full = static_cast<int64_t>(consumers) * providers;
  while (true) {
    child.Send("state");
    const std::string state = child.Await("state ", std::chrono::seconds(30));
    if (std::strtoll(state.c_str() + 6, nullptr, 10) == full) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  result.initial_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - start)
                          .count();
  // Changes that arrived while waiting for the full lists (initial deliveries) are old news.
  child.Send("quiet");
  child.Await("ok", std::chrono::seconds(10));
  child.Send("loud");
  child.Await("ok", std::chrono::seconds(10));

  // Latency cycles: providers spread over hosts and services.
  for (long cycle = 0; cycle < cycles; ++cycle) {
    const long j = (cycle * 7919) % providers;
    const Url& url = urls[static_cast<size_t>(j)];
    Registry& owner = *provider_registries[static_cast<size_t>(j / services)];
    int64_t t0 = MonotonicNs();
    if (auto s = owner.Unregister(url); !s.ok()) Die("unregister failed: " + s.ToString());
    int64_t t1 = AwaitEveryConsumer(child, '-', j % services, url.Address(), consumers);
    result.unregister_us.push_back((t1 - t0) / 1000);
    t0 = MonotonicNs();
    if (auto s = owner.Register(url); !s.ok()) Die("register failed: " + s.ToString());
    t1 = AwaitEveryConsumer(child, '+', j % services, url.Address(), consumers);
    result.register_us.push_back((t1 - t0) / 1000);
  }

  // Rolling restart of every provider; the consumers' CPU meanwhile.
  child.Send("quiet");
  child.Await("ok", std::chrono::seconds(10));
  child.Send("cpu");
  std::string cpu = child.Await("cpu ", std::chrono::seconds(10));
  long long cpu0 = 0, notes0 = 0;
  std::sscanf(cpu.c_str(), "cpu %lld %lld", &cpu0, &notes0);
  const auto restart = std::chrono::steady_clock::now();
  for (long j = 0; j < providers; ++j) {
    Registry& owner = *provider_registries[static_cast<size_t>(j / services)];
    if (auto s = owner.Unregister(urls[static_cast<size_t>(j)]); !s.ok())
      Die("unregister failed: " + s.ToString());
    std::this_thread::sleep_for(std::chrono::milliseconds(down_ms));
    if (auto s = owner.Register(urls[static_cast<size_t>(j)]); !s.ok())
      Die("register failed: " + s.ToString());
    std::this_thread::sleep_for(std::chrono::milliseconds(gap_ms));
  }
  result.restart_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - restart).count();
  // Until every consumer lists all providers again, and no list changed for a while.
  int64_t last_notes = -1;
  while (true) {
    child.Send("state");
    const std::string state = child.Await("state ", std::chrono::seconds(30));
    long long listed = 0, notes = 0;
    std::sscanf(state.c_str(), "state %lld %lld", &listed, &notes);
    if (listed == full && notes == last_notes) break;
    last_notes = notes;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  child.Send("cpu");
  cpu = child.Await("cpu ", std::chrono::seconds(10));
  long long cpu1 = 0, notes1 = 0;
  std::sscanf(cpu.c_str(), "cpu %lld %lld", &cpu1, &notes1);
  result.consumer_cpu_s = static_cast<double>(cpu1 - cpu0) / 1e6;
  result.restart_notifications = notes1 - notes0;

  for (auto& r : provider_registries) r->Close();
  return result;
}

std::string Ms(int64_t us) {
  char text[32];
  std::snprintf(text, sizeof text, us >= 100000 ? "%.0f" : "%.1f",
                static_cast<double>(us) / 1000.0);
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  const Flags flags(argc, argv);
  if (flags.Has("consumer-child")) return RunConsumers(flags);
  ::signal(SIGPIPE, SIG_IGN);

  const long providers = flags.Int("providers", 1000);
  const long services = flags.Int("services", 100);
  const long consumers = flags.Int("consumers", 10);
  if (providers <= 0 || services <= 0 || consumers <= 0 || providers % services != 0) {
    Die("--providers must be a positive multiple of --services, --consumers positive");
  }
  const std::string params = flags.Str("params", "");
  std::string tmpl =
      (std::filesystem::temp_directory_path() / "dubbo-registry-bench-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) Die("mkdtemp failed");
  const std::string tmp = tmpl;

  std::vector<Result> results;
  std::stringstream kinds(flags.Str("registries", "zookeeper,file"));
  for (std::string kind; std::getline(kinds, kind, ',');) {
    std::fprintf(stderr, "registry_bench: %s ...\n", kind.c_str());
    if (kind == "zookeeper") {
      dubbo::testing::ZooKeeperServer server;
      std::string error;
      if (!server.Start(&error)) Die(error);
      results.push_back(
          Run(kind, "zookeeper://" + server.address() + "?group=bench" + params, flags, tmp));
    } else if (kind == "file") {
      const std::string dir = tmp + "/file-registry";
      std::filesystem::create_directories(dir);
      results.push_back(
          Run(kind, "file://" + dir + (params.empty() ? "" : "?" + params.substr(1)), flags, tmp));
    } else {
      Die("unknown registry kind " + kind + " (zookeeper, file)");
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(tmp, ec);

  std::printf(
      "| registry | notify.delay | initial lists | unregister → all %ld consumers p50 / p99 | "
      "register → all p50 / p99 | rolling restart of %ld | consumer CPU | CPU per restarted "
      "provider | "
      "listener calls |\n",
      consumers, providers);
  std::printf("|---|---|---|---|---|---|---|---|---|\n");
  for (const Result& r : results) {
    std::printf(
        "| %s | %s ms | %.2f s | %s / %s ms | %s / %s ms | %.1f s | %.2f s | %.2f ms | %lld |\n",
        r.registry.c_str(), r.notify_delay.c_str(), static_cast<double>(r.initial_ms) / 1000.0,
        Ms(Percentile(r.unregister_us, 0.5)).c_str(), Ms(Percentile(r.unregister_us, 0.99)).c_str(),
        Ms(Percentile(r.register_us, 0.5)).c_str(), Ms(Percentile(r.register_us, 0.99)).c_str(),
        r.restart_s, r.consumer_cpu_s, r.consumer_cpu_s * 1000.0 / static_cast<double>(providers),
        static_cast<long long>(r.restart_notifications));
  }
  for (const Result& r : results) {
    std::fprintf(stderr,
                 "RESULT registry=%s cycles=%zu unregister_p50_us=%lld unregister_p99_us=%lld "
                 "register_p50_us=%lld "
                 "register_p99_us=%lld initial_ms=%lld restart_s=%.2f consumer_cpu_s=%.3f "
                 "notifications=%lld\n",
                 r.registry.c_str(), r.unregister_us.size(),
                 static_cast<long long>(Percentile(r.unregister_us, 0.5)),
                 static_cast<long long>(Percentile(r.unregister_us, 0.99)),
                 static_cast<long long>(Percentile(r.register_us, 0.5)),
                 static_cast<long long>(Percentile(r.register_us, 0.99)),
                 static_cast<long long>(r.initial_ms), r.restart_s, r.consumer_cpu_s,
                 static_cast<long long>(r.restart_notifications));
  }
  return 0;
}

// Shared by the three load generators of bench/rpc (Dubbo, gRPC, raw Asio): flags, the warm-up /
// measured-window bookkeeping, latency percentiles and CPU accounting, and the one result line
// scripts/bench-rpc parses.
//
// Methodology (docs: bench/README.md): N calls in flight, each completion records its latency
// (steady_clock, send to completion) and issues the next call; a warm-up is excluded; QPS and the
// percentiles come from the sorted samples of the measured window. CPU is counted over the
// measured window only: the client's from getrusage(RUSAGE_SELF), the server's from
// /proc/<pid>/stat utime+stime (all threads, CLK_TCK resolution). The machine's busy time over the
// same window tells how much CPU other processes took (other_cpu_s).
#pragma once

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace bench {

using Clock = std::chrono::steady_clock;

// --key value flags; a bare --key means "1". Unknown keys are the caller's business.
class Flags {
 public:
  Flags(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
      std::string a = argv[i];
      if (a.rfind("--", 0) != 0) {
        positional_.push_back(a);
        continue;
      }
      a = a.substr(2);
      if (auto eq = a.find('='); eq != std::string::npos) {
        values_[a.substr(0, eq)] = a.substr(eq + 1);
      } else if (i + 1 < argc && std::string(argv[i + 1]).rfind("--", 0) != 0) {
        values_[a] = argv[++i];
      } else {
        values_[a] = "1";
      }
    }
  }
  std::string Str(const std::string& k, const std::string& def) const {
    auto it = values_.find(k);
    return it == values_.end() ? def : it->second;
  }
  long Int(const std::string& k, long def) const {
    auto it = values_.find(k);
    return it == values_.end() ? def : std::strtol(it->second.c_str(), nullptr, 10);
  }
  double Num(const std::string& k, double def) const {
    auto it = values_.find(k);
    return it == values_.end() ? def : std::strtod(it->second.c_str(), nullptr);
  }
  bool Has(const std::string& k) const { return values_.count(k) != 0; }
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::map<std::string, std::string> values_;
  std::vector<std::string> positional_;
};

// CPU seconds (user + system) this process has used.
inline double SelfCpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto s = [](const timeval& tv) { return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6; };
  return s(ru.ru_utime) + s(ru.ru_stime);
}

// CPU seconds (utime + stime, fields 14 and 15) of process `pid`; -1 when unreadable.
inline double ProcessCpuSeconds(long pid) {
  if (pid <= 0) return -1;
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(f, line)) return -1;
  // Field 2 (comm) may hold spaces: parse after its closing parenthesis (field 3 onwards).
  const auto close = line.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream in(line.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && (in >> field); ++i) {
    if (i == 14) utime = std::strtoull(field.c_str(), nullptr, 10);
    if (i == 15) stime = std::strtoull(field.c_str(), nullptr, 10);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// Busy CPU seconds of the whole machine (every CPU's user, nice, system, irq, softirq and steal
// from /proc/stat); -1 when unreadable. Minus the client's and the server's own CPU, this is what
// other processes (or the hypervisor) took during a window: the noise indicator of a cell.
inline double MachineBusySeconds() {
  std::ifstream f("/proc/stat");
  std::string cpu;
  unsigned long long user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0,
                     steal = 0;
  if (!(f >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal) ||
      cpu != "cpu")
    return -1;
  return static_cast<double>(user + nice + system + irq + softirq + steal) /
         static_cast<double>(sysconf(_SC_CLK_TCK));
}

struct CpuMark {
  double client = 0;
  double server = 0;
  double machine = 0;
  Clock::time_point at;
  static CpuMark Now(long server_pid) {
    return {SelfCpuSeconds(), ProcessCpuSeconds(server_pid), MachineBusySeconds(), Clock::now()};
  }
};

inline double Micros(Clock::duration d) {
  return std::chrono::duration<double, std::micro>(d).count();
}

// Latencies in nanoseconds (int64 keeps the sample vectors small and sorting fast).
inline double Percentile(const std::vector<int64_t>& sorted, double q) {
  if (sorted.empty()) return 0;
  size_t i = static_cast<size_t>(q * static_cast<double>(sorted.size()));
  if (i >= sorted.size()) i = sorted.size() - 1;
  return static_cast<double>(sorted[i]) / 1000.0;
}

// Prints the one line scripts/bench-rpc parses.
inline void Report(const std::string& stack, const std::string& label, std::vector<int64_t> samples,
                   uint64_t errors, const CpuMark& begin, const CpuMark& end) {
  std::sort(samples.begin(), samples.end());
  const double secs = std::chrono::duration<double>(end.at - begin.at).count();
  const double calls = static_cast<double>(samples.size());
  const double qps = secs > 0 ? calls / secs : 0;
  const double ccpu = end.client - begin.client;
  const double scpu = (begin.server >= 0 && end.server >= 0) ? end.server - begin.server : -1;
  const double per_call = calls > 0 ? ((ccpu + std::max(scpu, 0.0)) * 1e6 / calls) : 0;
  const double others =
      (begin.machine >= 0 && end.machine >= 0)
          ? std::max(0.0, end.machine - begin.machine - ccpu - std::max(scpu, 0.0))
          : -1;
  std::printf(
      "RESULT stack=%s label=%s qps=%.0f p50_us=%.1f p99_us=%.1f p999_us=%.1f calls=%.0f "
      "errors=%llu "
      "window_s=%.3f client_cpu_s=%.2f server_cpu_s=%.2f cpu_us_per_call=%.2f other_cpu_s=%.2f\n",
      stack.c_str(), label.c_str(), qps, Percentile(samples, 0.50), Percentile(samples, 0.99),
      Percentile(samples, 0.999), calls, static_cast<unsigned long long>(errors), secs, ccpu, scpu,
      per_call, others);
  std::fflush(stdout);
}

}  // namespace bench

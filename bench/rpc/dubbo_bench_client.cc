// The Dubbo consumer of the RPC benchmark: keeps exactly `inflight` calls outstanding on one
// Channel of `conns` connections. Every completion (on the client's I/O thread) records its
// latency and issues the next call from the callback; nothing else drives the load, so there is
// no thread per call. After the warm-up it measures for `seconds` and prints one RESULT line
// (bench/rpc/bench_common.h).
//
//   dubbo_bench_client --port P [--host 127.0.0.1] [--method echo] [--payload 64] [--inflight 32]
//                      [--conns 1] [--io-threads 1] [--warmup 1] [--seconds 2] [--server-pid PID]
//                      [--label text]
// Methods: echo (String of `payload` ASCII bytes), existUser, createUser, getUser, listUser.
//
// Each lane (one of the `inflight` outstanding calls) keeps one Invocation and reuses it, as a
// caller repeating a call may; encoding, the exchange and decoding run for every call.
#include <atomic>
#include <cstdio>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench/rpc/bench_common.h"
#include "bench/rpc/user_service.h"
#include "rpc/client.h"
#include "rpc/result.h"

namespace {

using namespace dubbo;
using bench::Clock;

constexpr auto kTimeout = std::chrono::milliseconds(5000);

struct Lane {
  rpc::Invocation inv;
  Clock::time_point start;
  std::vector<int64_t> samples;
};

// Builds the invocation for `method` and the check of its decoded result.
struct Workload {
  std::function<rpc::Invocation()> make;
  std::function<bool(const rpc::RpcResult&)> check;
};

Result<Workload> MakeWorkload(const std::string& method, size_t payload) {
  using namespace benchmark;
  if (method == "echo") {
    std::string text(payload, 'x');
    return Workload{
        [text] { return MakeCall(kEchoInterface, "echo", kStringDescriptor, text, kTimeout); },
        [payload](const rpc::RpcResult& r) {
          auto v = rpc::DecodeResult<std::string>(r);
          return v.ok() && v->size() == payload;
        }};
  }
  if (method == "existUser") {
    return Workload{[] {
                      return MakeCall(kUserInterface, "existUser", kStringDescriptor,
                                      std::string("dong.lea@gmail.com7"), kTimeout);
                    },
                    [](const rpc::RpcResult& r) {
                      auto v = rpc::DecodeResult<bool>(r);
                      return v.ok() && *v;
                    }};
  }
  if (method == "createUser") {
    return Workload{[] {
                      return MakeCall(kUserInterface, "createUser", kUserDescriptor,
                                      SampleUser(1, "", Now()), kTimeout);
                    },
                    [](const rpc::RpcResult& r) {
                      auto v = rpc::DecodeResult<bool>(r);
                      return v.ok() && *v;
                    }};
  }
  if (method == "getUser") {
    return Workload{[] { return MakeCall(kUserInterface, "getUser", "J", int64_t{42}, kTimeout); },
                    [](const rpc::RpcResult& r) {
                      auto v = rpc::DecodeResult<User>(r);
                      return v.ok() && v->id == 42 && v->permissions.size() == 15;
                    }};
  }
  if (method == "listUser") {
    return Workload{[] { return MakeCall(kUserInterface, "listUser", "I", int32_t{7}, kTimeout); },
                    [](const rpc::RpcResult& r) {
                      auto v = rpc::DecodeResult<Page>(r);
                      return v.ok() && v->pageNo == 7 && v->result.size() == 15;
                    }};
  }
  return Status(StatusCode::kInvalidArgument, "unknown --method " + method);
}

class Driver {
 public:
  Driver(std::shared_ptr<rpc::Channel> ch, Workload w, size_t lanes)
      : ch_(std::move(ch)), work_(std::move(w)), lanes_(lanes) {
    for (auto& l : lanes_) l.inv = work_.make();
  }

  // Every lane's first call leaves in one write, as the raw Asio client starts: they are issued
  // from a response callback, inside the connection's read batch. Issued one by one from this
  // thread they could leave in separate writes, and the batches on the wire would stay split.
  void Start() {
    active_.store(lanes_.size());
    ch_->Call(lanes_[0].inv, *hessian2_, [this](rpc::RpcResult) {
      for (auto& l : lanes_) Issue(l);
    });
  }
  void SetPhase(int p) { phase_.store(p, std::memory_order_release); }
  // Waits until every lane has stopped issuing (after SetPhase(2)).
  bool WaitIdle(std::chrono::seconds limit) {
    const auto deadline = Clock::now() + limit;
    while (active_.load(std::memory_order_acquire) > 0) {
      if (Clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
  }
  std::vector<int64_t> Samples() const {
    std::vector<int64_t> all;
    for (const auto& l : lanes_) all.insert(all.end(), l.samples.begin(), l.samples.end());
    return all;
  }
  uint64_t errors() const { return errors_.load(); }

 private:
  // `start`: now, read once per call as the raw Asio client does (a completion's time is also
  // when the lane's next call starts).
  void Issue(Lane& lane, Clock::time_point start = Clock::now()) {
    lane.start = start;
    ch_->Call(lane.inv, *hessian2_, [this, &lane](rpc::RpcResult r) { OnDone(lane, r); });
  }

  void OnDone(Lane& lane, const rpc::RpcResult& r) {
    const auto now = Clock::now();
    const bool ok = work_.check(r);
    const int phase = phase_.load(std::memory_order_acquire);
    if (phase == 1) {
      if (ok) {
        lane.samples.push_back(
            std::chrono::duration_cast<std::chrono::nanoseconds>(now - lane.start).count());
      } else {
        if (errors_.fetch_add(1) == 0) {
          std::fprintf(stderr, "dubbo_bench_client: call failed: %s\n",
                       r.status.ok() ? "unexpected result" : r.status.ToString().c_str());
        }
      }
    }
    if (phase == 2) {
      active_.fetch_sub(1, std::memory_order_acq_rel);
      return;
    }
    Issue(lane, now);
  }

  std::shared_ptr<rpc::Channel> ch_;
  Workload work_;
  const Serialization* hessian2_ = SerializationRegistry::Global().Find(2);
  std::vector<Lane> lanes_;
  std::atomic<int> phase_{0};
  std::atomic<size_t> active_{0};
  std::atomic<uint64_t> errors_{0};
};

}  // namespace

int main(int argc, char** argv) {
  const bench::Flags flags(argc, argv);
  const std::string host = flags.Str("host", "127.0.0.1");
  const long port = flags.Int("port", 0);
  const std::string method = flags.Str("method", "echo");
  const size_t payload = static_cast<size_t>(flags.Int("payload", 64));
  const size_t inflight = static_cast<size_t>(std::max(1L, flags.Int("inflight", 32)));
  const size_t conns = static_cast<size_t>(std::max(1L, flags.Int("conns", 1)));
  const size_t io_threads = static_cast<size_t>(std::max(1L, flags.Int("io-threads", 1)));
  const double warmup = flags.Num("warmup", 1);
  const double seconds = flags.Num("seconds", 2);
  const long server_pid = flags.Int("server-pid", 0);
  const std::string label = flags.Str(
      "label", method + (method == "echo" ? "/" + std::to_string(payload) + "B" : std::string()) +
                   "/N=" + std::to_string(inflight) + "/C=" + std::to_string(conns));
  if (port <= 0) {
    std::fprintf(
        stderr,
        "usage: dubbo_bench_client --port P [--method echo] [--payload B] [--inflight N] ...\n");
    return 2;
  }

  rpc::ClientOptions options;
  options.connections = conns;
  options.io_threads = io_threads;
  rpc::Client client(options);  // registers the built-in serializations
  auto ch = client.GetChannel(host + ":" + std::to_string(port));
  if (!ch.ok()) {
    std::fprintf(stderr, "dubbo_bench_client: %s\n", ch.status().ToString().c_str());
    return 1;
  }
  auto work = MakeWorkload(method, payload);
  if (!work.ok()) {
    std::fprintf(stderr, "dubbo_bench_client: %s\n", work.status().ToString().c_str());
    return 2;
  }

  // One checked call first: the connection is up and the method answers as expected.
  {
    std::promise<bool> p;
    const rpc::Invocation probe = work->make();
    (*ch)->Call(probe, *SerializationRegistry::Global().Find(2),
                [&](rpc::RpcResult r) { p.set_value(work->check(r)); });
    auto f = p.get_future();
    if (f.wait_for(std::chrono::seconds(10)) != std::future_status::ready || !f.get()) {
      std::fprintf(stderr, "dubbo_bench_client: probe call of %s failed\n", method.c_str());
      return 1;
    }
  }

  Driver driver(*ch, *work, inflight);
  driver.Start();
  std::this_thread::sleep_for(std::chrono::duration<double>(warmup));
  driver.SetPhase(1);
  const auto begin = bench::CpuMark::Now(server_pid);
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  driver.SetPhase(2);
  const auto end = bench::CpuMark::Now(server_pid);
  if (!driver.WaitIdle(std::chrono::seconds(10))) {
    std::fprintf(stderr, "dubbo_bench_client: calls still outstanding after 10 s\n");
    return 1;
  }
  bench::Report("dubbo", label, driver.Samples(), driver.errors(), begin, end);
  return driver.errors() == 0 ? 0 : 1;
}

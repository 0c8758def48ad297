// The gRPC reference client of the RPC benchmark: the completion-queue async API on one channel
// and one polling thread (this one), `inflight` unary calls outstanding. Each completion records
// its latency and starts a new call. Prints one RESULT line (bench/rpc/bench_common.h).
//
//   grpc_echo_client --port P [--payload 64] [--inflight 32] [--warmup 1] [--seconds 2]
//                    [--server-pid PID] [--label text]
#include <grpcpp/grpcpp.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "bench/rpc/bench_common.h"
#include "grpc_echo.grpc.pb.h"

namespace {

using bench::Clock;

struct AsyncCall {
  grpc::ClientContext context;
  bench::Msg reply;
  grpc::Status status;
  std::unique_ptr<grpc::ClientAsyncResponseReader<bench::Msg>> rpc;
  Clock::time_point start;
};

void Start(bench::Echo::Stub& stub, grpc::CompletionQueue& cq, const bench::Msg& request) {
  auto* call = new AsyncCall;
  call->start = Clock::now();
  call->rpc = stub.PrepareAsyncCall(&call->context, request, &cq);
  call->rpc->StartCall();
  call->rpc->Finish(&call->reply, &call->status, call);
}

}  // namespace

int main(int argc, char** argv) {
  const bench::Flags flags(argc, argv);
  const size_t payload = static_cast<size_t>(flags.Int("payload", 64));
  const size_t inflight = static_cast<size_t>(std::max(1L, flags.Int("inflight", 32)));
  const long server_pid = flags.Int("server-pid", 0);
  const std::string label =
      flags.Str("label", "echo/" + std::to_string(payload) + "B/N=" + std::to_string(inflight));

  auto channel = grpc::CreateChannel(flags.Str("host", "127.0.0.1") + ":" + flags.Str("port", "0"),
                                     grpc::InsecureChannelCredentials());
  if (!channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10))) {
    std::fprintf(stderr, "grpc_echo_client: cannot connect\n");
    return 1;
  }
  auto stub = bench::Echo::NewStub(channel);
  grpc::CompletionQueue cq;
  bench::Msg request;
  request.set_data(std::string(payload, 'x'));

  const auto start = Clock::now();
  const auto measure_at = start + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(flags.Num("warmup", 1)));
  const auto stop_at = measure_at + std::chrono::duration_cast<Clock::duration>(
                                        std::chrono::duration<double>(flags.Num("seconds", 2)));
  for (size_t i = 0; i < inflight; ++i) Start(*stub, cq, request);

  int phase = 0;
  size_t outstanding = inflight;
  std::vector<int64_t> samples;
  uint64_t errors = 0;
  bench::CpuMark begin, end;
  void* tag = nullptr;
  bool ok = false;
  while (outstanding > 0 && cq.Next(&tag, &ok)) {
    auto* call = static_cast<AsyncCall*>(tag);
    const auto now = Clock::now();
    if (phase == 0 && now >= measure_at) {
      phase = 1;
      begin = bench::CpuMark::Now(server_pid);
    }
    if (phase == 1 && now >= stop_at) {
      phase = 2;
      end = bench::CpuMark::Now(server_pid);
    }
    const bool good = ok && call->status.ok() && call->reply.data().size() == payload;
    if (!good && errors == 0 && phase == 1) {
      std::fprintf(stderr, "grpc_echo_client: call failed: %s\n",
                   call->status.error_message().c_str());
    }
    if (phase == 1) {
      if (good) {
        samples.push_back(
            std::chrono::duration_cast<std::chrono::nanoseconds>(now - call->start).count());
      } else {
        errors++;
      }
    }
    delete call;
    --outstanding;
    if (phase < 2) {
      Start(*stub, cq, request);
      ++outstanding;
    }
  }
  bench::Report("grpc", label, std::move(samples), errors, begin, end);
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  return errors == 0 ? 0 : 1;
}

// The Dubbo provider of the RPC benchmark: exports EchoService and dubbo-benchmark's UserService
// (bench/rpc/user_service.h) on 127.0.0.1, prints "LISTENING <port>" once serving, and runs
// until SIGINT or SIGTERM.
//
//   dubbo_echo_server [--port 0] [--io-threads 1] [--host 127.0.0.1]
#include <csignal>
#include <cstdio>
#include <memory>

#include "bench/rpc/bench_common.h"
#include "bench/rpc/user_service.h"
#include "rpc/server.h"

int main(int argc, char** argv) {
  using namespace dubbo;
  const bench::Flags flags(argc, argv);

  // Block the stop signals before any thread starts so only sigwait below receives them.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  rpc::ServerOptions options;
  options.host = flags.Str("host", "127.0.0.1");
  options.port = static_cast<uint16_t>(flags.Int("port", 0));
  options.io_threads = static_cast<size_t>(flags.Int("io-threads", 1));
  rpc::Server server(options);
  Status st = server.Export(benchmark::EchoService::Definition(),
                            std::make_shared<benchmark::EchoService>());
  if (st.ok())
    st = server.Export(benchmark::UserService::Definition(),
                       std::make_shared<benchmark::UserService>());
  if (st.ok()) st = server.Start();
  if (!st.ok()) {
    std::fprintf(stderr, "dubbo_echo_server: %s\n", st.ToString().c_str());
    return 1;
  }
  std::printf("LISTENING %u\n", static_cast<unsigned>(server.port()));
  std::fflush(stdout);

  int sig = 0;
  sigwait(&stop, &sig);
  server.Shutdown(std::chrono::milliseconds(0));
  return 0;
}

// The gRPC reference server of the RPC benchmark: bench.Echo/Call on the callback API, insecure,
// on 127.0.0.1. Prints "LISTENING <port>" once serving and runs until SIGINT or SIGTERM.
//
//   grpc_echo_server [--port 0]
#include <grpcpp/grpcpp.h>

#include <csignal>
#include <cstdio>
#include <memory>
#include <string>

#include "bench/rpc/bench_common.h"
#include "grpc_echo.grpc.pb.h"

namespace {

class EchoImpl final : public bench::Echo::CallbackService {
  grpc::ServerUnaryReactor* Call(grpc::CallbackServerContext* context, const bench::Msg* request,
                                 bench::Msg* response) override {
    response->set_data(request->data());
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

}  // namespace

int main(int argc, char** argv) {
  const bench::Flags flags(argc, argv);
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  EchoImpl service;
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:" + flags.Str("port", "0"), grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || port == 0) {
    std::fprintf(stderr, "grpc_echo_server: cannot listen\n");
    return 1;
  }
  std::printf("LISTENING %d\n", port);
  std::fflush(stdout);
  int sig = 0;
  sigwait(&stop, &sig);
  server->Shutdown();
  return 0;
}

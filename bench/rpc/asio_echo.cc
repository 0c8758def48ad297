// The machine's ceiling for the RPC benchmark: a raw Asio (C++20 coroutines) echo over
// [u32 length][body] frames, no RPC layer at all.
//
//   asio_echo server [--port 0] [--host 127.0.0.1]     prints "LISTENING <port>", runs until killed
//   asio_echo client --port P [--payload 64] [--inflight 32] [--warmup 1] [--seconds 2]
//                    [--server-pid PID] [--label text]
//
// Server: one io_context thread; each connection reads what the socket has, answers every
// complete frame of that read, and sends all those replies in one write. Client: one connection,
// one thread, `inflight` frames outstanding; replies come back in order, so a FIFO of send times
// gives each latency, and every reply of one read is replaced by a new request, all in one write.
// Errors are error_codes (as_tuple), not exceptions.
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/signal_set.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <cstdio>
#include <cstring>
#include <deque>
#include <string>
#include <vector>

#include "bench/rpc/bench_common.h"

namespace {

using asio::ip::tcp;
using bench::Clock;
constexpr auto kAwait = asio::experimental::as_tuple(asio::use_awaitable);
constexpr size_t kHeader = 4;

uint32_t LoadLength(const char* p) {
  uint32_t n;
  std::memcpy(&n, p, sizeof n);
  return n;
}

void AppendFrame(std::string* out, std::string_view body) {
  const auto n = static_cast<uint32_t>(body.size());
  out->append(reinterpret_cast<const char*>(&n), sizeof n);
  out->append(body);
}

// Unparsed bytes of a stream: [begin, end) of buf.
struct InBuffer {
  std::vector<char> buf = std::vector<char>(64 * 1024);
  size_t begin = 0;
  size_t end = 0;

  // Makes room for at least `want` more bytes at the end.
  void Reserve(size_t want) {
    if (begin == end) begin = end = 0;
    if (buf.size() - end >= want) return;
    std::memmove(buf.data(), buf.data() + begin, end - begin);
    end -= begin;
    begin = 0;
    if (buf.size() - end < want) buf.resize(end + want);
  }
  // The next complete frame's body, or false.
  bool Next(std::string_view* body) {
    if (end - begin < kHeader) return false;
    const uint32_t n = LoadLength(buf.data() + begin);
    if (end - begin < kHeader + n) {
      Reserve(kHeader + n - (end - begin));
      return false;
    }
    *body = std::string_view(buf.data() + begin + kHeader, n);
    begin += kHeader + n;
    return true;
  }
};

asio::awaitable<void> Serve(tcp::socket socket) {
  std::error_code opt_ec;
  socket.set_option(tcp::no_delay(true), opt_ec);
  InBuffer in;
  std::string out;
  for (;;) {
    in.Reserve(16 * 1024);
    auto [ec, n] = co_await socket.async_read_some(
        asio::buffer(in.buf.data() + in.end, in.buf.size() - in.end), kAwait);
    if (ec) co_return;
    in.end += n;
    out.clear();
    std::string_view body;
    while (in.Next(&body)) AppendFrame(&out, body);
    if (!out.empty()) {
      auto [wec, wn] = co_await asio::async_write(socket, asio::buffer(out), kAwait);
      if (wec) co_return;
    }
  }
}

asio::awaitable<void> Listen(tcp::acceptor& acceptor) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(kAwait);
    if (ec) co_return;
    asio::co_spawn(acceptor.get_executor(), Serve(std::move(socket)), asio::detached);
  }
}

int RunServer(const bench::Flags& flags) {
  asio::io_context io(1);
  tcp::acceptor acceptor(io, {asio::ip::make_address(flags.Str("host", "127.0.0.1")),
                              static_cast<uint16_t>(flags.Int("port", 0))});
  std::printf("LISTENING %u\n", static_cast<unsigned>(acceptor.local_endpoint().port()));
  std::fflush(stdout);
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const std::error_code&, int) { io.stop(); });
  asio::co_spawn(io, Listen(acceptor), asio::detached);
  io.run();
  return 0;
}

struct ClientResult {
  std::vector<int64_t> samples;
  uint64_t errors = 0;
  bench::CpuMark begin, end;
  bool ok = false;
};

asio::awaitable<void> Drive(tcp::socket& socket, const bench::Flags& flags, ClientResult* result) {
  const size_t payload = static_cast<size_t>(flags.Int("payload", 64));
  const size_t inflight = static_cast<size_t>(std::max(1L, flags.Int("inflight", 32)));
  const long server_pid = flags.Int("server-pid", 0);
  const std::string body(payload, 'x');
  const auto start = Clock::now();
  const auto measure_at = start + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(flags.Num("warmup", 1)));
  const auto stop_at = measure_at + std::chrono::duration_cast<Clock::duration>(
                                        std::chrono::duration<double>(flags.Num("seconds", 2)));

  std::deque<Clock::time_point> sent;  // send times of the outstanding frames, in order
  std::string out;
  for (size_t i = 0; i < inflight; ++i) AppendFrame(&out, body);
  for (size_t i = 0; i < inflight; ++i) sent.push_back(start);
  auto [ec0, n0] = co_await asio::async_write(socket, asio::buffer(out), kAwait);
  if (ec0) co_return;

  int phase = 0;  // 0 warm-up, 1 measuring, 2 draining
  InBuffer in;
  while (!sent.empty()) {
    in.Reserve(16 * 1024);
    auto [ec, n] = co_await socket.async_read_some(
        asio::buffer(in.buf.data() + in.end, in.buf.size() - in.end), kAwait);
    if (ec) co_return;
    in.end += n;
    const auto now = Clock::now();
    if (phase == 0 && now >= measure_at) {
      phase = 1;
      result->begin = bench::CpuMark::Now(server_pid);
    }
    if (phase == 1 && now >= stop_at) {
      phase = 2;
      result->end = bench::CpuMark::Now(server_pid);
    }
    out.clear();
    std::string_view reply;
    while (in.Next(&reply)) {
      if (phase == 1) {
        if (reply.size() == payload) {
          result->samples.push_back(
              std::chrono::duration_cast<std::chrono::nanoseconds>(now - sent.front()).count());
        } else {
          result->errors++;
        }
      }
      sent.pop_front();
      if (phase < 2) {
        AppendFrame(&out, body);
        sent.push_back(Clock::now());
      }
    }
    if (!out.empty()) {
      auto [wec, wn] = co_await asio::async_write(socket, asio::buffer(out), kAwait);
      if (wec) co_return;
    }
  }
  result->ok = true;
}

int RunClient(const bench::Flags& flags) {
  asio::io_context io(1);
  tcp::socket socket(io);
  std::error_code ec;
  socket.connect({asio::ip::make_address(flags.Str("host", "127.0.0.1")),
                  static_cast<uint16_t>(flags.Int("port", 0))},
                 ec);
  if (ec) {
    std::fprintf(stderr, "asio_echo client: connect: %s\n", ec.message().c_str());
    return 1;
  }
  socket.set_option(tcp::no_delay(true), ec);
  ClientResult result;
  asio::co_spawn(io, Drive(socket, flags, &result), asio::detached);
  io.run();
  if (!result.ok) {
    std::fprintf(stderr, "asio_echo client: connection failed\n");
    return 1;
  }
  const std::string label = flags.Str(
      "label", "echo/" + flags.Str("payload", "64") + "B/N=" + flags.Str("inflight", "32"));
  bench::Report("asio", label, std::move(result.samples), result.errors, result.begin, result.end);
  return result.errors == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const bench::Flags flags(argc, argv);
  const std::string mode = flags.positional().empty() ? "" : flags.positional()[0];
  if (mode == "server") return RunServer(flags);
  if (mode == "client") return RunClient(flags);
  std::fprintf(stderr,
               "usage: asio_echo server|client [--port P] [--payload B] [--inflight N] ...\n");
  return 2;
}

#include "qos/qos_server.h"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/thread_pool.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <future>
#include <map>
#include <set>

#include "common/log.h"
#include "qos/commands.h"
#include "qos/request.h"
#include "rpc/io_threads.h"

namespace dubbo::qos {

namespace {

constexpr auto kAwait = asio::experimental::as_tuple(asio::use_awaitable);
constexpr std::string_view kPrompt = "dubbo>";
constexpr std::string_view kWelcome =
    "   ___   __  __ ___   ___   ____     \r\n"
    "  / _ \\ / / / // _ ) / _ ) / __ \\  \r\n"
    " / // // /_/ // _  |/ _  |/ /_/ /    \r\n"
    "/____/ \\____//____//____/ \\____/   \r\n";

struct Session {
  explicit Session(asio::ip::tcp::socket s) : socket(std::move(s)), timer(socket.get_executor()) {}
  asio::ip::tcp::socket socket;
  asio::steady_timer timer;
  uint64_t generation =
      0;  // of the operation the timer guards; a late expiry of an older one is ignored
  bool expired = false;
  std::string in;  // read, not consumed yet
};
using SessionPtr = std::shared_ptr<Session>;

// Cancels the session's socket operations if the current one is still running at `timeout`.
void Arm(const SessionPtr& s, std::chrono::milliseconds timeout) {
  const uint64_t g = ++s->generation;
  s->expired = false;
  s->timer.expires_after(timeout);
  s->timer.async_wait([s, g](std::error_code ec) {
    if (ec || s->generation != g) return;
    s->expired = true;
    std::error_code ignored;
    s->socket.cancel(ignored);
  });
}

void Disarm(const SessionPtr& s) {
  ++s->generation;
  s->timer.cancel();
}

// Appends what arrives within `timeout` to s->in; 0 when the peer closed, failed or was silent
// (then *timed_out).
asio::awaitable<size_t> ReadMore(SessionPtr s, std::chrono::milliseconds timeout, bool* timed_out) {
  char buf[4096];
  Arm(s, timeout);
  auto [ec, n] = co_await s->socket.async_read_some(asio::buffer(buf), kAwait);
  *timed_out = s->expired && n == 0;
  Disarm(s);
  if (n == 0) co_return 0;
  s->in.append(buf, n);
  co_return n;
}

// False when the peer did not take it all within `timeout`.
// Callers pass a named string, never a temporary built in the co_await expression: g++ 12
// destroys such temporaries twice (GCC PR 99576).
asio::awaitable<bool> WriteAll(SessionPtr s, const std::string& data,
                               std::chrono::milliseconds timeout) {
  Arm(s, timeout);
  auto [ec, n] = co_await asio::async_write(s->socket, asio::buffer(data), kAwait);
  Disarm(s);
  co_return !ec && n == data.size();
}

// WriteAll for a write nobody awaits: the text lives in this frame.
asio::awaitable<void> SayAndClose(SessionPtr s, std::string text) {
  co_await WriteAll(s, text, std::chrono::seconds(1));
}

const char* Reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Unknown";
  }
}

std::string HttpResponse(const Reply& r) {
  std::string out =
      "HTTP/1.1 " + std::to_string(r.http_status) + " " + Reason(r.http_status) + "\r\n";
  out += "Content-Type: " + r.content_type + "\r\n";
  out += "Content-Length: " + std::to_string(r.text.size()) + "\r\n";
  if (r.http_status == 405) out += "Allow: GET\r\n";
  out += "Connection: close\r\n\r\n";
  return out + r.text;
}

Reply Error(int status, std::string text) {
  Reply r;
  r.http_status = status;
  r.text = std::move(text);
  return r;
}

}  // namespace

struct QosServer::Core {
  Core(QosOptions o, metrics::MetricsRegistry& metrics)
      : options(std::move(o)),
        commands([this] { return Backends(); }, metrics, options.invoke_timeout),
        pool(std::max<size_t>(1, options.command_threads)),
        io(std::make_unique<rpc::IoThreads>(1, "dubbo-qos")),
        acceptor(io->at(0)) {}

  std::vector<std::shared_ptr<Backend>> Backends() const {
    std::lock_guard<std::mutex> lock(mu);
    return backends;
  }

  Status Listen();
  void Stop();
  asio::awaitable<void> AcceptLoop();
  asio::awaitable<void> Serve(SessionPtr s);
  asio::awaitable<void> ServeTelnet(SessionPtr s);
  asio::awaitable<void> ServeHttp(SessionPtr s);
  asio::awaitable<Reply> Run(std::string name, std::string args);

  const QosOptions options;
  const Commands commands;
  asio::thread_pool pool;
  mutable std::mutex mu;
  std::vector<std::shared_ptr<Backend>> backends;
  std::atomic<size_t> sessions{0};
  std::atomic<uint16_t> port{0};
  std::atomic<bool> stopped{false};
  // Declared last, destroyed first: pending coroutine frames die with the contexts while the
  // members above still exist.
  std::unique_ptr<rpc::IoThreads> io;
  asio::ip::tcp::acceptor acceptor;
};

Status QosServer::Core::Listen() {
  std::error_code ec;
  const asio::ip::tcp::endpoint ep(asio::ip::make_address_v4("127.0.0.1"), options.port);
  acceptor.open(ep.protocol(), ec);
  if (!ec) acceptor.set_option(asio::ip::tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(ep, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status(StatusCode::kIoError, "cannot listen on 127.0.0.1:" +
                                            std::to_string(options.port) + ": " + ec.message());
  }
  port = acceptor.local_endpoint().port();
  asio::co_spawn(acceptor.get_executor(), AcceptLoop(), asio::detached);
  return Status::Ok();
}

void QosServer::Core::Stop() {
  if (stopped.exchange(true)) return;
  // The acceptor belongs to the QoS thread: close it there, then stop the thread. Sessions and
  // their sockets go with the context; commands still running finish first.
  std::promise<void> closed;
  asio::post(acceptor.get_executor(), [this, &closed] {
    std::error_code ignored;
    acceptor.close(ignored);
    closed.set_value();
  });
  closed.get_future().wait();
  io->Stop();
  pool.join();
}

asio::awaitable<void> QosServer::Core::AcceptLoop() {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(kAwait);
    if (stopped.load() || ec == asio::error::operation_aborted) co_return;
    if (ec) {
      // Out of descriptors, for instance: do not spin.
      LogWarning() << "qos accept failed: " << ec.message();
      asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(100));
      co_await pause.async_wait(kAwait);
      continue;
    }
    auto s = std::make_shared<Session>(std::move(socket));
    if (sessions.load() >= options.max_connections) {
      std::string refusal = "Too many QoS connections (at most " +
                            std::to_string(options.max_connections) + "), try again later\r\n";
      asio::co_spawn(acceptor.get_executor(), SayAndClose(std::move(s), std::move(refusal)),
                     asio::detached);
      continue;
    }
    sessions.fetch_add(1);
    asio::co_spawn(acceptor.get_executor(), Serve(std::move(s)), asio::detached);
  }
}

asio::awaitable<void> QosServer::Core::Serve(SessionPtr s) {
  struct Count {
    std::atomic<size_t>& n;
    ~Count() { n.fetch_sub(1); }
  } count{sessions};
  bool timed_out = false;
  const size_t n = co_await ReadMore(s, options.welcome_delay, &timed_out);
  if (n == 0 && !timed_out) co_return;
  // As Java's QosProcessHandler: 'G'(ET) or 'P'(OST) first is HTTP; a silent client or anything
  // else is a telnet session.
  if (n > 0 && (s->in[0] == 'G' || s->in[0] == 'P')) {
    co_await ServeHttp(s);
  } else {
    co_await ServeTelnet(s);
  }
  // Close gracefully: closing with unread bytes (the rest of an over-long line) would reset the
  // connection and could destroy the last reply before the client reads it. So read and drop
  // what still comes, for a second at most.
  std::error_code ignored;
  s->socket.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  for (size_t drained = 0; drained < (size_t{8} << 20);) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    s->in.clear();
    bool timed_out = false;
    const size_t got = co_await ReadMore(s, left, &timed_out);
    if (got == 0) break;
    drained += got;
  }
  s->socket.close(ignored);
}

asio::awaitable<Reply> QosServer::Core::Run(std::string name, std::string args) {
  // Commands block (invoke waits for its call, online/offline for the registry): they run on
  // the command pool, and the session resumes on the QoS thread. The lambdas hold references
  // only, into this frame, which lives until the handler resumes it: g++ 12 relocates an
  // initiation object's captured std::strings bitwise inside asio's coroutine (a double free).
  Reply reply;
  co_await asio::async_initiate<decltype(asio::use_awaitable), void()>(
      [this, &name, &args, &reply](auto handler) {
        asio::post(pool, [this, &name, &args, &reply, handler = std::move(handler)]() mutable {
          reply = commands.Execute(name, args);
          auto home = asio::get_associated_executor(handler);
          asio::dispatch(home, std::move(handler));
        });
      },
      asio::use_awaitable);
  co_return reply;
}

asio::awaitable<void> QosServer::Core::ServeTelnet(SessionPtr s) {
  const auto idle = options.idle_timeout;
  const std::string welcome = std::string(kWelcome) + std::string(kPrompt);
  if (!co_await WriteAll(s, welcome, idle)) co_return;
  for (;;) {
    size_t nl;
    while ((nl = s->in.find('\n')) == std::string::npos) {
      if (s->in.find("\xff\xf4") != std::string::npos) co_return;  // telnet's Ctrl-C (IAC IP)
      if (s->in.size() > options.max_line) break;
      bool timed_out = false;
      if (co_await ReadMore(s, idle, &timed_out) == 0) {
        const std::string goodbye = "\r\nIdle for too long, closing.\r\n";
        if (timed_out) co_await WriteAll(s, goodbye, std::chrono::seconds(1));
        co_return;
      }
    }
    if (nl == std::string::npos || nl > options.max_line) {
      {
        const std::string out = "Error: the line is longer than " +
                                std::to_string(options.max_line) + " bytes, closing.\r\n";
        co_await WriteAll(s, out, std::chrono::seconds(1));
      }
      co_return;
    }
    const TelnetLine line = ParseTelnetLine(std::string_view(s->in).substr(0, nl));
    s->in.erase(0, nl + 1);
    if (line.kind == TelnetLine::Kind::kInterrupt) co_return;
    if (line.kind == TelnetLine::Kind::kEmpty) {
      const std::string prompt(kPrompt);
      if (!co_await WriteAll(s, prompt, idle)) co_return;
      continue;
    }
    const Reply r = co_await Run(line.name, line.args);
    if (r.close) {
      {
        const std::string out = "BYE!\n";
        co_await WriteAll(s, out, std::chrono::seconds(1));
      }
      co_return;
    }
    const std::string out = r.text + "\r\n" + std::string(kPrompt);
    if (!co_await WriteAll(s, out, idle)) co_return;
  }
}

asio::awaitable<void> QosServer::Core::ServeHttp(SessionPtr s) {
  const size_t max_head = options.max_line * 2;
  const auto idle =
      std::min<std::chrono::milliseconds>(options.idle_timeout, std::chrono::seconds(10));
  size_t head_end;
  while ((head_end = s->in.find("\r\n\r\n")) == std::string::npos &&
         (head_end = s->in.find("\n\n")) == std::string::npos) {
    if (s->in.size() > max_head) {
      {
        const std::string out =
            HttpResponse(Error(431, "request head over " + std::to_string(max_head) + " bytes"));
        co_await WriteAll(s, out, idle);
      }
      co_return;
    }
    bool timed_out = false;
    if (co_await ReadMore(s, idle, &timed_out) == 0) co_return;
  }
  if (head_end > max_head) {
    {
      const std::string out =
          HttpResponse(Error(431, "request head over " + std::to_string(max_head) + " bytes"));
      co_await WriteAll(s, out, idle);
    }
    co_return;
  }
  const HttpRequest request = ParseHttpRequest(std::string_view(s->in.data(), head_end));
  if (request.status != 200) {
    {
      const std::string out = HttpResponse(Error(request.status, request.error));
      co_await WriteAll(s, out, idle);
    }
    co_return;
  }
  const Reply r = co_await Run(request.name, request.args);
  {
    const std::string out = HttpResponse(r);
    co_await WriteAll(s, out, idle);
  }
}

Result<std::shared_ptr<QosServer>> QosServer::Start(QosOptions options,
                                                    metrics::MetricsRegistry& metrics) {
  auto core = std::make_shared<Core>(std::move(options), metrics);
  if (Status st = core->Listen(); !st.ok()) {
    core->Stop();
    return st;
  }
  return std::shared_ptr<QosServer>(new QosServer(std::move(core)));
}

QosServer::~QosServer() { core_->Stop(); }

uint16_t QosServer::port() const { return core_->port.load(); }
const QosOptions& QosServer::options() const { return core_->options; }

void QosServer::Attach(std::shared_ptr<Backend> backend) {
  std::lock_guard<std::mutex> lock(core_->mu);
  core_->backends.push_back(std::move(backend));
}

void QosServer::Detach(const Backend* backend) {
  std::lock_guard<std::mutex> lock(core_->mu);
  std::erase_if(core_->backends, [&](const auto& b) { return b.get() == backend; });
}

size_t QosServer::attached() const {
  std::lock_guard<std::mutex> lock(core_->mu);
  return core_->backends.size();
}

size_t QosServer::connections() const { return core_->sessions.load(); }

namespace {

struct Hub {
  std::mutex mu;
  std::map<uint16_t, std::shared_ptr<QosServer>> by_port;
  std::set<uint16_t> warned;
  bool warned_foreign = false;
};

Hub& TheHub() {
  static Hub* hub = new Hub();  // never destroyed: applications may stop during static destruction
  return *hub;
}

}  // namespace

std::shared_ptr<QosServer> AcquireQos(const QosOptions& options, std::shared_ptr<Backend> backend) {
  Hub& hub = TheHub();
  std::lock_guard<std::mutex> lock(hub.mu);
  if (options.accept_foreign_ip && !std::exchange(hub.warned_foreign, true)) {
    LogWarning() << "qos-accept-foreign-ip=true is not supported: the QoS port stays on 127.0.0.1";
  }
  if (options.port != 0) {
    if (auto it = hub.by_port.find(options.port); it != hub.by_port.end()) {
      it->second->Attach(std::move(backend));
      return it->second;
    }
  }
  auto started = QosServer::Start(options);
  if (!started.ok()) {
    // Java logs and runs on without QoS; say it once per port, not once per application.
    if (hub.warned.insert(options.port).second) {
      LogWarning()
          << "Fail to start qos server: " << started.status().message()
          << "; running without QoS (set dubbo.application.qos-port to another port, 0 for any, or "
             "dubbo.application.qos-enable=false)";
    } else {
      LogInfo() << "qos port " << options.port
                << " still unavailable: " << started.status().message();
    }
    return nullptr;
  }
  (*started)->Attach(std::move(backend));
  if (options.port != 0) hub.by_port[options.port] = *started;
  LogInfo() << "qos server listening on 127.0.0.1:" << (*started)->port();
  return *started;
}

void ReleaseQos(std::shared_ptr<QosServer> server, const Backend* backend) {
  if (!server) return;
  Hub& hub = TheHub();
  std::lock_guard<std::mutex> lock(hub.mu);
  server->Detach(backend);
  if (server->attached() > 0) return;
  std::erase_if(hub.by_port, [&](const auto& e) { return e.second == server; });
  // Stopped under the lock: a server starting next for the same port finds it free.
  server.reset();
}

}  // namespace dubbo::qos

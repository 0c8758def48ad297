#include "rpc/client.h"

#include <asio/connect.hpp>
#include <asio/dispatch.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>

#include "common/log.h"
#include "common/url.h"
#include "rpc/dubbo_codec.h"

namespace dubbo::rpc {

namespace {
using Clock = std::chrono::steady_clock;
enum class SlotState : int { kConnecting, kConnected, kBackoff, kClosed };
}  // namespace

// One connection of a channel, living on one io_context. Fields without atomics are touched on
// that context's thread only.
struct Channel::Slot {
  explicit Slot(asio::io_context& ctx) : io(ctx), connect_timer(ctx), wait_timer(ctx) {}

  struct Waiting {
    std::string frame;
    int64_t id;
    bool one_way;
    Clock::time_point deadline;
    ResponseCallback done;
  };

  asio::io_context& io;
  std::atomic<int> state{static_cast<int>(SlotState::kConnecting)};
  std::atomic<bool> ever_connected{false};
  std::atomic<std::shared_ptr<Connection>> conn;
  std::vector<Waiting> waiting;
  asio::steady_timer connect_timer;
  asio::steady_timer wait_timer;
  Clock::time_point wait_armed = Clock::time_point::max();
  uint64_t attempt = 0;
  std::chrono::milliseconds backoff{0};
  Status last_error;

  SlotState current() const {
    return static_cast<SlotState>(state.load(std::memory_order_acquire));
  }
  void set(SlotState s) { state.store(static_cast<int>(s), std::memory_order_release); }
};

// --- Client --------------------------------------------------------------------------------------

Client::Client(ClientOptions options, std::shared_ptr<IoThreads> io)
    : options_(std::move(options)), io_(std::move(io)) {
  if (!io_) io_ = std::make_shared<IoThreads>(options_.io_threads, "dubbo-client");
}

Client::~Client() {
  std::unordered_map<std::string, std::shared_ptr<Channel>> channels;
  {
    std::lock_guard<std::mutex> lock(mu_);
    channels.swap(channels_);
  }
  for (auto& [address, ch] : channels) ch->Close();
}

Result<std::shared_ptr<Channel>> Client::GetChannel(const std::string& address) {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = channels_.find(address); it != channels_.end()) return it->second;
  auto url = Url::Parse("dubbo://" + address);
  if (!url.ok() || url->host().empty() || url->port() == 0) {
    return Status(StatusCode::kInvalidArgument,
                  "bad provider address \"" + address + "\" (expected host:port)");
  }
  auto ch = std::make_shared<Channel>(address, url->host(), url->port(), options_, io_);
  channels_[address] = ch;
  ch->Start();
  return ch;
}

void Client::RemoveChannel(const std::string& address) {
  std::shared_ptr<Channel> ch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = channels_.find(address);
    if (it == channels_.end()) return;
    ch = std::move(it->second);
    channels_.erase(it);
  }
  ch->Close();
}

void Client::RemoveChannelIfUnused(const std::string& address) {
  std::shared_ptr<Channel> ch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = channels_.find(address);
    if (it == channels_.end() || it->second.use_count() > 1) return;
    ch = std::move(it->second);
    channels_.erase(it);
  }
  ch->Close();
}

// --- Channel -------------------------------------------------------------------------------------

Channel::Channel(std::string address, std::string host, uint16_t port, const ClientOptions& options,
                 std::shared_ptr<IoThreads> io)
    : address_(std::move(address)),
      host_(std::move(host)),
      port_(port),
      options_(options),
      io_(std::move(io)) {
  const size_t n = std::max<size_t>(1, options_.connections);
  for (size_t i = 0; i < n; ++i) slots_.push_back(std::make_unique<Slot>(io_->Next()));
}

Channel::~Channel() = default;

void Channel::Start() {
  for (size_t i = 0; i < slots_.size(); ++i) {
    asio::dispatch(slots_[i]->io, [self = shared_from_this(), i] { self->Connect(i); });
  }
}

void Channel::Connect(size_t index) {
  Slot& slot = *slots_[index];
  if (closed_.load()) return;
  slot.set(SlotState::kConnecting);
  const uint64_t attempt = ++slot.attempt;
  auto self = shared_from_this();
  auto socket = std::make_shared<asio::ip::tcp::socket>(slot.io);
  auto resolver = std::make_shared<asio::ip::tcp::resolver>(slot.io);
  slot.connect_timer.expires_after(options_.connect_timeout);
  slot.connect_timer.async_wait(
      [self, index, attempt, socket, resolver](const std::error_code& ec) {
        Slot& s = *self->slots_[index];
        if (ec || s.attempt != attempt || s.current() != SlotState::kConnecting) return;
        resolver->cancel();
        std::error_code ignored;
        socket->close(ignored);
        s.attempt++;  // the connect handler that fires next belongs to an abandoned attempt
        self->OnConnectFailed(
            index, Status(StatusCode::kUnavailable,
                          "connect to " + self->address_ + " timed out after " +
                              std::to_string(self->options_.connect_timeout.count()) + " ms"));
      });
  resolver->async_resolve(
      host_, std::to_string(port_),
      [self, index, attempt, socket, resolver](const std::error_code& ec,
                                               asio::ip::tcp::resolver::results_type results) {
        Slot& s = *self->slots_[index];
        if (s.attempt != attempt) return;
        if (ec) {
          s.connect_timer.cancel();
          self->OnConnectFailed(index,
                                Status(StatusCode::kUnavailable,
                                       "cannot resolve " + self->host_ + ": " + ec.message()));
          return;
        }
        asio::async_connect(
            *socket, results,
            [self, index, attempt, socket](const std::error_code& cec, const auto&) {
              Slot& s2 = *self->slots_[index];
              if (s2.attempt != attempt) return;
              s2.connect_timer.cancel();
              if (cec) {
                self->OnConnectFailed(
                    index, Status(StatusCode::kUnavailable,
                                  "connect to " + self->address_ + " failed: " + cec.message()));
              } else {
                self->OnConnected(index, std::move(*socket));
              }
            });
      });
}

void Channel::OnConnected(size_t index, asio::ip::tcp::socket socket) {
  Slot& slot = *slots_[index];
  if (closed_.load()) return;
  auto conn = std::make_shared<Connection>(slot.io, std::move(socket), options_.connection,
                                           options_.callback_handler);
  std::weak_ptr<Channel> weak = weak_from_this();
  const uint64_t attempt = slot.attempt;
  conn->Start([weak, index, attempt](const Status& why) {
    auto self = weak.lock();
    if (!self) return;
    Slot& s = *self->slots_[index];
    if (s.attempt != attempt) return;
    s.conn.store(nullptr);
    s.last_error = why;
    if (self->closed_.load()) return;
    s.set(SlotState::kBackoff);
    s.backoff = self->options_.reconnect_min;
    self->ScheduleReconnect(index);
  });
  slot.conn.store(conn);
  slot.backoff = options_.reconnect_min;
  slot.ever_connected.store(true);
  slot.set(SlotState::kConnected);
  auto waiting = std::move(slot.waiting);
  slot.waiting.clear();
  slot.wait_timer.cancel();
  slot.wait_armed = Clock::time_point::max();
  const auto now = Clock::now();
  for (auto& w : waiting) {
    if (w.one_way) {
      conn->Send(std::move(w.frame));
      w.done(RpcResult{});
    } else {
      const auto left = std::max<Clock::duration>(w.deadline - now, Clock::duration(0));
      conn->Call(std::move(w.frame), w.id,
                 std::chrono::duration_cast<std::chrono::milliseconds>(left), std::move(w.done));
    }
  }
}

void Channel::OnConnectFailed(size_t index, const Status& cause) {
  Slot& slot = *slots_[index];
  slot.last_error = cause;
  slot.set(SlotState::kBackoff);
  auto waiting = std::move(slot.waiting);
  slot.waiting.clear();
  for (auto& w : waiting) {
    RpcResult r;
    r.status = cause;
    r.remote = address_;
    w.done(std::move(r));
  }
  ScheduleReconnect(index);
}

void Channel::ScheduleReconnect(size_t index) {
  Slot& slot = *slots_[index];
  if (closed_.load()) return;
  if (slot.backoff.count() == 0) slot.backoff = options_.reconnect_min;
  const auto delay = slot.backoff;
  slot.backoff = std::min(slot.backoff * 2, options_.reconnect_max);
  slot.connect_timer.expires_after(delay);
  const uint64_t attempt = slot.attempt;
  slot.connect_timer.async_wait(
      [self = shared_from_this(), index, attempt](const std::error_code& ec) {
        if (ec || self->slots_[index]->attempt != attempt) return;
        self->Connect(index);
      });
}

void Channel::Call(const Invocation& inv, const Serialization& s, ResponseCallback done,
                   const CallOverrides& overrides) {
  auto fail = [&](Status st) {
    RpcResult r;
    r.status = std::move(st);
    r.remote = address_;
    done(std::move(r));
  };
  if (closed_.load())
    return fail(Status(StatusCode::kUnavailable, "channel to " + address_ + " is closed"));
  // Prefer a connected slot that is not read-only.
  const size_t n = slots_.size();
  size_t pick = n == 1 ? 0 : next_slot_.fetch_add(1, std::memory_order_relaxed) % n;
  std::shared_ptr<Connection> conn;
  for (size_t k = 0; k < n; ++k) {
    const size_t i = (pick + k) % n;
    auto c = slots_[i]->conn.load();
    if (slots_[i]->current() == SlotState::kConnected && c && !c->read_only()) {
      pick = i;
      conn = std::move(c);
      break;
    }
  }
  const int64_t id = NextRequestId();
  const uint32_t payload = options_.connection.payload;
  const std::chrono::milliseconds timeout = overrides.TimeoutOf(inv);
  if (conn && !inv.one_way && conn->executor().running_in_this_thread()) {
    // Already on the connection's thread (a callback issuing the next call): encode straight into
    // its output buffer.
    conn->CallEncoded(id, timeout, std::move(done), [&](std::string* out) {
      Status st = AppendRequestFrame(inv, s, id, payload, out, overrides);
      return st.ok() ? st : st.WithContext("request to " + address_ + " not sent");
    });
    return;
  }
  std::string frame;
  if (Status st = AppendRequestFrame(inv, s, id, payload, &frame, overrides); !st.ok()) {
    return fail(st.WithContext("request to " + address_ + " not sent"));
  }
  Submit(pick, std::move(frame), id, inv.one_way, timeout, std::move(done));
}

void Channel::Submit(size_t index, std::string frame, int64_t id, bool one_way,
                     std::chrono::milliseconds timeout, ResponseCallback done) {
  Slot& slot = *slots_[index];
  asio::dispatch(slot.io, [self = shared_from_this(), index, frame = std::move(frame), id, one_way,
                           timeout, done = std::move(done)]() mutable {
    Slot& s = *self->slots_[index];
    switch (s.current()) {
      case SlotState::kConnected: {
        auto conn = s.conn.load();
        if (one_way) {
          conn->Send(std::move(frame));
          done(RpcResult{});
        } else {
          conn->Call(std::move(frame), id, timeout, std::move(done));
        }
        return;
      }
      case SlotState::kConnecting: {
        const auto deadline = Clock::now() + timeout;
        s.waiting.push_back({std::move(frame), id, one_way, deadline, std::move(done)});
        if (deadline < s.wait_armed) self->ArmWaitTimer(index, deadline);
        return;
      }
      case SlotState::kBackoff:
      case SlotState::kClosed: {
        RpcResult r;
        r.status =
            Status(StatusCode::kUnavailable,
                   "no connection to " + self->address_ +
                       (s.last_error.ok() ? std::string() : " (" + s.last_error.message() + ")") +
                       "; reconnecting");
        r.remote = self->address_;
        if (done) done(std::move(r));
        return;
      }
    }
  });
}

void Channel::ArmWaitTimer(size_t index, Clock::time_point when) {
  Slot& slot = *slots_[index];
  slot.wait_armed = when;
  slot.wait_timer.expires_at(when);
  slot.wait_timer.async_wait([self = shared_from_this(), index, when](const std::error_code& ec) {
    if (!ec && self->slots_[index]->wait_armed == when) self->ExpireWaiting(index);
  });
}

void Channel::ExpireWaiting(size_t index) {
  Slot& slot = *slots_[index];
  slot.wait_armed = Clock::time_point::max();
  const auto now = Clock::now();
  auto next = Clock::time_point::max();
  std::vector<Slot::Waiting> keep;
  for (auto& w : slot.waiting) {
    if (w.deadline > now) {
      next = std::min(next, w.deadline);
      keep.push_back(std::move(w));
      continue;
    }
    RpcResult r;
    r.status = Status(
        StatusCode::kClientTimeout,
        "request to " + address_ + " could not be sent within the timeout: still connecting");
    r.remote = address_;
    w.done(std::move(r));
  }
  slot.waiting = std::move(keep);
  if (!slot.waiting.empty()) ArmWaitTimer(index, next);
}

bool Channel::IsAvailable() const {
  for (const auto& s : slots_) {
    const SlotState st = s->current();
    if (st == SlotState::kConnected) {
      auto conn = s->conn.load();
      if (conn && !conn->read_only()) return true;
    } else if (st == SlotState::kConnecting && !s->ever_connected.load()) {
      return true;
    }
  }
  return false;
}

bool Channel::read_only() const {
  for (const auto& s : slots_) {
    auto conn = s->conn.load();
    if (conn && !conn->read_only()) return false;
  }
  return true;
}

size_t Channel::pending() const {
  size_t n = 0;
  for (const auto& s : slots_)
    if (auto conn = s->conn.load()) n += conn->pending();
  return n;
}

void Channel::Close() {
  if (closed_.exchange(true)) return;
  for (size_t i = 0; i < slots_.size(); ++i) {
    asio::dispatch(slots_[i]->io, [self = shared_from_this(), i] {
      Slot& s = *self->slots_[i];
      s.set(SlotState::kClosed);
      s.connect_timer.cancel();
      s.wait_timer.cancel();
      auto waiting = std::move(s.waiting);
      s.waiting.clear();
      for (auto& w : waiting) {
        RpcResult r;
        r.status = Status(StatusCode::kUnavailable, "channel to " + self->address_ + " closed");
        r.remote = self->address_;
        w.done(std::move(r));
      }
      if (auto conn = s.conn.exchange(nullptr))
        conn->Close(Status(StatusCode::kCancelled, "channel closed"));
    });
  }
}

}  // namespace dubbo::rpc

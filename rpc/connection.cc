#include "rpc/connection.h"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/post.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "common/log.h"
#include "rpc/dubbo_codec.h"

namespace dubbo::rpc {

namespace {

constexpr auto kAwait = asio::experimental::as_tuple(asio::use_awaitable);
constexpr size_t kReadChunk = 64 * 1024;

std::string Endpoint(const asio::ip::tcp::socket& s) {
  std::error_code ec;
  const auto ep = s.remote_endpoint(ec);
  if (ec) return "unknown";
  const auto addr = ep.address();
  return (addr.is_v6() ? "[" + addr.to_string() + "]" : addr.to_string()) + ":" +
         std::to_string(ep.port());
}

}  // namespace

Connection::Connection(asio::io_context& io, asio::ip::tcp::socket socket,
                       ConnectionOptions options, RequestHandler* handler)
    : socket_(std::move(socket)),
      executor_(io.get_executor()),
      options_(options),
      handler_(handler),
      remote_(Endpoint(socket_)),
      write_wake_(io),
      read_wake_(io),
      deadline_timer_(io),
      idle_timer_(io) {
  std::error_code ec;
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  in_.resize(kReadChunk);
  last_read_ = last_write_ = Clock::now();
}

Connection::~Connection() = default;

template <typename F>
void Connection::RunOnThread(F&& f) {
  if (executor_.running_in_this_thread()) {
    f();
  } else {
    asio::post(executor_, std::forward<F>(f));
  }
}

void Connection::Start(std::function<void(const Status&)> on_close) {
  on_close_ = std::move(on_close);
  auto self = shared_from_this();
  RunOnThread([self] {
    std::error_code ec;
    self->socket_.non_blocking(true, ec);  // FlushNow writes without waiting
    asio::co_spawn(self->executor_, self->ReadLoop(self), asio::detached);
    asio::co_spawn(self->executor_, self->WriteLoop(self), asio::detached);
    self->ArmIdleTimer();
  });
}

asio::awaitable<void> Connection::ReadLoop(std::shared_ptr<Connection> self) {
  while (!closed_.load(std::memory_order_relaxed)) {
    if (in_end_ == in_.size()) {
      // Compact, then grow only as far as the frame being read needs (bounded by the payload).
      if (in_begin_ > 0) {
        std::memmove(in_.data(), in_.data() + in_begin_, in_end_ - in_begin_);
        in_end_ -= in_begin_;
        in_begin_ = 0;
      }
      if (in_end_ == in_.size()) in_.resize(in_.size() * 2);
    }
    auto [ec, n] = co_await socket_.async_read_some(
        asio::buffer(in_.data() + in_end_, in_.size() - in_end_), kAwait);
    if (ec) {
      CloseOnThread(Status(StatusCode::kChannelInactive,
                           ec == asio::error::eof
                               ? "connection closed by " + remote_
                               : "read from " + remote_ + " failed: " + ec.message()));
      co_return;
    }
    last_read_ = Clock::now();
    in_end_ += n;
    if (skip_ > 0) {
      const size_t drop = std::min(skip_, in_end_ - in_begin_);
      in_begin_ += drop;
      skip_ -= drop;
    }
    in_read_batch_ = true;
    ProcessFrames(self);
    in_read_batch_ = false;
    FlushNow();
    while (OutputFull() && !closed_.load(std::memory_order_relaxed)) {
      // The peer is not reading its answers: read none of its frames until they drain. The
      // frames already read wait in in_ (ProcessFrames stopped at the high-water mark).
      reader_parked_ = true;
      read_wake_.expires_at(asio::steady_timer::time_point::max());
      co_await read_wake_.async_wait(kAwait);
      reader_parked_ = false;
      in_read_batch_ = true;
      ProcessFrames(self);
      in_read_batch_ = false;
      FlushNow();
    }
    if (in_begin_ == in_end_) in_begin_ = in_end_ = 0;
  }
}

void Connection::ProcessFrames(const std::shared_ptr<Connection>& self) {
  while (!closed_.load(std::memory_order_relaxed) && skip_ == 0 && !OutputFull() &&
         in_end_ - in_begin_ >= kHeaderSize) {
    auto header = DecodeHeader(std::string_view(in_.data() + in_begin_, kHeaderSize));
    if (!header.ok()) {
      // Without a trustworthy length nothing after this point can be framed: close this
      // connection only.
      CloseOnThread(header.status().WithContext("unreadable frame from " + remote_));
      return;
    }
    const FrameHeader& h = *header;
    const size_t length = static_cast<size_t>(h.body_length);
    if (options_.payload > 0 && length > options_.payload) {
      // Refuse before buffering: discard the body as it arrives and answer in its place.
      in_begin_ += kHeaderSize;
      const size_t drop = std::min(length, in_end_ - in_begin_);
      in_begin_ += drop;
      skip_ = length - drop;
      const std::string message = "Data length too large: " + std::to_string(length) +
                                  ", max payload: " + std::to_string(options_.payload) +
                                  ", channel: " + remote_;
      const Serialization* s = SerializationRegistry::Global().Find(h.serialization());
      if (h.is_request()) {
        if (h.is_two_way() && s != nullptr) {
          std::string frame;
          AppendErrorFrame(h.id, *s, static_cast<uint8_t>(StatusCode::kBadRequest), message,
                           &frame);
          Append(frame);
        }
      } else if (auto it = pending_.find(h.id); it != pending_.end()) {
        Fail(it, Status(StatusCode::kClientError, message));
      }
      continue;
    }
    if (in_end_ - in_begin_ < kHeaderSize + length) {
      const size_t need = kHeaderSize + length;
      if (need > in_.size()) {
        std::memmove(in_.data(), in_.data() + in_begin_, in_end_ - in_begin_);
        in_end_ -= in_begin_;
        in_begin_ = 0;
        in_.resize(need);
      }
      return;
    }
    const std::string_view body(in_.data() + in_begin_ + kHeaderSize, length);
    in_begin_ += kHeaderSize + length;
    HandleFrame(self, h, body);
  }
}

void Connection::HandleFrame(const std::shared_ptr<Connection>& self, const FrameHeader& h,
                             std::string_view body) {
  if (!h.is_request()) {
    HandleResponse(h, body);
  } else if (h.is_event()) {
    HandleEvent(h, body);
  } else if (handler_ != nullptr) {
    handler_->OnRequest(self, h, body);
  } else if (h.is_two_way()) {
    if (const Serialization* s = SerializationRegistry::Global().Find(h.serialization())) {
      std::string frame;
      AppendErrorFrame(h.id, *s, static_cast<uint8_t>(StatusCode::kServiceError),
                       "no services are exported on this connection", &frame);
      Append(frame);
    }
  }
}

void Connection::HandleResponse(const FrameHeader& h, std::string_view body) {
  if (h.is_event()) return;  // a heartbeat answer: reading it was the point
  auto it = pending_.find(h.id);
  if (it == pending_.end()) return;  // answered after its timeout
  Pending p = TakePending(it);
  RpcResult r;
  r.serialization = h.serialization();
  r.remote = remote_;
  if (h.status == static_cast<uint8_t>(StatusCode::kOk)) {
    r.body = body;
  } else {
    const Serialization* s = SerializationRegistry::Global().Find(h.serialization());
    const uint8_t code =
        IsWireStatus(h.status) ? h.status : static_cast<uint8_t>(StatusCode::kServerError);
    r.status = Status(static_cast<StatusCode>(code), DecodeErrorMessage(s, body));
  }
  p.done(std::move(r));
}

void Connection::HandleEvent(const FrameHeader& h, std::string_view body) {
  const Serialization* s = SerializationRegistry::Global().Find(h.serialization());
  if (s == nullptr) return;
  if (IsHeartbeatBody(*s, body)) {
    if (h.is_two_way()) {
      std::string frame;
      AppendHeartbeat(h.id, /*request=*/false, *s, &frame);
      Append(frame);
    }
    return;
  }
  if (body.size() > kMaxEventPayload) {
    LogWarning() << "ignoring an event of " << body.size() << " bytes from " << remote_;
    return;
  }
  const std::string event = DecodeErrorMessage(s, body);
  if (event == "R") {
    read_only_.store(true, std::memory_order_release);
  } else if (event == "W") {
    read_only_.store(false, std::memory_order_release);
  }
}

void Connection::Send(std::string frame) {
  // Nothing is queued for a closed connection: a reply finished after its server stopped would
  // otherwise keep the connection inside the stopped io_context until that is destroyed, and
  // destroy it there.
  if (closed_.load(std::memory_order_acquire)) return;
  RunOnThread([self = shared_from_this(), frame = std::move(frame)] { self->Append(frame); });
}

void Connection::Call(std::string frame, int64_t id, std::chrono::milliseconds timeout,
                      ResponseCallback done) {
  RunOnThread([self = shared_from_this(), frame = std::move(frame), id, timeout,
               done = std::move(done)]() mutable {
    if (self->closed_.load(std::memory_order_relaxed)) return self->FailClosed(std::move(done));
    self->AddPending(id, timeout, std::move(done));
    self->Append(frame);
  });
}

void Connection::FailClosed(ResponseCallback done) {
  RpcResult r;
  r.status = Status(StatusCode::kUnavailable,
                    "connection to " + remote_ + " is closed; the request was not sent");
  r.remote = remote_;
  done(std::move(r));
}

void Connection::Append(std::string_view bytes) {
  if (closed_.load(std::memory_order_relaxed)) return;
  out_.append(bytes);
  OutputAdded();
}

void Connection::OutputAdded() {
  if (in_read_batch_ || !writer_parked_) return;
  writer_parked_ = false;
  write_wake_.cancel();  // the writer resumes in a later turn: this turn's frames go together
}

void Connection::FlushNow() {
  if (write_in_flight_ || out_.empty() || closed_.load(std::memory_order_relaxed)) return;
  std::error_code ec;
  const size_t n = socket_.write_some(asio::buffer(out_), ec);
  if (n > 0) started_generation_ = next_write_generation_;
  if (ec && ec != asio::error::would_block && ec != asio::error::try_again) {
    CloseOnThread(
        Status(StatusCode::kChannelInactive, "write to " + remote_ + " failed: " + ec.message()));
    return;
  }
  if (!ec && n == out_.size()) {
    out_.clear();
    completed_generation_ = next_write_generation_++;
    last_write_ = Clock::now();
    return;
  }
  if (!ec) out_.erase(0, n);
  // The socket is full: the writer sends the rest when it can.
  if (writer_parked_) {
    writer_parked_ = false;
    write_wake_.cancel();
  }
}

asio::awaitable<void> Connection::WriteLoop(std::shared_ptr<Connection> /*keep_alive*/) {
  write_wake_.expires_at(asio::steady_timer::time_point::max());
  while (!closed_.load(std::memory_order_relaxed)) {
    if (out_.empty()) {
      if (close_after_flush_) {
        CloseOnThread(*close_after_flush_);
        co_return;
      }
      writer_parked_ = true;
      co_await write_wake_.async_wait(kAwait);
      continue;
    }
    writing_.swap(out_);
    const uint64_t generation = next_write_generation_++;
    started_generation_ = generation;
    write_in_flight_ = true;
    auto [ec, n] = co_await asio::async_write(socket_, asio::buffer(writing_), kAwait);
    write_in_flight_ = false;
    writing_.clear();
    if (ec) {
      CloseOnThread(
          Status(StatusCode::kChannelInactive, "write to " + remote_ + " failed: " + ec.message()));
      co_return;
    }
    completed_generation_ = generation;
    last_write_ = Clock::now();
    if (reader_parked_ && QueuedOutput() <= options_.output_high_water / 2) read_wake_.cancel();
  }
}

void Connection::AddPending(int64_t id, std::chrono::milliseconds timeout, ResponseCallback done) {
  // Inside a read batch the batch's read time stands for now: calls issued from response callbacks
  // would otherwise read the clock once each; their deadlines come early by the batch's length.
  const Clock::time_point deadline = (in_read_batch_ ? last_read_ : Clock::now()) + timeout;
  Pending p{std::move(done), deadline, next_write_generation_};
  if (!spare_nodes_.empty()) {
    // Reuse a node of an answered call: no allocation per call.
    auto node = std::move(spare_nodes_.back());
    spare_nodes_.pop_back();
    node.key() = id;
    node.mapped() = std::move(p);
    pending_.insert(std::move(node));
  } else {
    pending_.insert_or_assign(id, std::move(p));
  }
  pending_count_.store(pending_.size(), std::memory_order_relaxed);
  DeadlineQueue* queue = nullptr;
  for (auto& q : deadline_queues_) {
    if (q.timeout == timeout) queue = &q;
  }
  if (queue == nullptr) queue = &deadline_queues_.emplace_back(DeadlineQueue{timeout, {}});
  queue->entries.emplace_back(deadline, id);
  if (deadline < deadline_armed_) ArmDeadlineTimer(deadline);
}

Connection::Pending Connection::TakePending(PendingMap::iterator it) {
  auto node = pending_.extract(it);
  Pending p = std::move(node.mapped());
  if (spare_nodes_.size() < kSpareNodes) spare_nodes_.push_back(std::move(node));
  pending_count_.store(pending_.size(), std::memory_order_relaxed);
  return p;
}

void Connection::ArmDeadlineTimer(Clock::time_point when) {
  deadline_armed_ = when;
  deadline_timer_.expires_at(when);
  deadline_timer_.async_wait([self = shared_from_this(), when](const std::error_code& ec) {
    if (ec || self->deadline_armed_ != when) return;  // re-armed earlier, or closed
    self->deadline_armed_ = Clock::time_point::max();
    self->ExpireDeadlines();
  });
}

void Connection::ExpireDeadlines() {
  const auto now = Clock::now();
  // By index: the callbacks of failed calls may issue calls, adding entries and queues.
  for (size_t i = 0; i < deadline_queues_.size(); ++i) {
    while (!deadline_queues_[i].entries.empty()) {
      const auto [when, id] = deadline_queues_[i].entries.front();
      if (when > now) break;
      deadline_queues_[i].entries.pop_front();
      auto it = pending_.find(id);
      if (it == pending_.end() || it->second.deadline != when) continue;  // answered already
      const bool sent = it->second.write_generation <= completed_generation_;
      Fail(it, sent ? Status(StatusCode::kServerTimeout,
                             "no response from " + remote_ + " within the timeout (request sent)")
                    : Status(StatusCode::kClientTimeout,
                             "request to " + remote_ + " could not be sent within the timeout"));
    }
  }
  // Queues of timeouts no call uses any more go (a few distinct timeouts is the usual case).
  std::erase_if(deadline_queues_, [](const DeadlineQueue& q) { return q.entries.empty(); });
  Clock::time_point next = Clock::time_point::max();
  for (const auto& q : deadline_queues_) next = std::min(next, q.entries.front().first);
  // A call issued by a callback above may have armed the timer earlier already.
  if (next < deadline_armed_) ArmDeadlineTimer(next);
}

void Connection::Fail(PendingMap::iterator it, Status status) {
  Pending p = TakePending(it);
  RpcResult r;
  r.status = std::move(status);
  r.remote = remote_;
  p.done(std::move(r));
}

void Connection::ArmIdleTimer() {
  auto period = options_.idle_timeout;
  if (!options_.server_side && options_.heartbeat.count() > 0)
    period = std::min(period, options_.heartbeat);
  if (period.count() <= 0) return;
  idle_timer_.expires_after(period / 2 > std::chrono::milliseconds(1) ? period / 2 : period);
  idle_timer_.async_wait([self = shared_from_this()](const std::error_code& ec) {
    if (ec || self->closed()) return;
    self->CheckIdle();
    self->ArmIdleTimer();
  });
}

void Connection::CheckIdle() {
  const auto now = Clock::now();
  const auto since_read = now - last_read_;
  const auto last_activity = options_.server_side ? std::max(last_read_, last_write_) : last_read_;
  if (options_.idle_timeout.count() > 0 && now - last_activity >= options_.idle_timeout) {
    CloseOnThread(Status(StatusCode::kChannelInactive,
                         "closing " + remote_ + ": idle for " +
                             std::to_string(options_.idle_timeout.count()) + " ms"));
    return;
  }
  if (!options_.server_side && options_.heartbeat.count() > 0 && since_read >= options_.heartbeat) {
    if (const Serialization* s = SerializationRegistry::Global().Find(2)) {
      std::string frame;
      AppendHeartbeat(NextRequestId(), /*request=*/true, *s, &frame);
      Append(frame);
    }
  }
}

void Connection::Close(const Status& reason) {
  RunOnThread([self = shared_from_this(), reason] { self->CloseOnThread(reason); });
}

void Connection::CloseAfterFlush(const Status& reason) {
  RunOnThread([self = shared_from_this(), reason] {
    self->close_after_flush_ = reason;
    if (self->writer_parked_) {
      self->writer_parked_ = false;
      self->write_wake_.cancel();
    }
  });
}

void Connection::CloseOnThread(const Status& reason) {
  if (closed_.exchange(true)) return;
  std::error_code ec;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  socket_.close(ec);
  write_wake_.cancel();
  read_wake_.cancel();
  deadline_timer_.cancel();
  idle_timer_.cancel();
  auto pending = std::move(pending_);
  pending_.clear();
  pending_count_.store(0, std::memory_order_relaxed);
  for (auto& [id, p] : pending) {
    RpcResult r;
    // A request none of whose bytes reached the socket provably never ran on the provider.
    r.status =
        p.write_generation > started_generation_
            ? Status(StatusCode::kUnavailable, reason.message() + "; the request was not sent")
            : Status(StatusCode::kChannelInactive, reason.message());
    r.remote = remote_;
    p.done(std::move(r));
  }
  if (on_close_) {
    auto cb = std::move(on_close_);
    cb(reason);
  }
}

}  // namespace dubbo::rpc

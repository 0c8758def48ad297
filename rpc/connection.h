// Connection: one TCP connection speaking Dubbo frames, used by both sides. Either end can send
// requests and answer them (a server can call back into a client process), so a connection has
// an optional RequestHandler for incoming requests and a table of its own pending calls.
//
// Threading: a connection lives on one io_context (one thread). Every public method may be called
// from any thread; work is moved onto the connection's thread. Frames produced during one turn of
// that thread's loop leave in one gather write. Callbacks (ResponseCallback, RequestHandler,
// on_close) run on the connection's thread. Owned by shared_ptr; it stays alive while its read
// loop or any queued work holds a reference.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "codec/serialization.h"
#include "rpc/frame.h"
#include "rpc/message.h"

namespace dubbo::rpc {

class Connection;

// Receives the requests that arrive on a connection (a provider's exported services).
class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  // `body` is valid only during the call. Runs on the connection's thread.
  virtual void OnRequest(const std::shared_ptr<Connection>& conn, const FrameHeader& header,
                         std::string_view body) = 0;
};

struct ConnectionOptions {
  uint32_t payload = kDefaultPayload;  // larger frames are refused before their body is read
  // Client side: send a heartbeat after this long without reading anything; 0 disables.
  std::chrono::milliseconds heartbeat{60000};
  // Close after this long without reading (client) / without reading or writing (server).
  std::chrono::milliseconds idle_timeout{180000};
  bool server_side = false;
  // Output queued for the peer above which the connection stops reading its frames (a peer that
  // sends requests but does not read the answers cannot grow our memory without bound); reading
  // resumes once the queue is down to half. 0: no limit.
  size_t output_high_water = 4 << 20;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  using Clock = std::chrono::steady_clock;

  // `socket` must belong to `io`, the io_context whose thread the connection runs on.
  Connection(asio::io_context& io, asio::ip::tcp::socket socket, ConnectionOptions options,
             RequestHandler* handler);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Starts reading and the idle/heartbeat timer. `on_close` runs once when the connection closes.
  void Start(std::function<void(const Status&)> on_close);

  // Sends a complete frame. Dropped if the connection is closed.
  void Send(std::string frame);
  // Sends the frame `encode(std::string*)` appends: straight into the output buffer when called on
  // the connection's thread (no copy), otherwise through Send().
  template <typename Encode>
  void SendEncoded(Encode&& encode) {
    if (executor_.running_in_this_thread()) {
      if (closed_.load(std::memory_order_relaxed)) return;
      encode(&out_);
      OutputAdded();
      return;
    }
    std::string frame;
    encode(&frame);
    Send(std::move(frame));
  }
  // Call() for a request that `encode(std::string*) -> Status` appends; on the connection's thread
  // only. A failing `encode` (payload limit) fails the call at once.
  template <typename Encode>
  void CallEncoded(int64_t id, std::chrono::milliseconds timeout, ResponseCallback done,
                   Encode&& encode) {
    if (closed_.load(std::memory_order_relaxed)) {
      FailClosed(std::move(done));
      return;
    }
    const size_t before = out_.size();
    Status st = encode(&out_);
    if (!st.ok()) {
      out_.resize(before);
      RpcResult r;
      r.status = std::move(st);
      r.remote = remote_;
      done(std::move(r));
      return;
    }
    AddPending(id, timeout, std::move(done));
    OutputAdded();
  }
  // Sends a request frame (already carrying `id`) and reports its response, a local timeout
  // (kClientTimeout if it was not completely written yet, kServerTimeout if it was) or the
  // connection's end to `done`: kChannelInactive when any byte of the request was handed to the
  // socket (the provider may have run it), kUnavailable when none was (it provably did not), so
  // the cluster knows what it may safely re-send.
  void Call(std::string frame, int64_t id, std::chrono::milliseconds timeout,
            ResponseCallback done);
  // Closes the connection; pending calls fail with `reason` (kChannelInactive, or kUnavailable for
  // requests none of whose bytes were written, as for Call()).
  void Close(const Status& reason);
  // Closes once every frame queued so far has been written (a server's last replies).
  void CloseAfterFlush(const Status& reason);

  // The peer announced it is shutting down ("R" event): stop choosing this connection.
  bool read_only() const { return read_only_.load(std::memory_order_acquire); }
  bool closed() const { return closed_.load(std::memory_order_acquire); }
  // Number of calls waiting for a response.
  size_t pending() const { return pending_count_.load(std::memory_order_relaxed); }
  const std::string& remote() const { return remote_; }
  // When the last bytes arrived. On the connection's thread only.
  Clock::time_point last_read() const { return last_read_; }
  asio::io_context::executor_type executor() { return executor_; }
  const ConnectionOptions& options() const { return options_; }

 private:
  struct Pending {
    ResponseCallback done;
    Clock::time_point deadline;
    uint64_t write_generation;  // the write that carries the request
  };

  template <typename F>
  void RunOnThread(F&& f);
  asio::awaitable<void> ReadLoop(std::shared_ptr<Connection> self);
  asio::awaitable<void> WriteLoop(std::shared_ptr<Connection> self);
  // `self` is the read loop's reference, lent to request handlers without another copy.
  void ProcessFrames(const std::shared_ptr<Connection>& self);
  void HandleFrame(const std::shared_ptr<Connection>& self, const FrameHeader& h,
                   std::string_view body);
  void HandleResponse(const FrameHeader& h, std::string_view body);
  void HandleEvent(const FrameHeader& h, std::string_view body);
  void Append(std::string_view bytes);
  // New output is in out_: wake the writer, unless a read batch is being processed (its end
  // flushes everything the batch produced in one write).
  void OutputAdded();
  // Writes out_ now with a non-blocking write; leaves any rest to the writer.
  void FlushNow();
  void FailClosed(ResponseCallback done);
  size_t QueuedOutput() const { return out_.size() + writing_.size(); }
  bool OutputFull() const {
    return options_.output_high_water > 0 && QueuedOutput() >= options_.output_high_water;
  }
  void AddPending(int64_t id, std::chrono::milliseconds timeout, ResponseCallback done);
  void ArmDeadlineTimer(Clock::time_point when);
  void ExpireDeadlines();
  void ArmIdleTimer();
  void CheckIdle();
  using PendingMap = std::unordered_map<int64_t, Pending>;
  // Removes an entry, keeping its node for the next call.
  Pending TakePending(PendingMap::iterator it);
  void Fail(PendingMap::iterator it, Status status);
  void CloseOnThread(const Status& reason);

  asio::ip::tcp::socket socket_;
  asio::io_context::executor_type executor_;
  ConnectionOptions options_;
  RequestHandler* handler_;
  std::function<void(const Status&)> on_close_;
  std::string remote_;
  std::atomic<bool> read_only_{false};
  std::atomic<bool> closed_{false};
  std::atomic<size_t> pending_count_{0};

  // Reading: [in_begin_, in_end_) of in_ holds unparsed bytes; skip_ bytes of an oversized body
  // are still to be discarded as they arrive.
  std::vector<char> in_;
  size_t in_begin_ = 0;
  size_t in_end_ = 0;
  size_t skip_ = 0;

  // Writing: out_ collects frames during a loop turn; writing_ is on the wire.
  std::string out_;
  std::string writing_;
  asio::steady_timer write_wake_;  // the writer parks on it; cancelled when out_ gets data
  bool writer_parked_ = false;
  // The reader waits on read_wake_ while OutputFull(); the writer cancels it at half.
  asio::steady_timer read_wake_;
  bool reader_parked_ = false;
  bool write_in_flight_ = false;
  bool in_read_batch_ = false;
  std::optional<Status> close_after_flush_;
  uint64_t next_write_generation_ = 1;  // the generation out_ will go out as
  uint64_t completed_generation_ = 0;   // every write up to this one has completed
  uint64_t started_generation_ = 0;     // no byte of any later generation reached the socket

  PendingMap pending_;
  static constexpr size_t kSpareNodes = 256;
  std::vector<PendingMap::node_type> spare_nodes_;
  // Deadlines in call order, one queue per timeout value: each queue is sorted by construction.
  // Answered calls leave their entry behind until it comes due.
  struct DeadlineQueue {
    std::chrono::milliseconds timeout;
    std::deque<std::pair<Clock::time_point, int64_t>> entries;
  };
  std::vector<DeadlineQueue> deadline_queues_;
  asio::steady_timer deadline_timer_;
  Clock::time_point deadline_armed_ = Clock::time_point::max();
  asio::steady_timer idle_timer_;
  Clock::time_point last_read_;
  Clock::time_point last_write_;
};

}  // namespace dubbo::rpc

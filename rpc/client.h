// Client: the consumer side of the exchange. A Channel is one provider address, shared by every
// caller (Dubbo shares one connection per address by default; `connections` opens more). Requests
// are pipelined and matched to responses by id, so many calls are in flight on one connection.
//
// A channel connects on creation (bounded by the connect timeout) and reconnects with back-off
// after losing its connection. Calls made while it is connecting wait for the connection (within
// their own timeout); calls made while it is disconnected and backing off fail at once with
// kUnavailable and the cause, since they could not reach the wire. After the provider sends the
// read-only event the channel reports unavailable, so the cluster stops choosing it; calls still
// sent to it are served until the provider closes.
//
// Thread-safe. Callbacks run on the channel's I/O thread, or inline for failures found before
// sending (bad arguments, payload over the limit, channel down).
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "rpc/connection.h"
#include "rpc/io_threads.h"
#include "rpc/message.h"

namespace dubbo::rpc {

struct ClientOptions {
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::milliseconds reconnect_min{100};   // first retry; doubles per failure
  std::chrono::milliseconds reconnect_max{2000};  // Java's reconnect period
  size_t connections = 1;                         // per provider address
  ConnectionOptions connection;                   // payload, heartbeat, idle timeout
  size_t io_threads = 1;                          // when the client owns its threads
  // Services a provider may call back into over this client's connections (may be null).
  RequestHandler* callback_handler = nullptr;
};

class Channel;

class Client {
 public:
  // `io` may be shared with other clients and servers; when null the client starts its own.
  explicit Client(ClientOptions options = {}, std::shared_ptr<IoThreads> io = nullptr);
  ~Client();  // closes every channel
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // The channel for "host:port", created (and connecting) on first use.
  Result<std::shared_ptr<Channel>> GetChannel(const std::string& address);
  // Closes and forgets the channel (the provider left the registry).
  void RemoveChannel(const std::string& address);
  // The same, only when no one but the client holds the channel: connections are shared by every
  // service a provider exports.
  void RemoveChannelIfUnused(const std::string& address);
  const ClientOptions& options() const { return options_; }

 private:
  ClientOptions options_;
  std::shared_ptr<IoThreads> io_;
  std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<Channel>> channels_;
};

class Channel : public std::enable_shared_from_this<Channel> {
 public:
  // The channel keeps `io` alive: stubs may outlive the client that made them.
  Channel(std::string address, std::string host, uint16_t port, const ClientOptions& options,
          std::shared_ptr<IoThreads> io);
  ~Channel();

  // Starts connecting every connection of the channel.
  void Start();

  // Encodes `inv` with `s` and `overrides` and sends it; `done` receives the outcome. One-way
  // invocations complete (OK, empty body) once handed to the connection.
  void Call(const Invocation& inv, const Serialization& s, ResponseCallback done,
            const CallOverrides& overrides = {});

  // Connected (or connecting for the first time) and not read-only.
  bool IsAvailable() const;
  bool read_only() const;
  size_t pending() const;
  const std::string& address() const { return address_; }
  // The I/O threads the channel runs on (for timers of the layers above: failback retries).
  const std::shared_ptr<IoThreads>& io_threads() const { return io_; }
  void Close();

 private:
  struct Slot;
  void Connect(size_t slot);
  void ScheduleReconnect(size_t slot);
  void OnConnected(size_t slot, asio::ip::tcp::socket socket);
  void OnConnectFailed(size_t slot, const Status& cause);
  void Submit(size_t slot, std::string frame, int64_t id, bool one_way,
              std::chrono::milliseconds timeout, ResponseCallback done);
  // Calls waiting for a connection fail with kClientTimeout at their deadline.
  void ArmWaitTimer(size_t slot, std::chrono::steady_clock::time_point when);
  void ExpireWaiting(size_t slot);

  std::string address_;
  std::string host_;
  uint16_t port_;
  ClientOptions options_;
  std::shared_ptr<IoThreads> io_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::atomic<size_t> next_slot_{0};
  std::atomic<bool> closed_{false};
};

}  // namespace dubbo::rpc

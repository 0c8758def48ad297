// "accesslog": Dubbo's AccessLogFilter. A provider filter (and a consumer one,
// cluster/filter/accesslog.h, in each provider invoker's chain), that records every call in Dubbo's
// line format:
//
//   [2024-05-01 12:00:00.123] 10.0.0.7:53412 -> 10.0.0.9:20880 - group/com.x.Greeter:1.0.0
//   sayHello(java.lang.String) ["world"]
//
// local time; caller -> callee (a consumer line names the caller by its `application`); service
// key; method and parameter types as Java names them; the arguments as JSON (codec/json hints
// where plain JSON is ambiguous), omitted when there are none.
// `accesslog=true` (or `default`) sends lines to the process log at level info (common/log.h);
// any other value except false/0/null/N/A is a file path, appended to (parent directories made).
// The file is opened when the filter is created: a bad path fails the export or reference.
//
// No I/O happens on the calling (I/O) thread: a call appends a small record (the request body is
// copied; arguments are decoded and formatted later) to a bounded buffer that one background
// writer thread per process drains. When a destination already holds 5000 records or 16 MiB, new
// ones are dropped and counted; the writer logs how many. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "rpc/provider_filter.h"

namespace dubbo::rpc {

// One access log record, formatted by the writer.
struct AccessLogEntry {
  std::chrono::system_clock::time_point time;
  std::string from;     // caller
  std::string to;       // callee
  std::string service;  // [group/]interface[:version]
  std::string method;
  std::string descriptor;  // JVM parameter descriptor
  uint8_t serialization = 2;
  // The arguments: a provider keeps the whole request body, a consumer the invocation's writer.
  std::string body;
  std::shared_ptr<const rpc::ArgumentWriter> arguments;
};

// The background writer: destinations by name ("" = the process log, else a file path).
class AccessLogWriter {
 public:
  struct Options {
    size_t max_entries = 5000;     // per destination (Dubbo's LOG_MAX_BUFFER)
    size_t max_bytes = 16u << 20;  // per destination, counting copied request bodies
  };
  explicit AccessLogWriter(Options options);
  ~AccessLogWriter();  // writes what is buffered, then stops the thread
  AccessLogWriter(const AccessLogWriter&) = delete;
  AccessLogWriter& operator=(const AccessLogWriter&) = delete;

  // The process's writer, started on first use and kept while a filter holds it.
  static std::shared_ptr<AccessLogWriter> Shared();

  // Makes `destination` ready (opens the file); errors name the path.
  Status Open(const std::string& destination);
  // Buffers `entry`; false when the destination's buffer is full and it was dropped.
  bool Append(const std::string& destination, AccessLogEntry entry);
  // Waits until every entry appended before the call is written.
  void Flush();
  // Entries dropped so far because a buffer was full.
  uint64_t dropped() const;

 private:
  struct Destination {
    int fd = -1;  // -1: the process log
    std::vector<AccessLogEntry> pending;
    size_t bytes = 0;
    uint64_t dropped = 0;  // since the last write
  };
  void Run();
  void Write(const std::string& name, int fd, std::vector<AccessLogEntry>& entries,
             uint64_t dropped);

  const Options options_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable written_;
  std::unordered_map<std::string, Destination> destinations_;
  uint64_t appended_ = 0;  // sequence numbers, for Flush
  uint64_t done_ = 0;
  uint64_t dropped_total_ = 0;
  bool flush_ = false;
  bool stop_ = false;
  std::thread thread_;
};

// Writes every access log line buffered so far (tests; before exiting). No-op when no filter
// is alive.
void FlushAccessLogs();

// Dubbo's ConfigUtils: false/0/null/N/A mean "not set"; true/default mean "the logger".
// Returns false when access logging is off; `destination` is "" for the log, else the path.
bool AccessLogDestination(const Url& url, std::string* destination);

// The provider side: records each call that reaches it (after token, tps and executes).
class ProviderAccessLogFilter final : public rpc::ProviderFilter {
 public:
  // Null when `accesslog` is absent or false; an error when the file cannot be opened.
  static Result<std::shared_ptr<rpc::ProviderFilter>> Create(const Url& url);
  Status Before(const rpc::RequestInfo& request) override;

 private:
  ProviderAccessLogFilter(std::shared_ptr<AccessLogWriter> writer, std::string destination,
                          std::string host)
      : writer_(std::move(writer)), destination_(std::move(destination)), host_(std::move(host)) {}
  const std::shared_ptr<AccessLogWriter> writer_;
  const std::string destination_;
  const std::string host_;
};

}  // namespace dubbo::rpc

#include "rpc/filter/accesslog.h"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "codec/json.h"
#include "common/log.h"
#include "rpc/dubbo_codec.h"
#include "rpc/filter/timeout.h"
#include "rpc/frame.h"

namespace dubbo::rpc {

namespace {

std::mutex& SharedMutex() {
  static std::mutex mu;
  return mu;
}
std::weak_ptr<AccessLogWriter>& SharedWriter() {
  static std::weak_ptr<AccessLogWriter> writer;
  return writer;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

std::string FormatTime(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count() % 1000;
  std::tm tm{};
  localtime_r(&secs, &tm);
  char text[40];
  const size_t n = std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &tm);
  std::snprintf(text + n, sizeof text - n, ".%03d", static_cast<int>(ms));
  return text;
}

// The arguments as a JSON array, decoded from the request body (provider) or written afresh by
// the invocation (consumer); "" when there are none.
std::string ArgumentsJson(const AccessLogEntry& e) {
  const Serialization* s = SerializationRegistry::Global().Find(e.serialization);
  auto parts = rpc::SplitDescriptor(e.descriptor);
  if (s == nullptr || !parts.ok() || parts->empty()) return "";
  std::string written;
  std::string_view body = e.body;
  const bool has_prelude = !e.arguments;
  if (e.arguments) {
    s->Encode(&written, [&](ObjectOutput& o) { e.arguments->Write(o); });
    body = written;
  }
  std::vector<Value> values;
  const Status st = s->Decode(body, [&](ObjectInput& in) {
    if (has_prelude) {
      rpc::RequestInfo info;
      rpc::ReadRequestPrelude(in, &info);
    }
    for (size_t i = 0; i < parts->size() && in.ok(); ++i) {
      Value v;
      in.ReadValue(&v);
      values.push_back(std::move(v));
    }
  });
  if (!st.ok()) return "<arguments not decodable: " + st.message() + ">";
  return ToJson(values);
}

std::string FormatLine(const AccessLogEntry& e) {
  std::string line = "[" + FormatTime(e.time) + "] " + e.from + " -> " + e.to + " - " + e.service +
                     " " + e.method + "(" + JavaTypeNames(e.descriptor) + ") ";
  line += ArgumentsJson(e);
  return line;
}

size_t EntryBytes(const AccessLogEntry& e) {
  return sizeof(AccessLogEntry) + e.body.size() + e.from.size() + e.to.size() + e.service.size() +
         e.method.size() + e.descriptor.size();
}

}  // namespace

bool AccessLogDestination(const Url& url, std::string* destination) {
  std::string v = url.Get("accesslog");
  while (!v.empty() && v.back() == ' ') v.pop_back();
  while (!v.empty() && v.front() == ' ') v.erase(0, 1);
  if (v.empty()) return false;
  for (std::string_view off : {"false", "0", "null", "N/A"})
    if (EqualsIgnoreCase(v, off)) return false;
  *destination = EqualsIgnoreCase(v, "true") || EqualsIgnoreCase(v, "default") ? std::string() : v;
  return true;
}

// --- AccessLogWriter -----------------------------------------------------------------------------

AccessLogWriter::AccessLogWriter(Options options) : options_(options), thread_([this] { Run(); }) {}

AccessLogWriter::~AccessLogWriter() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_one();
  thread_.join();
  for (auto& [name, d] : destinations_)
    if (d.fd >= 0) ::close(d.fd);
}

std::shared_ptr<AccessLogWriter> AccessLogWriter::Shared() {
  std::lock_guard<std::mutex> lock(SharedMutex());
  auto writer = SharedWriter().lock();
  if (!writer) {
    writer = std::make_shared<AccessLogWriter>(Options{});
    SharedWriter() = writer;
  }
  return writer;
}

Status AccessLogWriter::Open(const std::string& destination) {
  std::lock_guard<std::mutex> lock(mu_);
  if (destinations_.count(destination)) return Status::Ok();
  Destination d;
  if (!destination.empty()) {
    const std::filesystem::path path(destination);
    std::error_code ec;
    if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) {
      return Status(StatusCode::kIoError,
                    "accesslog=" + destination + ": cannot create its directory: " + ec.message());
    }
    d.fd = ::open(destination.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (d.fd < 0) {
      return Status(StatusCode::kIoError,
                    "accesslog=" + destination + ": cannot open: " + std::strerror(errno));
    }
  }
  destinations_.emplace(destination, std::move(d));
  return Status::Ok();
}

bool AccessLogWriter::Append(const std::string& destination, AccessLogEntry entry) {
  const size_t bytes = EntryBytes(entry);
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = destinations_.find(destination);
    if (it == destinations_.end()) return false;  // never opened
    Destination& d = it->second;
    if (d.pending.size() >= options_.max_entries || d.bytes + bytes > options_.max_bytes) {
      ++d.dropped;
      ++dropped_total_;
      return false;
    }
    // One wake-up per batch: the writer takes everything buffered when it runs.
    wake = appended_ == done_ && !flush_;
    d.pending.push_back(std::move(entry));
    d.bytes += bytes;
    ++appended_;
  }
  if (wake) wake_.notify_one();
  return true;
}

void AccessLogWriter::Flush() {
  std::unique_lock<std::mutex> lock(mu_);
  const uint64_t target = appended_;
  flush_ = true;
  wake_.notify_one();
  written_.wait(lock, [&] { return done_ >= target; });
}

uint64_t AccessLogWriter::dropped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dropped_total_;
}

void AccessLogWriter::Run() {
  struct Batch {
    std::string name;
    int fd;
    std::vector<AccessLogEntry> entries;
    uint64_t dropped;
  };
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    wake_.wait(lock, [&] { return stop_ || flush_ || appended_ != done_; });
    std::vector<Batch> batches;
    for (auto& [name, d] : destinations_) {
      if (d.pending.empty() && d.dropped == 0) continue;
      batches.push_back({name, d.fd, std::move(d.pending), d.dropped});
      d.pending = {};
      d.bytes = 0;
      d.dropped = 0;
    }
    const uint64_t upto = appended_;
    const bool stopping = stop_;
    lock.unlock();
    for (auto& b : batches) Write(b.name, b.fd, b.entries, b.dropped);
    batches.clear();
    lock.lock();
    done_ = upto;
    flush_ = false;
    written_.notify_all();
    if (stopping && appended_ == done_) return;
  }
}

void AccessLogWriter::Write(const std::string& name, int fd, std::vector<AccessLogEntry>& entries,
                            uint64_t dropped) {
  if (dropped > 0) {
    LogWarning() << "access log " << (name.empty() ? std::string("(log)") : name) << ": dropped "
                 << dropped << " entries, its buffer was full";
  }
  if (fd < 0) {
    for (const auto& e : entries) LogInfo() << FormatLine(e);
    return;
  }
  std::string text;
  for (const auto& e : entries) {
    text += FormatLine(e);
    text += '\n';
  }
  size_t off = 0;
  while (off < text.size()) {
    const ssize_t n = ::write(fd, text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      LogError() << "access log " << name << ": write failed: " << std::strerror(errno);
      return;
    }
    off += static_cast<size_t>(n);
  }
}

void FlushAccessLogs() {
  std::shared_ptr<AccessLogWriter> writer;
  {
    std::lock_guard<std::mutex> lock(SharedMutex());
    writer = SharedWriter().lock();
  }
  if (writer) writer->Flush();
}

// --- filters -------------------------------------------------------------------------------------

Result<std::shared_ptr<rpc::ProviderFilter>> ProviderAccessLogFilter::Create(const Url& url) {
  std::string destination;
  if (!AccessLogDestination(url, &destination)) return std::shared_ptr<rpc::ProviderFilter>();
  auto writer = AccessLogWriter::Shared();
  DUBBO_RETURN_IF_ERROR(writer->Open(destination));
  return std::shared_ptr<rpc::ProviderFilter>(
      new ProviderAccessLogFilter(std::move(writer), std::move(destination), url.host()));
}

Status ProviderAccessLogFilter::Before(const rpc::RequestInfo& request) {
  AccessLogEntry e;
  e.time = std::chrono::system_clock::now();
  e.from = request.remote;
  e.to = host_ + ":" + std::to_string(request.port);
  e.service = ServiceKey(request.group, request.path,
                         request.version == "*" ? std::string() : request.version);
  e.method = request.method;
  e.descriptor = request.descriptor;
  e.serialization = request.serialization;
  e.body = std::string(request.body);
  writer_->Append(destination_, std::move(e));
  return Status::Ok();
}

}  // namespace dubbo::rpc

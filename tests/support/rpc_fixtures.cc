#include "tests/support/rpc_fixtures.h"

#include <asio/read.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>
#include <thread>

namespace dubbo::testing {

void DemoService::Sleep(int32_t ms, rpc::Responder<int32_t> reply) {
  auto timer = std::make_shared<asio::steady_timer>(timers_->Next(), std::chrono::milliseconds(ms));
  auto holder = std::make_shared<rpc::Responder<int32_t>>(std::move(reply));
  timer->async_wait([timer, holder, ms](const std::error_code&) { holder->Reply(ms); });
}

Status DemoService::Fail(std::string message) {
  auto e = std::make_shared<JavaException>("java.lang.IllegalStateException", message);
  return Status(StatusCode::kBizException, e->ToString()).WithException(e);
}

Status DemoService::Record(std::string note) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    recorded_.push_back(std::move(note));
  }
  cv_.notify_all();
  return Status::Ok();
}

Result<int32_t> DemoService::Block(int32_t ms) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    blocked_ = true;
  }
  cv_.notify_all();
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  return ms;
}

bool DemoService::WaitBlocked(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return blocked_; });
}

std::vector<std::string> DemoService::recorded() {
  std::lock_guard<std::mutex> lock(mu_);
  return recorded_;
}

bool DemoService::WaitRecorded(size_t n, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return recorded_.size() >= n; });
}

std::shared_ptr<const rpc::ServiceDefinition> DemoService::Definition() {
  auto def = std::make_shared<rpc::ServiceDefinition>(std::string(kDemoInterface));
  const std::string str = "Ljava/lang/String;";
  def->Add(rpc::Method("sayHello", str, {"java.lang.String"}, &DemoService::SayHello))
      .Add(rpc::AsyncMethod("sleep", "I", {"int"}, &DemoService::Sleep))
      .Add(rpc::Method("fail", str, {"java.lang.String"}, &DemoService::Fail))
      .Add(rpc::Method("big", "I", {"int"}, &DemoService::Big))
      .Add(rpc::Method("record", str, {"java.lang.String"}, &DemoService::Record))
      .Add(rpc::Method("nothing", "", {}, &DemoService::Nothing))
      .Add(rpc::Method("block", "I", {"int"}, &DemoService::Block));
  return def;
}

rpc::Invocation DemoCall(std::string method, std::string descriptor,
                         std::function<void(ObjectOutput&)> args,
                         std::chrono::milliseconds timeout) {
  rpc::Invocation inv;
  inv.interface = std::string(kDemoInterface);
  inv.method = std::move(method);
  inv.descriptor = std::move(descriptor);
  if (args) inv.arguments = rpc::MakeArguments(std::move(args));
  inv.settings.timeout = timeout;
  return inv;
}

Result<std::string> SayHello(rpc::Invoker& invoker, const std::string& name) {
  auto inv = std::make_shared<rpc::Invocation>(
      DemoCall("sayHello", "Ljava/lang/String;", [name](ObjectOutput& o) { o.WriteString(name); }));
  std::promise<Result<std::string>> p;
  invoker.Invoke(inv, [&p](rpc::RpcResult r) { p.set_value(rpc::DecodeResult<std::string>(r)); });
  return p.get_future().get();
}

RawPeer::RawPeer() : socket_(io_) {}

Status RawPeer::Connect(uint16_t port) {
  std::error_code ec;
  socket_.connect({asio::ip::make_address("127.0.0.1"), port}, ec);
  if (ec) return Status(StatusCode::kIoError, "connect: " + ec.message());
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  return Status::Ok();
}

Status RawPeer::Accept(asio::ip::tcp::acceptor& acceptor) {
  std::error_code ec;
  acceptor.accept(socket_, ec);
  return ec ? Status(StatusCode::kIoError, "accept: " + ec.message()) : Status::Ok();
}

void RawPeer::Send(std::string_view bytes) {
  std::error_code ec;
  asio::write(socket_, asio::buffer(bytes.data(), bytes.size()), ec);
}

bool RawPeer::ReadExactly(char* out, size_t n, std::chrono::milliseconds timeout) {
  std::error_code read_ec = asio::error::would_block;
  size_t got = 0;
  asio::async_read(socket_, asio::buffer(out, n), [&](std::error_code ec, size_t k) {
    read_ec = ec;
    got = k;
  });
  io_.restart();
  io_.run_for(timeout);
  if (read_ec == asio::error::would_block) {  // timed out: abandon the read
    socket_.cancel();
    io_.restart();
    io_.run();
    return false;
  }
  return !read_ec && got == n;
}

std::optional<RawFrame> RawPeer::Read(std::chrono::milliseconds timeout) {
  char header[rpc::kHeaderSize];
  if (!ReadExactly(header, sizeof header, timeout)) return std::nullopt;
  auto h = rpc::DecodeHeader(std::string_view(header, sizeof header));
  if (!h.ok()) return std::nullopt;
  RawFrame f{*h, std::string(static_cast<size_t>(h->body_length), '\0')};
  if (!f.body.empty() && !ReadExactly(f.body.data(), f.body.size(), timeout)) return std::nullopt;
  return f;
}

bool RawPeer::WaitClosed(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char byte;
  while (std::chrono::steady_clock::now() < deadline) {
    std::error_code read_ec = asio::error::would_block;
    socket_.async_read_some(asio::buffer(&byte, 1),
                            [&](std::error_code ec, size_t) { read_ec = ec; });
    io_.restart();
    io_.run_for(deadline - std::chrono::steady_clock::now());
    if (read_ec == asio::error::would_block) {
      socket_.cancel();
      io_.restart();
      io_.run();
      return false;
    }
    if (read_ec) return true;  // EOF or reset: closed
  }
  return false;
}

std::string HessianBody(const std::function<void(hessian2::Writer&)>& write) {
  std::string out;
  hessian2::Writer w(&out);
  write(w);
  return out;
}

std::string RequestFrame(int64_t id, std::string_view body, uint8_t flags) {
  rpc::FrameHeader h;
  h.flags = flags;
  h.id = id;
  h.body_length = static_cast<int32_t>(body.size());
  std::string frame;
  rpc::AppendHeader(h, &frame);
  frame.append(body);
  return frame;
}

std::string DemoRequestBody(std::string_view method, std::string_view descriptor,
                            const std::function<void(hessian2::Writer&)>& args,
                            std::string_view dubbo_version) {
  return HessianBody([&](hessian2::Writer& w) {
    w.WriteString(dubbo_version);
    w.WriteString(kDemoInterface);
    w.WriteString("0.0.0");
    w.WriteString(method);
    w.WriteString(descriptor);
    args(w);
    w.WriteMapBegin("");
    w.WriteString("path");
    w.WriteString(kDemoInterface);
    w.WriteMapEnd();
  });
}

std::string SayHelloBody(std::string_view name, std::string_view dubbo_version) {
  return DemoRequestBody(
      "sayHello", "Ljava/lang/String;", [&](hessian2::Writer& w) { w.WriteString(name); },
      dubbo_version);
}

}  // namespace dubbo::testing

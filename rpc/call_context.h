// CallContext: what a consumer adds to the calls it makes through generated stubs and what the
// provider answered with — Java's RpcContext.getClientAttachment() and getServerContext().
//
//   auto ctx = std::make_shared<dubbo::rpc::CallContext>();
//   ctx->attachments.Set("trace-id", "4bf92f3577b34da6");
//   {
//     dubbo::rpc::CallContextScope scope(ctx);
//     auto reply = stub.SayHello("world");  // or the callback and coroutine forms
//   }
//   ctx->response_attachments().GetString("served-by");
//
// Attachments that apply to every call of a reference are set on the stub instead
// (StubBase::SetAttachment). The per-call ones are added over the reference's.
//
// Thread-safety: `attachments` is read by the calls made in the scope, on the calling thread;
// change it only while no call of the scope is being made. response_attachments() is filled
// before the call's result is returned, awaited or passed to its callback, and is safe to read
// then; when several calls share a context, it holds the last answer's.
#pragma once

#include <memory>
#include <mutex>
#include <utility>

#include "rpc/attachments.h"
#include "rpc/message.h"

namespace dubbo::rpc {

class CallContext {
 public:
  // Sent with each call made while a CallContextScope holds this context.
  Attachments attachments;

  // The response attachments of the last call answered (empty when the provider sent none, or
  // the call failed before an answer).
  Attachments response_attachments() const {
    std::lock_guard<std::mutex> lock(mu_);
    return response_;
  }

  // Called by the stub as the answer arrives.
  void SetResponse(const RpcResult& r);

 private:
  mutable std::mutex mu_;
  Attachments response_;
};

// Makes `ctx` the context of the stub calls this thread starts while the scope lives (scopes
// nest; the innermost applies).
class CallContextScope {
 public:
  explicit CallContextScope(std::shared_ptr<CallContext> ctx);
  ~CallContextScope();
  CallContextScope(const CallContextScope&) = delete;
  CallContextScope& operator=(const CallContextScope&) = delete;

  // The context of calls started on this thread now (null when no scope is open).
  static const std::shared_ptr<CallContext>& Current();

 private:
  std::shared_ptr<CallContext> previous_;
};

}  // namespace dubbo::rpc

// `dubboctl registry list|providers|consumers|watch|describe`: what a registry holds, through the
// Registry interface only (registry/registry.h), so every registry scheme works the same way.
//
// Also the pieces `dubboctl invoke` shares: opening a registry with every operation bounded by a
// timeout (an unreachable server must not hang the tool), and a URL as a JSON object.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "codec/value.h"
#include "common/result.h"
#include "common/url.h"
#include "tools/dubboctl/command.h"

namespace CLI {
class App;
}

namespace dubbo::registry {
class Registry;
}

namespace dubbo::dubboctl {

// Registers the `registry` subcommand and its subcommands on `app`.
void AddRegistryCommand(CLI::App& app, Action* action);

// Registry operations may wait on a server (ZooKeeper) that does not answer: each runs on a
// helper thread and is given up after the timeout. A registry is never destroyed while an
// abandoned operation may still use it: the process ends at once instead (Exit).
class RegistryConnection {
 public:
  // Opens the registry `address` names. Failures name the address: a bad address or an unknown
  // scheme as such, an operation that times out or finds the server unavailable as "cannot reach
  // registry <address>: ...".
  static Result<std::unique_ptr<RegistryConnection>> Open(const std::string& address,
                                                          std::chrono::milliseconds timeout);
  // Closes the registry (bounded by the timeout too).
  ~RegistryConnection();

  registry::Registry& registry() const { return *registry_; }
  const std::shared_ptr<registry::Registry>& shared() const { return registry_; }
  // The registry's address as printed in messages (no credentials).
  const std::string& address() const { return address_; }

  // Runs `op` on the registry within the timeout; kUnavailable results and timeouts become
  // "cannot reach registry <address>: ..." (kUnavailable), other failures keep their message.
  Status Run(const std::function<Status(registry::Registry&)>& op);

 private:
  RegistryConnection(std::shared_ptr<registry::Registry> registry, std::string address,
                     std::chrono::milliseconds timeout)
      : registry_(std::move(registry)), address_(std::move(address)), timeout_(timeout) {}

  std::shared_ptr<registry::Registry> registry_;
  std::string address_;
  std::chrono::milliseconds timeout_;
};

// Runs `op` on a helper thread and waits at most `timeout`; false when it did not finish (it keeps
// running, detached: then the caller must end the process with Exit, not return).
bool RunWithTimeout(std::function<void()> op, std::chrono::milliseconds timeout);

// Ends the process now with `code`, after flushing stdout and stderr: for when a detached
// operation may still be running, so no destructor may run.
[[noreturn]] void Exit(int code);

// A URL as a JSON object: url (without credentials), protocol, address, host, port, path,
// service key, side, category (the derived facts `registry describe` prints) and the parameters
// as an object, sorted.
Value UrlToJsonValue(const Url& url);

// Dubbo's category of a URL: the `category` parameter, else derived from the protocol (consumer://
// -> consumers, override:// -> configurators, route:// -> routers, otherwise providers).
// `*from_parameter` says which.
std::string UrlCategory(const Url& url, bool* from_parameter = nullptr);
// "provider" or "consumer": the `side` parameter, else from the protocol.
std::string UrlSide(const Url& url, bool* from_parameter = nullptr);

}  // namespace dubbo::dubboctl

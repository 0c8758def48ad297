// qos::Backend: what the QoS server sees of one application — the services it exports and
// refers to, its protocol ports, readiness — and the few things QoS may do to it: take providers
// offline and online again in the registry, and give an invoker for a generic call. Application
// implements it; QoS commands (qos/commands.h) only go through it, so they can be tested against
// a real Application or a double.
//
// Implementations are thread-safe; methods may be called from QoS threads at any time between
// attaching to and detaching from a QosServer.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/url.h"
#include "rpc/invoker.h"

namespace dubbo::qos {

struct ProvidedService {
  std::string service_key;  // [group/]interface[:version]
  std::string interface;
  std::string group;
  std::string version;
  bool online = false;  // registered in the registry (or, without one, not taken offline)
};

struct ReferredService {
  std::string service_key;
  std::string interface;
  std::string group;
  std::string version;
  size_t addresses = 0;  // providers the reference can call now
};

// An invoker for generic ($invoke) calls to one service, with the version and group to send.
struct GenericTarget {
  std::shared_ptr<rpc::Invoker> invoker;
  std::string interface;
  std::string version;
  std::string group;
};

class Backend {
 public:
  virtual ~Backend() = default;

  virtual std::string application() const = 0;
  virtual std::vector<ProvidedService> Provided() const = 0;
  virtual std::vector<ReferredService> Referred() const = 0;
  // dubbo://host:port of each protocol server (none when nothing is exported).
  virtual std::vector<Url> ServerUrls() const = 0;
  // Registers (online) or unregisters (offline) the provider URLs of the exported services with
  // these service keys; consumers stop (or resume) calling them.
  virtual Status SetOnline(const std::vector<std::string>& service_keys, bool online) = 0;
  // Started, not stopping, and either exporting nothing or at least one service online.
  virtual bool Ready() const = 0;
  // For an exported service (`provided`): a channel to this process's own port, so the call runs
  // through the real provider path; otherwise the reference's cluster invoker.
  virtual Result<GenericTarget> GenericInvoker(const std::string& service_key, bool provided) = 0;
};

}  // namespace dubbo::qos

// The one registry engine: a Registry (registry/registry.h) over any RegistryBackend. It holds
// what every registry needs and no backend should redo — this object's registrations (written
// again in the background until Unregister or Close, re-written on every new session, checked
// every check_interval), queued removals, subscriptions with their watched paths, coalesced
// notification (notify.delay), the first-session grace, the cache file fallback — so that
// ZooKeeper and file:// answer only backend questions (registry/registry_backend.h).
//
// Threads: a worker thread (backend upkeep, reads, retries) and a notification thread (every
// listener call, one at a time, and cache file saves). Listeners never run on a backend's
// thread and no lock is held while they run, so they may call back into the registry, even
// drop the last reference to it. Register, Unregister, Lookup and ListServices call the backend
// on the caller's thread. The returned Registry is thread-safe; it owns the backend.
// Not part of the public API.
#pragma once

#include <memory>

#include "common/result.h"
#include "common/url.h"
#include "registry/registry.h"
#include "registry/registry_backend.h"

namespace dubbo::registry {

// Starts the engine's threads over `backend`; `url` is what Registry::url() returns. Fails only
// when a thread cannot be started.
Result<std::shared_ptr<Registry>> OpenRegistryEngine(const Url& url,
                                                     std::unique_ptr<RegistryBackend> backend);

}  // namespace dubbo::registry

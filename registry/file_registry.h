// The "file" registry: Dubbo's ZooKeeper layout kept as directories on the local file system,
// so processes of one machine find each other with no server to run. `file:///var/lib/dubbo`
// keeps entries under /var/lib/dubbo, `file://` under FileRegistryDefaultDir().
//
// Registry URL parameters: `group` (root directory, default "dubbo", as ZooKeeper's root node),
// `notify.delay` (ms a burst of changes is coalesced into one notification, default 10),
// `liveness.interval` (ms between scans for entries whose owner process is gone, default 250),
// `inotify` (false: see changes by those scans only, for file systems where inotify misses them).
//
// An entry registered with dynamic=true (the default) belongs to the registering process and
// disappears when that process exits, however it exits; dynamic=false entries persist. Layout,
// entry format and rules: docs/registry.md, "The file registry".
//
// Thread-safe like every Registry. Subscribe() returns once the listener has received the
// initial list (except when called from a listener, which cannot wait for its own thread), so
// do not hold a lock your listener takes while calling it.
#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "common/url.h"
#include "registry/registry.h"

namespace dubbo::registry {

// Opens the registry `url` names (scheme "file"); creates its root directory. The factory
// RegisterBuiltinRegistries() installs for "file".
Result<std::shared_ptr<Registry>> OpenFileRegistry(const Url& url);

// Where `file://` keeps its entries: /tmp/dubbo-cpp-registry-<uid>. Deliberately not
// $XDG_RUNTIME_DIR or $TMPDIR: processes started from cron, ssh, sudo or a desktop session
// must all land in the same directory to find each other.
std::string FileRegistryDefaultDir();

// The name of the file that holds `url` in its category directory: readable prefix
// (protocol-host-port) plus a 128-bit hash of url.ToFullString(), at most 172 bytes however
// long the URL. Exposed for tests and tools.
std::string FileRegistryEntryName(const Url& url);

}  // namespace dubbo::registry

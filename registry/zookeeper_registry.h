// The "zookeeper" registry: Dubbo's interface-level ZooKeeper layout, on the ZooKeeper C client
// (multithreaded library), readable and writable by Java Dubbo 2.x/3.x and the JS clients.
//
//   zookeeper://[user:password@]host:port[,host2:port2...]?backup=h3:port3,...&group=dubbo&...
//
// Nodes: /<group>/<URLEncoder(interface)>/<category>/<URLEncoder(url.ToFullString())>, ephemeral
// (persistent for dynamic=false). Registry URL parameters (defaults in brackets): `group` root
// ["dubbo"], `backup` more servers, `session` session timeout ms [60000] (the server caps it),
// `timeout` ms the first operations wait for the first session [5000], `retry.period` ms
// between retries of failed operations [5000], `notify.delay` ms a burst of changes is coalesced
// [100], `application` (names the cache file), `file` cache file path, `file-cache` [true].
//
// Failed operations (Register, Unregister, Subscribe) are retried in the background until they
// succeed, for ever; a new session after expiry re-creates every ephemeral node and re-arms every
// watch. While ZooKeeper is unreachable, Register/Unregister queue the operation and return OK,
// and Subscribe notifies from the local cache file (Dubbo's format) and returns at once; the
// live list replaces it when ZooKeeper answers. Details: docs/registry.md, "ZooKeeper".
//
// A thin backend (zookeeper_session.h keeps the session) over the registry engine
// (registry_engine.h), which does the bookkeeping. Thread-safe like every Registry. Listeners
// run on one thread of the registry's own, never on the ZooKeeper client's threads. Subscribe()
// returns once the listener has received the initial list (except when called from a listener).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/result.h"
#include "common/url.h"
#include "registry/registry.h"

namespace dubbo::registry {

// Opens the registry `url` names (scheme "zookeeper"); connects in the background (does not
// wait for the server). The factory RegisterBuiltinRegistries() installs for "zookeeper".
Result<std::shared_ptr<Registry>> OpenZookeeperRegistry(const Url& url);

// The ZooKeeper connection string of a registry URL: the address (itself possibly a comma
// list) then the `backup` servers, port 2181 where none is given ("h1:2181,h2:2181").
Result<std::string> ZookeeperConnectString(const Url& url);

// The local cache file a registry URL uses: `file`, else
// ${HOME}/.dubbo/dubbo-registry-<application>-<host>-<port>.cache (the first server's host and
// port; "dubbo-registry-<host>-<port>.cache" without `application`); "" when `file-cache=false`.
std::string ZookeeperCacheFilePath(const Url& url);

// The session of a registry OpenZookeeperRegistry returned, for tests and diagnostics: id and
// password (ZooKeeper's clientid_t). nullopt for another kind of registry, or while not connected.
using ZookeeperSession = RegistrySession;
std::optional<ZookeeperSession> ZookeeperRegistrySession(const Registry& registry);

}  // namespace dubbo::registry

#include "tools/dubboctl/registry_command.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "codec/json.h"
#include "registry/registry.h"

namespace dubbo::dubboctl {

// ---- shared with invoke ------------------------------------------------------------------------

void Exit(int code) {
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  std::_Exit(code);
}

bool RunWithTimeout(std::function<void()> op, std::chrono::milliseconds timeout) {
  struct State {
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
  };
  auto state = std::make_shared<State>();
  std::thread([state, op = std::move(op)]() mutable {
    {
      // Whatever the operation holds (a registry) is released before the waiter goes on.
      const std::function<void()> run = std::move(op);
      run();
    }
    std::lock_guard<std::mutex> lock(state->mu);
    state->done = true;
    state->cv.notify_all();
  }).detach();
  std::unique_lock<std::mutex> lock(state->mu);
  return state->cv.wait_for(lock, timeout, [&] { return state->done; });
}

namespace {

std::string Millis(std::chrono::milliseconds ms) { return std::to_string(ms.count()) + " ms"; }

[[noreturn]] void GiveUp(const std::string& address, std::chrono::milliseconds timeout) {
  Fail("cannot reach registry " + address + ": no answer within " + Millis(timeout));
  Exit(kExitFailure);
}

}  // namespace

Result<std::unique_ptr<RegistryConnection>> RegistryConnection::Open(
    const std::string& address, std::chrono::milliseconds timeout) {
  auto url = Url::Parse(address);
  if (!url.ok()) return url.status().WithContext("registry address");
  const std::string shown = url->ToString();
  // Shared with the helper thread, which may outlive this call when it times out.
  auto opened = std::make_shared<std::optional<Result<std::shared_ptr<registry::Registry>>>>();
  if (!RunWithTimeout([opened, u = *url] { opened->emplace(registry::OpenRegistry(u)); },
                      timeout)) {
    GiveUp(shown, timeout);
  }
  if (!opened->value().ok()) {
    const Status& s = opened->value().status();
    if (s.code() == StatusCode::kUnavailable) {
      return Status(s.code(), "cannot reach registry " + shown + ": " + s.message());
    }
    return s;  // OpenRegistry names the address
  }
  return std::unique_ptr<RegistryConnection>(
      new RegistryConnection(std::move(opened->value()).value(), shown, timeout));
}

RegistryConnection::~RegistryConnection() {
  // The registry is closed on the helper thread, which keeps it alive; it may still be in use
  // by a listener or a timed-out operation only if the process is already on its way out.
  if (!RunWithTimeout([r = registry_] { r->Close(); }, timeout_)) Exit(kExitFailure);
}

Status RegistryConnection::Run(const std::function<Status(registry::Registry&)>& op) {
  auto status = std::make_shared<Status>();
  if (!RunWithTimeout([status, op, r = registry_] { *status = op(*r); }, timeout_)) {
    GiveUp(address_, timeout_);
  }
  if (status->code() == StatusCode::kUnavailable) {
    return Status(status->code(), "cannot reach registry " + address_ + ": " + status->message());
  }
  return *status;
}

std::string UrlCategory(const Url& url, bool* from_parameter) {
  const std::string category = url.Get("category");
  if (from_parameter != nullptr) *from_parameter = !category.empty();
  if (!category.empty()) return category;
  const std::string& p = url.protocol();
  if (p == "consumer") return "consumers";
  if (p == "override" || p == "absent") return "configurators";
  if (p == "route" || p == "condition" || p == "script" || p == "tag") return "routers";
  return "providers";
}

std::string UrlSide(const Url& url, bool* from_parameter) {
  const std::string side = url.Get("side");
  if (from_parameter != nullptr) *from_parameter = !side.empty();
  if (!side.empty()) return side;
  return url.protocol() == "consumer" ? "consumer" : "provider";
}

namespace {

Value Str(std::string s) { return Value::String(std::move(s)); }

void Put(Map& m, std::string key, Value v) {
  m.entries.emplace_back(Str(std::move(key)), std::move(v));
}

}  // namespace

namespace {

Map UrlToJsonMap(const Url& url) {
  Map m;
  Put(m, "url", Str(url.ToString()));
  Put(m, "protocol", Str(url.protocol()));
  if (!url.username().empty()) Put(m, "username", Str(url.username()));
  Put(m, "host", Str(url.host()));
  Put(m, "port", Value::Int(url.port()));
  Put(m, "address", Str(url.Address()));
  Put(m, "path", Str(url.path()));
  Put(m, "serviceKey", Str(url.ServiceKey()));
  Put(m, "side", Str(UrlSide(url)));
  Put(m, "category", Str(UrlCategory(url)));
  Map params;
  for (const auto& [k, v] : url.parameters()) Put(params, k, Str(v));
  Put(m, "parameters", Value::FromMap(std::move(params)));
  return m;
}

}  // namespace

Value UrlToJsonValue(const Url& url) { return Value::FromMap(UrlToJsonMap(url)); }

namespace {

constexpr char kRegistryFooter[] =
    R"(Registry addresses: zookeeper://host:port[?backup=host2:port2,...],
file:///dir (the file registry in that directory), file:// (its default
directory), or any other scheme a registry is installed for. --registry may be
left out when $DUBBO_REGISTRY holds the address.

Every operation on the registry is bounded by --timeout (default 5000 ms): a
registry that does not answer is reported as "cannot reach registry <address>".
Exit status: 0 ok, 1 failure (message on stderr), 2 bad usage.
)";

constexpr char kProvidersFooter[] =
    R"(Columns: ADDRESS (host:port; other protocols as protocol://host:port, disabled
providers marked), VERSION and GROUP ("-" when none), WEIGHT (default 100),
SERIALIZATION (default hessian2), APPLICATION, AGE (since the URL's timestamp)
and METHODS. Consumers have no WEIGHT and SERIALIZATION columns. Every entry is
listed, disabled ones included; --version and --group narrow the list as a
reference with that version and group would ("*" = any, the default).
--json prints the URLs as objects with their parameters.
)";

constexpr char kWatchFooter[] =
    R"(Prints the current providers, then one line per change until interrupted
(SIGINT, SIGTERM) or --count changes were seen:
  added    <address>  <url>
  removed  <address>  <url>
A provider whose URL changes (re-registered with other parameters) shows as
removed and added. --json prints one JSON object per line instead, with an
"event" key: "current", "added" or "removed".
)";

constexpr char kDescribeFooter[] =
    R"(The argument is a Dubbo URL (dubbo://host:port/interface?key=value&...), a
ZooKeeper node name or path whose last segment is the URL encoded as Java's
URLEncoder encodes it (decoded as URLDecoder does), or the path of a file
registry entry (its first line is the URL). Prints the URL's parts, the facts
Dubbo derives from it (service key, side, category, age) and every parameter,
sorted.
)";

// ---- formatting --------------------------------------------------------------------------------

// Characters, not bytes, for column widths.
size_t Width(std::string_view s) {
  size_t n = 0;
  for (const char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

// Rows of cells as aligned columns two spaces apart; the last column is not padded.
std::string Table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], Width(row[i]));
  }
  std::string out;
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      out += row[i];
      if (i + 1 < row.size()) out.append(widths[i] - Width(row[i]) + 2, ' ');
    }
    out += '\n';
  }
  return out;
}

int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// "45s", "3m12s", "2h5m", "4d3h" since the URL's `timestamp` (ms since the epoch); "-" without one.
std::string Age(const Url& url, int64_t now_ms) {
  const auto ts = url.GetInt("timestamp", -1);
  if (!ts.ok() || *ts < 0) return "-";
  const int64_t s = std::max<int64_t>(0, (now_ms - *ts) / 1000);
  auto n = [](int64_t v, const char* unit) { return std::to_string(v) + unit; };
  if (s < 60) return n(s, "s");
  if (s < 3600) return n(s / 60, "m") + n(s % 60, "s");
  if (s < 86400) return n(s / 3600, "h") + n(s / 60 % 60, "m");
  return n(s / 86400, "d") + n(s / 3600 % 24, "h");
}

std::string OrDash(const std::string& s) { return s.empty() ? "-" : s; }

// host:port for dubbo://, protocol://host:port for the others; disabled entries are marked.
std::string Where(const Url& url) {
  std::string where = url.protocol() == "dubbo" || url.protocol() == "consumer"
                          ? url.Address()
                          : url.protocol() + "://" + url.Address();
  if (url.Get("enabled", "true") == "false" || url.Get("disabled") == "true")
    where += " (disabled)";
  return where;
}

// Registries name services by interface; ZooKeeper node names are URL-encoded.
std::string InterfaceName(const std::string& name) {
  if (name.find('%') == std::string::npos) return name;
  auto decoded = UrlDecode(name);
  return decoded.ok() ? *decoded : name;
}

// The consumer URL a query uses: every entry of `category` for the interface, disabled ones and
// every classifier included; version and group "*" unless given.
Url QueryUrl(const std::string& interface, const std::string& category, const std::string& version,
             const std::string& group) {
  Url url("consumer", "0.0.0.0", 0, interface);
  url.Set("interface", interface)
      .Set("category", category)
      .Set("version", version.empty() ? "*" : version)
      .Set("group", group.empty() ? "*" : group)
      .Set("classifier", "*")
      .Set("enabled", "*");
  return url;
}

void SortUrls(std::vector<Url>* urls) {
  std::sort(urls->begin(), urls->end(),
            [](const Url& a, const Url& b) { return a.ToFullString() < b.ToFullString(); });
}

// ---- options -----------------------------------------------------------------------------------

struct CommonOptions {
  std::string registry;
  int64_t timeout_ms = 5000;
  bool json = false;

  std::chrono::milliseconds timeout() const { return std::chrono::milliseconds(timeout_ms); }
};

struct ServiceOptions : CommonOptions {
  std::string interface;
  std::string version;
  std::string group;
  int64_t count = 0;
};

struct DescribeOptions {
  std::string url;
  bool json = false;
};

void AddRegistryOption(CLI::App* cmd, CommonOptions* o) {
  cmd->add_option("-r,--registry", o->registry,
                  "Registry address (zookeeper://host:port, file:///dir, ...); default "
                  "$DUBBO_REGISTRY")
      ->type_name("URL");
  cmd->add_option("--timeout", o->timeout_ms,
                  "Milliseconds each registry operation may take (default 5000)")
      ->type_name("MS")
      ->check(CLI::Range(int64_t{1}, int64_t{3600000}));
}

// Fills in $DUBBO_REGISTRY; a missing registry is a usage error (thrown from a parse callback).
void RequireRegistry(std::string* registry) {
  if (!registry->empty()) return;
  if (const char* env = std::getenv("DUBBO_REGISTRY"); env != nullptr && *env != '\0') {
    *registry = env;
    return;
  }
  throw CLI::RequiredError("--registry (or $DUBBO_REGISTRY)");
}

// ---- list --------------------------------------------------------------------------------------

int RunList(const CommonOptions& o) {
  auto conn = RegistryConnection::Open(o.registry, o.timeout());
  if (!conn.ok()) return Fail(conn.status().message());
  RegistryConnection& c = **conn;
  struct Row {
    std::string interface;
    size_t providers = 0;
    size_t consumers = 0;
  };
  std::vector<std::string> names;
  Status st = c.Run([&](registry::Registry& r) -> Status {
    DUBBO_ASSIGN_OR_RETURN(names, r.ListServices());
    return Status::Ok();
  });
  if (!st.ok()) return Fail(st.message());
  // Two wildcard lookups count every service's entries (not two per service).
  std::map<std::string, Row> by_interface;
  for (const auto& n : names) {
    const std::string i = InterfaceName(n);
    by_interface.try_emplace(i, Row{i});
  }
  for (const bool providers : {true, false}) {
    std::vector<Url> urls;
    st = c.Run([&](registry::Registry& r) -> Status {
      DUBBO_ASSIGN_OR_RETURN(
          urls, r.Lookup(QueryUrl("*", providers ? "providers" : "consumers", "", "")));
      return Status::Ok();
    });
    if (!st.ok()) return Fail(st.message());
    for (const auto& u : urls) {
      const std::string i = u.Get("interface", u.path());
      Row& row = by_interface.try_emplace(i, Row{i}).first->second;
      ++(providers ? row.providers : row.consumers);
    }
  }
  std::vector<Row> rows;
  for (auto& [name, row] : by_interface) rows.push_back(std::move(row));
  if (!st.ok()) return Fail(st.message());
  if (o.json) {
    List list;
    for (const auto& row : rows) {
      Map m;
      Put(m, "interface", Str(row.interface));
      Put(m, "providers", Value::Int(static_cast<int32_t>(row.providers)));
      Put(m, "consumers", Value::Int(static_cast<int32_t>(row.consumers)));
      list.items.push_back(Value::FromMap(std::move(m)));
    }
    std::cout << ToJson(Value::FromList(std::move(list)), 2) << '\n';
  } else if (rows.empty()) {
    std::cout << "no services in " << c.address() << '\n';
  } else {
    std::vector<std::vector<std::string>> table = {{"INTERFACE", "PROVIDERS", "CONSUMERS"}};
    for (const auto& row : rows) {
      table.push_back(
          {row.interface, std::to_string(row.providers), std::to_string(row.consumers)});
    }
    std::cout << Table(table);
  }
  return kExitOk;
}

// ---- providers / consumers ---------------------------------------------------------------------

int RunEntries(const ServiceOptions& o, bool providers) {
  auto conn = RegistryConnection::Open(o.registry, o.timeout());
  if (!conn.ok()) return Fail(conn.status().message());
  RegistryConnection& c = **conn;
  const char* category = providers ? "providers" : "consumers";
  std::vector<Url> urls;
  const Status st = c.Run([&](registry::Registry& r) -> Status {
    DUBBO_ASSIGN_OR_RETURN(urls, r.Lookup(QueryUrl(o.interface, category, o.version, o.group)));
    return Status::Ok();
  });
  if (!st.ok()) return Fail(st.message());
  SortUrls(&urls);
  if (o.json) {
    List list;
    for (const auto& u : urls) list.items.push_back(UrlToJsonValue(u));
    std::cout << ToJson(Value::FromList(std::move(list)), 2) << '\n';
    return kExitOk;
  }
  if (urls.empty()) {
    std::cout << "no " << category << " of " << o.interface << " in " << c.address() << '\n';
    return kExitOk;
  }
  const int64_t now = NowMillis();
  std::vector<std::vector<std::string>> table;
  if (providers) {
    table.push_back({"ADDRESS", "VERSION", "GROUP", "WEIGHT", "SERIALIZATION", "APPLICATION", "AGE",
                     "METHODS"});
  } else {
    table.push_back({"ADDRESS", "VERSION", "GROUP", "APPLICATION", "AGE", "METHODS"});
  }
  for (const auto& u : urls) {
    if (providers) {
      table.push_back({Where(u), OrDash(u.Get("version")), OrDash(u.Get("group")),
                       u.Get("weight", "100"), u.Get("serialization", "hessian2"),
                       OrDash(u.Get("application")), Age(u, now), OrDash(u.Get("methods"))});
    } else {
      table.push_back({Where(u), OrDash(u.Get("version")), OrDash(u.Get("group")),
                       OrDash(u.Get("application")), Age(u, now), OrDash(u.Get("methods"))});
    }
  }
  std::cout << Table(table);
  return kExitOk;
}

// ---- watch -------------------------------------------------------------------------------------

// Written by the signal handlers and by the listener once --count changes were seen.
std::atomic<int> g_wake_fd{-1};

extern "C" void OnStopSignal(int) {
  const int fd = g_wake_fd.load();
  if (fd >= 0) {
    const char c = 's';
    [[maybe_unused]] const ssize_t n = write(fd, &c, 1);
  }
}

class Watcher {
 public:
  Watcher(const ServiceOptions& o, std::string address, int wake_fd)
      : o_(o), address_(std::move(address)), wake_fd_(wake_fd) {}

  void Notify(const std::vector<Url>& urls) {
    std::map<std::string, Url> now;
    for (const auto& u : urls) {
      if (UrlCategory(u) == "providers") now.emplace(u.ToFullString(), u);
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (!started_) {
      started_ = true;
      if (!o_.json) {
        std::cout << o_.interface << ": " << now.size()
                  << (now.size() == 1 ? " provider" : " providers") << " in " << address_ << '\n';
      }
      for (const auto& [key, u] : now) Print("current", u);
      std::cout.flush();
      current_ = std::move(now);
      return;
    }
    bool changed = false;
    for (const auto& [key, u] : current_) {
      if (now.count(key) == 0) {
        Print("removed", u);
        changed = true;
      }
    }
    for (const auto& [key, u] : now) {
      if (current_.count(key) == 0) {
        Print("added", u);
        changed = true;
      }
    }
    std::cout.flush();
    current_ = std::move(now);
    if (changed && ++changes_ == o_.count) {
      const char c = 'c';
      [[maybe_unused]] const ssize_t n = write(wake_fd_, &c, 1);
    }
  }

 private:
  void Print(const char* event, const Url& u) {
    if (o_.json) {
      Map m;
      Put(m, "event", Str(event));
      Map fields = UrlToJsonMap(u);
      for (auto& entry : fields.entries) m.entries.push_back(std::move(entry));
      std::cout << ToJson(Value::FromMap(std::move(m))) << '\n';
    } else if (std::string_view(event) == "current") {
      std::cout << "  " << Where(u) << "  " << u.ToString() << '\n';
    } else {
      std::string label = event;
      label.resize(9, ' ');
      std::cout << label << Where(u) << "  " << u.ToString() << '\n';
    }
  }

  const ServiceOptions& o_;
  const std::string address_;
  const int wake_fd_;
  std::mutex mu_;
  bool started_ = false;
  int64_t changes_ = 0;
  std::map<std::string, Url> current_;
};

int RunWatch(const ServiceOptions& o) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return Fail(std::string("pipe: ") + std::strerror(errno));
  auto conn = RegistryConnection::Open(o.registry, o.timeout());
  if (!conn.ok()) return Fail(conn.status().message());
  RegistryConnection& c = **conn;
  const Url query = QueryUrl(o.interface, "providers", o.version, o.group);
  // Fails early and clearly when the registry cannot be reached (a subscription would wait, or
  // serve a stale cache).
  Status st = c.Run([&](registry::Registry& r) { return r.Lookup(query).status(); });
  if (!st.ok()) return Fail(st.message());
  // From here a stop signal only wakes the main thread, which unsubscribes and closes: the
  // handlers are in place before the first line is printed, so whoever reads it may signal.
  g_wake_fd = fds[1];
  struct sigaction sa {};
  sa.sa_handler = OnStopSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  auto watcher = std::make_shared<Watcher>(o, c.address(), fds[1]);
  uint64_t id = 0;
  st = c.Run([&](registry::Registry& r) -> Status {
    DUBBO_ASSIGN_OR_RETURN(
        id, r.Subscribe(query, [watcher](const std::vector<Url>& urls) { watcher->Notify(urls); }));
    return Status::Ok();
  });
  if (!st.ok()) return Fail(st.message());
  char c_byte;
  while (read(fds[0], &c_byte, 1) < 0 && errno == EINTR) {
  }
  st = c.Run([&](registry::Registry& r) { return r.Unsubscribe(id); });
  if (!st.ok()) return Fail(st.message());
  return kExitOk;
}

// ---- describe ----------------------------------------------------------------------------------

bool IsRegularFile(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// The URL text behind a describe argument: a URL as is; a file registry entry's first line; a
// ZooKeeper node name (or a path ending in one) decoded.
Result<std::string> UrlText(const std::string& arg) {
  if (arg.find("://") != std::string::npos) return arg;
  if (IsRegularFile(arg)) {
    std::ifstream in(arg);
    std::string line;
    if (!std::getline(in, line)) {
      return Status(StatusCode::kIoError, "cannot read a URL from " + arg);
    }
    return line;
  }
  std::string_view name = arg;
  while (!name.empty() && name.back() == '/') name.remove_suffix(1);
  if (const size_t slash = name.rfind('/'); slash != std::string_view::npos)
    name.remove_prefix(slash + 1);
  auto decoded = UrlDecode(name);
  if (!decoded.ok()) return decoded.status().WithContext("decoding the node name");
  if (decoded->find("://") == std::string::npos) {
    return Status(StatusCode::kInvalidArgument,
                  "not a Dubbo URL (no \"://\", also once decoded): " + arg);
  }
  return decoded;
}

int RunDescribe(const DescribeOptions& o) {
  auto text = UrlText(o.url);
  if (!text.ok()) return Fail(text.status().message());
  auto url = Url::Parse(*text);
  if (!url.ok()) return Fail(url.status().message());
  if (o.json) {
    std::cout << ToJson(UrlToJsonValue(*url), 2) << '\n';
    return kExitOk;
  }
  std::vector<std::vector<std::string>> facts;
  auto fact = [&](const char* label, std::string value) {
    facts.push_back({std::string(label) + ":", std::move(value)});
  };
  fact("url", url->ToString());
  fact("protocol", url->protocol());
  if (!url->username().empty()) fact("username", url->username());
  fact("address", OrDash(url->Address()));
  fact("path", OrDash(url->path()));
  fact("service key", url->ServiceKey());
  bool from_parameter = false;
  std::string side = UrlSide(*url, &from_parameter);
  fact("side", side + (from_parameter ? "" : " (default)"));
  std::string category = UrlCategory(*url, &from_parameter);
  fact("category", category + (from_parameter ? "" : " (default)"));
  if (url->Has("timestamp")) {
    const std::string age = Age(*url, NowMillis());
    if (age != "-") fact("age", age + " (timestamp " + url->Get("timestamp") + ")");
  }
  if ((category == "providers" || category == "consumers") &&
      (url->Get("enabled", "true") == "false" || url->Get("disabled") == "true")) {
    fact("enabled", "false");
  }
  std::cout << Table(facts);
  std::cout << "parameters (" << url->parameters().size() << "):\n";
  for (const auto& [k, v] : url->parameters()) std::cout << "  " << k << '=' << v << '\n';
  return kExitOk;
}

}  // namespace

// ---- registration ------------------------------------------------------------------------------

void AddRegistryCommand(CLI::App& app, Action* action) {
  CLI::App* reg = app.add_subcommand("registry",
                                     "Look into a service registry: services, providers, "
                                     "consumers, changes; describe a Dubbo URL.");
  reg->require_subcommand(1);
  reg->footer(kRegistryFooter);

  auto lo = std::make_shared<CommonOptions>();
  CLI::App* list = reg->add_subcommand(
      "list", "Every service (interface) with its provider and consumer counts.");
  AddRegistryOption(list, lo.get());
  list->add_flag("--json", lo->json, "Print a JSON array of {interface, providers, consumers}");
  list->callback([lo, action] {
    RequireRegistry(&lo->registry);
    *action = [lo] { return RunList(*lo); };
  });

  for (const bool providers : {true, false}) {
    auto so = std::make_shared<ServiceOptions>();
    CLI::App* cmd = reg->add_subcommand(providers ? "providers" : "consumers",
                                        providers ? "The providers of a service, as a table."
                                                  : "The consumers of a service, as a table.");
    cmd->footer(kProvidersFooter);
    cmd->add_option("interface", so->interface, "The service interface")
        ->required()
        ->type_name("INTERFACE");
    AddRegistryOption(cmd, so.get());
    cmd->add_option("--version", so->version, "Only this version (default: any)")->type_name("V");
    cmd->add_option("--group", so->group, "Only this group, or a comma list (default: any)")
        ->type_name("G");
    cmd->add_flag("--json", so->json,
                  "Print the URLs as a JSON array of objects with their parameters");
    cmd->callback([so, action, providers] {
      RequireRegistry(&so->registry);
      *action = [so, providers] { return RunEntries(*so, providers); };
    });
  }

  auto wo = std::make_shared<ServiceOptions>();
  CLI::App* watch =
      reg->add_subcommand("watch", "Print a service's providers, then every change as it happens.");
  watch->footer(kWatchFooter);
  watch->add_option("interface", wo->interface, "The service interface")
      ->required()
      ->type_name("INTERFACE");
  AddRegistryOption(watch, wo.get());
  watch->add_option("--version", wo->version, "Only this version (default: any)")->type_name("V");
  watch->add_option("--group", wo->group, "Only this group, or a comma list (default: any)")
      ->type_name("G");
  watch->add_option("--count", wo->count, "Exit after N changes (default: run until interrupted)")
      ->type_name("N")
      ->check(CLI::PositiveNumber);
  watch->add_flag("--json", wo->json, "One JSON object per line, with an \"event\" key");
  watch->callback([wo, action] {
    RequireRegistry(&wo->registry);
    *action = [wo] { return RunWatch(*wo); };
  });

  auto dop = std::make_shared<DescribeOptions>();
  CLI::App* describe = reg->add_subcommand(
      "describe", "Take one Dubbo URL (or an encoded ZooKeeper node name) apart.");
  describe->footer(kDescribeFooter);
  describe->add_option("url", dop->url, "The URL, node name, or file registry entry")
      ->required()
      ->type_name("URL");
  describe->add_flag("--json", dop->json, "Print the URL as a JSON object");
  describe->callback([dop, action] { *action = [dop] { return RunDescribe(*dop); }; });
}

}  // namespace dubbo::dubboctl

#include "qos/commands.h"

#include <algorithm>
#include <future>
#include <mutex>

#include "codec/json.h"
#include "metrics/custom.h"
#include "metrics/prometheus.h"
#include "rpc/generic_json.h"
#include "rpc/result.h"

namespace dubbo::qos {

namespace {

struct CommandInfo {
  const char* name;
  const char* summary;
  const char* example;
};

// In `help` order.
constexpr CommandInfo kCommands[] = {
    {"help", "help command", "help\nhelp ls"},
    {"ls", "ls service", "ls"},
    {"ps", "Print server ports and connections.", "ps\nps -l"},
    {"count", "Count the service.", "count XxxService\ncount XxxService xxxMethod"},
    {"invoke", "Invoke the service method.",
     "invoke com.xxx.XxxService.xxxMethod(1234, \"abcd\", {\"prop\": \"value\"})"},
    {"online", "online app addresses", "online\nonline xx.xx.xxx.service"},
    {"offline", "offline app addresses", "offline\noffline xx.xx.xxx.service"},
    {"ready", "Judge if application or service has started? ", "ready"},
    {"live", "Judge if service is alive? ", "live"},
    {"metrics", "metrics in Prometheus text format (also metrics_default)", "metrics"},
    {"quit", "quit telnet console", "quit"},
};

const CommandInfo* FindCommand(std::string_view name) {
  for (const auto& c : kCommands)
    if (name == c.name) return &c;
  return nullptr;
}

std::string_view Trim(std::string_view s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  const size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

std::vector<std::string> Split(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    size_t j = i;
    while (j < s.size() && s[j] != ' ' && s[j] != '\t') ++j;
    if (j > i) out.emplace_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

// Dubbo's TTable with two centred columns and a line between rows (ls, help).
std::string CenteredTable(const std::vector<std::pair<std::string, std::string>>& rows) {
  size_t w0 = 0;
  size_t w1 = 0;
  for (const auto& [a, b] : rows) {
    w0 = std::max(w0, a.size());
    w1 = std::max(w1, b.size());
  }
  const std::string line = "+" + std::string(w0, '-') + "+" + std::string(w1, '-') + "+\n";
  auto cell = [](const std::string& s, size_t width) {
    const size_t diff = width - s.size();
    const size_t left = diff / 2;
    return std::string(diff - left, ' ') + s + std::string(left, ' ');
  };
  std::string out = line;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (i > 0) out += line;
    out += "|" + cell(rows[i].first, w0) + "|" + cell(rows[i].second, w1) + "|\n";
  }
  return out + line;
}

// Dubbo's TelnetUtils.toTable: a header row, left-aligned cells padded by one space.
std::string Table(const std::vector<std::string>& header,
                  const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths(header.size());
  for (size_t j = 0; j < header.size(); ++j) widths[j] = header[j].size();
  for (const auto& row : rows)
    for (size_t j = 0; j < header.size(); ++j) widths[j] = std::max(widths[j], row[j].size());
  std::string line = "+";
  for (size_t w : widths) line += std::string(w + 2, '-') + "+";
  line += "\n";
  auto format = [&](const std::vector<std::string>& row) {
    std::string s = "|";
    for (size_t j = 0; j < widths.size(); ++j)
      s += " " + row[j] + std::string(widths[j] - row[j].size(), ' ') + " |";
    return s + "\n";
  };
  std::string out = line + format(header) + line;
  for (const auto& row : rows) out += format(row);
  return out + line;
}

// Does `query` name this service: its service key, interface, or the interface's simple name?
bool Designates(std::string_view query, const std::string& service_key,
                const std::string& interface) {
  if (query == service_key || query == interface) return true;
  const size_t dot = interface.rfind('.');
  return dot != std::string::npos && query == std::string_view(interface).substr(dot + 1);
}

// online/offline: no argument, "*" or ".*" select every service; a '*' elsewhere matches any run
// of characters; otherwise the service must be named exactly (see Designates).
bool Glob(std::string_view pattern, std::string_view text) {
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool Selects(std::string_view pattern, const ProvidedService& s) {
  if (pattern.empty() || pattern == "*" || pattern == ".*") return true;
  if (pattern.find('*') != std::string_view::npos)
    return Glob(pattern, s.service_key) || Glob(pattern, s.interface);
  return Designates(pattern, s.service_key, s.interface);
}

std::string Ms(int64_t us) {
  const int64_t whole = us / 1000;
  std::string frac = std::to_string(us % 1000);
  frac.insert(0, 3 - frac.size(), '0');
  return std::to_string(whole) + "." + frac + "ms";
}

Reply Text(std::string text, int status = 200) {
  Reply r;
  r.text = std::move(text);
  r.http_status = status;
  return r;
}

// Commands the application registered (RegisterCommand).
struct Registered {
  std::string name;
  std::string summary;
  std::string example;
  Commands::Handler run;
};
std::mutex registered_mu;
std::vector<Registered>& RegisteredCommands() {
  static auto* commands = new std::vector<Registered>();
  return *commands;
}
// The registered command `name`'s handler, or null.
Commands::Handler FindRegistered(std::string_view name) {
  std::lock_guard<std::mutex> lock(registered_mu);
  for (const auto& c : RegisteredCommands())
    if (c.name == name) return c.run;
  return nullptr;
}

}  // namespace

Status Commands::RegisterCommand(std::string name, std::string summary, std::string example,
                                 Handler run) {
  const bool valid = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
  if (!valid || !run) {
    return Status(StatusCode::kInvalidArgument, "QoS command name \"" + Printable(name) +
                                                    "\" is not [a-zA-Z0-9_-]+ (or no handler)");
  }
  std::lock_guard<std::mutex> lock(registered_mu);
  if (FindCommand(name) != nullptr || name == "metrics_default" ||
      std::any_of(RegisteredCommands().begin(), RegisteredCommands().end(),
                  [&](const Registered& c) { return c.name == name; })) {
    return Status(StatusCode::kAlreadyExists, "QoS command " + name + " exists already");
  }
  RegisteredCommands().push_back(
      {std::move(name), std::move(summary), std::move(example), std::move(run)});
  return Status::Ok();
}

std::vector<std::string> Commands::Names() {
  std::vector<std::string> names;
  for (const auto& c : kCommands) names.emplace_back(c.name);
  names.emplace_back("metrics_default");
  {
    std::lock_guard<std::mutex> lock(registered_mu);
    for (const auto& c : RegisteredCommands()) names.push_back(c.name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

Reply Commands::Execute(std::string_view name, std::string_view args) const {
  args = Trim(args);
  if (name == "help") return Help(Split(args));
  if (name == "ls") return Ls();
  if (name == "ps") return Ps(Split(args));
  if (name == "count") return Count(Split(args));
  if (name == "invoke") return Invoke(args);
  if (name == "online") return SetOnline(Split(args), true);
  if (name == "offline") return SetOnline(Split(args), false);
  if (name == "ready") return Ready();
  if (name == "live") return Text("true");
  if (name == "metrics" || name == "metrics_default") return Metrics();
  if (name == "quit") {
    Reply r = Text("BYE!");
    r.close = true;
    return r;
  }
  if (Handler run = FindRegistered(name)) return run(args);
  return Text("Unsupported command: " + Printable(name), 404);
}

Reply Commands::Help(const std::vector<std::string>& args) const {
  if (args.empty()) {
    std::vector<std::pair<std::string, std::string>> rows;
    for (const auto& c : kCommands) rows.emplace_back(c.name, c.summary);
    {
      std::lock_guard<std::mutex> lock(registered_mu);
      for (const auto& c : RegisteredCommands()) rows.emplace_back(c.name, c.summary);
    }
    return Text("Please input \"help [command]\" show detail.\n" + CenteredTable(rows));
  }
  const CommandInfo* c = FindCommand(args[0]);
  CommandInfo registered{};
  std::string registered_name, registered_summary, registered_example;
  if (c == nullptr) {
    std::lock_guard<std::mutex> lock(registered_mu);
    for (const auto& r : RegisteredCommands()) {
      if (r.name != args[0]) continue;
      registered_name = r.name;
      registered_summary = r.summary;
      registered_example = r.example;
      registered = {registered_name.c_str(), registered_summary.c_str(),
                    registered_example.c_str()};
      c = &registered;
    }
  }
  if (c == nullptr) return Text("no such command " + Printable(args[0]), 404);
  std::string example;
  for (std::string_view e = c->example; !e.empty();) {
    const size_t nl = std::min(e.find('\n'), e.size());
    example += "  " + std::string(e.substr(0, nl)) + "\n";
    e.remove_prefix(std::min(nl + 1, e.size()));
  }
  return Text(std::string("COMMAND NAME: ") + c->name + "\nSUMMARY: " + c->summary +
              "\nEXAMPLE:\n" + example);
}

Reply Commands::Ls() const {
  std::vector<std::pair<std::string, std::string>> provided{{"Provider Service Name", "PUB"}};
  std::vector<std::pair<std::string, std::string>> referred{{"Consumer Service Name", "NUM"}};
  for (const auto& b : backends_()) {
    for (const auto& s : b->Provided()) provided.emplace_back(s.service_key, s.online ? "Y" : "N");
    for (const auto& s : b->Referred())
      referred.emplace_back(s.service_key, std::to_string(s.addresses));
  }
  return Text("As Provider side:\n" + CenteredTable(provided) + "As Consumer side:\n" +
              CenteredTable(referred));
}

Reply Commands::Ps(const std::vector<std::string>& args) const {
  bool detail = false;
  for (const auto& a : args) {
    if (a != "-l") return Text("Unsupported argument " + Printable(a) + " (usage: ps [-l])", 400);
    detail = true;
  }
  std::string out;
  for (const auto& b : backends_()) {
    for (const Url& u : b->ServerUrls()) {
      if (!out.empty()) out += "\n";
      out += detail ? u.protocol() + "://" + u.Address() : std::to_string(u.port());
    }
  }
  return Text(out);
}

Reply Commands::Count(const std::vector<std::string>& args) const {
  if (args.empty()) {
    return Text("Please input service name, eg: \ncount XxxService\ncount XxxService xxxMethod",
                400);
  }
  const std::string& service = args[0];
  const std::string method = args.size() > 1 ? args[1] : "";
  struct Target {
    metrics::MetricsSide side;
    std::string application, service_key, interface, group, version;
  };
  std::vector<Target> targets;
  for (const auto& b : backends_()) {
    const std::string app = b->application();
    for (const auto& s : b->Provided()) {
      if (Designates(service, s.service_key, s.interface)) {
        targets.push_back(
            {metrics::MetricsSide::kProvider, app, s.service_key, s.interface, s.group, s.version});
      }
    }
    for (const auto& s : b->Referred()) {
      if (Designates(service, s.service_key, s.interface)) {
        targets.push_back(
            {metrics::MetricsSide::kConsumer, app, s.service_key, s.interface, s.group, s.version});
      }
    }
  }
  if (targets.empty()) return Text("No such service " + Printable(service, 256), 404);
  const auto cells = metrics_.Snapshot();
  std::string out;
  for (const auto& t : targets) {
    const std::string version = t.version == "0.0.0" ? "" : t.version;
    std::vector<std::vector<std::string>> rows;
    for (const auto& [key, s] : cells) {
      if (key.side != t.side || key.application != t.application || key.interface != t.interface ||
          key.group != t.group || key.version != version ||
          (!method.empty() && key.method != method)) {
        continue;
      }
      const int64_t finished = s.Finished();
      rows.push_back({key.method, std::to_string(finished),
                      std::to_string(s.Count(metrics::CallKind::kSucceeded)),
                      std::to_string(s.Failed()), std::to_string(s.processing),
                      Ms(finished == 0 ? 0 : s.elapsed_sum_us / finished), Ms(s.elapsed_max_us)});
    }
    out += std::string(t.side == metrics::MetricsSide::kProvider ? "As Provider side: "
                                                                 : "As Consumer side: ") +
           t.service_key + "\n";
    if (rows.empty() && !method.empty()) {
      out += "No such method " + Printable(method, 256) + " in service " + t.service_key + "\n";
      continue;
    }
    out += Table({"method", "total", "succeeded", "failed", "active", "average", "max"}, rows);
  }
  return Text(out);
}

Reply Commands::Invoke(std::string_view args) const {
  const size_t open = args.find('(');
  if (open == std::string_view::npos || args.empty() || args.back() != ')') {
    return Text("Invalid parameters, format: service.method(args)", 400);
  }
  const std::string_view target = Trim(args.substr(0, open));
  const size_t dot = target.rfind('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == target.size()) {
    return Text(
        "Invalid parameters, format: service.method(args) (the service is required: invoke "
        "com.xxx.XxxService.xxxMethod(...))",
        400);
  }
  const std::string service(target.substr(0, dot));
  const std::string method(target.substr(dot + 1));
  const std::string json = "[" + std::string(args.substr(open + 1, args.size() - open - 2)) + "]";
  auto values = rpc::ParseJsonArguments(json);
  if (!values.ok()) return Text("Invalid json argument, cause: " + values.status().message(), 400);

  Result<GenericTarget> found =
      Status(StatusCode::kNotFound, "No such service " + Printable(service, 256));
  for (bool provided : {true, false}) {
    for (const auto& b : backends_()) {
      if (provided) {
        for (const auto& s : b->Provided())
          if (!found.ok() && Designates(service, s.service_key, s.interface))
            found = b->GenericInvoker(s.service_key, true);
      } else {
        for (const auto& s : b->Referred())
          if (!found.ok() && Designates(service, s.service_key, s.interface))
            found = b->GenericInvoker(s.service_key, false);
      }
    }
  }
  if (!found.ok()) {
    return Text(found.status().code() == StatusCode::kNotFound
                    ? found.status().message()
                    : "Failed to invoke method " + method + ", cause: " + found.status().ToString(),
                found.status().code() == StatusCode::kNotFound ? 404 : 500);
  }
  auto inv = std::make_shared<rpc::Invocation>(
      rpc::GenericInvocation(found->interface, method, {}, std::move(*values)));
  // The reference's settings as a stub resolves them, for the real method's name.
  inv->settings = rpc::ReferenceSettings(found->invoker->url()).For(method);
  inv->settings.version = found->version;
  inv->settings.group = found->group;
  inv->settings.timeout = invoke_timeout_;
  auto promise = std::make_shared<std::promise<rpc::RpcResult>>();
  auto future = promise->get_future();
  const auto start = std::chrono::steady_clock::now();
  found->invoker->Invoke(inv, [promise](rpc::RpcResult r) { promise->set_value(std::move(r)); });
  // The call ends within its own timeout; this only guards against a lost callback.
  if (future.wait_for(invoke_timeout_ * 2 + std::chrono::seconds(5)) != std::future_status::ready) {
    return Text("Failed to invoke method " + method + ", cause: no answer", 500);
  }
  const rpc::RpcResult r = future.get();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  const Result<Value> value = rpc::DecodeValueResult(r);
  if (value.ok())
    return Text("result: " + ToJson(*value) + "\nelapsed: " + std::to_string(ms) + " ms.");
  if (value.status().code() == StatusCode::kBizException && value.status().exception()) {
    return Text("Failed to invoke method " + method + ", cause: " +
                    rpc::UnwrapGenericException(*value.status().exception()).ToString(),
                500);
  }
  return Text("Failed to invoke method " + method + ", cause: " + value.status().ToString(), 500);
}

Reply Commands::SetOnline(const std::vector<std::string>& args, bool online) const {
  const std::string pattern = args.empty() ? "" : args[0];
  bool any = false;
  for (const auto& b : backends_()) {
    std::vector<std::string> keys;
    for (const auto& s : b->Provided())
      if (Selects(pattern, s)) keys.push_back(s.service_key);
    if (keys.empty()) continue;
    any = true;
    if (Status st = b->SetOnline(keys, online); !st.ok()) return Text(st.ToString(), 500);
  }
  return any ? Text("OK") : Text("service not found", 404);
}

Reply Commands::Ready() const {
  for (const auto& b : backends_())
    if (!b->Ready()) return Text("false", 503);
  return Text("true");
}

Reply Commands::Metrics() const {
  // The call metrics, then what the application registered itself (metrics/custom.h).
  Reply r =
      Text(metrics::PrometheusText(metrics_) + metrics::CustomMetrics::Global().PrometheusText());
  r.content_type = std::string(metrics::kPrometheusContentType);
  return r;
}

}  // namespace dubbo::qos

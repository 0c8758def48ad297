#include "tools/dubboctl/invoke_command.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <future>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/application.h"
#include "cluster/cluster_invoker.h"
#include "cluster/directory.h"
#include "cluster/registry_directory.h"
#include "codec/java_types.h"
#include "codec/json.h"
#include "registry/registry.h"
#include "rpc/channel_invoker.h"
#include "rpc/client.h"
#include "rpc/generic_json.h"
#include "rpc/result.h"
#include "tools/dubboctl/registry_command.h"

namespace dubbo::dubboctl {
namespace {

constexpr char kInvokeFooter[] =
    R"(Arguments: a JSON array, one element per argument, in the JSON form of
"dubboctl hessian --help" (plain JSON, plus "$class" hints where JSON cannot
say what a value is, e.g. {"$class":"long","$":5}). '-' reads it from stdin.
A struct (Java POJO) is a plain JSON object, as Dubbo's generic calls pass it:
a "class" key names its Java class, the other keys are its fields:
  dubboctl invoke demo.UserService save '[{"class":"demo.User","id":7,"name":"Ada"}]' ...
--types gives the Java parameter types (java.lang.String,int,demo.User);
without it the provider picks the method by name, which dubbo-cpp providers do
when the name is not overloaded, but Java providers need the types.

Providers: --registry URL (or $DUBBO_REGISTRY) subscribes like a reference
(version and group must match: no --version means unversioned providers only;
"*" accepts any), or --url dubbo://host:port[;dubbo://host2:port2] connects
directly. The call goes through the cluster layer (failover, random load
balance; --retries 0 by default, so one attempt).

Output: the result as JSON (indented), "null" for void methods. A business
exception prints "<class>: <message>" on stderr and exits 1 (Java providers
wrap it in GenericException; its exceptionClass and exceptionMessage are
shown). --json prints {"result": ...} or {"exception": {...}} on stdout
(the exception's line still goes to stderr). Any other failure prints
"dubboctl: <status>" and exits 1.
Exit status: 0 ok, 1 failure or exception, 2 bad usage.
)";

struct InvokeOptions {
  std::string interface;
  std::string method;
  std::string args;
  bool has_args = false;
  std::string registry;
  std::string url;
  std::string version;
  std::string group;
  std::string types_text;          // --types as given
  std::vector<std::string> types;  // split
  int64_t timeout_ms = 3000;
  int64_t retries = 0;
  bool json = false;
  bool verbose = false;
  CLI::App* command = nullptr;  // for the usage of late argument checks
};

int Usage(const InvokeOptions& o, const std::string& message) {
  std::cout.flush();
  std::cerr << "dubboctl: " << message << "\n\n"
            << o.command->help(o.command->get_parent()->get_name());
  return kExitUsage;
}

// The arguments: a JSON array whose "$ref" numbers span every argument (one message).
Result<std::vector<Value>> ParseArguments(const InvokeOptions& o) {
  if (!o.has_args) return std::vector<Value>();
  std::string text = o.args;
  if (text == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    if (std::cin.bad()) return Status(StatusCode::kIoError, "cannot read stdin");
  }
  return rpc::ParseJsonArguments(text);
}

Value Str(std::string s) { return Value::String(std::move(s)); }

// The providers: a static list (--url) or a registry subscription.
struct Providers {
  std::unique_ptr<RegistryConnection> registry;  // declared first: destroyed last
  std::shared_ptr<cluster::Directory> directory;
};

Result<Providers> FindProviders(const InvokeOptions& o, const Url& consumer, rpc::Client& client,
                                const std::shared_ptr<rpc::Client>& shared_client) {
  Providers p;
  if (!o.url.empty()) {
    cluster::ProviderList invokers;
    size_t start = 0;
    while (start <= o.url.size()) {
      const size_t end = std::min(o.url.find(';', start), o.url.size());
      const std::string one = o.url.substr(start, end - start);
      start = end + 1;
      if (one.empty()) continue;
      DUBBO_ASSIGN_OR_RETURN(Url provider, Url::Parse(one));
      if (provider.port() == 0) {
        return Status(StatusCode::kInvalidArgument,
                      "--url " + one + " has no port (dubbo://host:port)");
      }
      if (provider.path().empty()) provider.set_path(o.interface);
      provider.Set("interface", o.interface);
      DUBBO_ASSIGN_OR_RETURN(
          auto channel,
          rpc::ChannelInvoker::Create(cluster::MergeProviderUrl(provider, consumer), client));
      DUBBO_ASSIGN_OR_RETURN(auto invoker, cluster::MakeProviderInvoker(std::move(channel)));
      invokers.push_back(std::move(invoker));
    }
    if (invokers.empty()) return Status(StatusCode::kInvalidArgument, "--url names no provider");
    p.directory = std::make_shared<cluster::StaticDirectory>(consumer, std::move(invokers));
    return p;
  }
  const auto timeout = std::chrono::milliseconds(5000);
  DUBBO_ASSIGN_OR_RETURN(p.registry, RegistryConnection::Open(o.registry, timeout));
  // A lookup first: an unreachable registry is reported as such, not as "no provider" after a
  // subscription served from a cache.
  DUBBO_RETURN_IF_ERROR(
      p.registry->Run([&](registry::Registry& r) { return r.Lookup(consumer).status(); }));
  std::shared_ptr<cluster::RegistryDirectory> directory;
  DUBBO_RETURN_IF_ERROR(p.registry->Run([&](registry::Registry&) -> Status {
    DUBBO_ASSIGN_OR_RETURN(directory, cluster::RegistryDirectory::Create(
                                          consumer, p.registry->shared(), shared_client));
    return Status::Ok();
  }));
  p.directory = std::move(directory);
  return p;
}

int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int RunInvoke(const InvokeOptions& o) {
  auto args = ParseArguments(o);
  if (!args.ok()) return Fail(args.status().message());
  if (!o.types.empty() && o.types.size() != args->size()) {
    return Usage(o, "--types names " + std::to_string(o.types.size()) + " parameter type(s) but " +
                        std::to_string(args->size()) + " argument(s) were given");
  }
  RegisterBuiltins();

  const auto timeout = std::chrono::milliseconds(o.timeout_ms);
  Url consumer("consumer", "0.0.0.0", 0, o.interface);
  consumer.Set("application", "dubboctl")
      .Set("category", "providers,configurators,routers")
      .Set("check", "false")
      .Set("dubbo", "2.0.2")
      .Set("generic", "true")
      .Set("interface", o.interface)
      .Set("pid", std::to_string(getpid()))
      .Set("retries", std::to_string(o.retries))
      .Set("side", "consumer")
      .Set("timeout", std::to_string(o.timeout_ms))
      .Set("timestamp", std::to_string(NowMillis()));
  if (!o.version.empty()) consumer.Set("version", o.version);
  if (!o.group.empty()) consumer.Set("group", o.group);

  rpc::ClientOptions client_options;
  client_options.connect_timeout = std::min(timeout, std::chrono::milliseconds(3000));
  auto client = std::make_shared<rpc::Client>(client_options);

  auto providers = FindProviders(o, consumer, *client, client);
  if (!providers.ok()) return Fail(providers.status().message());
  auto cluster = cluster::JoinCluster(providers->directory);
  if (!cluster.ok()) return Fail(cluster.status().message());

  auto inv = std::make_shared<rpc::Invocation>(
      rpc::GenericInvocation(o.interface, o.method, o.types, *args));
  // The reference's settings (--retries) as a stub resolves them, for the real method's name.
  inv->settings = rpc::ReferenceSettings((*cluster)->url()).For(o.method);
  // "*" and comma lists select providers; the request then carries the chosen provider's own.
  if (o.version != "*") inv->settings.version = o.version;
  if (o.group != "*" && o.group.find(',') == std::string::npos) inv->settings.group = o.group;
  inv->settings.timeout = timeout;

  auto promise = std::make_shared<std::promise<rpc::RpcResult>>();
  auto future = promise->get_future();
  const auto started = std::chrono::steady_clock::now();
  (*cluster)->Invoke(inv, [promise](rpc::RpcResult r) { promise->set_value(std::move(r)); });
  // The call completes within its own timeout (connecting included); this is a safety net.
  if (future.wait_for(timeout * 2 + std::chrono::seconds(5)) != std::future_status::ready) {
    Fail("no answer from " + providers->directory->Source() + " within " +
         std::to_string(o.timeout_ms) + " ms");
    Exit(kExitFailure);
  }
  const rpc::RpcResult r = future.get();
  if (o.verbose) {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count();
    std::cerr << "dubboctl: " << (r.remote.empty() ? "no provider" : r.remote) << " answered in "
              << us / 1000 << '.' << us / 100 % 10 << " ms\n";
  }

  int code = kExitOk;
  const Result<Value> value = rpc::DecodeValueResult(r);
  if (value.ok()) {
    if (o.json) {
      Map m;
      m.entries.emplace_back(Str("result"), *value);
      std::cout << ToJson(Value::FromMap(std::move(m)), 2) << '\n';
    } else {
      std::cout << ToJson(*value, 2) << '\n';
    }
  } else if (value.status().code() == StatusCode::kBizException && value.status().exception()) {
    const JavaException& e = *value.status().exception();
    if (o.json) {
      Map m;
      m.entries.emplace_back(Str("exception"), rpc::ExceptionToJsonValue(e));
      std::cout << ToJson(Value::FromMap(std::move(m)), 2) << '\n';
    }
    std::cout.flush();
    std::cerr << rpc::UnwrapGenericException(e).ToString() << '\n';
    code = kExitFailure;
  } else {
    code = Fail(value.status().ToString());
  }
  providers->directory->Destroy();
  return code;
}

}  // namespace

void AddInvokeCommand(CLI::App& app, Action* action) {
  auto o = std::make_shared<InvokeOptions>();
  CLI::App* cmd = app.add_subcommand("invoke",
                                     "Call a method of any Dubbo service (generic $invoke), "
                                     "with JSON arguments and result.");
  o->command = cmd;
  cmd->footer(kInvokeFooter);
  cmd->add_option("interface", o->interface, "The service interface")
      ->required()
      ->type_name("INTERFACE");
  cmd->add_option("method", o->method, "The method name")->required()->type_name("METHOD");
  CLI::Option* args =
      cmd->add_option("args", o->args,
                      "The arguments as a JSON array ('-' = stdin); none when left out")
          ->type_name("JSON");
  CLI::Option* registry =
      cmd->add_option("-r,--registry", o->registry,
                      "Find providers in this registry (default $DUBBO_REGISTRY)")
          ->type_name("URL");
  CLI::Option* url =
      cmd->add_option("-u,--url", o->url,
                      "Call these providers directly (dubbo://host:port, ';' between several)")
          ->type_name("URL");
  url->excludes(registry);
  cmd->add_option("--version", o->version, "The service version (\"*\" = any)")->type_name("V");
  cmd->add_option("--group", o->group, "The service group (\"*\" = any, or a comma list)")
      ->type_name("G");
  // One string split here: a vector option would take a following JSON argument for a type.
  cmd->add_option("--types", o->types_text,
                  "Java parameter types, comma-separated (java.lang.String,int)")
      ->type_name("TYPES");
  cmd->add_option("--timeout", o->timeout_ms, "Call timeout in milliseconds (default 3000)")
      ->type_name("MS")
      ->check(CLI::Range(int64_t{1}, int64_t{3600000}));
  cmd->add_option("--retries", o->retries,
                  "Further attempts on other providers after a failure (default 0)")
      ->type_name("N")
      ->check(CLI::Range(int64_t{0}, int64_t{100}));
  cmd->add_flag("--json", o->json, "Print {\"result\": ...} or {\"exception\": ...} as JSON");
  cmd->add_flag("-v,--verbose", o->verbose, "Say which provider answered and how fast (stderr)");
  cmd->callback([o, action, args, url] {
    o->has_args = args->count() > 0;
    o->types.clear();
    for (size_t start = 0; !o->types_text.empty() && start <= o->types_text.size();) {
      const size_t end = std::min(o->types_text.find(',', start), o->types_text.size());
      std::string type = o->types_text.substr(start, end - start);
      type.erase(0, type.find_first_not_of(' '));
      type.erase(type.find_last_not_of(' ') + 1);
      if (type.empty())
        throw CLI::ValidationError("--types", "empty type name in \"" + o->types_text + "\"");
      o->types.push_back(std::move(type));
      start = end + 1;
    }
    if (url->count() == 0 && o->registry.empty()) {
      if (const char* env = std::getenv("DUBBO_REGISTRY"); env != nullptr && *env != '\0') {
        o->registry = env;
      } else {
        throw CLI::RequiredError("--registry or --url");
      }
    }
    *action = [o] { return RunInvoke(*o); };
  });
}

}  // namespace dubbo::dubboctl

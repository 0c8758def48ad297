// libFuzzer target for the QoS port's input: what a client types on a telnet session (lines) or
// sends as an HTTP request head, parsed as qos/qos_server.cc parses it (qos/request.h), and the
// command it names run through qos::Commands, which splits and checks its arguments (help's
// topic, ps's flags, count's service and method, invoke's service.method(json args)), with no
// application attached so nothing is really invoked.
// Properties: telnet command names hold no whitespace; an HTTP command name never holds '/'.
#include <cstddef>
#include <cstdint>
#include <string>

#include "qos/commands.h"
#include "qos/request.h"

namespace {

const dubbo::qos::Commands& TheCommands() {
  static auto* metrics = new dubbo::metrics::MetricsRegistry();
  static const auto* commands = new dubbo::qos::Commands(
      [] { return std::vector<std::shared_ptr<dubbo::qos::Backend>>(); }, *metrics);
  return *commands;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto& commands = TheCommands();

  // As QosServer::Core::Serve: 'G' or 'P' first is HTTP, anything else telnet.
  if (!input.empty() && (input[0] == 'G' || input[0] == 'P')) {
    size_t head_end = input.find("\r\n\r\n");
    if (head_end == std::string_view::npos) head_end = input.find("\n\n");
    const auto request = dubbo::qos::ParseHttpRequest(input.substr(0, head_end));
    if (request.status == 200) {
      if (request.name.empty() || request.name.find('/') != std::string::npos) __builtin_trap();
      (void)commands.Execute(request.name, request.args);
    } else if (request.error.empty()) {
      __builtin_trap();
    }
    return 0;
  }
  std::string_view rest = input;
  while (!rest.empty()) {
    const size_t nl = rest.find('\n');
    const auto line = dubbo::qos::ParseTelnetLine(rest.substr(0, nl));
    rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
    if (line.kind == dubbo::qos::TelnetLine::Kind::kInterrupt) break;
    if (line.kind != dubbo::qos::TelnetLine::Kind::kCommand) continue;
    if (line.name.empty() || line.name.find_first_of(" \t") != std::string::npos) __builtin_trap();
    if (commands.Execute(line.name, line.args).close) break;
  }
  return 0;
}

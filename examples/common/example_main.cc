#include "examples/common/example_main.h"

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdlib>
#include <iostream>

#include "common/log.h"

namespace dubbo::examples {

Flags ParseFlags(int argc, char** argv, const std::string& description, bool provider) {
  Flags flags;
  CLI::App app(description);
  app.add_option(
      "--registry", flags.registry,
      provider
          ? "registry URL (zookeeper://host:port, file:///dir; default: the embedded file registry)"
          : "registry URL, or dubbo://host:port for a direct connection (default: the embedded "
            "file registry)");
  if (provider) app.add_option("--port", flags.port, "port to serve on (0: any free port)");
  app.add_option("--log-level", flags.log_level, "debug, info, warning, error or off");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // prints help or the usage error
    std::exit(code == 0 ? 0 : 2);
  }
  LogLevel level;
  if (!ParseLogLevel(flags.log_level, &level)) {
    std::cerr << "unknown log level \"" << flags.log_level << "\"\n";
    std::exit(2);
  }
  SetLogLevel(level);
  return flags;
}

void BlockTerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

void WaitForTermination() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  int signal = 0;
  sigwait(&set, &signal);
}

}  // namespace dubbo::examples

// Shared by the example processes: command-line flags and the SIGTERM/SIGINT wait.
#pragma once

#include <string>

namespace dubbo::examples {

struct Flags {
  std::string registry = "file://";  // the embedded registry by default
  uint16_t port = 20880;
  std::string log_level = "warning";
};

// Parses --registry, --port (providers) and --log-level; exits with usage on bad flags.
Flags ParseFlags(int argc, char** argv, const std::string& description, bool provider);

// Blocks SIGTERM and SIGINT in every thread started afterwards; call first in main().
void BlockTerminationSignals();
// Waits until SIGTERM or SIGINT arrives.
void WaitForTermination();

}  // namespace dubbo::examples

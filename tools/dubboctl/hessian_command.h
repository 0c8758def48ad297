// `dubboctl hessian decode|encode`: Hessian 2 bytes, or whole Dubbo frames, as a readable tree or
// as JSON (codec/json.h); and JSON back to Hessian hex.
#pragma once

#include "tools/dubboctl/command.h"

namespace CLI {
class App;
}

namespace dubbo::dubboctl {

// Registers the `hessian` subcommand and its `decode` and `encode` subcommands on `app`.
void AddHessianCommand(CLI::App& app, Action* action);

}  // namespace dubbo::dubboctl

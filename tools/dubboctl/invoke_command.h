// `dubboctl invoke`: a generic call ($invoke, Dubbo's GenericService) to any Dubbo provider,
// found through a registry or given directly, with the arguments and the result as JSON
// (codec/json.h). It goes through the cluster layer like any reference: registry directory (or a
// static one), load balancer, the channel to the provider.
#pragma once

#include "tools/dubboctl/command.h"

namespace CLI {
class App;
}

namespace dubbo::dubboctl {

// Registers the `invoke` subcommand on `app`.
void AddInvokeCommand(CLI::App& app, Action* action);

}  // namespace dubbo::dubboctl

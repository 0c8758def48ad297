// dubboctl: command-line tools for Apache Dubbo: the wire format, registries and generic calls.
#include <CLI/CLI.hpp>
#include <iostream>

#include "tools/dubboctl/command.h"
#include "tools/dubboctl/hessian_command.h"
#include "tools/dubboctl/invoke_command.h"
#include "tools/dubboctl/registry_command.h"

namespace dubbo::dubboctl {

int Fail(std::string_view message) {
  std::cout.flush();  // keep stdout before the message when both go to one place
  std::cerr << "dubboctl: " << message << '\n';
  return kExitFailure;
}

}  // namespace dubbo::dubboctl

int main(int argc, char** argv) {
  using namespace dubbo::dubboctl;
  CLI::App app("dubboctl: tools for Apache Dubbo services and their wire format.", "dubboctl");
  app.require_subcommand(1);
  app.footer(
      "Run \"dubboctl <command> --help\" for a command's options.\n"
      "Exit status: 0 ok, 1 failure (message on stderr), 2 bad usage.\n");
  Action action;
  // Every subcommand registers here.
  AddHessianCommand(app, &action);
  AddRegistryCommand(app, &action);
  AddInvokeCommand(app, &action);

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // help() describes the deepest subcommand selected so far.
    std::cerr << "dubboctl: " << e.what() << "\n\n" << app.help();
    return kExitUsage;
  }
  return action ? action() : kExitUsage;
}

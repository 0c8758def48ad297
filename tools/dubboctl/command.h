// What every dubboctl subcommand shares. A subcommand lives in <name>_command.cc and exposes one
// Add<Name>Command(CLI::App&, Action*) that main.cc calls: it registers its CLI11 subcommand and,
// when that subcommand is selected, stores in *action the work to run once parsing succeeded. So
// parse errors (usage) stay separate from run-time failures, and each command owns its options.
#pragma once

#include <functional>
#include <string_view>

namespace dubbo::dubboctl {

// Process exit codes.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // the input or the operation failed; message on stderr
inline constexpr int kExitUsage = 2;    // bad command line; usage on stderr

// The selected command's work; returns the exit code.
using Action = std::function<int()>;

// Prints "dubboctl: <message>" on stderr and returns kExitFailure.
int Fail(std::string_view message);

}  // namespace dubbo::dubboctl

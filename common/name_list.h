// Dubbo's plugin lists, as in `filter=accesslog,-tps,-default`: the built-in names first (unless
// "-default"), then the listed ones, minus every "-name". Thread-safe; pure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace dubbo {

// The names to use, in order, given the built-ins and a comma-separated list.
std::vector<std::string> ResolveNameList(const std::vector<std::string>& defaults,
                                         std::string_view list);

}  // namespace dubbo

#include "common/name_list.h"

#include <algorithm>

namespace dubbo {

std::vector<std::string> ResolveNameList(const std::vector<std::string>& defaults,
                                         std::string_view list) {
  bool keep_defaults = true;
  std::vector<std::string> removed;
  std::vector<std::string> extra;
  size_t start = 0;
  while (start < list.size()) {
    const size_t comma = std::min(list.find(',', start), list.size());
    std::string_view name = list.substr(start, comma - start);
    start = comma + 1;
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    if (name.empty() || name == "default") continue;
    if (name == "-default") {
      keep_defaults = false;
    } else if (name.front() == '-') {
      removed.emplace_back(name.substr(1));
    } else {
      extra.emplace_back(name);
    }
  }
  std::vector<std::string> names;
  auto add = [&](const std::string& n) {
    if (std::find(removed.begin(), removed.end(), n) == removed.end() &&
        std::find(names.begin(), names.end(), n) == names.end()) {
      names.push_back(n);
    }
  };
  if (keep_defaults) {
    for (const auto& n : defaults) add(n);
  }
  for (const auto& n : extra) add(n);
  return names;
}

}  // namespace dubbo

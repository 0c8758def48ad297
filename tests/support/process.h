// Test support: running peer programs (java, node, shell) and reading/writing vector files.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace dubbo::testing {

struct CommandResult {
  int exit_code = -1;  // the process's exit status; 127 when the program is missing
  std::string output;  // stdout and stderr interleaved
};

// Runs `command` with /bin/sh, capturing its output.
CommandResult RunCommand(const std::string& command);

// A fresh directory under the system temp dir, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Vector files: one "name<TAB>lowercase hex" per line, in order.
using VectorFile = std::vector<std::pair<std::string, std::string>>;
VectorFile ReadVectorFile(const std::string& path);
void WriteVectorFile(const std::string& path, const VectorFile& vectors);

// Quotes `s` for /bin/sh.
std::string ShellQuote(const std::string& s);

// Root of the source tree (compiled in), for test data and peer programs.
std::string SourceDir();

}  // namespace dubbo::testing

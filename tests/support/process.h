// Test support: running peer programs (java, node, shell) and reading/writing vector files.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
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

// Writes all of `data` to `fd` (retrying on EINTR); false when the reader went away.
bool WriteFully(int fd, std::string_view data);

// A child process with its stdin and stdout on pipes (stderr is inherited). Stopped with SIGTERM,
// then SIGKILL, by the destructor unless it was waited for; closing its stdin also lets peers
// that watch it (dubbo_provider.js) exit, so even a test process that dies leaves none behind.
class ChildProcess {
 public:
  explicit ChildProcess(const std::vector<std::string>& argv);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool started() const { return pid_ > 0; }
  const std::string& error() const { return error_; }
  pid_t pid() const { return pid_; }

  // The next line of the child's stdout; nullopt at EOF or when `timeout` passes first.
  std::optional<std::string> ReadLine(std::chrono::milliseconds timeout);
  // Reads lines until one equals `line`; the lines read before it are appended to `seen`.
  bool WaitForLine(const std::string& line, std::chrono::milliseconds timeout,
                   std::vector<std::string>* seen = nullptr);
  // Writes `line` and a newline to the child's stdin; false when the child no longer reads it.
  bool WriteLine(const std::string& line);
  // Closes the child's stdin (children that read commands take EOF as "exit now").
  void CloseStdin();
  void Signal(int signal);
  // Waits for the child to exit: its exit status (128 + signal when killed), or nullopt on timeout.
  std::optional<int> Wait(std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  int stdin_ = -1;
  int stdout_ = -1;
  std::optional<int> exit_status_;
  std::string error_;
  std::string buffered_;
};

// Quotes `s` for /bin/sh.
std::string ShellQuote(const std::string& s);

// Root of the source tree (compiled in), for test data and peer programs.
std::string SourceDir();

}  // namespace dubbo::testing

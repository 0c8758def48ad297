// Minimal logging to stderr: `LogWarning() << "text " << value;` writes one line with a UTC
// timestamp and the level when the statement ends. Lines below the process's level (default
// warning; SetLogLevel) are dropped without formatting. Thread-safe: each line is one write.
#pragma once

#include <sstream>
#include <string_view>

namespace dubbo {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3, kOff = 4 };

void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();
// "debug", "info", "warning", "error", "off"; false for anything else.
bool ParseLogLevel(std::string_view name, LogLevel* out);

class LogLine {
 public:
  explicit LogLine(LogLevel level) : level_(level), enabled_(level >= GetLogLevel()) {}
  ~LogLine();
  LogLine(const LogLine&) = delete;
  LogLine& operator=(const LogLine&) = delete;

  template <typename T>
  LogLine& operator<<(const T& v) {
    if (enabled_) stream_ << v;
    return *this;
  }

 private:
  LogLevel level_;
  bool enabled_;
  std::ostringstream stream_;
};

inline LogLine LogDebug() { return LogLine(LogLevel::kDebug); }
inline LogLine LogInfo() { return LogLine(LogLevel::kInfo); }
inline LogLine LogWarning() { return LogLine(LogLevel::kWarning); }
inline LogLine LogError() { return LogLine(LogLevel::kError); }

}  // namespace dubbo

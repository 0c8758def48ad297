// Parsing what arrives on the QoS port, apart from the sockets (qos/qos_server.cc does the I/O):
// one telnet line, or the head of an HTTP GET, into a command name and its argument text for
// qos::Commands. Pure functions of their input; thread-safe. Fuzzed by fuzz/qos_fuzz.cc.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace dubbo::qos {

struct TelnetLine {
  enum class Kind { kEmpty, kInterrupt, kCommand };
  Kind kind = Kind::kEmpty;  // kEmpty: only the prompt again; kInterrupt: telnet's Ctrl-C, close
  std::string name;
  std::string args;  // the rest of the line after the name and one space or tab
};

// One line as typed, without its '\n'.
TelnetLine ParseTelnetLine(std::string_view raw);

struct HttpRequest {
  int status = 200;   // otherwise the error answered instead of running a command (400/404/405)
  std::string error;  // that answer's text
  std::string name;
  std::string args;  // the query's values in order, space-separated
};

// The request head (request line and headers, without the blank line). As Java's
// HttpCommandDecoder: GET /<command>?k=v&k2=v2 runs <command> with arguments "v v2" (a part
// without '=' counts as a value); names and values are URL-decoded.
HttpRequest ParseHttpRequest(std::string_view head);

// `text` fit for echoing back: non-printable bytes as '?', at most `max` bytes (then "...").
std::string Printable(std::string_view text, size_t max = 64);

}  // namespace dubbo::qos

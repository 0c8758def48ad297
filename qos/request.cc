#include "qos/request.h"

#include "common/url.h"

namespace dubbo::qos {

namespace {

std::string_view Trim(std::string_view s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

HttpRequest Error(int status, std::string text) {
  HttpRequest r;
  r.status = status;
  r.error = std::move(text);
  return r;
}

}  // namespace

TelnetLine ParseTelnetLine(std::string_view raw) {
  TelnetLine t;
  if (raw.find("\xff\xf4") != std::string_view::npos) {
    t.kind = TelnetLine::Kind::kInterrupt;
    return t;
  }
  const std::string_view line = Trim(raw);
  if (line.empty()) return t;
  t.kind = TelnetLine::Kind::kCommand;
  const size_t space = line.find_first_of(" \t");
  t.name = std::string(line.substr(0, space));
  if (space != std::string_view::npos) t.args = std::string(line.substr(space + 1));
  return t;
}

HttpRequest ParseHttpRequest(std::string_view head) {
  const std::string_view request_line = Trim(head.substr(0, head.find('\n')));
  // METHOD SP target SP HTTP/1.x
  const size_t sp1 = request_line.find(' ');
  const size_t sp2 = sp1 == std::string_view::npos ? sp1 : request_line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || request_line.substr(sp2 + 1).rfind("HTTP/1.", 0) != 0 ||
      request_line[sp1 + 1] != '/') {
    return Error(400, "bad request line");
  }
  if (request_line.substr(0, sp1) != "GET") return Error(405, "only GET is supported");
  const std::string_view target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
  const size_t q = target.find('?');
  const std::string_view path =
      target.substr(1, q == std::string_view::npos ? std::string_view::npos : q - 1);
  auto name = UrlDecode(path);
  if (!name.ok() || name->empty())
    return Error(404, "Unsupported command: " + Printable(name.ok() ? *name : path));
  if (name->find('/') != std::string::npos) return Error(400, "bad query");
  HttpRequest r;
  r.name = std::move(*name);
  std::string_view query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (const size_t eq = part.find('='); eq != std::string_view::npos) part = part.substr(eq + 1);
    if (part.empty()) continue;
    auto value = UrlDecode(part);
    if (!value.ok()) return Error(400, "bad query");
    r.args += (r.args.empty() ? "" : " ") + *value;
  }
  return r;
}

std::string Printable(std::string_view text, size_t max) {
  std::string out;
  for (size_t i = 0; i < text.size() && i < max; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    out.push_back(c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '?');
  }
  if (text.size() > max) out += "...";
  return out;
}

}  // namespace dubbo::qos

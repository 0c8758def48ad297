// ApplicationConfig::Load / Parse: dubbo.properties in Java Properties syntax.
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "app/application.h"

namespace dubbo {

namespace {

Status ConfigError(const std::string& path, size_t line, const std::string& what) {
  return Status(StatusCode::kInvalidArgument, path + ":" + std::to_string(line) + ": " + what);
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\f'; }

// Java Properties escapes: \t \n \r \f \uXXXX; any other escaped character stands for itself.
Result<std::string> Unescape(std::string_view s, const std::string& path, size_t line) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 == s.size()) {
      out.push_back(s[i]);
      continue;
    }
    const char c = s[++i];
    switch (c) {
      case 't':
        out.push_back('\t');
        break;
      case 'n':
        out.push_back('\n');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case 'f':
        out.push_back('\f');
        break;
      case 'u': {
        if (i + 4 >= s.size()) {
          return ConfigError(path, line, "incomplete \\u escape");
        }
        const std::string hex(s.substr(i + 1, 4));
        char* end = nullptr;
        const unsigned long cp = std::strtoul(hex.c_str(), &end, 16);
        if (end != hex.c_str() + 4) return ConfigError(path, line, "bad \\u escape \\u" + hex);
        if (cp < 0x80) {
          out.push_back(static_cast<char>(cp));
        } else if (cp < 0x800) {
          out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
          out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else {
          out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
          out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
          out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        }
        i += 4;
        break;
      }
      default:
        out.push_back(c);
    }
  }
  return out;
}

// "org.apache.dubbo.demo.DemoService.sayHello.timeout" -> interface up to the first segment that
// starts with an upper-case letter (a Java class name), parameter the rest.
bool SplitInterfaceKey(std::string_view rest, std::string* interface, std::string* param) {
  size_t start = 0;
  while (start < rest.size()) {
    const size_t dot = rest.find('.', start);
    if (dot == std::string_view::npos) return false;
    if (rest[start] >= 'A' && rest[start] <= 'Z') {
      *interface = std::string(rest.substr(0, dot));
      *param = std::string(rest.substr(dot + 1));
      return !param->empty();
    }
    start = dot + 1;
  }
  return false;
}

Result<bool> BoolValue(const std::string& key, const std::string& value, const std::string& path,
                       size_t line) {
  if (value == "true") return true;
  if (value == "false") return false;
  return ConfigError(path, line, key + "=" + value + ": expected true or false");
}

}  // namespace

Result<ApplicationConfig> ApplicationConfig::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(StatusCode::kIoError, "cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return Status(StatusCode::kIoError, "cannot read " + path);
  return Parse(text.str(), path);
}

Result<ApplicationConfig> ApplicationConfig::Parse(std::string_view text,
                                                   std::string_view source_name) {
  const std::string path(source_name);
  // std::getline's lines: split at '\n', no empty line after a final '\n'.
  auto getline = [&text](std::string* line) {
    if (text.empty()) return false;
    const size_t nl = text.find('\n');
    *line = std::string(text.substr(0, nl));
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    return true;
  };
  ApplicationConfig config;
  std::string registry_address;
  Parameters registry_params;
  std::string raw;
  size_t line_no = 0;
  while (getline(&raw)) {
    const size_t first_line = ++line_no;
    // A line ending in an odd number of backslashes continues on the next.
    while (!raw.empty()) {
      size_t slashes = 0;
      while (slashes < raw.size() && raw[raw.size() - 1 - slashes] == '\\') ++slashes;
      if (slashes % 2 == 0) break;
      raw.pop_back();
      std::string next;
      if (!getline(&next)) break;
      ++line_no;
      size_t lead = 0;
      while (lead < next.size() && IsSpace(next[lead])) ++lead;
      raw += next.substr(lead);
    }
    size_t b = 0;
    while (b < raw.size() && IsSpace(raw[b])) ++b;
    if (b == raw.size() || raw[b] == '#' || raw[b] == '!') continue;
    size_t sep = b;
    while (sep < raw.size() && raw[sep] != '=' && raw[sep] != ':' && !IsSpace(raw[sep])) {
      if (raw[sep] == '\\') ++sep;
      ++sep;
    }
    std::string_view key_text = std::string_view(raw).substr(b, sep - b);
    size_t v = sep;
    while (v < raw.size() && IsSpace(raw[v])) ++v;
    if (v < raw.size() && (raw[v] == '=' || raw[v] == ':')) ++v;
    while (v < raw.size() && IsSpace(raw[v])) ++v;
    DUBBO_ASSIGN_OR_RETURN(std::string key, Unescape(key_text, path, first_line));
    DUBBO_ASSIGN_OR_RETURN(std::string value,
                           Unescape(std::string_view(raw).substr(v), path, first_line));

    auto strip = [&](std::string_view prefix, std::string* rest) {
      if (key.rfind(prefix, 0) != 0 || key.size() == prefix.size()) return false;
      *rest = key.substr(prefix.size());
      return true;
    };
    std::string rest, interface, param;
    if (key == "dubbo.application.name") {
      config.name = value;
    } else if (key == "dubbo.application.qos-enable" || key == "dubbo.application.qos.enable") {
      DUBBO_ASSIGN_OR_RETURN(config.qos_enable, BoolValue(key, value, path, first_line));
    } else if (key == "dubbo.application.qos-accept-foreign-ip" ||
               key == "dubbo.application.qos.accept.foreign.ip") {
      DUBBO_ASSIGN_OR_RETURN(config.qos_accept_foreign_ip, BoolValue(key, value, path, first_line));
    } else if (key == "dubbo.application.qos-port" || key == "dubbo.application.qos.port") {
      char* end = nullptr;
      const long port = std::strtol(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0' || port < 0 || port > 65535) {
        return ConfigError(path, first_line,
                           key + "=" + value + ": expected a port number 0..65535");
      }
      config.qos_port = static_cast<uint16_t>(port);
    } else if (key == "dubbo.registry.address") {
      registry_address = value;
    } else if (strip("dubbo.registry.", &rest)) {
      registry_params[rest] = value;
    } else if (strip("dubbo.protocol.", &rest)) {
      if (rest == "name" && value != "dubbo") {
        return ConfigError(path, first_line,
                           "only the dubbo protocol is supported, not \"" + value + "\"");
      }
      if (rest != "name") config.protocol[rest] = value;
    } else if (strip("dubbo.provider.", &rest)) {
      config.provider[rest] = value;
    } else if (strip("dubbo.consumer.", &rest)) {
      config.consumer[rest] = value;
    } else if (strip("dubbo.service.", &rest)) {
      if (!SplitInterfaceKey(rest, &interface, &param)) {
        return ConfigError(path, first_line,
                           "expected dubbo.service.<interface>.<parameter> in \"" + key + "\"");
      }
      config.services[interface][param] = value;
    } else if (strip("dubbo.reference.", &rest)) {
      if (!SplitInterfaceKey(rest, &interface, &param)) {
        return ConfigError(path, first_line,
                           "expected dubbo.reference.<interface>.<parameter> in \"" + key + "\"");
      }
      config.references[interface][param] = value;
    } else {
      return ConfigError(path, first_line, "unknown key \"" + key + "\"");
    }
  }
  if (!registry_address.empty()) {
    config.registry = registry_address;
    if (!registry_params.empty()) {
      DUBBO_ASSIGN_OR_RETURN(Url url, Url::Parse(registry_address));
      for (const auto& [k, val] : registry_params) url.Set(k, val);
      config.registry = url.ToFullString();
    }
  } else if (!registry_params.empty()) {
    return Status(StatusCode::kInvalidArgument,
                  path + ": dubbo.registry.* given without dubbo.registry.address");
  }
  return config;
}

Status ApplicationConfig::ApplyEnvironment() {
  if (const char* v = std::getenv("DUBBO_APPLICATION_QOS_ENABLE"); v != nullptr && *v != '\0') {
    const std::string value = v;
    if (value != "true" && value != "false") {
      return Status(StatusCode::kInvalidArgument, "environment DUBBO_APPLICATION_QOS_ENABLE=" +
                                                      value + ": expected true or false");
    }
    qos_enable = value == "true";
  }
  if (const char* v = std::getenv("DUBBO_APPLICATION_QOS_PORT"); v != nullptr && *v != '\0') {
    char* end = nullptr;
    const long port = std::strtol(v, &end, 10);
    if (*end != '\0' || port < 0 || port > 65535) {
      return Status(StatusCode::kInvalidArgument,
                    "environment DUBBO_APPLICATION_QOS_PORT=" + std::string(v) +
                        ": expected a port number 0..65535");
    }
    qos_port = static_cast<uint16_t>(port);
  }
  return Status::Ok();
}

}  // namespace dubbo

#include "rpc/frame.h"

#include <algorithm>
#include <cmath>

namespace dubbo::rpc {

void EncodeHeader(const FrameHeader& h, char* out) {
  out[0] = static_cast<char>(kMagicHigh);
  out[1] = static_cast<char>(kMagicLow);
  out[2] = static_cast<char>(h.flags);
  out[3] = static_cast<char>(h.status);
  const auto id = static_cast<uint64_t>(h.id);
  for (int i = 0; i < 8; ++i) out[4 + i] = static_cast<char>(id >> (56 - 8 * i));
  const auto len = static_cast<uint32_t>(h.body_length);
  for (int i = 0; i < 4; ++i) out[12 + i] = static_cast<char>(len >> (24 - 8 * i));
}

void AppendHeader(const FrameHeader& h, std::string* out) {
  char buf[kHeaderSize];
  EncodeHeader(h, buf);
  out->append(buf, kHeaderSize);
}

Result<FrameHeader> DecodeHeader(std::string_view b) {
  if (b.size() < kHeaderSize) {
    return Status(StatusCode::kDecodeError,
                  "frame header needs 16 bytes, got " + std::to_string(b.size()));
  }
  auto byte = [&](size_t i) { return static_cast<uint8_t>(b[i]); };
  if (byte(0) != kMagicHigh || byte(1) != kMagicLow) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string got = {kHex[byte(0) >> 4], kHex[byte(0) & 15], kHex[byte(1) >> 4],
                       kHex[byte(1) & 15]};
    return Status(StatusCode::kDecodeError, "bad magic 0x" + got + " (expected 0xdabb)");
  }
  FrameHeader h;
  h.flags = byte(2);
  h.status = byte(3);
  uint64_t id = 0;
  for (int i = 0; i < 8; ++i) id = (id << 8) | byte(4 + i);
  h.id = static_cast<int64_t>(id);
  uint32_t len = 0;
  for (int i = 0; i < 4; ++i) len = (len << 8) | byte(12 + i);
  h.body_length = static_cast<int32_t>(len);
  if (h.body_length < 0) {
    return Status(StatusCode::kDecodeError,
                  "negative body length " + std::to_string(h.body_length));
  }
  return h;
}

int64_t DubboVersionNumber(std::string_view version) {
  constexpr int64_t kLegacy = 10000;
  // Java's String.split("\\.") drops trailing empty parts.
  std::string_view v = version;
  while (!v.empty() && v.back() == '.') v.remove_suffix(1);
  if (v.empty()) return 0;
  const size_t n = static_cast<size_t>(std::count(v.begin(), v.end(), '.')) + 1;
  // Java: `int v; v += Integer.parseInt(digits) * Math.pow(10, ...)` — each step a double sum cast
  // back to int (saturating); a part too long for parseInt throws, giving the legacy value.
  auto java_d2i = [](double d) -> int32_t {
    if (d != d) return 0;
    if (d >= 2147483647.0) return 2147483647;
    if (d <= -2147483648.0) return -2147483647 - 1;
    return static_cast<int32_t>(d);
  };
  int32_t result = 0;
  size_t start = 0;
  for (size_t i = 0; i < n; ++i) {
    const size_t dot = std::min(v.find('.', start), v.size());
    const std::string_view part = v.substr(start, dot - start);
    start = dot + 1;
    size_t digits = 0;
    while (digits < part.size() && part[digits] >= '0' && part[digits] <= '9') ++digits;
    if (digits == 0) continue;
    int64_t value = 0;
    for (size_t d = 0; d < digits; ++d) {
      value = value * 10 + (part[d] - '0');
      if (value > 2147483647) return kLegacy;
    }
    result =
        java_d2i(static_cast<double>(result) +
                 static_cast<double>(value) * std::pow(10.0, static_cast<double>((n - i - 1) * 2)));
  }
  if (n == 3)
    result = static_cast<int32_t>(static_cast<uint32_t>(result) * 100u);  // Java int overflow wraps
  return result;
}

bool SupportsResponseAttachments(std::string_view version) {
  if (version == kDubboProtocolVersion) return true;  // what every current Java and C++ peer sends
  if (version.empty()) return false;
  const int64_t v = DubboVersionNumber(version);
  return v >= 2000200 && v <= 2009900;
}

Result<std::vector<std::string_view>> SplitDescriptor(std::string_view d) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < d.size()) {
    const size_t start = i;
    while (i < d.size() && d[i] == '[') ++i;
    if (i == d.size()) {
      return Status(StatusCode::kDecodeError, "parameter descriptor \"" + std::string(d) +
                                                  "\" ends inside an array type at offset " +
                                                  std::to_string(start));
    }
    const char c = d[i];
    if (c == 'L') {
      const size_t semi = d.find(';', i);
      if (semi == std::string_view::npos) {
        return Status(StatusCode::kDecodeError, "parameter descriptor \"" + std::string(d) +
                                                    "\" has an unterminated class name at offset " +
                                                    std::to_string(i));
      }
      i = semi + 1;
    } else if (c == 'Z' || c == 'B' || c == 'C' || c == 'D' || c == 'F' || c == 'I' || c == 'J' ||
               c == 'S' || c == 'V') {
      ++i;
    } else {
      return Status(StatusCode::kDecodeError, "parameter descriptor \"" + std::string(d) +
                                                  "\" has an unknown type '" + std::string(1, c) +
                                                  "' at offset " + std::to_string(i));
    }
    out.push_back(d.substr(start, i - start));
  }
  return out;
}

std::string DescriptorOf(std::string_view t) {
  if (!t.empty() &&
      t.front() == '[') {  // already in JVM form for arrays: "[I", "[Ljava.lang.String;"
    std::string s(t);
    for (char& c : s)
      if (c == '.') c = '/';
    return s;
  }
  std::string prefix;
  while (t.size() >= 2 && t.substr(t.size() - 2) == "[]") {
    prefix += '[';
    t.remove_suffix(2);
  }
  static constexpr std::pair<std::string_view, char> kPrimitives[] = {
      {"boolean", 'Z'}, {"byte", 'B'}, {"char", 'C'},  {"double", 'D'}, {"float", 'F'},
      {"int", 'I'},     {"long", 'J'}, {"short", 'S'}, {"void", 'V'}};
  for (auto [name, code] : kPrimitives)
    if (t == name) return prefix + code;
  std::string s = prefix + "L";
  for (char c : t) s += c == '.' ? '/' : c;
  return s + ";";
}

}  // namespace dubbo::rpc

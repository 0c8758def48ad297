#include "common/hex.h"

namespace dubbo {

std::string ToHex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.resize(bytes.size() * 2);
  for (size_t i = 0; i < bytes.size(); ++i) {
    const auto b = static_cast<unsigned char>(bytes[i]);
    out[2 * i] = kDigits[b >> 4];
    out[2 * i + 1] = kDigits[b & 0xf];
  }
  return out;
}

namespace {
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
bool IsSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }
}  // namespace

Result<std::string> FromHex(std::string_view text) {
  size_t start = 0;
  while (start < text.size() && IsSpace(text[start])) ++start;
  if (text.substr(start, 2) == "0x" || text.substr(start, 2) == "0X") start += 2;
  std::string out;
  out.reserve(text.size() / 2);
  int high = -1;
  size_t high_offset = 0;
  for (size_t i = start; i < text.size(); ++i) {
    const char c = text[i];
    if (IsSpace(c)) continue;
    const int v = HexValue(c);
    if (v < 0) {
      return Status(StatusCode::kDecodeError, "invalid hex character '" + std::string(1, c) +
                                                  "' at offset " + std::to_string(i));
    }
    if (high < 0) {
      high = v;
      high_offset = i;
    } else {
      out.push_back(static_cast<char>((high << 4) | v));
      high = -1;
    }
  }
  if (high >= 0) {
    return Status(StatusCode::kDecodeError, "odd number of hex digits: digit at offset " +
                                                std::to_string(high_offset) + " has no partner");
  }
  return out;
}

}  // namespace dubbo

// Hex text <-> bytes, for tools, tests and error messages. Stateless and thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace dubbo {

// Lowercase hex of `bytes`, two digits per byte, no separators.
std::string ToHex(std::string_view bytes);

// Parses hex digits; ASCII whitespace and an optional "0x" prefix are ignored. An odd digit count
// or a non-hex character is a kDecodeError naming the character's offset in `text`.
Result<std::string> FromHex(std::string_view text);

}  // namespace dubbo

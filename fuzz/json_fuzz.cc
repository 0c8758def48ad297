// libFuzzer target for the JSON parser (codec/json.h). Whatever parses must round-trip:
// ParseJson(ToJson(v)) == v, compact and indented, with identical Hessian bytes; and the Hessian
// bytes of a parsed message must decode back to the same values. Links dubbo_hessian2.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "codec/hessian2/codec.h"
#include "codec/json.h"

namespace {

void CheckMessage(const std::vector<dubbo::Value>& values) {
  const std::string bytes = dubbo::hessian2::EncodeAll(values);
  for (int indent : {0, 2}) {
    auto again = dubbo::ParseJsonValues(dubbo::ToJson(values, indent));
    if (!again.ok() || again->size() != values.size()) __builtin_trap();
    for (size_t i = 0; i < values.size(); ++i)
      if (!((*again)[i] == values[i])) __builtin_trap();
    if (dubbo::hessian2::EncodeAll(*again) != bytes) __builtin_trap();
  }
  // Parsed values are always encodable: refs point backwards and nesting is within the reader's
  // limit, so the bytes decode to equal values.
  auto decoded = dubbo::hessian2::DecodeAll(bytes);
  if (!decoded.ok() || decoded->size() != values.size()) __builtin_trap();
  for (size_t i = 0; i < values.size(); ++i)
    if (!((*decoded)[i] == values[i])) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto v = dubbo::ParseJson(text); v.ok()) {
    for (int indent : {0, 2}) {
      auto again = dubbo::ParseJson(dubbo::ToJson(*v, indent));
      if (!again.ok() || !(*again == *v)) __builtin_trap();
    }
    CheckMessage({*v});
  }
  if (auto values = dubbo::ParseJsonValues(text); values.ok()) CheckMessage(*values);
  return 0;
}

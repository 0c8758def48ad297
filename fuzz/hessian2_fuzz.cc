// libFuzzer target for the Hessian 2 decoder: the dynamic reader, and typed reads that exercise
// field matching, back-reference replay, enums, Java value classes and exceptions.
// Property: whatever decodes re-encodes to bytes that decode to the same values.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "codec/hessian2/codec.h"

namespace fuzz {
enum class Color { RED, GREEN };
DUBBO_ENUM(Color, "demo.Color", RED, GREEN)

struct Inner {
  int32_t a = 0;
  std::optional<std::string> b;
  Color color = Color::RED;
};
DUBBO_STRUCT(Inner, "demo.Pair", a, b, color)

struct Outer {
  std::string name;
  std::vector<Inner> items;
  std::map<std::string, int64_t> counts;
  std::optional<Inner> maybe;
  std::vector<std::vector<double>> grid;
  dubbo::Binary blob;
  dubbo::BigDecimal price;
  dubbo::BigInteger big;
  dubbo::Value any;
};
DUBBO_STRUCT(Outer, "demo.Box", name, items, counts, maybe, grid, blob, price, big, any)
}  // namespace fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  auto values = dubbo::hessian2::DecodeAll(input);
  if (values.ok()) {
    const std::string again = dubbo::hessian2::EncodeAll(*values);
    auto reread = dubbo::hessian2::DecodeAll(again);
    if (!reread.ok() || *reread != *values) __builtin_trap();
  }

  {
    dubbo::hessian2::Reader r(input);
    fuzz::Outer outer;
    while (!r.AtEnd()) dubbo::hessian2::Read(r, &outer);
  }
  {
    dubbo::hessian2::Reader r(input);
    dubbo::JavaException e;
    std::vector<fuzz::Inner> list;
    dubbo::hessian2::Read(r, &e);
    dubbo::hessian2::Read(r, &list);
  }
  return 0;
}

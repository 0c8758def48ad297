// libFuzzer target for the MessagePack decoding path: dynamic values, typed structs read by field
// name, and a body read value by value as Dubbo's msgpack serialization reads it.
// Property: whatever decodes re-encodes to bytes that decode to the same values.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "codec/msgpack/codec.h"
#include "codec/msgpack/serialization.h"

namespace fuzz {
enum class Color { RED, GREEN };
DUBBO_ENUM(Color, "demo.Color", RED, GREEN)

struct Item {
  int32_t a = 0;
  std::optional<std::string> b;
  Color color = Color::RED;
};
DUBBO_STRUCT(Item, "demo.Item", a, b, color)

struct Order {
  std::string name;
  std::vector<Item> items;
  std::map<std::string, int64_t> counts;
  std::optional<Item> maybe;
  dubbo::Binary blob;
  dubbo::BigDecimal price;
  dubbo::Value any;
};
DUBBO_STRUCT(Order, "demo.Order", name, items, counts, maybe, blob, price, any)
// MessagePack has one integer type (the reader picks int or long by size) and dates are written
// as epoch millis (Jackson's default), so compare integers and dates by their numeric value.
dubbo::Value Canonical(const dubbo::Value& v) {
  switch (v.kind()) {
    case dubbo::Value::Kind::kDate:
      return dubbo::Value::Long(v.as_date().millis);
    case dubbo::Value::Kind::kInt:
      return dubbo::Value::Long(v.as_int());
    case dubbo::Value::Kind::kList: {
      dubbo::List l = v.as_list();
      for (auto& item : l.items) item = Canonical(item);
      return dubbo::Value::FromList(std::move(l));
    }
    case dubbo::Value::Kind::kMap: {
      dubbo::Map m = v.as_map();
      for (auto& [k, val] : m.entries) {
        k = Canonical(k);
        val = Canonical(val);
      }
      return dubbo::Value::FromMap(std::move(m));
    }
    default:
      return v;
  }
}

bool SameCanonical(const std::vector<dubbo::Value>& a, const std::vector<dubbo::Value>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!(Canonical(a[i]) == Canonical(b[i]))) return false;
  return true;
}
}  // namespace fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  auto values = dubbo::msgpack::DecodeAll(input);
  if (values.ok()) {
    const std::string again = dubbo::msgpack::EncodeAll(*values);
    auto reread = dubbo::msgpack::DecodeAll(again);
    if (!reread.ok() || !fuzz::SameCanonical(*reread, *values)) __builtin_trap();
  }

  (void)dubbo::msgpack::Decode<fuzz::Order>(input);
  dubbo::msgpack::MsgpackSerialization s;
  (void)s.Decode(input, [](dubbo::ObjectInput& in) {
    std::string text;
    in.ReadString(&text);
    dubbo::JavaException e;
    static_cast<dubbo::msgpack::MsgpackObjectInput&>(in).ReadThrowable(&e);
    while (!in.AtEnd() && in.ok()) in.Skip();
  });
  return 0;
}

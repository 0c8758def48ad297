#include "codec/msgpack/packer.h"

#include <bit>

namespace dubbo::msgpack {

namespace {

template <typename U>
void AppendBigEndian(std::string* out, uint8_t lead, U bits) {
  char buf[1 + sizeof(U)];
  buf[0] = static_cast<char>(lead);
  for (size_t i = 0; i < sizeof(U); ++i) {
    buf[1 + i] = static_cast<char>(bits >> (8 * (sizeof(U) - 1 - i)));
  }
  out->append(buf, sizeof(buf));
}

}  // namespace

// Java writes Float/Double as float32/float64 whatever their value; msgpack-cxx's pack_float and
// pack_double would turn 1.0 into the integer 1 (and -0.0 into 0), which Jackson then reads back
// as an Integer in untyped positions.
void Packer::PackFloat(float v) { AppendBigEndian(sink_.out, 0xca, std::bit_cast<uint32_t>(v)); }
void Packer::PackDouble(double v) { AppendBigEndian(sink_.out, 0xcb, std::bit_cast<uint64_t>(v)); }

void Packer::PackString(std::string_view utf8) {
  packer_.pack_str(static_cast<uint32_t>(utf8.size()));
  packer_.pack_str_body(utf8.data(), static_cast<uint32_t>(utf8.size()));
}

void Packer::PackBinary(std::span<const uint8_t> bytes) {
  packer_.pack_bin(static_cast<uint32_t>(bytes.size()));
  packer_.pack_bin_body(reinterpret_cast<const char*>(bytes.data()),
                        static_cast<uint32_t>(bytes.size()));
}

void Packer::PackValue(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kNull:
    case Value::Kind::kRef:  // msgpack has no references; Jackson would have inlined the target
      PackNil();
      return;
    case Value::Kind::kBool:
      PackBool(v.as_bool());
      return;
    case Value::Kind::kInt:
      PackInt(v.as_int());
      return;
    case Value::Kind::kLong:
      PackInt(v.as_long());
      return;
    case Value::Kind::kDouble:
      PackDouble(v.as_double());
      return;
    case Value::Kind::kDate:
      PackInt(v.as_date().millis);
      return;
    case Value::Kind::kString:
      PackString(v.as_string());
      return;
    case Value::Kind::kBinary:
      PackBinary(v.as_binary());
      return;
    case Value::Kind::kList: {
      const auto& items = v.as_list().items;
      PackArrayHeader(items.size());
      for (const auto& item : items) PackValue(item);
      return;
    }
    case Value::Kind::kMap: {
      const auto& entries = v.as_map().entries;
      PackMapHeader(entries.size());
      for (const auto& [key, value] : entries) {
        PackValue(key);
        PackValue(value);
      }
      return;
    }
    case Value::Kind::kObject: {
      const auto& fields = v.as_object().fields;
      PackMapHeader(fields.size());
      for (const auto& [name, value] : fields) {
        PackString(name);
        PackValue(value);
      }
      return;
    }
  }
}

}  // namespace dubbo::msgpack

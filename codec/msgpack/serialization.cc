#include "codec/msgpack/serialization.h"

#include <limits>

namespace dubbo::msgpack {

// Java's readBool/readInt/... are Jackson reads into a primitive: nil gives the default value.
bool MsgpackObjectInput::ReadBool() {
  const auto* o = reader_.Next();
  return o != nullptr && reader_.ToBool(*o);
}

int32_t MsgpackObjectInput::ReadInt() {
  const auto* o = reader_.Next();
  if (o == nullptr) return 0;
  return static_cast<int32_t>(reader_.ToInt(*o, std::numeric_limits<int32_t>::min(),
                                            std::numeric_limits<int32_t>::max(), "int32"));
}

int64_t MsgpackObjectInput::ReadLong() {
  const auto* o = reader_.Next();
  if (o == nullptr) return 0;
  return reader_.ToInt(*o, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(),
                       "int64");
}

double MsgpackObjectInput::ReadDouble() {
  const auto* o = reader_.Next();
  return o == nullptr ? 0 : reader_.ToDouble(*o, "double");
}

bool MsgpackObjectInput::ReadString(std::string* out) {
  const auto* o = reader_.Next();
  if (o == nullptr) {
    out->clear();
    return false;
  }
  return reader_.ToString(*o, out);
}

void MsgpackObjectInput::ReadValue(Value* out) {
  *out = Value();
  if (const auto* o = reader_.Next()) reader_.ToValue(*o, out);
}

Value::Kind MsgpackObjectInput::PeekKind() {
  const int b = reader_.PeekLeadByte();
  if (b < 0 || b == 0xc0) return Value::Kind::kNull;
  if (b <= 0x7f || b >= 0xe0) return Value::Kind::kInt;  // fixints
  if (b <= 0x8f || b == 0xde || b == 0xdf) return Value::Kind::kMap;
  if (b <= 0x9f || b == 0xdc || b == 0xdd) return Value::Kind::kList;
  if (b <= 0xbf || (b >= 0xd9 && b <= 0xdb)) return Value::Kind::kString;
  switch (b) {
    case 0xc2:
    case 0xc3:
      return Value::Kind::kBool;
    case 0xc4:
    case 0xc5:
    case 0xc6:
      return Value::Kind::kBinary;
    case 0xca:
    case 0xcb:
      return Value::Kind::kDouble;
    case 0xcc:
    case 0xcd:
    case 0xd0:
    case 0xd1:
    case 0xd2:
      return Value::Kind::kInt;
    case 0xce:
    case 0xcf:
    case 0xd3:
      return Value::Kind::kLong;
    default:
      return Value::Kind::kDate;  // extensions: the timestamp is the one readers know
  }
}

void MsgpackObjectInput::ReadStringMap(std::vector<std::pair<std::string, Value>>* out) {
  out->clear();
  const ::msgpack::object* o = reader_.Next();
  if (o == nullptr || o->type == ::msgpack::type::NIL) return;
  if (o->type != ::msgpack::type::MAP) return reader_.Mismatch("map", *o);
  out->reserve(o->via.map.size);
  for (uint32_t i = 0; i < o->via.map.size; ++i) {
    const ::msgpack::object_kv& kv = o->via.map.ptr[i];
    if (kv.key.type != ::msgpack::type::STR) continue;
    auto& entry = out->emplace_back(std::string(kv.key.via.str.ptr, kv.key.via.str.size), Value());
    if (kv.val.type == ::msgpack::type::STR) {
      entry.second = Value::String(std::string(kv.val.via.str.ptr, kv.val.via.str.size));
    } else {
      reader_.ToValue(kv.val, &entry.second);
    }
  }
}

}  // namespace dubbo::msgpack

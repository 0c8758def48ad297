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

}  // namespace dubbo::msgpack

#include "codec/serialization.h"

#include "codec/hessian2/serialization.h"
#include "codec/msgpack/serialization.h"

namespace dubbo {

SerializationRegistry& SerializationRegistry::Global() {
  static SerializationRegistry registry;
  return registry;
}

void SerializationRegistry::RegisterBuiltins() {
  if (Find("hessian2") == nullptr) (void)Register(std::make_unique<hessian2::Hessian2Serialization>());
  if (Find("msgpack") == nullptr) (void)Register(std::make_unique<msgpack::MsgpackSerialization>());
}

Status SerializationRegistry::Register(std::unique_ptr<Serialization> s) {
  const auto id = static_cast<uint8_t>(s->id());
  if (id >= 32) {
    return Status(StatusCode::kInvalidArgument,
                  "serialization id " + std::to_string(id) + " does not fit the header's 5 bits");
  }
  if (by_id_[id] != nullptr || Find(s->name()) != nullptr) {
    return Status(StatusCode::kAlreadyExists,
                  "serialization " + std::string(s->name()) + " (id " + std::to_string(id) +
                      ") is already registered");
  }
  by_id_[id] = s.get();
  entries_.push_back(std::move(s));
  return Status::Ok();
}

const Serialization* SerializationRegistry::Find(uint8_t id) const {
  return id < 32 ? by_id_[id] : nullptr;
}

const Serialization* SerializationRegistry::Find(std::string_view name) const {
  for (const auto& s : entries_)
    if (s->name() == name) return s.get();
  return nullptr;
}

Result<const Serialization*> SerializationRegistry::Get(std::string_view name) const {
  if (const auto* s = Find(name)) return s;
  std::string known;
  for (const auto& s : entries_) {
    if (!known.empty()) known += ", ";
    known += s->name();
  }
  return Status(StatusCode::kInvalidArgument,
                "unknown serialization \"" + std::string(name) + "\" (known: " + known + ")");
}

}  // namespace dubbo

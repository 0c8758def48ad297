#include "codec/serialization.h"

#include <algorithm>

#include "codec/hessian2/serialization.h"
#include "codec/msgpack/serialization.h"

namespace dubbo {

SerializationRegistry& SerializationRegistry::Global() {
  // Built-ins at birth: no lazy registration racing with lookups on other threads.
  static SerializationRegistry* registry = [] {
    auto* r = new SerializationRegistry;
    (void)r->Register(std::make_unique<hessian2::Hessian2Serialization>());
    (void)r->Register(std::make_unique<msgpack::MsgpackSerialization>());
    return r;
  }();
  return *registry;
}

Status SerializationRegistry::Register(std::unique_ptr<Serialization> s, Replace replace) {
  const auto id = static_cast<uint8_t>(s->id());
  if (id >= 32) {
    return Status(StatusCode::kInvalidArgument,
                  "serialization id " + std::to_string(id) + " does not fit the header's 5 bits");
  }
  std::lock_guard<std::mutex> lock(mu_);
  const Serialization* same_id = by_id_[id].load(std::memory_order_relaxed);
  const Serialization* same_name = FindLocked(s->name());
  if ((same_id != nullptr || same_name != nullptr) && replace == Replace::kNo) {
    return Status(StatusCode::kAlreadyExists, "serialization " + std::string(s->name()) + " (id " +
                                                  std::to_string(id) + ") is already registered");
  }
  std::erase_if(by_name_, [&](const Serialization* e) { return e == same_id || e == same_name; });
  if (same_name != nullptr && same_name != same_id) {
    by_id_[static_cast<uint8_t>(same_name->id())].store(nullptr, std::memory_order_release);
  }
  by_name_.push_back(s.get());
  by_id_[id].store(s.get(), std::memory_order_release);
  entries_.push_back(std::move(s));
  return Status::Ok();
}

const Serialization* SerializationRegistry::Find(uint8_t id) const {
  return id < 32 ? by_id_[id].load(std::memory_order_acquire) : nullptr;
}

const Serialization* SerializationRegistry::FindLocked(std::string_view name) const {
  for (const auto* s : by_name_)
    if (s->name() == name) return s;
  return nullptr;
}

const Serialization* SerializationRegistry::Find(std::string_view name) const {
  std::lock_guard<std::mutex> lock(mu_);
  return FindLocked(name);
}

Result<const Serialization*> SerializationRegistry::Get(std::string_view name) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (const auto* s = FindLocked(name)) return s;
  std::string known;
  for (const auto* s : by_name_) {
    if (!known.empty()) known += ", ";
    known += s->name();
  }
  return Status(StatusCode::kInvalidArgument,
                "unknown serialization \"" + std::string(name) + "\" (known: " + known + ")");
}

}  // namespace dubbo

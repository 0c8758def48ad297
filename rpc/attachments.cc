#include "rpc/attachments.h"

#include <charconv>

namespace dubbo::rpc {

const Value* Attachments::Find(std::string_view key) const {
  for (const auto& [k, v] : entries_)
    if (k == key) return &v;
  return nullptr;
}

std::optional<std::string> Attachments::GetString(std::string_view key) const {
  const Value* v = Find(key);
  if (v == nullptr) return std::nullopt;
  if (const auto* s = v->if_string()) return *s;
  int64_t i = 0;
  if (v->GetInteger(&i)) return std::to_string(i);
  if (v->kind() == Value::Kind::kDouble) {
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, v->as_double());
    return std::string(buf, r.ptr);
  }
  if (v->kind() == Value::Kind::kBool) return v->as_bool() ? "true" : "false";
  return std::nullopt;
}

void Attachments::Set(std::string key, Value value) {
  for (auto& [k, v] : entries_) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  entries_.emplace_back(std::move(key), std::move(value));
}

void Attachments::Remove(std::string_view key) {
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->first == key) {
      entries_.erase(it);
      return;
    }
  }
}

void Attachments::WriteTo(ObjectOutput& out) const {
  out.WriteMapBegin(entries_.size());
  for (const auto& [k, v] : entries_) {
    out.WriteString(k);
    WriteValue(out, v);
  }
  out.WriteMapEnd();
}

void Attachments::ReadFrom(ObjectInput& in) {
  entries_.clear();
  if (in.AtEnd()) return;
  in.ReadStringMap(&entries_);
}

void Attachments::WriteValue(ObjectOutput& out, const Value& v) {
  if (const auto* s = v.if_string()) {
    out.WriteString(*s);
  } else {
    out.WriteValue(v);
  }
}

}  // namespace dubbo::rpc

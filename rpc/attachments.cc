#include "rpc/attachments.h"

#include <charconv>

namespace dubbo::rpc {

const std::vector<Attachments::Entry>& Attachments::Empty() {
  static const std::vector<Entry> empty;
  return empty;
}

std::vector<Attachments::Entry>& Attachments::Mutable() {
  if (!entries_) {
    entries_ = std::make_shared<std::vector<Entry>>();
  } else if (entries_.use_count() > 1) {
    entries_ = std::make_shared<std::vector<Entry>>(*entries_);
  }
  return *entries_;
}

const Value* Attachments::Find(std::string_view key) const {
  for (const auto& [k, v] : entries())
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
  std::vector<Entry>& entries = Mutable();
  for (auto& [k, v] : entries) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  entries.emplace_back(std::move(key), std::move(value));
}

void Attachments::Remove(std::string_view key) {
  if (Find(key) == nullptr) return;
  std::vector<Entry>& entries = Mutable();
  for (auto it = entries.begin(); it != entries.end(); ++it) {
    if (it->first == key) {
      entries.erase(it);
      return;
    }
  }
}

void Attachments::WriteTo(ObjectOutput& out) const {
  const std::vector<Entry>& entries = this->entries();
  out.WriteMapBegin(entries.size());
  for (const auto& [k, v] : entries) {
    out.WriteString(k);
    WriteValue(out, v);
  }
  out.WriteMapEnd();
}

void Attachments::ReadFrom(ObjectInput& in) {
  entries_.reset();
  if (in.AtEnd()) return;
  in.ReadStringMap(&Mutable());
}

void Attachments::WriteValue(ObjectOutput& out, const Value& v) {
  if (const auto* s = v.if_string()) {
    out.WriteString(*s);
  } else {
    out.WriteValue(v);
  }
}

}  // namespace dubbo::rpc

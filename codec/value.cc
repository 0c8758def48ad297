#include "codec/value.h"

#include <cmath>

namespace dubbo {

bool Value::GetInteger(int64_t* out) const {
  if (const auto* i = std::get_if<int32_t>(&v_)) {
    *out = *i;
    return true;
  }
  if (const auto* l = std::get_if<int64_t>(&v_)) {
    *out = *l;
    return true;
  }
  return false;
}

const Value* Value::Find(std::string_view name) const {
  if (const auto* o = if_object()) {
    for (const auto& [k, v] : o->fields)
      if (k == name) return &v;
  } else if (const auto* m = if_map()) {
    for (const auto& [k, v] : m->entries)
      if (const auto* s = k.if_string(); s != nullptr && *s == name) return &v;
  }
  return nullptr;
}

namespace {

bool DoubleEqual(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

template <bool kUnordered>
bool Equal(const Value& a, const Value& b);

template <bool kUnordered>
bool MapEntriesEqual(const Map& a, const Map& b) {
  if (a.type != b.type || a.entries.size() != b.entries.size()) return false;
  if (!kUnordered) {
    for (size_t i = 0; i < a.entries.size(); ++i) {
      if (!Equal<false>(a.entries[i].first, b.entries[i].first) ||
          !Equal<false>(a.entries[i].second, b.entries[i].second)) {
        return false;
      }
    }
    return true;
  }
  std::vector<bool> used(b.entries.size(), false);
  for (const auto& [ka, va] : a.entries) {
    bool found = false;
    for (size_t j = 0; j < b.entries.size() && !found; ++j) {
      if (!used[j] && Equal<true>(ka, b.entries[j].first) && Equal<true>(va, b.entries[j].second)) {
        used[j] = found = true;
      }
    }
    if (!found) return false;
  }
  return true;
}

template <bool kUnordered>
bool Equal(const Value& a, const Value& b) {
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::kNull:
      return true;
    case Value::Kind::kBool:
      return a.as_bool() == b.as_bool();
    case Value::Kind::kInt:
      return a.as_int() == b.as_int();
    case Value::Kind::kLong:
      return a.as_long() == b.as_long();
    case Value::Kind::kDouble:
      return DoubleEqual(a.as_double(), b.as_double());
    case Value::Kind::kDate:
      return a.as_date() == b.as_date();
    case Value::Kind::kString:
      return a.as_string() == b.as_string();
    case Value::Kind::kBinary:
      return a.as_binary() == b.as_binary();
    case Value::Kind::kRef:
      return a.as_ref() == b.as_ref();
    case Value::Kind::kList: {
      const List& x = a.as_list();
      const List& y = b.as_list();
      if (x.type != y.type || x.items.size() != y.items.size()) return false;
      for (size_t i = 0; i < x.items.size(); ++i)
        if (!Equal<kUnordered>(x.items[i], y.items[i])) return false;
      return true;
    }
    case Value::Kind::kMap:
      return MapEntriesEqual<kUnordered>(a.as_map(), b.as_map());
    case Value::Kind::kObject: {
      const Object& x = a.as_object();
      const Object& y = b.as_object();
      if (x.class_name != y.class_name || x.fields.size() != y.fields.size()) return false;
      for (size_t i = 0; i < x.fields.size(); ++i) {
        if (x.fields[i].first != y.fields[i].first ||
            !Equal<kUnordered>(x.fields[i].second, y.fields[i].second)) {
          return false;
        }
      }
      return true;
    }
  }
  return false;
}

}  // namespace

bool operator==(const Value& a, const Value& b) { return Equal<false>(a, b); }
bool EquivalentUnordered(const Value& a, const Value& b) { return Equal<true>(a, b); }

std::string_view KindName(Value::Kind kind) {
  switch (kind) {
    case Value::Kind::kNull:
      return "null";
    case Value::Kind::kBool:
      return "bool";
    case Value::Kind::kInt:
      return "int";
    case Value::Kind::kLong:
      return "long";
    case Value::Kind::kDouble:
      return "double";
    case Value::Kind::kDate:
      return "date";
    case Value::Kind::kString:
      return "string";
    case Value::Kind::kBinary:
      return "binary";
    case Value::Kind::kList:
      return "list";
    case Value::Kind::kMap:
      return "map";
    case Value::Kind::kObject:
      return "object";
    case Value::Kind::kRef:
      return "ref";
  }
  return "unknown";
}

RefTable::RefTable(const std::vector<Value>& roots) {
  for (const auto& v : roots) Index(v);
}

RefTable::RefTable(const Value& root) { Index(root); }

void RefTable::Index(const Value& v) {
  // Containers are numbered when they begin, before their children: pre-order.
  switch (v.kind()) {
    case Value::Kind::kList:
      nodes_.push_back(&v);
      for (const auto& item : v.as_list().items) Index(item);
      break;
    case Value::Kind::kMap:
      nodes_.push_back(&v);
      for (const auto& [k, val] : v.as_map().entries) {
        Index(k);
        Index(val);
      }
      break;
    case Value::Kind::kObject:
      nodes_.push_back(&v);
      for (const auto& [name, val] : v.as_object().fields) Index(val);
      break;
    default:
      break;
  }
}

const Value& RefTable::Deref(const Value& v) const {
  if (v.kind() != Value::Kind::kRef) return v;
  const Value* target = Get(v.as_ref());
  static const Value kNull;
  return target != nullptr ? *target : kNull;
}

}  // namespace dubbo

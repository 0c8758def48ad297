#include "rpc/generic_json.h"

#include "codec/json.h"

namespace dubbo::rpc {

namespace {

Value Str(std::string s) { return Value::String(std::move(s)); }

Value ExceptionJson(const JavaException& e, int depth) {
  const ThrownException t = UnwrapGenericException(e);
  Map m;
  m.entries.emplace_back(Str("class"), Str(t.class_name));
  m.entries.emplace_back(Str("message"), t.message ? Str(*t.message) : Value::Null());
  if (e.cause && depth < 16)
    m.entries.emplace_back(Str("cause"), ExceptionJson(*e.cause, depth + 1));
  return Value::FromMap(std::move(m));
}

}  // namespace

Result<std::vector<Value>> ParseJsonArguments(std::string_view json_array) {
  const size_t first = json_array.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos || json_array[first] != '[') {
    return Status(
        StatusCode::kInvalidArgument,
        "the arguments must be a JSON array (one element per argument), e.g. '[\"world\"]'");
  }
  auto values = ParseJsonValues(json_array);
  if (!values.ok()) return values.status().WithContext("arguments");
  return values;
}

ThrownException UnwrapGenericException(const JavaException& e) {
  ThrownException t{e.class_name, e.message};
  const std::string_view c = e.class_name;
  if (c.size() >= 16 && c.substr(c.size() - 16) == "GenericException") {
    const Value* cls = nullptr;
    const Value* msg = nullptr;
    for (const auto& [name, v] : e.extra_fields) {
      if (name == "exceptionClass") cls = &v;
      if (name == "exceptionMessage") msg = &v;
    }
    if (cls != nullptr && cls->if_string() != nullptr) {
      t.class_name = *cls->if_string();
      t.message.reset();
      if (msg != nullptr && msg->if_string() != nullptr) t.message = *msg->if_string();
    }
  }
  return t;
}

Value ExceptionToJsonValue(const JavaException& e) { return ExceptionJson(e, 0); }

}  // namespace dubbo::rpc

#include "codec/hessian2/codec.h"

namespace dubbo::hessian2 {

Result<std::vector<Value>> DecodeAll(std::string_view bytes) {
  Reader r(bytes);
  std::vector<Value> values;
  while (!r.AtEnd()) r.ReadValue(&values.emplace_back());
  if (!r.ok()) return r.status();
  return values;
}

std::string EncodeAll(const std::vector<Value>& values) {
  std::string out;
  Writer w(&out);
  for (const auto& v : values) w.WriteValue(v);
  return out;
}

namespace internal {

int FieldIndex(std::span<const std::string_view> names, std::string_view name) {
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return static_cast<int>(i);
  return -1;
}

const ClassInfo::TypedMapping& ComputeFieldMapping(const ClassInfo& info, const void* key,
                                                   std::span<const std::string_view> names) {
  using Mapping = ClassInfo::TypedMapping;
  const Mapping* head = info.typed_mappings.load(std::memory_order_acquire);
  for (const Mapping* m = head; m != nullptr; m = m->next)
    if (m->key == key) return *m;
  auto* mapping = new Mapping{key, {}, info.fields.size() == names.size(), head};
  mapping->fields.reserve(info.fields.size());
  for (const auto& f : info.fields) {
    const int index = FieldIndex(names, f);
    if (index != static_cast<int>(mapping->fields.size())) mapping->in_order = false;
    mapping->fields.push_back(static_cast<int16_t>(index));
  }
  // Definitions are shared (see ClassInfo): publish the mapping, unless another thread published
  // one for the same key meanwhile.
  while (!info.typed_mappings.compare_exchange_weak(
      mapping->next, mapping, std::memory_order_release, std::memory_order_acquire)) {
    for (const Mapping* m = mapping->next; m != nullptr; m = m->next) {
      if (m->key == key) {
        delete mapping;
        return *m;
      }
    }
  }
  return *mapping;
}

namespace {

// Reads a Java value object (object or map form) field by field: `field(name)` reads the value
// and returns true for the fields it knows; the rest are skipped. False when the value is null.
template <typename F>
bool ReadFields(Reader& r, F&& field) {
  uint32_t slot = 0;
  bool map_form = false;
  const ClassInfo* def = r.BeginObject(&slot, &map_form);
  if (map_form) {
    std::string key;
    while (r.HasMore()) {
      if (r.PeekKind() == Value::Kind::kString) {
        r.ReadString(&key);
        if (!field(std::string_view(key))) r.Skip();
      } else {
        r.Skip();
        r.Skip();
      }
    }
  } else if (def != nullptr) {
    for (const std::string& name : def->fields)
      if (!field(std::string_view(name))) r.Skip();
  } else {
    return false;
  }
  r.End();
  return true;
}

constexpr std::string_view kValueField[] = {"value"};
constexpr ClassDef kBigDecimalDef{"java.math.BigDecimal", kValueField};
// JDK 17's reflected layout; the four caches are sent as 0 ("not computed"), which JDK 8 also
// reads that way (under other names, skipped as unknown fields).
constexpr std::string_view kBigIntegerFields[] = {"signum",
                                                  "bitCountPlusOne",
                                                  "bitLengthPlusOne",
                                                  "lowestSetBitPlusTwo",
                                                  "firstNonzeroIntNumPlusTwo",
                                                  "mag"};
constexpr ClassDef kBigIntegerDef{"java.math.BigInteger", kBigIntegerFields};
constexpr ClassDef kTimestampDef{"java.sql.Timestamp", kValueField};
constexpr ClassDef kSqlDateDef{"java.sql.Date", kValueField};
constexpr ClassDef kSqlTimeDef{"java.sql.Time", kValueField};
// JDK 9+ layout: JDK 8 readers skip the three loader/module fields and `format` by name.
constexpr std::string_view kStackTraceElementFields[] = {
    "classLoaderName", "moduleName", "moduleVersion", "declaringClass",
    "methodName",      "fileName",   "lineNumber",    "format"};
constexpr ClassDef kStackTraceElementDef{"java.lang.StackTraceElement", kStackTraceElementFields};

// Key for the shared empty suppressedExceptions list (Java's Collections.EMPTY_LIST singleton).
constexpr char kEmptyListIdentity = 0;

void WriteDateObject(Writer& w, const ClassDef& def, int64_t millis) {
  w.WriteObjectBegin(def);
  w.WriteDate(millis);
}

int64_t ReadDateObject(Reader& r) {
  int64_t millis = 0;
  ReadFields(r, [&](std::string_view f) {
    if (f != "value") return false;
    millis = r.ReadDate();
    return true;
  });
  return millis;
}

}  // namespace

const std::string_view kEnumFieldNames[1] = {"name"};

void WriteEnumName(Writer& w, const void* identity, int64_t value, std::string_view java_class,
                   std::string_view name) {
  // Enum constants are singletons in Java, so the second occurrence is a back-reference.
  if (const int64_t slot = w.FindIdentity(identity, value); slot >= 0) {
    w.WriteRef(static_cast<uint32_t>(slot));
    return;
  }
  const uint32_t slot = w.WriteObjectBegin(ClassDef{java_class, kEnumFieldNames}, identity);
  w.WriteString(name);
  w.RememberIdentity(identity, value, slot);
}

bool ReadEnumName(Reader& r, std::string* name) {
  if (r.PeekKind() == Value::Kind::kString) return r.ReadString(name);
  bool found = false;
  const bool present = ReadFields(r, [&](std::string_view f) {
    if (f != "name") return false;
    found = r.ReadString(name);
    return true;
  });
  if (present && !found && r.ok()) r.Fail("enum object without a \"name\" field");
  return present && found && r.ok();
}

void WriteThrowableFields(Writer& w, const Throwable& t, uint32_t self) {
  if (t.message) {
    w.WriteString(*t.message);
  } else {
    w.WriteNull();
  }
  if (t.cause) {
    Codec<JavaException>::Write(w, *t.cause);
  } else {
    w.WriteRef(self);  // Java's Throwable.cause == this means "no cause"
  }
  w.WriteListBegin(t.stack_trace.size(), "[java.lang.StackTraceElement");
  for (const auto& e : t.stack_trace) {
    w.WriteObjectBegin(kStackTraceElementDef);
    w.WriteNull();
    w.WriteNull();
    w.WriteNull();
    w.WriteString(e.declaring_class);
    w.WriteString(e.method_name);
    w.WriteString(e.file_name);
    w.WriteInt(e.line_number);
    w.WriteInt(0);
  }
  if (const int64_t slot = w.FindIdentity(&kEmptyListIdentity, 0); slot >= 0) {
    w.WriteRef(static_cast<uint32_t>(slot));
  } else {
    const uint32_t list_slot = w.ref_count();
    w.WriteListBegin(0, "java.util.Collections$EmptyList");
    w.RememberIdentity(&kEmptyListIdentity, 0, list_slot);
  }
}

bool ReadThrowableField(Reader& r, std::string_view field, uint32_t self, Throwable* t) {
  if (field == "detailMessage") {
    std::string m;
    if (r.ReadString(&m)) {
      t->message = std::move(m);
    } else {
      t->message.reset();
    }
    return true;
  }
  if (field == "cause") {
    if (r.ReadRefTo(self) || r.ReadNullIf()) {
      t->cause.reset();
    } else {
      auto cause = std::make_shared<JavaException>();
      Codec<JavaException>::Read(r, cause.get());
      t->cause = std::move(cause);
    }
    return true;
  }
  if (field == "stackTrace") {
    Codec<std::vector<StackTraceElement>>::Read(r, &t->stack_trace);
    return true;
  }
  if (field == "suppressedExceptions") {
    r.Skip();
    return true;
  }
  return false;
}

}  // namespace internal

void Codec<BigDecimal>::Write(Writer& w, const BigDecimal& v) {
  w.WriteObjectBegin(internal::kBigDecimalDef);
  w.WriteString(v.value);
}

void Codec<BigDecimal>::Read(Reader& r, BigDecimal* v) {
  v->value.clear();
  if (r.PeekKind() == Value::Kind::kString) {
    r.ReadString(&v->value);
    return;
  }
  internal::ReadFields(r, [&](std::string_view f) {
    if (f != "value") return false;
    r.ReadString(&v->value);
    return true;
  });
}

void Codec<BigInteger>::Write(Writer& w, const BigInteger& v) {
  int32_t signum = 0;
  std::vector<int32_t> mag;
  if (!v.ToMagnitude(&signum, &mag).ok()) {
    signum = 0;  // not a decimal integer: send zero rather than an unreadable object
    mag.clear();
  }
  w.WriteObjectBegin(internal::kBigIntegerDef);
  w.WriteInt(signum);
  for (int cache = 0; cache < 4; ++cache) w.WriteInt(0);
  w.WriteListBegin(mag.size(), "[int");
  for (int32_t m : mag) w.WriteInt(m);
}

void Codec<BigInteger>::Read(Reader& r, BigInteger* v) {
  int32_t signum = 0;
  std::vector<int32_t> mag;
  const bool present = internal::ReadFields(r, [&](std::string_view f) {
    if (f == "signum") {
      signum = r.ReadInt();
      return true;
    }
    if (f == "mag") {
      Codec<std::vector<int32_t>>::Read(r, &mag);
      return true;
    }
    return false;
  });
  if (!present || !r.ok()) {
    v->value = "0";
    return;
  }
  auto big = BigInteger::FromMagnitude(signum, mag);
  if (!big.ok()) {
    r.Fail(big.status().message());
    return;
  }
  *v = std::move(*big);
}

void Codec<SqlTimestamp>::Write(Writer& w, const SqlTimestamp& v) {
  internal::WriteDateObject(w, internal::kTimestampDef, v.millis);
}
void Codec<SqlTimestamp>::Read(Reader& r, SqlTimestamp* v) {
  v->millis = internal::ReadDateObject(r);
}
void Codec<SqlDate>::Write(Writer& w, const SqlDate& v) {
  internal::WriteDateObject(w, internal::kSqlDateDef, v.millis);
}
void Codec<SqlDate>::Read(Reader& r, SqlDate* v) { v->millis = internal::ReadDateObject(r); }
void Codec<SqlTime>::Write(Writer& w, const SqlTime& v) {
  internal::WriteDateObject(w, internal::kSqlTimeDef, v.millis);
}
void Codec<SqlTime>::Read(Reader& r, SqlTime* v) { v->millis = internal::ReadDateObject(r); }

void Codec<JavaException>::Write(Writer& w, const JavaException& v) {
  std::vector<std::string_view> names;
  names.reserve(v.extra_fields.size() + 4);
  for (const auto& [name, value] : v.extra_fields) names.push_back(name);
  for (std::string_view n : {"detailMessage", "cause", "stackTrace", "suppressedExceptions"})
    names.push_back(n);
  const uint32_t self = w.WriteObjectBegin(ClassDef{v.class_name, names}, nullptr);
  for (const auto& [name, value] : v.extra_fields) w.WriteValue(value);
  internal::WriteThrowableFields(w, v, self);
}

void Codec<JavaException>::Read(Reader& r, JavaException* v) {
  *v = JavaException();
  uint32_t self = 0;
  bool map_form = false;
  const ClassInfo* def = r.BeginObject(&self, &map_form);
  if (def == nullptr) {
    if (map_form) r.Fail("expected exception object, found map");
    return;
  }
  v->class_name = def->name;
  for (const std::string& field : def->fields) {
    if (internal::ReadThrowableField(r, field, self, v)) continue;
    r.ReadValue(&v->extra_fields.emplace_back(field, Value()).second);
  }
  r.End();
}

}  // namespace dubbo::hessian2

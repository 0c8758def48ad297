// Conversions between typed C++ values and the dynamic dubbo::Value, for generic invocation
// ($invoke), mocks and tools.
//
// ToValue(x) (ValueStyle::kWire) builds exactly the tree the typed Hessian writer puts on the wire:
// hessian2::EncodeAll({ToValue(x)}) == hessian2::Encode(x) byte for byte, back-references included.
// ToValue(x, ValueStyle::kGeneric) builds what Dubbo's PojoUtils.generalize hands a generic caller.
// FromValue(v, &x, &refs) reads either shape, and the looser ones Java's PojoUtils.realize and
// Hessian's deserializers accept; it never throws and reports the location of what it rejects:
//   expected int at $.items[2].count, found string "x"
//
// Supported C++ types: those of codec/hessian2/codec.h. Results own their data; `refs` is only
// borrowed for the call. Stateless: safe to call from any number of threads.
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <ratio>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "codec/java_types.h"
#include "codec/reflect.h"
#include "codec/value.h"
#include "common/function_ref.h"
#include "common/status.h"

namespace dubbo {

enum class ValueStyle {
  // Hessian's shape: structs and Java classes as Objects, enums as Object{name}, and Ref nodes
  // where the typed writer emits back-references (a repeated enum constant, the shared empty
  // suppressedExceptions list, a Throwable's cause when it has none). Containers are numbered as in
  // a message holding only this value; use ToValues for several values of one message.
  kWire,
  // PojoUtils.generalize (dubbo 3.3): a struct is an untyped map, "class" (the Java class name)
  // first, then every field in declaration order, nulls included (generalize puts every getter's
  // result). An enum is its constant name. Sets stay java.util.HashSet lists and vectors/maps are
  // untyped, with generalized elements. Numbers, strings, byte[] and dates are kept, and so are
  // BigDecimal, BigInteger and java.sql.* (ReflectUtils.isPrimitive counts every Number and Date
  // subclass as primitive), so those keep their wire shape. An exception is the bean map
  // generalize makes of a Throwable: "class", own fields, "message", "localizedMessage", "cause"
  // (null when none), "stackTrace" (a "[object" list of StackTraceElement maps) and "suppressed"
  // (an empty "[object" list). No Ref nodes are produced.
  kGeneric,
};

namespace value_convert_internal {
template <typename T>
struct Converter;  // specialised below for each supported type; others fail to compile
class ToContext;
class FromContext;
template <typename T>
Value Write(ToContext& c, const T& v);
template <typename T>
Status Read(FromContext& c, const Value& v, T* out);
}  // namespace value_convert_internal

// A Value passed in (alone or inside a struct) is copied as it is, Ref nodes included: their
// numbers must make sense in the message being built.
template <typename T>
Value ToValue(const T& v, ValueStyle style = ValueStyle::kWire);

// The values of one message in order (e.g. a call's arguments), back-references numbered across
// them as the typed writer numbers them.
template <typename... T>
std::vector<Value> ToValues(ValueStyle style, const T&... v);

// Reads `v` into *out, which is left unchanged on error (kInvalidArgument). Lenient as Java is:
//  - a struct from an object of any class (fields matched by name) or a map with string keys
//    ("class" ignored); unknown fields are ignored, missing ones keep their defaults;
//  - an enum from its constant name, or an object/map with a "name" field;
//  - integers from int, long, integral doubles and decimal strings, range-checked (Java would
//    truncate); float/double from any number or numeric string; bool from bool, an integer
//    (non-zero is true, as Hessian's readBoolean) or "true"/"false";
//  - strings only from strings (realize does not turn numbers into strings either);
//  - time points and java.sql.* from a date, integer milliseconds, or an object/map with "value";
//  - BigDecimal/BigInteger from their objects, numbers, or (validated) decimal text;
//  - exceptions from the wire object or the generalized map ("message" or "detailMessage");
//  - lists and sets from any list, maps from any map;
//  - null as the type's default, as the typed Hessian reader reads it; for optional, nullopt.
// Ref nodes are resolved through `refs`, the table of the message `v` is a node of (null when it
// has none); a Throwable's self-reference (its "no cause" marker) is recognised only when `v` is
// that very node, not a copy. Unresolvable or cyclic references, nesting deeper than 128 levels
// and references expanding to far more values than the message holds are errors.
// A Value target receives a copy of `v`, Ref nodes included.
template <typename T>
Status FromValue(const Value& v, T* out, const RefTable* refs = nullptr);

// --- implementation ------------------------------------------------------------------------------
namespace value_convert_internal {

// ToValue's state: the container numbering of the message being built and the Java singletons
// already emitted (the typed writer's identity table).
class ToContext {
 public:
  explicit ToContext(ValueStyle style) : style_(style) {}
  bool generic() const { return style_ == ValueStyle::kGeneric; }
  // The reference number of the container about to be built (pre-order, as the writer numbers).
  uint32_t Begin() { return next_slot_++; }
  // Accounts for the containers of a Value copied in verbatim.
  void Skip(const Value& v);
  // The slot a singleton (key, discriminator) was first emitted at, or -1.
  int64_t FindSingleton(const void* key, int64_t discriminator) const;
  void RememberSingleton(const void* key, int64_t discriminator, uint32_t slot);

 private:
  struct Singleton {
    const void* key;
    int64_t discriminator;
    uint32_t slot;
  };
  ValueStyle style_;
  uint32_t next_slot_ = 0;
  std::vector<Singleton> singletons_;
};

// FromValue's state: the location (for messages), the containers being read (for depth, cycle
// and self-reference checks) and the budget of values read through references.
class FromContext {
 public:
  explicit FromContext(const RefTable* refs) : refs_(refs) {}

  // Resolves a Ref and checks depth, cycles and budget; on success *node is the value to read and
  // Leave() must follow.
  Status Enter(const Value& v, const Value** node);
  void Leave();
  // The innermost value being read, and what a Ref points to (null when unresolvable).
  const Value* Current() const { return frames_.empty() ? nullptr : frames_.back().node; }
  const Value* Target(const Value& ref) const;

  // Location segments, pushed around each child read.
  void PushField(std::string_view name) { path_.push_back({Segment::kField, name, nullptr, 0}); }
  void PushIndex(size_t i) { path_.push_back({Segment::kIndex, {}, nullptr, i}); }
  void PushMapKey(size_t i) { path_.push_back({Segment::kMapKey, {}, nullptr, i}); }
  void PushMapValue(const Value& key, size_t i) {
    path_.push_back({Segment::kMapValue, {}, &key, i});
  }
  void Pop() { path_.pop_back(); }
  std::string Path() const;

  // `expected <what> at <path>, found <v>`.
  Status Mismatch(std::string_view expected, const Value& found) const;
  // `value <text> at <path> does not fit <type>`.
  Status DoesNotFit(std::string_view text, std::string_view type) const;
  // `<before> at <path><after>`.
  Status Error(std::string_view before, std::string_view after = {}) const;

 private:
  struct Segment {
    enum Kind : uint8_t { kField, kIndex, kMapKey, kMapValue } kind;
    std::string_view name;
    const Value* key;
    size_t index;
  };
  struct Frame {
    const Value* node;
    bool via_ref;
  };
  uint64_t Budget() const;

  const RefTable* refs_;
  std::vector<Segment> path_;
  std::vector<Frame> frames_;
  uint32_t depth_ = 0;           // containers among frames_
  uint32_t expanding_ = 0;       // frames_ entered through a Ref
  uint64_t expanded_ = 0;        // values read through references so far
  mutable uint64_t budget_ = 0;  // computed on the first reference
};

// Calls f(name, value) for each field of an object or string-keyed entry of a map (except
// "class"), with the field's location pushed.
Status ForEachNamed(FromContext& c, const Value& node,
                    FunctionRef<Status(std::string_view, const Value&)> f);

Status ReadInteger(FromContext& c, const Value& n, int64_t min, int64_t max, std::string_view type,
                   int64_t* out);
Status ReadDouble(FromContext& c, const Value& n, std::string_view type, double* out);
Status ReadMillis(FromContext& c, const Value& n, int64_t* out);
Status ReadEnumName(FromContext& c, const Value& n, std::string_view java_class,
                    std::string_view* name);
Status UnknownConstant(const FromContext& c, std::string_view name, std::string_view java_class);

// Java's float -> double as hessian-lite sends it: the double nearest the float's shortest text.
double FloatToWire(float v);

// A Throwable's object (kWire) or bean map (kGeneric); `own` appends the subclass's fields.
using FieldList = std::vector<std::pair<std::string, Value>>;
Value ThrowableToValue(ToContext& c, std::string_view java_class, const Throwable& t,
                       FunctionRef<void(FieldList*)> own);
// Reads `name` into `t` when it is one of Throwable's fields (either shape); *handled says so.
Status ReadThrowableField(FromContext& c, std::string_view name, const Value& v, Throwable* t,
                          bool* handled);
// Whether `ms` milliseconds fit a time point of `Duration` (false: converting would overflow).
template <typename Duration>
bool MillisFit(int64_t ms) {
  using PerMs = std::ratio_divide<std::milli, typename Duration::period>;
  if constexpr (std::chrono::treat_as_floating_point_v<typename Duration::rep> ||
                PerMs::num <= PerMs::den) {
    return true;
  } else {
    const long double ticks = static_cast<long double>(ms) * PerMs::num / PerMs::den;
    using Limits = std::numeric_limits<typename Duration::rep>;
    return ticks >= static_cast<long double>(Limits::min()) &&
           ticks <= static_cast<long double>(Limits::max());
  }
}

template <typename T>
Value Write(ToContext& c, const T& v) {
  return Converter<T>::To(c, v);
}

template <typename T>
struct IsOptional : std::false_type {};
template <typename T>
struct IsOptional<std::optional<T>> : std::true_type {};

template <typename T>
Status Read(FromContext& c, const Value& v, T* out) {
  if constexpr (std::is_same_v<T, Value>) {
    *out = v;
    return Status::Ok();
  } else if constexpr (IsOptional<T>::value) {
    if (v.is_null()) {
      out->reset();
      return Status::Ok();
    }
    return Read(c, v, &out->emplace());
  } else {
    const Value* node = nullptr;
    DUBBO_RETURN_IF_ERROR(c.Enter(v, &node));
    Status s;
    if (node->is_null()) {
      *out = T{};
    } else {
      s = Converter<T>::From(c, *node, out);
    }
    c.Leave();
    return s;
  }
}

// --- scalars -------------------------------------------------------------------------------------
template <>
struct Converter<bool> {
  static Value To(ToContext&, bool v) { return Value::Bool(v); }
  static Status From(FromContext& c, const Value& n, bool* out);
};

template <typename T>
concept JavaInteger = std::is_same_v<T, int8_t> || std::is_same_v<T, int16_t> ||
    std::is_same_v<T, int32_t> || std::is_same_v<T, int64_t>;

template <JavaInteger T>
struct Converter<T> {
  static constexpr std::string_view kJavaName = sizeof(T) == 1   ? "byte"
                                                : sizeof(T) == 2 ? "short"
                                                : sizeof(T) == 4 ? "int"
                                                                 : "long";
  static Value To(ToContext&, T v) {
    if constexpr (std::is_same_v<T, int64_t>) {
      return Value::Long(v);
    } else {
      return Value::Int(v);
    }
  }
  static Status From(FromContext& c, const Value& n, T* out) {
    int64_t i = 0;
    DUBBO_RETURN_IF_ERROR(ReadInteger(c, n, std::numeric_limits<T>::min(),
                                      std::numeric_limits<T>::max(), kJavaName, &i));
    *out = static_cast<T>(i);
    return Status::Ok();
  }
};

template <>
struct Converter<float> {
  static Value To(ToContext&, float v) { return Value::Double(FloatToWire(v)); }
  static Status From(FromContext& c, const Value& n, float* out) {
    double d = 0;
    DUBBO_RETURN_IF_ERROR(ReadDouble(c, n, "float", &d));
    *out = static_cast<float>(d);
    return Status::Ok();
  }
};

template <>
struct Converter<double> {
  static Value To(ToContext&, double v) { return Value::Double(v); }
  static Status From(FromContext& c, const Value& n, double* out) {
    return ReadDouble(c, n, "double", out);
  }
};

template <>
struct Converter<std::string> {
  static Value To(ToContext&, const std::string& v) { return Value::String(v); }
  static Status From(FromContext& c, const Value& n, std::string* out);
};

template <>
struct Converter<Binary> {
  static Value To(ToContext&, const Binary& v) { return Value::FromBinary(v); }
  static Status From(FromContext& c, const Value& n, Binary* out);
};

template <typename Duration>
struct Converter<std::chrono::time_point<std::chrono::system_clock, Duration>> {
  using TP = std::chrono::time_point<std::chrono::system_clock, Duration>;
  static Value To(ToContext&, const TP& v) {
    return Value::FromDate(
        std::chrono::duration_cast<std::chrono::milliseconds>(v.time_since_epoch()).count());
  }
  static Status From(FromContext& c, const Value& n, TP* out) {
    int64_t ms = 0;
    DUBBO_RETURN_IF_ERROR(ReadMillis(c, n, &ms));
    if (!MillisFit<Duration>(ms)) return c.DoesNotFit(std::to_string(ms) + " ms", "the time point");
    *out = TP(std::chrono::duration_cast<Duration>(std::chrono::milliseconds(ms)));
    return Status::Ok();
  }
};

template <>
struct Converter<Value> {
  static Value To(ToContext& c, const Value& v) {
    c.Skip(v);
    return v;
  }
};

template <typename T>
struct Converter<std::optional<T>> {
  static Value To(ToContext& c, const std::optional<T>& v) { return v ? Write(c, *v) : Value(); }
};

// --- collections ---------------------------------------------------------------------------------
template <typename C>
Value SequenceToValue(ToContext& c, const C& items, std::string type) {
  c.Begin();
  List list{std::move(type), {}};
  list.items.reserve(items.size());
  for (const auto& e : items) list.items.push_back(Write(c, e));
  return Value::FromList(std::move(list));
}

// Calls add(item) with each list element's location pushed.
template <typename Add>
Status ForEachItem(FromContext& c, const Value& n, Add&& add) {
  const List* list = n.if_list();
  if (list == nullptr) return c.Mismatch("list", n);
  for (size_t i = 0; i < list->items.size(); ++i) {
    c.PushIndex(i);
    Status s = add(list->items[i]);
    c.Pop();
    DUBBO_RETURN_IF_ERROR(s);
  }
  return Status::Ok();
}

template <typename T, typename A>
struct Converter<std::vector<T, A>> {
  static Value To(ToContext& c, const std::vector<T, A>& v) { return SequenceToValue(c, v, ""); }
  static Status From(FromContext& c, const Value& n, std::vector<T, A>* out) {
    out->clear();
    if (const List* list = n.if_list()) out->reserve(list->items.size());
    return ForEachItem(c, n,
                       [&](const Value& item) { return Read(c, item, &out->emplace_back()); });
  }
};

// PojoUtils.generalize keeps a non-List collection a HashSet, as the wire does.
template <typename S>
struct SetConverter {
  static Value To(ToContext& c, const S& v) { return SequenceToValue(c, v, "java.util.HashSet"); }
  static Status From(FromContext& c, const Value& n, S* out) {
    out->clear();
    return ForEachItem(c, n, [&](const Value& item) {
      typename S::value_type e{};
      DUBBO_RETURN_IF_ERROR(Read(c, item, &e));
      out->insert(std::move(e));
      return Status::Ok();
    });
  }
};
template <typename T, typename C, typename A>
struct Converter<std::set<T, C, A>> : SetConverter<std::set<T, C, A>> {};
template <typename T, typename H, typename E, typename A>
struct Converter<std::unordered_set<T, H, E, A>> : SetConverter<std::unordered_set<T, H, E, A>> {};

template <typename M>
struct MapConverter {
  static Value To(ToContext& c, const M& m) {
    c.Begin();
    Map map;
    map.entries.reserve(m.size());
    for (const auto& [k, v] : m) {
      Value key = Write(c, k);
      map.entries.emplace_back(std::move(key), Write(c, v));
    }
    return Value::FromMap(std::move(map));
  }
  static Status From(FromContext& c, const Value& n, M* out) {
    out->clear();
    const Map* map = n.if_map();
    if (map == nullptr) return c.Mismatch("map", n);
    for (size_t i = 0; i < map->entries.size(); ++i) {
      const auto& [key, value] = map->entries[i];
      typename M::key_type k{};
      typename M::mapped_type v{};
      c.PushMapKey(i);
      Status s = Read(c, key, &k);
      c.Pop();
      DUBBO_RETURN_IF_ERROR(s);
      c.PushMapValue(key, i);
      s = Read(c, value, &v);
      c.Pop();
      DUBBO_RETURN_IF_ERROR(s);
      out->insert_or_assign(std::move(k), std::move(v));
    }
    return Status::Ok();
  }
};
template <typename K, typename V, typename C, typename A>
struct Converter<std::map<K, V, C, A>> : MapConverter<std::map<K, V, C, A>> {};
template <typename K, typename V, typename H, typename E, typename A>
struct Converter<std::unordered_map<K, V, H, E, A>>
    : MapConverter<std::unordered_map<K, V, H, E, A>> {};

// --- structs and exceptions ----------------------------------------------------------------------
template <typename T>
void AppendFields(ToContext& c, const T& v, FieldList* fields) {
  ForEachField(v, [&](const auto& desc, const auto& member) {
    fields->emplace_back(std::string(desc.name), Write(c, member));
  });
}

// Reads field `name` of struct T into *out; unknown names are ignored.
template <typename T>
Status ReadStructField(FromContext& c, std::string_view name, const Value& v, T* out) {
  constexpr auto& names = kStructFieldNames<T>;
  Status s;
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == name) {
      VisitField(*out, i, [&](const auto&, auto& member) { s = Read(c, v, &member); });
      break;
    }
  }
  return s;
}

template <typename T>
struct StructConverter {
  static constexpr auto kDesc = DescribeStruct<T>();
  static Value To(ToContext& c, const T& v) {
    c.Begin();
    FieldList fields;
    fields.reserve(kDesc.kFieldCount);
    AppendFields(c, v, &fields);
    if (!c.generic())
      return Value::FromObject(Object{std::string(kDesc.java_class), std::move(fields)});
    Map map;
    map.entries.reserve(fields.size() + 1);
    map.entries.emplace_back(Value::String("class"), Value::String(std::string(kDesc.java_class)));
    for (auto& [name, value] : fields)
      map.entries.emplace_back(Value::String(std::move(name)), std::move(value));
    return Value::FromMap(std::move(map));
  }
  static Status From(FromContext& c, const Value& n, T* out) {
    if (n.if_object() == nullptr && n.if_map() == nullptr) return c.Mismatch(kDesc.java_class, n);
    *out = T{};
    return ForEachNamed(c, n, [&](std::string_view name, const Value& v) {
      return ReadStructField(c, name, v, out);
    });
  }
};

template <DescribedStruct T>
requires(!std::is_base_of_v<Throwable, T>) struct Converter<T> : StructConverter<T> {
};

// StackTraceElement alone is an ordinary struct (as Codec writes it); read, it also accepts the
// bean names generalize gives it ("className").
template <>
struct Converter<StackTraceElement> : StructConverter<StackTraceElement> {
  static Status From(FromContext& c, const Value& n, StackTraceElement* out);
};

template <DescribedStruct T>
requires std::is_base_of_v<Throwable, T>
struct Converter<T> {
  static constexpr auto kDesc = DescribeStruct<T>();
  static Value To(ToContext& c, const T& v) {
    return ThrowableToValue(c, kDesc.java_class, v,
                            [&](FieldList* fields) { AppendFields(c, v, fields); });
  }
  static Status From(FromContext& c, const Value& n, T* out) {
    if (n.if_object() == nullptr && n.if_map() == nullptr) return c.Mismatch(kDesc.java_class, n);
    *out = T{};
    return ForEachNamed(c, n, [&](std::string_view name, const Value& v) {
      bool handled = false;
      DUBBO_RETURN_IF_ERROR(ReadThrowableField(c, name, v, out, &handled));
      return handled ? Status::Ok() : ReadStructField(c, name, v, out);
    });
  }
};

template <>
struct Converter<JavaException> {
  static Value To(ToContext& c, const JavaException& v);
  static Status From(FromContext& c, const Value& n, JavaException* out);
};

// --- enums ---------------------------------------------------------------------------------------
template <DescribedEnum E>
struct Converter<E> {
  static constexpr auto kDesc = DescribeEnum<E>();
  static Value To(ToContext& c, E v) {
    const std::string_view name = kDesc.NameOf(v);
    if (c.generic()) return Value::String(std::string(name));
    // A Java enum constant is a singleton: the writer sends it once, then back-references it.
    const int64_t discriminator = static_cast<int64_t>(v);
    if (const int64_t slot = c.FindSingleton(&kDesc, discriminator); slot >= 0) {
      return Value::FromRef(static_cast<uint32_t>(slot));
    }
    const uint32_t slot = c.Begin();
    c.RememberSingleton(&kDesc, discriminator, slot);
    return Value::FromObject(
        Object{std::string(kDesc.java_class), {{"name", Value::String(std::string(name))}}});
  }
  static Status From(FromContext& c, const Value& n, E* out) {
    std::string_view name;
    DUBBO_RETURN_IF_ERROR(ReadEnumName(c, n, kDesc.java_class, &name));
    if (!kDesc.FromName(name, out)) return UnknownConstant(c, name, kDesc.java_class);
    return Status::Ok();
  }
};

// --- Java value classes (same shape in both styles) ----------------------------------------------
#define DUBBO_VALUE_CONVERTER_(Type)                               \
  template <>                                                      \
  struct Converter<Type> {                                         \
    static Value To(ToContext& c, const Type& v);                  \
    static Status From(FromContext& c, const Value& n, Type* out); \
  };
DUBBO_VALUE_CONVERTER_(BigDecimal)
DUBBO_VALUE_CONVERTER_(BigInteger)
DUBBO_VALUE_CONVERTER_(SqlTimestamp)
DUBBO_VALUE_CONVERTER_(SqlDate)
DUBBO_VALUE_CONVERTER_(SqlTime)
#undef DUBBO_VALUE_CONVERTER_

}  // namespace value_convert_internal

template <typename T>
Value ToValue(const T& v, ValueStyle style) {
  value_convert_internal::ToContext c(style);
  return value_convert_internal::Write(c, v);
}

template <typename... T>
std::vector<Value> ToValues(ValueStyle style, const T&... v) {
  value_convert_internal::ToContext c(style);
  std::vector<Value> out;
  out.reserve(sizeof...(T));
  (out.push_back(value_convert_internal::Write(c, v)), ...);
  return out;
}

template <typename T>
Status FromValue(const Value& v, T* out, const RefTable* refs) {
  value_convert_internal::FromContext c(refs);
  T tmp{};
  DUBBO_RETURN_IF_ERROR(value_convert_internal::Read(c, v, &tmp));
  *out = std::move(tmp);
  return Status::Ok();
}

}  // namespace dubbo

// Typed Hessian 2 encoding and decoding with no intermediate tree: Codec<T>::Write /
// Codec<T>::Read.
//
// C++ type                         Java type on the wire
// bool                             boolean
// int8_t, int16_t, int32_t         byte, short, int          (Hessian int)
// int64_t                          long                      (Hessian long, even when small)
// float, double                    float, double             (Hessian double)
// std::string                      String                    (null reads as "")
// Binary (std::vector<uint8_t>)    byte[]
// std::vector<T>                   java.util.ArrayList       (untyped list)
// std::set<T>, unordered_set       java.util.HashSet         (typed list)
// std::map<K,V>, unordered_map     java.util.HashMap         ('H' map)
// std::optional<T>                 nullable T
// system_clock::time_point         java.util.Date
// DUBBO_STRUCT types               the named class           (class definition + fields)
// DUBBO_ENUM types                 the named enum            (object with field "name")
// BigDecimal, BigInteger           java.math.*
// SqlTimestamp/SqlDate/SqlTime     java.sql.*
// JavaException, Throwable-derived Throwable shape: own fields, detailMessage, cause (self when
//                                  absent), stackTrace, suppressedExceptions
// Value                            anything
//
// Struct fields are matched by name from the wire's class definition, so field order and extra
// or missing fields on either side are tolerated; a map is accepted in place of an object.
#pragma once

#include <chrono>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <ratio>
#include <set>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "codec/hessian2/reader.h"
#include "codec/hessian2/writer.h"
#include "codec/java_types.h"
#include "codec/reflect.h"
#include "codec/value.h"

namespace dubbo::hessian2 {

template <typename T, typename Enable = void>
struct Codec;  // specialisations below; an unsupported T fails to compile here

template <typename T>
void Write(Writer& w, const T& v) {
  Codec<T>::Write(w, v);
}
template <typename T>
void Read(Reader& r, T* v) {
  Codec<T>::Read(r, v);
}

// Encodes `v` as one message. Decode reads one value of type T from a message.
template <typename T>
std::string Encode(const T& v) {
  std::string out;
  Writer w(&out);
  Write(w, v);
  return out;
}
template <typename T>
Result<T> Decode(std::string_view bytes) {
  Reader r(bytes);
  T v{};
  Read(r, &v);
  if (!r.ok()) return r.status();
  return v;
}

// All top-level values of one message, and the reverse.
Result<std::vector<Value>> DecodeAll(std::string_view bytes);
std::string EncodeAll(const std::vector<Value>& values);

// --- scalars -------------------------------------------------------------------------------------
template <>
struct Codec<bool> {
  static void Write(Writer& w, bool v) { w.WriteBool(v); }
  static void Read(Reader& r, bool* v) { *v = r.ReadBool(); }
};

template <typename T>
struct Codec<T, std::enable_if_t<std::is_same_v<T, int8_t> || std::is_same_v<T, int16_t> ||
                                 std::is_same_v<T, int32_t>>> {
  static void Write(Writer& w, T v) { w.WriteInt(v); }
  static void Read(Reader& r, T* v) { *v = static_cast<T>(r.ReadInt()); }
};

template <>
struct Codec<int64_t> {
  static void Write(Writer& w, int64_t v) { w.WriteLong(v); }
  static void Read(Reader& r, int64_t* v) { *v = r.ReadLong(); }
};

template <>
struct Codec<float> {
  static void Write(Writer& w, float v) { w.WriteFloat(v); }
  static void Read(Reader& r, float* v) { *v = static_cast<float>(r.ReadDouble()); }
};

template <>
struct Codec<double> {
  static void Write(Writer& w, double v) { w.WriteDouble(v); }
  static void Read(Reader& r, double* v) { *v = r.ReadDouble(); }
};

template <>
struct Codec<std::string> {
  static void Write(Writer& w, const std::string& v) { w.WriteString(v); }
  static void Read(Reader& r, std::string* v) { r.ReadString(v); }
};

template <>
struct Codec<Binary> {
  static void Write(Writer& w, const Binary& v) { w.WriteBinary(std::span<const uint8_t>(v)); }
  static void Read(Reader& r, Binary* v) { r.ReadBinary(v); }
};

template <typename Clock, typename Duration>
struct Codec<std::chrono::time_point<Clock, Duration>> {
  using TP = std::chrono::time_point<Clock, Duration>;
  static void Write(Writer& w, const TP& v) {
    w.WriteDate(
        std::chrono::duration_cast<std::chrono::milliseconds>(v.time_since_epoch()).count());
  }
  static void Read(Reader& r, TP* v) {
    const size_t at = r.offset();
    const int64_t millis = r.ReadDate();
    // A Java Date spans +-292 million years; a nanosecond time_point only +-292 years.
    using Ticks = std::ratio_divide<std::milli, typename Duration::period>;
    if constexpr (Ticks::den == 1 && Ticks::num > 1) {
      constexpr int64_t kLimit = std::numeric_limits<typename Duration::rep>::max() / Ticks::num;
      if (millis > kLimit || millis < -kLimit) {
        r.FailAt(at, "date " + std::to_string(millis) + " ms is outside the time_point's range");
        return;
      }
    }
    *v = TP(std::chrono::duration_cast<Duration>(std::chrono::milliseconds(millis)));
  }
};

template <>
struct Codec<Value> {
  static void Write(Writer& w, const Value& v) { w.WriteValue(v); }
  static void Read(Reader& r, Value* v) { r.ReadValue(v); }
};

template <typename T>
struct Codec<std::optional<T>> {
  static void Write(Writer& w, const std::optional<T>& v) {
    if (v) {
      Codec<T>::Write(w, *v);
    } else {
      w.WriteNull();
    }
  }
  static void Read(Reader& r, std::optional<T>* v) {
    if (r.ReadNullIf()) {
      v->reset();
    } else {
      Codec<T>::Read(r, &v->emplace());
    }
  }
};

// --- collections ---------------------------------------------------------------------------------
namespace internal {
template <typename C>
void WriteSequence(Writer& w, const C& c, std::string_view type) {
  Writer::Batch batch(w);
  w.WriteListBegin(c.size(), type);
  for (const auto& e : c) Codec<std::decay_t<decltype(e)>>::Write(w, e);
  batch.Close();
}
// Reads list elements with `add(Reader&)`; `reserve(n)` is called with a bound the input justifies.
template <typename Reserve, typename Add>
void ReadSequence(Reader& r, Reserve&& reserve, Add&& add) {
  std::string type;
  int64_t length = 0;
  if (!r.BeginList(&type, &length)) return;
  if (length > 0) reserve(static_cast<size_t>(length));
  while (r.HasMore()) add(r);
  r.End();
}
}  // namespace internal

template <typename T, typename A>
struct Codec<std::vector<T, A>, std::enable_if_t<!std::is_same_v<T, uint8_t>>> {
  static void Write(Writer& w, const std::vector<T, A>& v) { internal::WriteSequence(w, v, ""); }
  static void Read(Reader& r, std::vector<T, A>* v) {
    v->clear();
    std::string type;
    int64_t length = 0;
    if (!r.BeginList(&type, &length)) return;
    if (length >= 0) {
      // A fixed-length list: what the HasMore() loop below does for it, without asking the frame
      // each time (the same elements are read: `length` of them, stopping at an error).
      v->reserve(static_cast<size_t>(length));
      for (int64_t i = 0; i < length && r.ok(); ++i) Codec<T>::Read(r, &v->emplace_back());
    } else {
      while (r.HasMore()) Codec<T>::Read(r, &v->emplace_back());
    }
    r.End();
  }
};

template <typename S>
struct SetCodec {
  static void Write(Writer& w, const S& v) { internal::WriteSequence(w, v, "java.util.HashSet"); }
  static void Read(Reader& r, S* v) {
    v->clear();
    internal::ReadSequence(
        r, [](size_t) {},
        [&](Reader& rr) {
          typename S::value_type e{};
          Codec<typename S::value_type>::Read(rr, &e);
          v->insert(std::move(e));
        });
  }
};
template <typename T, typename C, typename A>
struct Codec<std::set<T, C, A>> : SetCodec<std::set<T, C, A>> {};
template <typename T, typename H, typename E, typename A>
struct Codec<std::unordered_set<T, H, E, A>> : SetCodec<std::unordered_set<T, H, E, A>> {};

template <typename M>
struct MapCodec {
  static void Write(Writer& w, const M& m) {
    Writer::Batch batch(w);
    w.WriteMapBegin("");
    for (const auto& [k, v] : m) {
      Codec<typename M::key_type>::Write(w, k);
      Codec<typename M::mapped_type>::Write(w, v);
    }
    w.WriteMapEnd();
    batch.Close();
  }
  static void Read(Reader& r, M* m) {
    m->clear();
    std::string type;
    if (!r.BeginMap(&type)) return;
    while (r.HasMore()) {
      typename M::key_type k{};
      Codec<typename M::key_type>::Read(r, &k);
      Codec<typename M::mapped_type>::Read(r, &(*m)[std::move(k)]);
    }
    r.End();
  }
};
template <typename K, typename V, typename C, typename A>
struct Codec<std::map<K, V, C, A>> : MapCodec<std::map<K, V, C, A>> {};
template <typename K, typename V, typename H, typename E, typename A>
struct Codec<std::unordered_map<K, V, H, E, A>> : MapCodec<std::unordered_map<K, V, H, E, A>> {};

// --- structs -------------------------------------------------------------------------------------
namespace internal {
// Static class definition for a described struct.
template <typename T>
struct StructClassDef {
  static constexpr auto kDesc = DescribeStruct<T>();
  static constexpr ClassDef kDef{kDesc.java_class, kStructFieldNames<T>};
};

// Maps wire field names to struct field indices, computed once per definition and codec (kept on
// the ClassInfo, which Readers share; see reader.h).
const ClassInfo::TypedMapping& ComputeFieldMapping(const ClassInfo& info, const void* key,
                                                   std::span<const std::string_view> names);
inline const ClassInfo::TypedMapping& FieldMapping(const ClassInfo& info, const void* key,
                                                   std::span<const std::string_view> names) {
  const ClassInfo::TypedMapping* m = info.typed_mappings.load(std::memory_order_acquire);
  if (m != nullptr && m->key == key) [[likely]]
    return *m;
  return ComputeFieldMapping(info, key, names);
}
int FieldIndex(std::span<const std::string_view> names, std::string_view name);

template <typename T>
void ReadStructFields(Reader& r, T* v, const ClassInfo* def, bool map_form) {
  constexpr auto& names = kStructFieldNames<T>;
  auto read_field = [&](int index) {
    if (index < 0 || !VisitField(*v, static_cast<size_t>(index), [&](const auto&, auto& member) {
          Codec<std::decay_t<decltype(member)>>::Read(r, &member);
        })) {
      r.Skip();
    }
  };
  if (map_form) {
    std::string key;
    while (r.HasMore()) {
      if (r.PeekKind() != Value::Kind::kString) {
        r.Skip();
        r.Skip();
        continue;
      }
      r.ReadString(&key);
      read_field(FieldIndex(names, key));
    }
  } else {
    const auto& mapping = FieldMapping(*def, &StructClassDef<T>::kDef, names);
    if (mapping.in_order) {  // the usual case: the same fields in the same order
      ForEachField(*v, [&](const auto&, auto& member) {
        Codec<std::decay_t<decltype(member)>>::Read(r, &member);
      });
    } else {
      for (int16_t index : mapping.fields) read_field(index);
    }
  }
  r.End();
}
}  // namespace internal

template <DescribedStruct T>
requires(!std::is_base_of_v<Throwable, T>) struct Codec<T> {
  static void Write(Writer& w, const T& v) {
    Writer::Batch batch(w);  // the whole object in one append
    w.WriteObjectBegin(internal::StructClassDef<T>::kDef);
    ForEachField(v, [&](const auto&, const auto& member) {
      Codec<std::decay_t<decltype(member)>>::Write(w, member);
    });
    batch.Close();
  }
  static void Read(Reader& r, T* v) {
    *v = T{};
    uint32_t slot = 0;
    bool map_form = false;
    const ClassInfo* def = r.BeginObject(&slot, &map_form);
    if (def == nullptr && !map_form) return;
    internal::ReadStructFields(r, v, def, map_form);
  }
};

// --- enums: hessian-lite's EnumSerializer shape, one reference per constant ---------------------
namespace internal {
extern const std::string_view kEnumFieldNames[1];
void WriteEnumName(Writer& w, const void* identity, int64_t value, std::string_view java_class,
                   std::string_view name);
// Reads the constant name of an enum object (or a bare string, as some peers send).
bool ReadEnumName(Reader& r, std::string* name);
}  // namespace internal

template <DescribedEnum E>
struct Codec<E> {
  static constexpr auto kDesc = DescribeEnum<E>();
  static void Write(Writer& w, E v) {
    internal::WriteEnumName(w, &kDesc, static_cast<int64_t>(v), kDesc.java_class, kDesc.NameOf(v));
  }
  static void Read(Reader& r, E* v) {
    std::string name;
    if (!internal::ReadEnumName(r, &name)) return;
    if (!kDesc.FromName(name, v)) {
      r.Fail("unknown constant \"" + name + "\" of enum " + std::string(kDesc.java_class));
    }
  }
};

// --- Java value classes --------------------------------------------------------------------------
template <>
struct Codec<BigDecimal> {
  static void Write(Writer& w, const BigDecimal& v);
  static void Read(Reader& r, BigDecimal* v);
};
template <>
struct Codec<BigInteger> {
  static void Write(Writer& w, const BigInteger& v);
  static void Read(Reader& r, BigInteger* v);
};
template <>
struct Codec<SqlTimestamp> {
  static void Write(Writer& w, const SqlTimestamp& v);
  static void Read(Reader& r, SqlTimestamp* v);
};
template <>
struct Codec<SqlDate> {
  static void Write(Writer& w, const SqlDate& v);
  static void Read(Reader& r, SqlDate* v);
};
template <>
struct Codec<SqlTime> {
  static void Write(Writer& w, const SqlTime& v);
  static void Read(Reader& r, SqlTime* v);
};

// --- exceptions ----------------------------------------------------------------------------------
namespace internal {
// Writes the four Throwable fields after a subclass's own fields; `self` is the object's slot.
void WriteThrowableFields(Writer& w, const Throwable& t, uint32_t self);
// Reads one wire field of a Throwable object into `t` when it is one of Throwable's (including
// JDK 9+ names); returns false to let the caller handle a subclass field.
bool ReadThrowableField(Reader& r, std::string_view field, uint32_t self, Throwable* t);
// The class definition fields for a Throwable subclass: own fields, then Throwable's four.
template <typename T>
struct ThrowableClassDef {
  static constexpr auto kOwn = kStructFieldNames<T>;
  static constexpr auto kNames = [] {
    std::array<std::string_view, kOwn.size() + 4> a{};
    for (size_t i = 0; i < kOwn.size(); ++i) a[i] = kOwn[i];
    a[kOwn.size()] = "detailMessage";
    a[kOwn.size() + 1] = "cause";
    a[kOwn.size() + 2] = "stackTrace";
    a[kOwn.size() + 3] = "suppressedExceptions";
    return a;
  }();
  static constexpr ClassDef kDef{DescribeStruct<T>().java_class, kNames};
};
}  // namespace internal

template <>
struct Codec<JavaException> {
  static void Write(Writer& w, const JavaException& v);
  static void Read(Reader& r, JavaException* v);
};

// A user exception: DUBBO_STRUCT(MyError, "com.example.MyError", code) on a struct deriving from
// dubbo::Throwable. Its own fields come first, as Java's field order puts subclass fields first.
template <DescribedStruct T>
requires std::is_base_of_v<Throwable, T>
struct Codec<T> {
  static void Write(Writer& w, const T& v) {
    Writer::Batch batch(w);
    const uint32_t self = w.WriteObjectBegin(internal::ThrowableClassDef<T>::kDef);
    ForEachField(v, [&](const auto&, const auto& member) {
      Codec<std::decay_t<decltype(member)>>::Write(w, member);
    });
    internal::WriteThrowableFields(w, v, self);
    batch.Close();
  }
  static void Read(Reader& r, T* v) {
    *v = T{};
    uint32_t self = 0;
    bool map_form = false;
    const ClassInfo* def = r.BeginObject(&self, &map_form);
    if (def == nullptr) {
      if (map_form) r.Fail("expected exception object, found map");
      return;
    }
    constexpr auto& names = kStructFieldNames<T>;
    for (const std::string& field : def->fields) {
      if (internal::ReadThrowableField(r, field, self, v)) continue;
      const int index = internal::FieldIndex(names, field);
      if (index < 0 || !VisitField(*v, static_cast<size_t>(index), [&](const auto&, auto& member) {
            Codec<std::decay_t<decltype(member)>>::Read(r, &member);
          })) {
        r.Skip();
      }
    }
    r.End();
  }
};

}  // namespace dubbo::hessian2

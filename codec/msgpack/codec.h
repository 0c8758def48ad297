// Typed MessagePack encoding and decoding in the shapes of Dubbo's "msgpack" serialization
// (apache/dubbo-spi-extensions: a default Jackson ObjectMapper over jackson-dataformat-msgpack),
// with no intermediate tree beyond msgpack-cxx's unpacked object: Codec<T>::Write / Codec<T>::Read.
//
// C++ type                          msgpack (Java type as Jackson maps it)
// bool                              bool (boolean)
// int8_t, int16_t, int32_t, int64_t int in its smallest form (byte, short, int, long)
// float, double                     float32, float64, even when integral (float, double)
// std::string                       str; nil reads as "" (String)
// Binary (std::vector<uint8_t>)     bin (byte[])
// std::vector, set, unordered_set   array (List, Set)
// std::map, unordered_map           map (Map); integral, bool and enum keys are written as text,
//                                   as Jackson writes every key as a field name
// std::optional<T>                  nil or T
// system_clock::time_point          int, epoch milliseconds (java.util.Date)
// DUBBO_STRUCT types                map field name -> value, declaration order (bean properties)
// DUBBO_ENUM types                  str, the constant name (Enum.name())
// BigDecimal                        int when integral and within 64 bits, else float64 when that
//                                   double prints as the same number, else str (msgpack-java's
//                                   packBigDecimal, which throws where this sends a str)
// BigInteger                        int within 64 bits, else str
// SqlTimestamp, SqlDate, SqlTime    int, epoch milliseconds
// StackTraceElement                 map methodName, fileName, lineNumber, className, nativeMethod
// JavaException, Throwable-derived  map cause, stackTrace, own fields, message, localizedMessage,
//   DUBBO_STRUCT types              suppressed (the bean Jackson writes; the class name travels as
//                                   a separate value, see serialization.h)
// Value                             nil, bool, int, float64, str, bin, array, map (keys as they
//                                   are: nothing would turn text back into their kind); an Object
//                                   is a map of its fields, a Date its epoch millis, a Ref nil
//
// Reading is lenient where Jackson is and strict where C++ would lose data: integers are
// range-checked (a float is truncated, as Jackson's ACCEPT_FLOAT_AS_INT does); nil reads as the
// type's default; struct maps may carry unknown keys (skipped) or lack fields (left default); map
// keys read from text or native form; enums also from their ordinal; dates also from a msgpack
// timestamp (extension -1, what other msgpack libraries write). A Value reads a number as Int when
// it fits 32 bits, else Long (Jackson's untyped Integer/Long); an unsigned 64-bit number above
// INT64_MAX becomes a Double, a timestamp a Date; other extensions are an error.
//
// Differences from Java kept on purpose: Jackson writes java.sql.Time as "HH:mm:ss" in the JVM's
// zone; this codec writes epoch millis (Jackson has no java.sql.Time deserializer and builds one
// through its Time(long) constructor; unverified against a JVM) and reads either, the text as
// UTC. Where msgpack-java would throw for a BigDecimal/BigInteger, a str is sent (Jackson parses
// numbers from strings). An empty BigDecimal is written as nil.
//
// The codecs are stateless; thread-safety is that of the Packer / Reader they are given.
#pragma once

#include <charconv>
#include <chrono>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <ratio>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "codec/java_types.h"
#include "codec/msgpack/packer.h"
#include "codec/msgpack/reader.h"
#include "codec/reflect.h"
#include "codec/value.h"
#include "common/result.h"

namespace dubbo::msgpack {

template <typename T, typename Enable = void>
struct Codec;  // specialisations below; an unsupported T fails to compile here

template <typename T>
void Write(Packer& p, const T& v) {
  Codec<T>::Write(p, v);
}
template <typename T>
void Read(Reader& r, const ::msgpack::object& o, T* v) {
  Codec<T>::Read(r, o, v);
}

// Encodes `v` as one value. Decode reads the first value of `bytes` as a T (later bytes ignored).
template <typename T>
std::string Encode(const T& v) {
  std::string out;
  Packer p(&out);
  Write(p, v);
  return out;
}
template <typename T>
Result<T> Decode(std::string_view bytes) {
  Reader r(bytes);
  T v{};
  if (const auto* o = r.Next()) Read(r, *o, &v);
  if (!r.ok()) return r.status();
  return v;
}

// All top-level values of one message, and the reverse.
Result<std::vector<Value>> DecodeAll(std::string_view bytes);
std::string EncodeAll(const std::vector<Value>& values);

namespace internal {
template <typename T>
inline constexpr bool kIsInt = std::is_same_v<T, int8_t> || std::is_same_v<T, int16_t> ||
                               std::is_same_v<T, int32_t> || std::is_same_v<T, int64_t>;
template <typename T>
constexpr std::string_view IntName() {
  if constexpr (std::is_same_v<T, int8_t>) return "int8";
  if constexpr (std::is_same_v<T, int16_t>) return "int16";
  if constexpr (std::is_same_v<T, int32_t>) return "int32";
  return "int64";
}
}  // namespace internal

// --- scalars -------------------------------------------------------------------------------------
template <>
struct Codec<bool> {
  static void Write(Packer& p, bool v) { p.PackBool(v); }
  static void Read(Reader& r, const ::msgpack::object& o, bool* v) { *v = r.ToBool(o); }
};

template <typename T>
struct Codec<T, std::enable_if_t<internal::kIsInt<T>>> {
  static void Write(Packer& p, T v) { p.PackInt(v); }
  static void Read(Reader& r, const ::msgpack::object& o, T* v) {
    *v = static_cast<T>(r.ToInt(o, std::numeric_limits<T>::min(), std::numeric_limits<T>::max(),
                                internal::IntName<T>()));
  }
};

template <>
struct Codec<float> {
  static void Write(Packer& p, float v) { p.PackFloat(v); }
  static void Read(Reader& r, const ::msgpack::object& o, float* v) {
    *v = static_cast<float>(r.ToDouble(o, "float"));
  }
};

template <>
struct Codec<double> {
  static void Write(Packer& p, double v) { p.PackDouble(v); }
  static void Read(Reader& r, const ::msgpack::object& o, double* v) {
    *v = r.ToDouble(o, "double");
  }
};

template <>
struct Codec<std::string> {
  static void Write(Packer& p, const std::string& v) { p.PackString(v); }
  static void Read(Reader& r, const ::msgpack::object& o, std::string* v) { r.ToString(o, v); }
};

template <>
struct Codec<Binary> {
  static void Write(Packer& p, const Binary& v) { p.PackBinary(v); }
  static void Read(Reader& r, const ::msgpack::object& o, Binary* v) { r.ToBinary(o, v); }
};

template <typename Clock, typename Duration>
struct Codec<std::chrono::time_point<Clock, Duration>> {
  using TP = std::chrono::time_point<Clock, Duration>;
  static void Write(Packer& p, const TP& v) {
    p.PackInt(std::chrono::floor<std::chrono::milliseconds>(v.time_since_epoch()).count());
  }
  static void Read(Reader& r, const ::msgpack::object& o, TP* v) {
    const int64_t millis = r.ToDateMillis(o);
    // A Java Date spans +-292 million years; a nanosecond time_point only +-292 years.
    using Ticks = std::ratio_divide<std::milli, typename Duration::period>;
    if constexpr (Ticks::den == 1 && Ticks::num > 1) {
      constexpr int64_t kLimit = std::numeric_limits<typename Duration::rep>::max() / Ticks::num;
      if (millis > kLimit || millis < -kLimit) {
        r.Fail("date " + std::to_string(millis) + " ms is outside the time_point's range");
        return;
      }
    }
    *v = TP(std::chrono::duration_cast<Duration>(std::chrono::milliseconds(millis)));
  }
};

template <>
struct Codec<Value> {
  static void Write(Packer& p, const Value& v) { p.PackValue(v); }
  static void Read(Reader& r, const ::msgpack::object& o, Value* v) { r.ToValue(o, v); }
};

template <typename T>
struct Codec<std::optional<T>> {
  static void Write(Packer& p, const std::optional<T>& v) {
    if (v) {
      Codec<T>::Write(p, *v);
    } else {
      p.PackNil();
    }
  }
  static void Read(Reader& r, const ::msgpack::object& o, std::optional<T>* v) {
    if (o.type == ::msgpack::type::NIL) {
      v->reset();
    } else {
      Codec<T>::Read(r, o, &v->emplace());
    }
  }
};

// --- collections ---------------------------------------------------------------------------------
namespace internal {
// Calls add(element) for each element of an array; nil is an empty collection.
template <typename Add>
void ReadArray(Reader& r, const ::msgpack::object& o, Add&& add) {
  if (!r.ok() || o.type == ::msgpack::type::NIL) return;
  if (o.type != ::msgpack::type::ARRAY) return r.Mismatch("array", o);
  for (uint32_t i = 0; i < o.via.array.size; ++i) {
    add(o.via.array.ptr[i]);
    if (!r.ok()) return r.AddIndex(i);
  }
}
}  // namespace internal

template <typename T, typename A>
struct Codec<std::vector<T, A>, std::enable_if_t<!std::is_same_v<T, uint8_t>>> {
  static void Write(Packer& p, const std::vector<T, A>& v) {
    p.PackArrayHeader(v.size());
    for (const auto& e : v) Codec<T>::Write(p, e);
  }
  static void Read(Reader& r, const ::msgpack::object& o, std::vector<T, A>* v) {
    v->clear();
    if (o.type == ::msgpack::type::ARRAY) v->reserve(o.via.array.size);  // already in memory
    internal::ReadArray(r, o, [&](const ::msgpack::object& e) {
      if constexpr (std::is_same_v<T, bool>) {  // vector<bool> has no bool& to read into
        bool b = false;
        Codec<bool>::Read(r, e, &b);
        v->push_back(b);
      } else {
        Codec<T>::Read(r, e, &v->emplace_back());
      }
    });
  }
};

template <typename S>
struct SetCodec {
  static void Write(Packer& p, const S& v) {
    p.PackArrayHeader(v.size());
    for (const auto& e : v) Codec<typename S::value_type>::Write(p, e);
  }
  static void Read(Reader& r, const ::msgpack::object& o, S* v) {
    v->clear();
    internal::ReadArray(r, o, [&](const ::msgpack::object& e) {
      typename S::value_type value{};
      Codec<typename S::value_type>::Read(r, e, &value);
      v->insert(std::move(value));
    });
  }
};
template <typename T, typename C, typename A>
struct Codec<std::set<T, C, A>> : SetCodec<std::set<T, C, A>> {};
template <typename T, typename H, typename E, typename A>
struct Codec<std::unordered_set<T, H, E, A>> : SetCodec<std::unordered_set<T, H, E, A>> {};

// Map keys. Jackson writes every key as a field name, i.e. text ("1", "true", "RED"), and its
// parser hands any scalar key back as text; so integral and bool keys are written as text and
// read from text or from the native form. Other key types use their value codec (enums and
// strings are text already).
template <typename K, typename Enable = void>
struct KeyCodec : Codec<K> {};

template <typename K>
struct KeyCodec<K, std::enable_if_t<internal::kIsInt<K>>> {
  static void Write(Packer& p, K k) {
    char buf[24];
    const auto res = std::to_chars(buf, buf + sizeof(buf), k);
    p.PackString(std::string_view(buf, static_cast<size_t>(res.ptr - buf)));
  }
  static void Read(Reader& r, const ::msgpack::object& o, K* k) {
    if (o.type != ::msgpack::type::STR) return Codec<K>::Read(r, o, k);
    const char* end = o.via.str.ptr + o.via.str.size;
    const auto res = std::from_chars(o.via.str.ptr, end, *k);
    if (res.ec != std::errc() || res.ptr != end) {
      r.Mismatch(std::string(internal::IntName<K>()) + " map key", o);
    }
  }
};

template <>
struct KeyCodec<bool> {
  static void Write(Packer& p, bool k) { p.PackString(k ? "true" : "false"); }
  static void Read(Reader& r, const ::msgpack::object& o, bool* k) {
    if (o.type != ::msgpack::type::STR) return Codec<bool>::Read(r, o, k);
    const std::string_view s(o.via.str.ptr, o.via.str.size);
    if (s == "true" || s == "false") {
      *k = s == "true";
    } else {
      r.Mismatch("bool map key", o);
    }
  }
};

template <typename M>
struct MapCodec {
  using K = typename M::key_type;
  using V = typename M::mapped_type;
  static void Write(Packer& p, const M& m) {
    p.PackMapHeader(m.size());
    for (const auto& [k, v] : m) {
      KeyCodec<K>::Write(p, k);
      Codec<V>::Write(p, v);
    }
  }
  static void Read(Reader& r, const ::msgpack::object& o, M* m) {
    m->clear();
    if (!r.ok() || o.type == ::msgpack::type::NIL) return;
    if (o.type != ::msgpack::type::MAP) return r.Mismatch("map", o);
    for (uint32_t i = 0; i < o.via.map.size; ++i) {
      const auto& kv = o.via.map.ptr[i];
      K k{};
      KeyCodec<K>::Read(r, kv.key, &k);
      if (r.ok()) Codec<V>::Read(r, kv.val, &(*m)[std::move(k)]);
      if (!r.ok()) return r.AddKey(kv.key);
    }
  }
};
template <typename K, typename V, typename C, typename A>
struct Codec<std::map<K, V, C, A>> : MapCodec<std::map<K, V, C, A>> {};
template <typename K, typename V, typename H, typename E, typename A>
struct Codec<std::unordered_map<K, V, H, E, A>> : MapCodec<std::unordered_map<K, V, H, E, A>> {};

// --- structs -------------------------------------------------------------------------------------
namespace internal {
// Index of `name` in `names`, -1 when absent.
int FieldIndex(std::span<const std::string_view> names, std::string_view name);

template <typename T>
void WriteStructFields(Packer& p, const T& v) {
  ForEachField(v, [&](const auto& field, const auto& member) {
    p.PackString(field.name);
    Codec<std::decay_t<decltype(member)>>::Write(p, member);
  });
}

// Reads `value` into the field of `v` named `name`; false when T has no such field.
template <typename T>
bool ReadStructField(Reader& r, std::string_view name, const ::msgpack::object& value, T* v) {
  const int index = FieldIndex(kStructFieldNames<T>, name);
  return index >= 0 && VisitField(*v, static_cast<size_t>(index), [&](const auto&, auto& member) {
           Codec<std::decay_t<decltype(member)>>::Read(r, value, &member);
         });
}

// Calls field(name, value) for each string-keyed entry of a map (other keys cannot name a Java
// property and are skipped); stops at the first error, adding the key to its path. A non-map is
// reported as not being an object of `java_class`; nil has no entries.
template <typename F>
void ReadFields(Reader& r, const ::msgpack::object& o, std::string_view java_class, F&& field) {
  if (!r.ok() || o.type == ::msgpack::type::NIL) return;
  if (o.type != ::msgpack::type::MAP) return r.Mismatch(std::string(java_class) + " (map)", o);
  for (uint32_t i = 0; i < o.via.map.size; ++i) {
    const auto& kv = o.via.map.ptr[i];
    if (kv.key.type != ::msgpack::type::STR) continue;
    const std::string_view name(kv.key.via.str.ptr, kv.key.via.str.size);
    field(name, kv.val);
    if (!r.ok()) return r.AddField(name);
  }
}
}  // namespace internal

template <DescribedStruct T>
requires(!std::is_base_of_v<Throwable, T>) struct Codec<T> {
  static void Write(Packer& p, const T& v) {
    p.PackMapHeader(kStructFieldNames<T>.size());
    internal::WriteStructFields(p, v);
  }
  static void Read(Reader& r, const ::msgpack::object& o, T* v) {
    *v = T{};
    if (!r.ok()) return;
    internal::ReadFields(r, o, DescribeStruct<T>().java_class,
                         [&](std::string_view name, const ::msgpack::object& value) {
                           internal::ReadStructField(r, name, value, v);
                         });
  }
};

// --- enums: the constant name, as Jackson writes Enum.name() ------------------------------------
template <DescribedEnum E>
struct Codec<E> {
  static constexpr auto kDesc = DescribeEnum<E>();
  static void Write(Packer& p, E v) {
    const std::string_view name = kDesc.NameOf(v);
    if (name.empty()) {
      p.PackNil();  // not a declared constant: Java can only see null
    } else {
      p.PackString(name);
    }
  }
  static void Read(Reader& r, const ::msgpack::object& o, E* v) {
    *v = E{};
    switch (o.type) {
      case ::msgpack::type::NIL:
        return;
      case ::msgpack::type::STR: {
        const std::string_view name(o.via.str.ptr, o.via.str.size);
        if (!kDesc.FromName(name, v)) {
          r.Fail("unknown constant \"" + std::string(name) + "\" of enum " +
                 std::string(kDesc.java_class));
        }
        return;
      }
      case ::msgpack::type::POSITIVE_INTEGER:  // Jackson accepts the ordinal too
        if (o.via.u64 < kDesc.constants.size()) {
          *v = kDesc.constants[o.via.u64].first;
          return;
        }
        break;
      default:
        break;
    }
    r.Mismatch("enum " + std::string(kDesc.java_class) + " (constant name)", o);
  }
};

// --- Java value classes --------------------------------------------------------------------------
template <>
struct Codec<BigDecimal> {
  static void Write(Packer& p, const BigDecimal& v);
  static void Read(Reader& r, const ::msgpack::object& o, BigDecimal* v);
};
template <>
struct Codec<BigInteger> {
  static void Write(Packer& p, const BigInteger& v);
  static void Read(Reader& r, const ::msgpack::object& o, BigInteger* v);
};
template <>
struct Codec<SqlTimestamp> {
  static void Write(Packer& p, const SqlTimestamp& v) { p.PackInt(v.millis); }
  static void Read(Reader& r, const ::msgpack::object& o, SqlTimestamp* v) {
    v->millis = r.ToDateMillis(o);
  }
};
template <>
struct Codec<SqlDate> {
  static void Write(Packer& p, const SqlDate& v) { p.PackInt(v.millis); }
  static void Read(Reader& r, const ::msgpack::object& o, SqlDate* v) {
    v->millis = r.ToDateMillis(o);
  }
};
template <>
struct Codec<SqlTime> {
  static void Write(Packer& p, const SqlTime& v) { p.PackInt(v.millis); }
  static void Read(Reader& r, const ::msgpack::object& o, SqlTime* v);
};
template <>
struct Codec<StackTraceElement> {
  static void Write(Packer& p, const StackTraceElement& v);
  static void Read(Reader& r, const ::msgpack::object& o, StackTraceElement* v);
};

// --- exceptions ----------------------------------------------------------------------------------
// Jackson serializes a Throwable as a bean: "cause" and "stackTrace" (Throwable's fields come first
// in its property order), the subclass's own properties, then the getter-only "message",
// "localizedMessage" and "suppressed". Its ThrowableDeserializer knows exactly these names (any
// other fails the read), and does not learn the cause's class (it rebuilds a java.lang.Throwable).
namespace internal {
// Map header for `own_fields` + 5 entries, then "cause" and "stackTrace".
void WriteThrowableHead(Packer& p, const Throwable& t, size_t own_fields);
// "message", "localizedMessage", "suppressed".
void WriteThrowableTail(Packer& p, const Throwable& t);
// Reads the entry `name` into `t` when it is one of Throwable's properties (also Hessian's name
// "detailMessage"); false to let the caller handle a subclass property.
bool ReadThrowableField(Reader& r, std::string_view name, const ::msgpack::object& value,
                        Throwable* t);
}  // namespace internal

template <>
struct Codec<JavaException> {
  static void Write(Packer& p, const JavaException& v);
  // Keeps class_name at its default; ReadThrowable sets it from the value before the object.
  static void Read(Reader& r, const ::msgpack::object& o, JavaException* v);
};

// A user exception: DUBBO_STRUCT(MyError, "com.example.MyError", code) on a struct deriving from
// dubbo::Throwable.
template <DescribedStruct T>
requires std::is_base_of_v<Throwable, T>
struct Codec<T> {
  static void Write(Packer& p, const T& v) {
    internal::WriteThrowableHead(p, v, kStructFieldNames<T>.size());
    internal::WriteStructFields(p, v);
    internal::WriteThrowableTail(p, v);
  }
  static void Read(Reader& r, const ::msgpack::object& o, T* v) {
    *v = T{};
    if (!r.ok()) return;
    internal::ReadFields(r, o, DescribeStruct<T>().java_class,
                         [&](std::string_view name, const ::msgpack::object& value) {
                           if (!internal::ReadThrowableField(r, name, value, v)) {
                             internal::ReadStructField(r, name, value, v);
                           }
                         });
  }
};

}  // namespace dubbo::msgpack

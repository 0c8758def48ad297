// Codec-neutral description of user structs and enums, so one declaration serves Hessian 2 (a
// class definition with ordered fields) and MessagePack (a map of field name -> value).
//
//   namespace demo {
//   struct Pair { int32_t a = 0; std::string b; };
//   DUBBO_STRUCT(Pair, "demo.Pair", a, b)          // Java class name, then fields in Java order
//   enum class Color { RED, GREEN };
//   DUBBO_ENUM(Color, "demo.Color", RED, GREEN)    // Java enum constant names
//   }
//
// The macros define a constexpr function found by argument-dependent lookup, so they go in the
// namespace of the type (not inside the class). Field names are the Java field names; when a C++
// member is named differently, write the function by hand with DUBBO_FIELD_AS:
//
//   constexpr auto DubboDescribe(const Pair*) {
//     return dubbo::MakeStruct<Pair>("demo.Pair", DUBBO_FIELD_AS(Pair, a, "first"), ...);
//   }
//
// Everything here is compile-time data: thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

namespace dubbo {

template <typename T, typename M>
struct FieldDesc {
  using Struct = T;
  using Member = M;
  std::string_view name;
  M T::*member;
};

template <typename T, typename... Fields>
struct StructDesc {
  std::string_view java_class;
  std::tuple<Fields...> fields;
  static constexpr size_t kFieldCount = sizeof...(Fields);
};

template <typename T, typename... Fields>
constexpr StructDesc<T, Fields...> MakeStruct(std::string_view java_class, Fields... fields) {
  return StructDesc<T, Fields...>{java_class, std::tuple<Fields...>(fields...)};
}

template <typename E, size_t N>
struct EnumDesc {
  std::string_view java_class;
  std::array<std::pair<E, std::string_view>, N> constants;

  constexpr std::string_view NameOf(E e) const {
    for (const auto& [v, n] : constants)
      if (v == e) return n;
    return {};
  }
  // False when `name` is not a constant of the enum.
  constexpr bool FromName(std::string_view name, E* out) const {
    for (const auto& [v, n] : constants) {
      if (n == name) {
        *out = v;
        return true;
      }
    }
    return false;
  }
};

template <typename T>
concept DescribedStruct = requires {
  DubboDescribe(static_cast<const T*>(nullptr));
};

template <typename T>
concept DescribedEnum = std::is_enum_v<T> && requires {
  DubboDescribeEnum(static_cast<const T*>(nullptr));
};

template <DescribedStruct T>
constexpr auto DescribeStruct() {
  return DubboDescribe(static_cast<const T*>(nullptr));
}

template <DescribedEnum E>
constexpr auto DescribeEnum() {
  return DubboDescribeEnum(static_cast<const E*>(nullptr));
}

namespace internal {
template <typename Desc, size_t... I>
constexpr auto FieldNamesOf(const Desc& d, std::index_sequence<I...>) {
  return std::array<std::string_view, sizeof...(I)>{std::get<I>(d.fields).name...};
}
}  // namespace internal

// The Java field names of T in order, with static storage (usable as a class definition).
template <DescribedStruct T>
inline constexpr auto kStructFieldNames = internal::FieldNamesOf(
    DescribeStruct<T>(), std::make_index_sequence<decltype(DescribeStruct<T>())::kFieldCount>());

// Calls f(desc_field, value_ref) for every field of `obj` in order.
template <typename T, typename F>
constexpr void ForEachField(T& obj, F&& f) {
  constexpr auto desc = DescribeStruct<std::remove_const_t<T>>();
  std::apply([&](const auto&... field) { (f(field, obj.*(field.member)), ...); }, desc.fields);
}

namespace internal {
// VisitField's dispatch: one function per field index, in a table indexed at run time, so finding
// field i costs one bounds check and one indirect call whatever the number of fields.
template <typename T, typename F, typename Indices>
struct FieldVisitTable;
template <typename T, typename F, size_t... I>
struct FieldVisitTable<T, F, std::index_sequence<I...>> {
  template <size_t K>
  static constexpr void Visit(T& obj, F& f) {
    constexpr auto desc = DescribeStruct<std::remove_const_t<T>>();
    const auto& field = std::get<K>(desc.fields);
    f(field, obj.*(field.member));
  }
  using Fn = void (*)(T&, F&);
  static constexpr Fn kTable[] = {&Visit<I>...};
};
}  // namespace internal

// Calls f(desc_field, value_ref) for the field at runtime index `i`; false when i is out of range.
template <typename T, typename F>
constexpr bool VisitField(T& obj, size_t i, F&& f) {
  constexpr size_t n = decltype(DescribeStruct<std::remove_const_t<T>>())::kFieldCount;
  if constexpr (n == 0) {
    (void)obj, (void)i, (void)f;
    return false;
  } else {
    using Table =
        internal::FieldVisitTable<T, std::remove_reference_t<F>, std::make_index_sequence<n>>;
    if (i >= n) return false;
    Table::kTable[i](obj, f);
    return true;
  }
}

}  // namespace dubbo

// --- macro plumbing: DUBBO_FOR_EACH applies M(ctx, x) to up to 64 arguments ---------------------
#define DUBBO_PP_NARG(...) DUBBO_PP_NARG_(__VA_ARGS__, DUBBO_PP_RSEQ_N())
#define DUBBO_PP_NARG_(...) DUBBO_PP_ARG_N(__VA_ARGS__)
#define DUBBO_PP_ARG_N(_1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, _13, _14, _15, _16, _17, \
                       _18, _19, _20, _21, _22, _23, _24, _25, _26, _27, _28, _29, _30, _31, _32,  \
                       _33, _34, _35, _36, _37, _38, _39, _40, _41, _42, _43, _44, _45, _46, _47,  \
                       _48, _49, _50, _51, _52, _53, _54, _55, _56, _57, _58, _59, _60, _61, _62,  \
                       _63, _64, N, ...)                                                           \
  N
#define DUBBO_PP_RSEQ_N()                                                                         \
  64, 63, 62, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47, 46, 45, 44, 43, 42, 41, \
      40, 39, 38, 37, 36, 35, 34, 33, 32, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, \
      17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0
#define DUBBO_PP_CAT(a, b) DUBBO_PP_CAT_(a, b)
#define DUBBO_PP_CAT_(a, b) a##b
#define DUBBO_FOR_EACH(M, ctx, ...) \
  DUBBO_PP_CAT(DUBBO_FE_, DUBBO_PP_NARG(__VA_ARGS__))(M, ctx, __VA_ARGS__)
#define DUBBO_FE_1(M, c, x) M(c, x)
#define DUBBO_FE_2(M, c, x, ...) M(c, x), DUBBO_FE_1(M, c, __VA_ARGS__)
#define DUBBO_FE_3(M, c, x, ...) M(c, x), DUBBO_FE_2(M, c, __VA_ARGS__)
#define DUBBO_FE_4(M, c, x, ...) M(c, x), DUBBO_FE_3(M, c, __VA_ARGS__)
#define DUBBO_FE_5(M, c, x, ...) M(c, x), DUBBO_FE_4(M, c, __VA_ARGS__)
#define DUBBO_FE_6(M, c, x, ...) M(c, x), DUBBO_FE_5(M, c, __VA_ARGS__)
#define DUBBO_FE_7(M, c, x, ...) M(c, x), DUBBO_FE_6(M, c, __VA_ARGS__)
#define DUBBO_FE_8(M, c, x, ...) M(c, x), DUBBO_FE_7(M, c, __VA_ARGS__)
#define DUBBO_FE_9(M, c, x, ...) M(c, x), DUBBO_FE_8(M, c, __VA_ARGS__)
#define DUBBO_FE_10(M, c, x, ...) M(c, x), DUBBO_FE_9(M, c, __VA_ARGS__)
#define DUBBO_FE_11(M, c, x, ...) M(c, x), DUBBO_FE_10(M, c, __VA_ARGS__)
#define DUBBO_FE_12(M, c, x, ...) M(c, x), DUBBO_FE_11(M, c, __VA_ARGS__)
#define DUBBO_FE_13(M, c, x, ...) M(c, x), DUBBO_FE_12(M, c, __VA_ARGS__)
#define DUBBO_FE_14(M, c, x, ...) M(c, x), DUBBO_FE_13(M, c, __VA_ARGS__)
#define DUBBO_FE_15(M, c, x, ...) M(c, x), DUBBO_FE_14(M, c, __VA_ARGS__)
#define DUBBO_FE_16(M, c, x, ...) M(c, x), DUBBO_FE_15(M, c, __VA_ARGS__)
#define DUBBO_FE_17(M, c, x, ...) M(c, x), DUBBO_FE_16(M, c, __VA_ARGS__)
#define DUBBO_FE_18(M, c, x, ...) M(c, x), DUBBO_FE_17(M, c, __VA_ARGS__)
#define DUBBO_FE_19(M, c, x, ...) M(c, x), DUBBO_FE_18(M, c, __VA_ARGS__)
#define DUBBO_FE_20(M, c, x, ...) M(c, x), DUBBO_FE_19(M, c, __VA_ARGS__)
#define DUBBO_FE_21(M, c, x, ...) M(c, x), DUBBO_FE_20(M, c, __VA_ARGS__)
#define DUBBO_FE_22(M, c, x, ...) M(c, x), DUBBO_FE_21(M, c, __VA_ARGS__)
#define DUBBO_FE_23(M, c, x, ...) M(c, x), DUBBO_FE_22(M, c, __VA_ARGS__)
#define DUBBO_FE_24(M, c, x, ...) M(c, x), DUBBO_FE_23(M, c, __VA_ARGS__)
#define DUBBO_FE_25(M, c, x, ...) M(c, x), DUBBO_FE_24(M, c, __VA_ARGS__)
#define DUBBO_FE_26(M, c, x, ...) M(c, x), DUBBO_FE_25(M, c, __VA_ARGS__)
#define DUBBO_FE_27(M, c, x, ...) M(c, x), DUBBO_FE_26(M, c, __VA_ARGS__)
#define DUBBO_FE_28(M, c, x, ...) M(c, x), DUBBO_FE_27(M, c, __VA_ARGS__)
#define DUBBO_FE_29(M, c, x, ...) M(c, x), DUBBO_FE_28(M, c, __VA_ARGS__)
#define DUBBO_FE_30(M, c, x, ...) M(c, x), DUBBO_FE_29(M, c, __VA_ARGS__)
#define DUBBO_FE_31(M, c, x, ...) M(c, x), DUBBO_FE_30(M, c, __VA_ARGS__)
#define DUBBO_FE_32(M, c, x, ...) M(c, x), DUBBO_FE_31(M, c, __VA_ARGS__)
#define DUBBO_FE_33(M, c, x, ...) M(c, x), DUBBO_FE_32(M, c, __VA_ARGS__)
#define DUBBO_FE_34(M, c, x, ...) M(c, x), DUBBO_FE_33(M, c, __VA_ARGS__)
#define DUBBO_FE_35(M, c, x, ...) M(c, x), DUBBO_FE_34(M, c, __VA_ARGS__)
#define DUBBO_FE_36(M, c, x, ...) M(c, x), DUBBO_FE_35(M, c, __VA_ARGS__)
#define DUBBO_FE_37(M, c, x, ...) M(c, x), DUBBO_FE_36(M, c, __VA_ARGS__)
#define DUBBO_FE_38(M, c, x, ...) M(c, x), DUBBO_FE_37(M, c, __VA_ARGS__)
#define DUBBO_FE_39(M, c, x, ...) M(c, x), DUBBO_FE_38(M, c, __VA_ARGS__)
#define DUBBO_FE_40(M, c, x, ...) M(c, x), DUBBO_FE_39(M, c, __VA_ARGS__)
#define DUBBO_FE_41(M, c, x, ...) M(c, x), DUBBO_FE_40(M, c, __VA_ARGS__)
#define DUBBO_FE_42(M, c, x, ...) M(c, x), DUBBO_FE_41(M, c, __VA_ARGS__)
#define DUBBO_FE_43(M, c, x, ...) M(c, x), DUBBO_FE_42(M, c, __VA_ARGS__)
#define DUBBO_FE_44(M, c, x, ...) M(c, x), DUBBO_FE_43(M, c, __VA_ARGS__)
#define DUBBO_FE_45(M, c, x, ...) M(c, x), DUBBO_FE_44(M, c, __VA_ARGS__)
#define DUBBO_FE_46(M, c, x, ...) M(c, x), DUBBO_FE_45(M, c, __VA_ARGS__)
#define DUBBO_FE_47(M, c, x, ...) M(c, x), DUBBO_FE_46(M, c, __VA_ARGS__)
#define DUBBO_FE_48(M, c, x, ...) M(c, x), DUBBO_FE_47(M, c, __VA_ARGS__)
#define DUBBO_FE_49(M, c, x, ...) M(c, x), DUBBO_FE_48(M, c, __VA_ARGS__)
#define DUBBO_FE_50(M, c, x, ...) M(c, x), DUBBO_FE_49(M, c, __VA_ARGS__)
#define DUBBO_FE_51(M, c, x, ...) M(c, x), DUBBO_FE_50(M, c, __VA_ARGS__)
#define DUBBO_FE_52(M, c, x, ...) M(c, x), DUBBO_FE_51(M, c, __VA_ARGS__)
#define DUBBO_FE_53(M, c, x, ...) M(c, x), DUBBO_FE_52(M, c, __VA_ARGS__)
#define DUBBO_FE_54(M, c, x, ...) M(c, x), DUBBO_FE_53(M, c, __VA_ARGS__)
#define DUBBO_FE_55(M, c, x, ...) M(c, x), DUBBO_FE_54(M, c, __VA_ARGS__)
#define DUBBO_FE_56(M, c, x, ...) M(c, x), DUBBO_FE_55(M, c, __VA_ARGS__)
#define DUBBO_FE_57(M, c, x, ...) M(c, x), DUBBO_FE_56(M, c, __VA_ARGS__)
#define DUBBO_FE_58(M, c, x, ...) M(c, x), DUBBO_FE_57(M, c, __VA_ARGS__)
#define DUBBO_FE_59(M, c, x, ...) M(c, x), DUBBO_FE_58(M, c, __VA_ARGS__)
#define DUBBO_FE_60(M, c, x, ...) M(c, x), DUBBO_FE_59(M, c, __VA_ARGS__)
#define DUBBO_FE_61(M, c, x, ...) M(c, x), DUBBO_FE_60(M, c, __VA_ARGS__)
#define DUBBO_FE_62(M, c, x, ...) M(c, x), DUBBO_FE_61(M, c, __VA_ARGS__)
#define DUBBO_FE_63(M, c, x, ...) M(c, x), DUBBO_FE_62(M, c, __VA_ARGS__)
#define DUBBO_FE_64(M, c, x, ...) M(c, x), DUBBO_FE_63(M, c, __VA_ARGS__)

#define DUBBO_FIELD_AS(Type, member, java_name) \
  ::dubbo::FieldDesc<Type, decltype(Type::member)> { java_name, &Type::member }
#define DUBBO_FIELD_(Type, member) DUBBO_FIELD_AS(Type, member, #member)
#define DUBBO_ENUM_CONST_(Type, name) \
  std::pair<Type, std::string_view> { Type::name, #name }

// Describes struct `Type` as Java class `java_class` with the listed fields in Java order.
#define DUBBO_STRUCT(Type, java_class, ...)                                                        \
  [[maybe_unused]] constexpr auto DubboDescribe(const Type*) {                                     \
    return ::dubbo::MakeStruct<Type>(java_class, DUBBO_FOR_EACH(DUBBO_FIELD_, Type, __VA_ARGS__)); \
  }

// Describes enum `Type` as Java enum `java_class` whose constants are named as the enumerators.
#define DUBBO_ENUM(Type, java_class, ...)                                      \
  [[maybe_unused]] constexpr auto DubboDescribeEnum(const Type*) {             \
    return ::dubbo::EnumDesc<Type, DUBBO_PP_NARG(__VA_ARGS__)>{                \
        java_class, {{DUBBO_FOR_EACH(DUBBO_ENUM_CONST_, Type, __VA_ARGS__)}}}; \
  }

// Result<T>: either a T or a non-OK Status. The project's stand-in for std::expected (C++23), which
// clang 14 cannot build against libstdc++ 12. Accessing value() of an error Result is a programming
// error and aborts. Thread-safety is that of T.
#pragma once

#include <cstdlib>
#include <type_traits>
#include <utility>
#include <variant>

#include "common/status.h"

namespace dubbo {

template <typename T>
class [[nodiscard]] Result {
  static_assert(!std::is_same_v<std::decay_t<T>, Status>, "Result<Status> is meaningless");

 public:
  Result(const T& value) : v_(std::in_place_index<0>, value) {}        // NOLINT: implicit by design
  Result(T&& value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT
  Result(Status status) : v_(std::in_place_index<1>, std::move(status)) {  // NOLINT
    if (std::get<1>(v_).ok()) std::abort();  // an OK Status carries no value
  }
  template <typename U, typename = std::enable_if_t<std::is_constructible_v<T, U&&> &&
                                                    !std::is_same_v<std::decay_t<U>, T> &&
                                                    !std::is_same_v<std::decay_t<U>, Status> &&
                                                    !std::is_same_v<std::decay_t<U>, Result>>>
  Result(U&& value) : v_(std::in_place_index<0>, std::forward<U>(value)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // The error; an OK Status when this holds a value.
  Status status() const { return ok() ? Status() : std::get<1>(v_); }

  T& value() & { return Get(); }
  const T& value() const& { return Get(); }
  T&& value() && { return std::move(Get()); }

  T& operator*() & { return Get(); }
  const T& operator*() const& { return Get(); }
  T&& operator*() && { return std::move(Get()); }
  T* operator->() { return &Get(); }
  const T* operator->() const { return &Get(); }

  template <typename U>
  T value_or(U&& fallback) const& {
    return ok() ? std::get<0>(v_) : static_cast<T>(std::forward<U>(fallback));
  }

 private:
  T& Get() {
    if (!ok()) std::abort();
    return std::get<0>(v_);
  }
  const T& Get() const {
    if (!ok()) std::abort();
    return std::get<0>(v_);
  }

  std::variant<T, Status> v_;
};

namespace internal {
template <typename T>
Status StatusOf(const Result<T>& r) {
  return r.status();
}
}  // namespace internal

}  // namespace dubbo

#define DUBBO_CONCAT_INNER_(a, b) a##b
#define DUBBO_CONCAT_(a, b) DUBBO_CONCAT_INNER_(a, b)

// `DUBBO_ASSIGN_OR_RETURN(auto x, Foo());` declares/assigns x from an OK Result, else returns its
// Status from the enclosing function.
#define DUBBO_ASSIGN_OR_RETURN(lhs, rexpr) \
  DUBBO_ASSIGN_OR_RETURN_IMPL_(DUBBO_CONCAT_(dubbo_result_, __LINE__), lhs, rexpr)
#define DUBBO_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                                 \
  if (!tmp.ok()) return tmp.status();                 \
  lhs = std::move(tmp).value()

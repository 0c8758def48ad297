// A vector of trivially copyable elements whose first N live inside the object, so the Writer's
// and Reader's per-message tables (classes, reference slots, open containers) cost no allocation
// for a typical message. Only what those tables need: push_back, pop_back, indexing, iteration.
// Not copyable or movable (it points into itself).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <type_traits>

namespace dubbo::hessian2::internal {

template <typename T, size_t N>
class SmallVector {
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>);
  static_assert(N > 0);

 public:
  SmallVector() = default;
  SmallVector(const SmallVector&) = delete;
  SmallVector& operator=(const SmallVector&) = delete;
  ~SmallVector() {
    if (data_ != Inline()) ::operator delete(data_);
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }
  T& back() { return data_[size_ - 1]; }
  T* begin() { return data_; }
  T* end() { return data_ + size_; }
  const T* begin() const { return data_; }
  const T* end() const { return data_ + size_; }

  void push_back(const T& v) {
    if (size_ == capacity_) [[unlikely]]
      Grow();
    ::new (static_cast<void*>(data_ + size_)) T(v);
    ++size_;
  }
  void pop_back() { --size_; }

 private:
  T* Inline() { return reinterpret_cast<T*>(inline_); }

  [[gnu::noinline]] void Grow() {
    const size_t capacity = capacity_ * 4;  // few steps from the inline size to a large message
    T* data = static_cast<T*>(::operator new(capacity * sizeof(T)));
    std::memcpy(static_cast<void*>(data), data_, size_ * sizeof(T));
    if (data_ != Inline()) ::operator delete(data_);
    data_ = data;
    capacity_ = capacity;
  }

  alignas(T) unsigned char inline_[N * sizeof(T)];
  T* data_ = Inline();
  size_t size_ = 0;
  size_t capacity_ = N;
};

}  // namespace dubbo::hessian2::internal

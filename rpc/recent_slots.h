// A few recently used entries replaced round robin: the exchange's per-thread memories (a
// client's encoded request parts, a provider's decoded requests). Lookups start at the last hit.
// Owns its entries; not thread-safe (one per thread).
#pragma once

#include <array>
#include <cstddef>

namespace dubbo::rpc::internal {

template <typename T, size_t N>
class RecentSlots {
 public:
  // The first entry `matches` accepts, or null.
  template <typename Pred>
  T* Find(Pred&& matches) {
    for (size_t i = 0; i < used_; ++i) {
      const size_t slot = (last_hit_ + i) % used_;
      if (matches(slots_[slot])) {
        last_hit_ = slot;
        return &slots_[slot];
      }
    }
    return nullptr;
  }
  // The entry to overwrite with a new one: an unused one, then the oldest.
  T& Replace() {
    last_hit_ = next_;
    next_ = (next_ + 1) % N;
    if (used_ < N) ++used_;
    return slots_[last_hit_];
  }

 private:
  std::array<T, N> slots_{};
  size_t used_ = 0;
  size_t next_ = 0;
  size_t last_hit_ = 0;
};

}  // namespace dubbo::rpc::internal

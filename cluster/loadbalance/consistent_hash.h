// "consistenthash": calls with the same key go to the same provider, and adding or removing a
// provider moves only the keys next to its points on the ring. Dubbo's ring exactly, so a
// dubbo-cpp consumer and a Java consumer pick the same provider for a key:
//   - `hash.nodes` (default 160) points per provider: for i in [0, nodes/4), MD5(address + i)
//     (address = host:port) gives 4 points, its little-endian 32-bit slices; where two points
//     collide the later provider in the list wins (Java's TreeMap.put);
//   - the key is the concatenation of String.valueOf(argument i) for the `hash.arguments`
//     indexes (default "0", the first argument), as rpc::ArgumentWriter::AppendArgumentText
//     gives it; its point is MD5(key)'s first 4 bytes, little-endian;
//   - the pick is the first point at or after the key's, wrapping to the first one.
// Weights and warm-up do not matter. Both parameters are read per method (`<method>.hash.nodes`)
// from the first provider's URL (consumer parameters merged over the provider's), when the ring
// is built: once per invoker list and method.
//
// Arguments whose text is unknown (writers other than the generated stubs' typed arguments, e.g.
// generic calls) add nothing to the key. Thread-safe; a pick takes no lock.
#pragma once

#include <atomic>
#include <cstdint>
#include <string_view>
#include <vector>

#include "cluster/loadbalance/load_balance.h"
#include "cluster/loadbalance/per_method.h"
#include "cluster/loadbalance/provider_view.h"

namespace dubbo::cluster {

class ConsistentHashLoadBalance final : public LoadBalance {
 public:
  static constexpr int64_t kDefaultNodes = 160;
  static constexpr int64_t kMaxNodes = 65536;  // a bound on memory: 8 bytes per point

  std::shared_ptr<ProviderInvoker> Pick(const SelectIn& in) override;

 private:
  struct Ring {
    std::shared_ptr<const ProviderView> view;  // the list it was built from
    std::vector<uint32_t> points;              // sorted
    std::vector<uint32_t> owners;              // index into the list, per point
    std::vector<int32_t> arguments;
  };
  struct Slot {
    std::atomic<std::shared_ptr<const Ring>> ring;
  };
  static std::shared_ptr<const Ring> Build(const ProviderList& invokers, std::string_view method,
                                           std::shared_ptr<const ProviderView> view);

  ViewCache views_;
  PerMethod<Slot> rings_;
};

// `hash.nodes`: an integer in [4, kMaxNodes] (fewer than 4 would place no point at all).
Result<int32_t> ParseHashNodes(std::string_view key, std::string_view text);
// `hash.arguments`: argument indexes separated by commas ("0", "0,2"); negative ones are
// accepted and ignored, as in Java.
Result<std::vector<int32_t>> ParseHashArguments(std::string_view key, std::string_view text);

// The ring position of a text: MD5(text)'s bytes 4k..4k+3 as a little-endian unsigned integer.
uint32_t HashPoint(std::string_view text, int k = 0);

}  // namespace dubbo::cluster

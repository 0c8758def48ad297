// MessagePack encoder over msgpack-cxx's packer, producing the forms Java's
// jackson-dataformat-msgpack (Dubbo's "msgpack" serialization) produces for the same values:
// integers in their smallest form (non-negative ones with the unsigned codes), floats and doubles
// always as float32 / float64 (never collapsed to an integer, as msgpack-cxx's own pack_double
// does), strings as str8/16/32, byte arrays as bin.
//
// It appends to a caller-owned std::string, which must outlive it. Writing cannot fail; lengths
// must fit msgpack's 32-bit sizes (a Dubbo payload is far smaller). Not thread-safe.
#pragma once

#include <cstdint>
#include <msgpack.hpp>
#include <span>
#include <string>
#include <string_view>

#include "codec/value.h"

namespace dubbo::msgpack {

class Packer {
 public:
  explicit Packer(std::string* out) : sink_{out}, packer_(sink_) {}
  Packer(const Packer&) = delete;
  Packer& operator=(const Packer&) = delete;

  std::string* out() { return sink_.out; }

  void PackNil() { packer_.pack_nil(); }
  void PackBool(bool v) {
    if (v) {
      packer_.pack_true();
    } else {
      packer_.pack_false();
    }
  }
  void PackInt(int64_t v) { packer_.pack_int64(v); }
  void PackUint(uint64_t v) { packer_.pack_uint64(v); }
  void PackFloat(float v);    // always float32 (0xca)
  void PackDouble(double v);  // always float64 (0xcb)
  void PackString(std::string_view utf8);
  void PackBinary(std::span<const uint8_t> bytes);
  // Then `size` values (an array) or `size` key, value pairs (a map).
  void PackArrayHeader(size_t size) { packer_.pack_array(static_cast<uint32_t>(size)); }
  void PackMapHeader(size_t size) { packer_.pack_map(static_cast<uint32_t>(size)); }
  // A dynamic value; see codec.h for the mapping.
  void PackValue(const Value& v);

  // For values msgpack-cxx knows how to pack (tests, adaptors).
  struct Sink {
    std::string* out;
    void write(const char* data, size_t size) { out->append(data, size); }
  };
  ::msgpack::packer<Sink>& raw() { return packer_; }

 private:
  Sink sink_;
  ::msgpack::packer<Sink> packer_;
};

}  // namespace dubbo::msgpack

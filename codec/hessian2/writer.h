// Hessian 2.0 encoder that picks the same forms as Java's Hessian2Output (hessian-lite), so equal
// values give equal bytes (docs/wire-format.md lists the rules).
//
// One Writer encodes one message: its reference, class-definition and type tables span every
// top-level value written through it (a whole Dubbo body) and start empty. It appends to a
// caller-owned std::string. Writing cannot fail: invalid UTF-8 in a string is sent as U+FFFD.
// Not thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "codec/value.h"

namespace dubbo::hessian2 {

// A Java class definition: the class name and its field names in wire order. Definitions with
// static storage (typed structs) are recognised by address, others by content.
struct ClassDef {
  std::string_view name;
  std::span<const std::string_view> fields;
};

class Writer {
 public:
  explicit Writer(std::string* out) : out_(out) {}
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  std::string* out() { return out_; }

  void WriteNull() { out_->push_back('N'); }
  void WriteBool(bool v) { out_->push_back(v ? 'T' : 'F'); }
  void WriteInt(int32_t v);
  void WriteLong(int64_t v);
  void WriteDouble(double v);
  // Java float: sent as the double nearest to the float's shortest decimal form, as hessian-lite's
  // Double.parseDouble(String.valueOf(f)) does (0.1f -> 0.1).
  void WriteFloat(float v);
  void WriteDate(int64_t millis);
  // UTF-8 in, Hessian's UTF-16-counted CESU-8 form out, chunked as Java chunks it.
  void WriteString(std::string_view utf8);
  void WriteBinary(std::span<const uint8_t> bytes);
  void WriteBinary(std::string_view bytes) {
    WriteBinary(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  }

  // Fixed-length list: `type` "" writes the untyped form (java.util.ArrayList), otherwise the typed
  // form with the type table. Then write `length` values. Takes a reference slot.
  void WriteListBegin(size_t length, std::string_view type);
  // Variable-length list (Java uses it only for iterators): values, then WriteListEnd().
  void WriteVarListBegin(std::string_view type);
  void WriteListEnd() { out_->push_back('Z'); }
  // Map: `type` "" writes 'H' (java.util.HashMap), otherwise 'M' with the type. Then key, value
  // pairs, then WriteMapEnd(). Takes a reference slot.
  void WriteMapBegin(std::string_view type);
  void WriteMapEnd() { out_->push_back('Z'); }
  // Object: writes the class definition the first time this message sees it, then the instance
  // header. Then write def.fields.size() values. Takes a reference slot; returns its index.
  // `def` must have static storage: it is remembered by address for the rest of the message.
  uint32_t WriteObjectBegin(const ClassDef& def) { return WriteObjectBegin(def, &def); }
  // The same for a definition built at run time: matched by content, or by `identity` (an address
  // with static storage standing for this class, or null).
  uint32_t WriteObjectBegin(const ClassDef& def, const void* identity);
  // Back-reference to the container that took slot `index`.
  void WriteRef(uint32_t index);

  // Number of reference slots taken so far: the index the next container will get.
  uint32_t ref_count() const { return ref_count_; }

  // Identity tracking for values that are singletons in Java (enum constants, empty-collection
  // singletons): the slot a key was first written at, or -1.
  int64_t FindIdentity(const void* key, int64_t discriminator) const;
  void RememberIdentity(const void* key, int64_t discriminator, uint32_t slot);

  // Encodes a dynamic value. Ref nodes are written as back-references unchanged.
  void WriteValue(const Value& v);

 private:
  // `identity` is the address of a definition with static storage, or null to match by content.
  uint32_t FindOrDefineClass(const ClassDef& def, const void* identity);
  void WriteType(std::string_view type);
  void WriteStringChunk(std::string_view utf8, size_t units, bool final);

  std::string* out_;
  uint32_t ref_count_ = 0;
  // Class definitions written so far, in index order. Static definitions match by address;
  // dynamic ones (from Values) keep their names here.
  struct DefinedClass {
    const void* identity;
    std::string name;
    std::vector<std::string> fields;
  };
  std::vector<DefinedClass> classes_;
  std::vector<std::string> types_;
  struct Identity {
    const void* key;
    int64_t discriminator;
    uint32_t slot;
  };
  std::vector<Identity> identities_;
};

}  // namespace dubbo::hessian2

// Hessian 2.0 encoder that picks the same forms as Java's Hessian2Output (hessian-lite), so equal
// values give equal bytes (docs/wire-format.md lists the rules).
//
// One Writer encodes one message: its reference, class-definition and type tables span every
// top-level value written through it (a whole Dubbo body) and start empty. It appends to a
// caller-owned std::string: when a Write* call returns, the string holds everything written so
// far (typed codecs gather a whole object into one append with Writer::Batch). Writing cannot
// fail: invalid UTF-8 in a string is sent as U+FFFD. Not thread-safe.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "codec/hessian2/small_vector.h"
#include "codec/value.h"

namespace dubbo::hessian2 {

namespace internal {
// The Writer's output goes through this buffer: small writes cost a store instead of a call into
// std::string each, and reach the string in one append. The Writer flushes it at the end of every
// public call, or only when the outermost Writer::Batch closes while one is open.
class OutBuffer {
 public:
  explicit OutBuffer(std::string* out) : out_(out) {}
  OutBuffer(const OutBuffer&) = delete;
  OutBuffer& operator=(const OutBuffer&) = delete;

  std::string* target() const { return out_; }
  [[gnu::always_inline]] void push_back(char c) {
    if (len_ == kSize) [[unlikely]]
      Flush();
    buf_[len_++] = static_cast<char8_t>(c);
  }
  [[gnu::always_inline]] void append(const char* p, size_t n) {
    if (n > kSize - len_) [[unlikely]] {
      AppendLarge(p, n);
      return;
    }
    if (n != 0) std::memcpy(buf_ + len_, p, n);  // p may be null when n is 0
    len_ += n;
  }
  void Flush() {
    if (len_ != 0) {
      out_->append(reinterpret_cast<const char*>(buf_), len_);
      len_ = 0;
    }
  }

 private:
  static constexpr size_t kSize = 256;
  [[gnu::noinline]] void AppendLarge(const char* p, size_t n) {
    Flush();
    if (n >= kSize) {
      out_->append(p, n);
    } else {
      std::memcpy(buf_, p, n);
      len_ = n;
    }
  }

  std::string* out_;
  size_t len_ = 0;
  // char8_t, not char: stores through it cannot alias the Writer's other members, so the compiler
  // keeps them in registers across a run of writes.
  char8_t buf_[kSize];
};
}  // namespace internal

// A Java class definition: the class name and its field names in wire order. Definitions with
// static storage (typed structs) are recognised by address, others by content. The encoded bytes
// of a definition with static storage are computed once per thread and appended from there.
struct ClassDef {
  std::string_view name;
  std::span<const std::string_view> fields;
};

class Writer {
 public:
  explicit Writer(std::string* out) : out_(out) {}
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // The output string, with everything written so far.
  std::string* out() {
    out_.Flush();
    return out_.target();
  }

  // Groups the writes until Close() into one append to the output string: typed codecs open one
  // around a value's parts. Batches nest; the outermost Close() flushes. A batch destroyed without
  // Close() (an exception went through) flushes nothing.
  class Batch {
   public:
    explicit Batch(Writer& w) : w_(w) { ++w_.batch_depth_; }
    Batch(const Batch&) = delete;
    Batch& operator=(const Batch&) = delete;
    ~Batch() {
      if (!closed_) --w_.batch_depth_;
    }
    void Close() {
      closed_ = true;
      if (--w_.batch_depth_ == 0) w_.out_.Flush();
    }

   private:
    Writer& w_;
    bool closed_ = false;
  };

  void WriteNull() {
    out_.push_back('N');
    Done();
  }
  void WriteBool(bool v) {
    out_.push_back(v ? 'T' : 'F');
    Done();
  }
  void WriteInt(int32_t v) {
    PutInt(v);
    Done();
  }
  void WriteLong(int64_t v) {
    PutLong(v);
    Done();
  }
  void WriteDouble(double v) {
    PutDouble(v);
    Done();
  }
  // Java float: sent as the double nearest to the float's shortest decimal form, as hessian-lite's
  // Double.parseDouble(String.valueOf(f)) does (0.1f -> 0.1).
  void WriteFloat(float v) {
    PutFloat(v);
    Done();
  }
  void WriteDate(int64_t millis) {
    PutDate(millis);
    Done();
  }
  // UTF-8 in, Hessian's UTF-16-counted CESU-8 form out, chunked as Java chunks it.
  void WriteString(std::string_view utf8) {
    PutString(utf8);
    Done();
  }
  void WriteBinary(std::span<const uint8_t> bytes) {
    PutBinary(bytes);
    Done();
  }
  void WriteBinary(std::string_view bytes) {
    WriteBinary(
        std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  }

  // Fixed-length list: `type` "" writes the untyped form (java.util.ArrayList), otherwise the typed
  // form with the type table. Then write `length` values. Takes a reference slot.
  void WriteListBegin(size_t length, std::string_view type) {
    PutListBegin(length, type);
    Done();
  }
  // Variable-length list (Java uses it only for iterators): values, then WriteListEnd().
  void WriteVarListBegin(std::string_view type) {
    PutVarListBegin(type);
    Done();
  }
  void WriteListEnd() {
    out_.push_back('Z');
    Done();
  }
  // Map: `type` "" writes 'H' (java.util.HashMap), otherwise 'M' with the type. Then key, value
  // pairs, then WriteMapEnd(). Takes a reference slot.
  void WriteMapBegin(std::string_view type) {
    PutMapBegin(type);
    Done();
  }
  void WriteMapEnd() {
    out_.push_back('Z');
    Done();
  }
  // Bytes of complete values encoded earlier that take no reference slot and define no class
  // (strings, numbers), appended as they are.
  void WriteEncoded(std::string_view bytes) {
    if (batch_depth_ > 0) {
      out_.append(bytes.data(), bytes.size());
    } else {
      out()->append(bytes);  // straight to the output: no copy through the buffer
    }
  }
  // Object: writes the class definition the first time this message sees it, then the instance
  // header. Then write def.fields.size() values. Takes a reference slot; returns its index.
  // `def` must have static storage: it is remembered by address for the rest of the message.
  uint32_t WriteObjectBegin(const ClassDef& def) { return WriteObjectBegin(def, &def); }
  // The same for a definition built at run time: matched by content, or by `identity` (an address
  // with static storage standing for this class, or null). With an identity, the name and field
  // names `def` points to must have static storage too (they are kept as views).
  uint32_t WriteObjectBegin(const ClassDef& def, const void* identity) {
    const uint32_t slot = PutObjectBegin(def, identity);
    Done();
    return slot;
  }
  // Back-reference to the container that took slot `index`.
  void WriteRef(uint32_t index) {
    PutRef(index);
    Done();
  }

  // Number of reference slots taken so far: the index the next container will get.
  uint32_t ref_count() const { return ref_count_; }

  // Identity tracking for values that are singletons in Java (enum constants, empty-collection
  // singletons): the slot a key was first written at, or -1.
  int64_t FindIdentity(const void* key, int64_t discriminator) const;
  void RememberIdentity(const void* key, int64_t discriminator, uint32_t slot);

  // Encodes a dynamic value. Ref nodes are written as back-references unchanged.
  void WriteValue(const Value& v) {
    PutValue(v);
    Done();
  }

 private:
  static constexpr uint32_t kNoClass = ~0u;
  // The index of the class written with `identity` (not null) in this message, or kNoClass.
  uint32_t FindClassByIdentity(const void* identity) const {
    if (identity == nullptr) return kNoClass;
    for (size_t i = 0; i < classes_.size(); ++i)
      if (classes_[i].identity == identity) return static_cast<uint32_t>(i);
    return kNoClass;
  }
  // The Write* functions without the flush: they only write to out_.
  void Done() {
    if (batch_depth_ == 0) out_.Flush();
  }
  void PutInt(int32_t v) {
    if (static_cast<uint32_t>(v) + 0x10 <= 0x3f) {  // -16..47: one byte, the common case
      out_.push_back(static_cast<char>(0x90 + v));
    } else {
      PutWideInt(v);
    }
  }
  void PutWideInt(int32_t v);  // PutInt beyond the one-byte range
  void PutLong(int64_t v);
  void PutDouble(double v);
  void PutFloat(float v);
  void PutDate(int64_t millis);
  void PutString(std::string_view utf8);
  void PutBinary(std::span<const uint8_t> bytes);
  void PutListBegin(size_t length, std::string_view type);
  void PutVarListBegin(std::string_view type);
  void PutMapBegin(std::string_view type);
  uint32_t PutObjectBegin(const ClassDef& def, const void* identity) {
    uint32_t index = FindClassByIdentity(identity);
    if (index == kNoClass) index = FindOrDefineClass(def, identity);
    if (index <= 15) {
      out_.push_back(static_cast<char>(0x60 + index));
    } else {
      out_.push_back('O');
      PutInt(static_cast<int32_t>(index));
    }
    return ref_count_++;
  }
  void PutRef(uint32_t index);
  void PutValue(const Value& v);

  // `identity` is the address of a definition with static storage, or null to match by content.
  uint32_t FindOrDefineClass(const ClassDef& def, const void* identity);
  // 'C', the name, the field count and the field names.
  void WriteClassDefBytes(const ClassDef& def);
  void WriteType(std::string_view type);

  internal::OutBuffer out_;
  uint32_t batch_depth_ = 0;
  uint32_t ref_count_ = 0;
  // Class definitions written so far, in index order. Static definitions match by address and are
  // kept as views; dynamic ones (from Values) point into copies kept in owned_defs_.
  struct DefinedClass {
    const void* identity;
    ClassDef def;
  };
  struct OwnedClassDef {
    std::string name;
    std::vector<std::string> storage;
    std::vector<std::string_view> fields;
  };
  internal::SmallVector<DefinedClass, 8> classes_;
  std::vector<std::unique_ptr<OwnedClassDef>> owned_defs_;
  std::vector<std::string> types_;
  struct Identity {
    const void* key;
    int64_t discriminator;
    uint32_t slot;
  };
  std::vector<Identity> identities_;
};

}  // namespace dubbo::hessian2

// Hessian 2.0 decoder for every form of the grammar (docs/wire-format.md).
//
// One Reader decodes one message: its reference, class-definition and type tables span all
// top-level values read through it. Errors are sticky: the first failure is recorded with what
// went wrong and its byte offset; every later read returns a default value without touching the
// input, so a caller checks ok() once at the end. Input is never trusted: lengths are checked
// against the remaining bytes before anything is allocated, references against the table, and
// nesting against ReaderLimits::max_depth.
//
// Typed reading follows a back-reference transparently: the referenced container is decoded
// again from its recorded offset with the tables frozen ("replay"), so no intermediate tree is
// built. A reference into a container that is still being read (a cycle) cannot be represented
// by a typed value and is an error, except where a typed codec asks for it (Throwable.cause).
//
// The Reader borrows `input`, which must outlive it. Not thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "codec/hessian2/small_vector.h"
#include "codec/value.h"
#include "common/result.h"

namespace dubbo::hessian2 {

struct ReaderLimits {
  uint32_t max_depth = 128;  // nested lists/maps/objects
  // Bytes a typed read may re-read while following back-references, as a multiple of the input
  // size plus a floor. Bounds the work nested references can cause ("billion laughs").
  uint32_t replay_factor = 16;
  size_t replay_floor = 1 << 20;
};

// A class definition as read from the wire. Readers share parsed definitions: each thread keeps
// the definitions it has read, found again by their bytes, so a definition is immutable once read
// except for `typed_mappings`, which only grows (atomically; a Reader may move between threads).
struct ClassInfo {
  ClassInfo() = default;
  ClassInfo(const ClassInfo&) = delete;
  ClassInfo& operator=(const ClassInfo&) = delete;
  ~ClassInfo();

  std::string name;
  std::vector<std::string> fields;

  // The field mappings typed struct codecs computed for this definition, one per codec identity
  // (internal::FieldMapping): wire field i -> struct field index, -1 = skip.
  struct TypedMapping {
    const void* key;
    std::vector<int16_t> fields;
    bool in_order;  // fields[i] == i for every field of the struct: read them straight through
    const TypedMapping* next;
  };
  mutable std::atomic<const TypedMapping*> typed_mappings{nullptr};
};

namespace internal {

// The kind of value a lead byte starts (kRef for 0x51); `valid` is false for bytes that start
// nothing, and for 'C' (a class definition, which comes before a value).
struct LeadInfo {
  Value::Kind kind;
  bool valid;
};
constexpr LeadInfo ComputeLeadInfo(uint8_t b) {
  using K = Value::Kind;
  if (b <= 0x1f || (b >= 0x30 && b <= 0x33) || b == 'R' || b == 'S') return {K::kString, true};
  if ((b >= 0x20 && b <= 0x2f) || (b >= 0x34 && b <= 0x37) || b == 'A' || b == 'B')
    return {K::kBinary, true};
  if ((b >= 0x38 && b <= 0x3f) || b >= 0xd8 || b == 0x59 || b == 'L') return {K::kLong, true};
  if ((b >= 0x80 && b <= 0xd7) || b == 'I') return {K::kInt, true};
  if (b == 'D' || (b >= 0x5b && b <= 0x5f)) return {K::kDouble, true};
  if (b == 'T' || b == 'F') return {K::kBool, true};
  if (b == 'N') return {K::kNull, true};
  if (b == 0x4a || b == 0x4b) return {K::kDate, true};
  if (b == 'H' || b == 'M') return {K::kMap, true};
  if ((b >= 0x55 && b <= 0x58) || (b >= 0x70 && b <= 0x7f)) return {K::kList, true};
  if (b == 'O' || (b >= 0x60 && b <= 0x6f)) return {K::kObject, true};
  if (b == 0x51) return {K::kRef, true};
  return {K::kNull, false};
}
// ComputeLeadInfo for every byte, so the hot PeekKind is one load.
inline constexpr std::array<LeadInfo, 256> kLeadTable = [] {
  std::array<LeadInfo, 256> t{};
  for (size_t b = 0; b < t.size(); ++b) t[b] = ComputeLeadInfo(static_cast<uint8_t>(b));
  return t;
}();

// True when [p, p + n) holds only ASCII bytes, eight at a time.
inline bool AllAscii(const uint8_t* p, size_t n) {
  constexpr uint64_t kHigh = 0x8080808080808080ull;
  uint64_t w;
  if (n < 8) {
    uint8_t any = 0;
    for (size_t i = 0; i < n; ++i) any |= p[i];
    return (any & 0x80) == 0;
  }
  for (size_t i = 0; i + 8 <= n; i += 8) {
    std::memcpy(&w, p + i, 8);
    if (w & kHigh) return false;
  }
  std::memcpy(&w, p + n - 8, 8);  // the last eight, overlapping what was checked
  return (w & kHigh) == 0;
}

// reader.cc: the per-thread cache of parsed class definitions, in generations Readers pin.
struct CachedClassDef;
struct ClassDefGeneration;
}  // namespace internal

class Reader {
 public:
  explicit Reader(std::string_view input, ReaderLimits limits = {});
  ~Reader();
  // The input is borrowed: reading from a temporary string would dangle.
  template <typename S>
  requires std::is_same_v<S, std::string> Reader(S&&, ReaderLimits = {})
  = delete;
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  size_t offset() const { return pos_; }
  // True when every byte has been consumed (or an error stopped reading).
  bool AtEnd() const { return !ok() || pos_ >= end_; }
  size_t remaining() const { return ok() && pos_ < end_ ? end_ - pos_ : 0; }
  // Steps over `n` bytes the caller knows to hold complete values that define no class or
  // reference slot (see ObjectInput::SkipEncoded).
  void SkipBytes(size_t n) {
    if (!ok()) return;
    if (n > end_ - pos_)
      return FailAt(pos_, "unexpected end of input, expected " + std::to_string(n) + " more bytes");
    pos_ += n;
  }

  // Records "hessian2: <what> at offset <offset>" unless an error is already recorded.
  void Fail(std::string_view what) { FailAt(pos_, what); }
  void FailAt(size_t offset, std::string_view what);

  // The kind of the next value, consuming any class definitions in front of it. Returns kNull at
  // the end of input or after an error (check ok()/AtEnd()).
  Value::Kind PeekKind() {
    if (pos_ < end_ && ok()) [[likely]] {
      const internal::LeadInfo lead = internal::kLeadTable[PeekByte()];
      if (lead.valid) return lead.kind;
    }
    return PeekKindSlow();
  }
  // True and consumed when the next value is null.
  bool ReadNullIf();

  // Scalars. Numbers convert between int, long and double forms as Java's readInt/readLong/
  // readDouble do (null reads as 0, like Java); any other kind is an error.
  bool ReadBool();
  // (The inline parts decode the compact forms; everything else goes through ReadNumber.)
  int32_t ReadInt() {
    if (pos_ < end_ && ok()) [[likely]] {
      const uint8_t b = PeekByte();
      const size_t left = end_ - pos_;
      if (b >= 0x80 && b <= 0xbf) {
        ++pos_;
        return static_cast<int32_t>(b) - 0x90;
      }
      if (b >= 0xc0 && b <= 0xcf && left >= 2) {
        pos_ += 2;
        return (static_cast<int32_t>(b) - 0xc8) * 256 + ByteAt(pos_ - 1);
      }
      if (b == 'I' && left >= 5) {
        ++pos_;
        return static_cast<int32_t>(ReadU32());
      }
    }
    return ReadIntSlow();
  }
  int64_t ReadLong() {
    if (pos_ < end_ && ok()) [[likely]] {
      const uint8_t b = PeekByte();
      const size_t left = end_ - pos_;
      if (b >= 0xd8 && b <= 0xef) {
        ++pos_;
        return static_cast<int64_t>(b) - 0xe0;
      }
      if (b >= 0xf0 && left >= 2) {
        pos_ += 2;
        return (static_cast<int64_t>(b) - 0xf8) * 256 + ByteAt(pos_ - 1);
      }
      if (b == 'L' && left >= 9) {
        ++pos_;
        return static_cast<int64_t>(ReadU64());
      }
    }
    return ReadLongSlow();
  }
  double ReadDouble();
  int64_t ReadDate();  // milliseconds since the epoch
  // String into `out` (replacing its contents). Null reads as "" and returns false.
  bool ReadString(std::string* out) {
    if (pos_ < end_ && ok()) [[likely]] {
      // A compact ASCII string (up to 1023 characters): its bytes as they are.
      const uint8_t b = PeekByte();
      size_t header = 0;
      size_t units = 0;
      if (b <= 0x1f) {
        header = 1;
        units = b;
      } else if (b >= 0x30 && b <= 0x33 && end_ - pos_ >= 2) {
        header = 2;
        units = (static_cast<size_t>(b - 0x30) << 8) | ByteAt(pos_ + 1);
      }
      if (header != 0 && units <= end_ - pos_ - header) {
        const char* p = input_.data() + pos_ + header;
        if (internal::AllAscii(reinterpret_cast<const uint8_t*>(p), units)) {
          out->clear();  // then append: cheaper than assign's general replace
          out->append(p, units);
          pos_ += header + units;
          return true;
        }
      }
    }
    return ReadStringSlow(out);
  }
  std::string ReadString() {
    std::string s;
    ReadString(&s);
    return s;
  }
  // Binary into `out`. Null reads as empty and returns false.
  bool ReadBinary(Binary* out);

  // Containers. Begin* return false (recording an error unless the value is null, which is
  // consumed and leaves no container open) when the next value is not of that kind; otherwise
  // the container stays open until End(). Loop with HasMore() between elements (a map's element
  // is a key and a value).
  bool BeginList(std::string* type, int64_t* length /* -1 = variable */);
  bool BeginMap(std::string* type);
  // Objects: returns the class definition (null on error or null value); `slot` receives the
  // object's reference slot. Read def->fields.size() values, then End(). A map is accepted in
  // place of an object (Java's deserializers accept one): then `map_form` is set and the caller
  // reads key/value pairs with HasMore() instead.
  const ClassInfo* BeginObject(uint32_t* slot, bool* map_form);
  bool HasMore() {
    if (!ok() || frames_.empty()) return false;
    Frame& f = frames_.back();
    if (f.kind == FrameKind::kFixedList || f.kind == FrameKind::kObject) {
      if (f.remaining <= 0) return false;
      --f.remaining;
      return true;
    }
    if (pos_ >= end_) [[unlikely]] {
      FailUnterminated(f.kind);
      return false;
    }
    return PeekByte() != 'Z';
  }
  void End() {
    if (frames_.empty()) return;
    const Frame& f = frames_.back();
    if ((f.kind == FrameKind::kFixedList || f.kind == FrameKind::kObject) &&
        f.return_offset == kNoReturn && replay_depth_ == 0 && ok()) [[likely]] {
      slots_[f.slot].open = false;
      frames_.pop_back();
      return;
    }
    const Frame copy = f;
    frames_.pop_back();
    if (ok()) EndSlow(copy);
  }

  // When the next value is a back-reference to `slot`, consumes it and returns true. Used by the
  // Throwable codec for `cause == this`.
  bool ReadRefTo(uint32_t slot);

  // Skips one value of any kind, keeping the tables right.
  void Skip();

  // Reads one value of any kind as a dynamic Value; back-references stay Ref nodes.
  void ReadValue(Value* out);
  Value ReadValue() {
    Value v;
    ReadValue(&v);
    return v;
  }

  // Number of reference slots assigned so far.
  uint32_t ref_count() const { return static_cast<uint32_t>(slots_.size()); }

 private:
  static constexpr size_t kNoReturn = std::string_view::npos;
  enum class FrameKind : uint8_t { kFixedList, kVarList, kMap, kObject };
  struct Frame {
    int64_t remaining;     // fixed lists: elements left
    size_t return_offset;  // replay frames: where reading continues after End(); else npos
    uint32_t slot;         // the container's reference slot
    uint32_t saved_replay_next;
    FrameKind kind;
  };
  struct Slot {
    uint32_t offset;  // lead byte of the container
    bool open;        // still being read: a reference to it is a cycle
  };

  bool Need(size_t n, std::string_view what);
  uint8_t PeekByte() const { return static_cast<uint8_t>(input_[pos_]); }
  uint8_t NextByte() { return static_cast<uint8_t>(input_[pos_++]); }
  uint8_t ByteAt(size_t at) const { return static_cast<uint8_t>(input_[at]); }
  // Big-endian fixed-size reads; the caller has checked the bytes are there.
  uint32_t ReadU16() {
    const uint32_t v = (static_cast<uint32_t>(ByteAt(pos_)) << 8) | ByteAt(pos_ + 1);
    pos_ += 2;
    return v;
  }
  uint32_t ReadU32() {  // compilers make this one load and a byte swap
    const auto* p = reinterpret_cast<const uint8_t*>(input_.data()) + pos_;
    pos_ += 4;
    return (static_cast<uint32_t>(p[0]) << 24) | (static_cast<uint32_t>(p[1]) << 16) |
           (static_cast<uint32_t>(p[2]) << 8) | p[3];
  }
  uint64_t ReadU64() {
    const uint64_t hi = ReadU32();
    return (hi << 32) | ReadU32();
  }
  Value::Kind PeekKindSlow();
  int32_t ReadIntSlow();
  int64_t ReadLongSlow();
  bool ReadStringSlow(std::string* out);
  // Decodes any numeric form; false (with an error) when the next value is not a number.
  struct Number {
    enum Kind : uint8_t { kInt, kLong, kDouble } kind;
    int64_t i;
    double d;
  };
  bool ReadNumber(Number* n, std::string_view expected);
  bool ReadClassDef();
  bool ParseClassDef(ClassInfo* info);
  void Pin(internal::ClassDefGeneration* generation);
  bool ReadTypeName(std::string* out);
  bool ReadStringNoDefs(std::string* out, std::string_view what);  // names inside definitions
  int64_t ReadIntForm(std::string_view what);  // an int in a header (lengths, indices)
  bool ReadStringChunks(std::string* out);
  bool AppendChars(size_t units, std::string* out, uint32_t* pending_high);
  bool FollowRef(std::string_view expected);
  uint32_t TakeSlot(size_t lead_offset) {
    if (replay_depth_ > 0) [[unlikely]]
      return TakeReplaySlot(lead_offset);
    slots_.push_back({static_cast<uint32_t>(lead_offset), true});
    return static_cast<uint32_t>(slots_.size() - 1);
  }
  uint32_t TakeReplaySlot(size_t lead_offset);
  bool PushFrame(FrameKind kind, int64_t remaining, uint32_t slot) {
    if (frames_.size() >= limits_.max_depth) [[unlikely]] {
      FailTooDeep();
      return false;
    }
    frames_.push_back({remaining, pending_return_, slot, pending_saved_next_, kind});
    pending_return_ = kNoReturn;
    return true;
  }
  bool BeginListSlow(std::string* type, int64_t* length);
  const ClassInfo* BeginObjectSlow(uint32_t* slot, bool* map_form);
  void EndSlow(const Frame& f);
  [[gnu::cold]] void FailUnterminated(FrameKind kind);
  [[gnu::cold]] void FailTooDeep();
  void FailExpected(size_t offset, std::string_view expected, uint8_t lead);
  template <bool kBuild>
  void ReadAny(Value* out);

  std::string_view input_;
  size_t pos_ = 0;
  size_t end_ = 0;
  ReaderLimits limits_;
  Status status_;
  // Class definitions in index order. They live in the per-thread cache (in the generations this
  // Reader pinned) or, when not cached, in own_classes_.
  internal::SmallVector<const ClassInfo*, 8> classes_;
  internal::SmallVector<internal::ClassDefGeneration*, 2> pinned_;
  std::vector<std::unique_ptr<internal::CachedClassDef>> own_classes_;
  std::vector<std::string> types_;
  internal::SmallVector<Slot, 64> slots_;
  internal::SmallVector<Frame, 16> frames_;
  std::string scratch_;
  // Replay of a referenced container: while > 0 the tables are frozen and the slots inside the
  // replayed container are walked again from replay_next_.
  uint32_t replay_depth_ = 0;
  uint32_t replay_next_ = 0;
  size_t replay_bytes_ = 0;
  size_t replay_budget_ = 0;
  // Set by FollowRef for the frame the following Begin* pushes.
  size_t pending_return_;
  uint32_t pending_saved_next_ = 0;
};

}  // namespace dubbo::hessian2

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

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

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

// A class definition as read from the wire. `typed_cache` lets a typed struct codec remember the
// field mapping it computed for this definition (keyed by the codec's identity).
struct ClassInfo {
  std::string name;
  std::vector<std::string> fields;
  mutable const void* typed_cache_key = nullptr;
  mutable std::vector<int16_t> typed_cache;  // wire field i -> struct field index, -1 = skip
};

class Reader {
 public:
  explicit Reader(std::string_view input, ReaderLimits limits = {});
  // The input is borrowed: reading from a temporary string would dangle.
  template <typename S>
    requires std::is_same_v<S, std::string>
  Reader(S&&, ReaderLimits = {}) = delete;
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  size_t offset() const { return pos_; }
  // True when every byte has been consumed (or an error stopped reading).
  bool AtEnd() const { return !ok() || pos_ >= end_; }
  size_t remaining() const { return ok() && pos_ < end_ ? end_ - pos_ : 0; }

  // Records "hessian2: <what> at offset <offset>" unless an error is already recorded.
  void Fail(std::string_view what) { FailAt(pos_, what); }
  void FailAt(size_t offset, std::string_view what);

  // The kind of the next value, consuming any class definitions in front of it. Returns kNull at
  // the end of input or after an error (check ok()/AtEnd()).
  Value::Kind PeekKind();
  // True and consumed when the next value is null.
  bool ReadNullIf();

  // Scalars. Numbers convert between int, long and double forms as Java's readInt/readLong/
  // readDouble do (null reads as 0, like Java); any other kind is an error.
  bool ReadBool();
  int32_t ReadInt();
  int64_t ReadLong();
  double ReadDouble();
  int64_t ReadDate();  // milliseconds since the epoch
  // String into `out` (replacing its contents). Null reads as "" and returns false.
  bool ReadString(std::string* out);
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
  bool HasMore();
  void End();

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
  enum class FrameKind : uint8_t { kFixedList, kVarList, kMap, kObject };
  struct Frame {
    FrameKind kind;
    int64_t remaining;         // fixed lists: elements left
    uint32_t slot;             // the container's reference slot
    size_t return_offset;      // replay frames: where reading continues after End(); else npos
    uint32_t saved_replay_next;
  };
  struct Slot {
    uint32_t offset;  // lead byte of the container
    bool open;        // still being read: a reference to it is a cycle
  };

  bool Need(size_t n, std::string_view what);
  uint8_t PeekByte() const { return static_cast<uint8_t>(input_[pos_]); }
  uint8_t NextByte() { return static_cast<uint8_t>(input_[pos_++]); }
  uint32_t ReadU16();
  uint32_t ReadU32();
  uint64_t ReadU64();
  // Decodes any numeric form; false (with an error) when the next value is not a number.
  struct Number {
    enum Kind : uint8_t { kInt, kLong, kDouble } kind;
    int64_t i;
    double d;
  };
  bool ReadNumber(Number* n, std::string_view expected);
  bool ReadClassDef();
  bool ReadTypeName(std::string* out);
  bool ReadStringNoDefs(std::string* out, std::string_view what);  // names inside definitions
  int64_t ReadIntForm(std::string_view what);  // an int in a header (lengths, indices)
  bool ReadStringChunks(std::string* out);
  bool AppendChars(size_t units, std::string* out, uint32_t* pending_high);
  bool FollowRef(std::string_view expected);
  uint32_t TakeSlot(size_t lead_offset);
  bool PushFrame(FrameKind kind, int64_t remaining, uint32_t slot);
  void FailExpected(size_t offset, std::string_view expected, uint8_t lead);
  template <bool kBuild>
  void ReadAny(Value* out);

  std::string_view input_;
  size_t pos_ = 0;
  size_t end_ = 0;
  ReaderLimits limits_;
  Status status_;
  std::deque<ClassInfo> classes_;
  std::deque<std::string> types_;
  std::vector<Slot> slots_;
  std::vector<Frame> frames_;
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

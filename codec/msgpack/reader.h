// MessagePack decoding for one message body: a sequence of standalone values, as Dubbo's msgpack
// serialization writes them. Next() validates the next value's framing without allocating, then
// unpacks it with msgpack-cxx into a zone owned by the Reader; the typed codecs (codec.h) convert
// the resulting ::msgpack::object through the To* methods.
//
// Input is never trusted: before msgpack-cxx allocates anything, every declared length and element
// count has been checked against the bytes actually present and nesting against
// ReaderLimits::max_depth, so memory use stays proportional to the input. No exception leaves the
// Reader.
//
// Errors are sticky: the first is recorded and every later read returns a default value. A framing
// error names its exact byte offset; a type error names what was expected, what was found, the
// path inside the value ("$.items[2].name") and the offset where that top-level value starts.
// Containers in the codecs return as soon as a child read fails, adding their path segment.
//
// The Reader borrows `input` (unpacked strings point into it), which must outlive it. Objects
// returned by Next() live until the following Next(). Not thread-safe.
#pragma once

#include <cstdint>
#include <msgpack.hpp>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "codec/value.h"
#include "common/status.h"

namespace dubbo::msgpack {

struct ReaderLimits {
  uint32_t max_depth = 128;  // nested arrays/maps in one value
};

class Reader {
 public:
  explicit Reader(std::string_view input, ReaderLimits limits = {});
  // The input is borrowed: reading from a temporary string would dangle.
  template <typename S>
  requires std::is_same_v<S, std::string> Reader(S&&, ReaderLimits = {})
  = delete;
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  // Where the next top-level value starts.
  size_t offset() const { return pos_; }
  // True when no further value follows (or an error stopped reading).
  bool AtEnd() const { return !ok() || pos_ >= input_.size(); }
  // The first byte of the next top-level value, or -1 at the end.
  int PeekLeadByte() const { return AtEnd() ? -1 : static_cast<uint8_t>(input_[pos_]); }

  // --- top-level values ---
  // Unpacks the next value. Returns nullptr, with an error recorded, at the end of input or when
  // the value is malformed. The object stays valid until the next call.
  const ::msgpack::object* Next();
  // True, and the value consumed, when the next value is nil.
  bool NextIsNil();
  // Skips the next value after validating it.
  void SkipNext();
  // Steps over `n` bytes the caller knows to hold complete values (see ObjectInput::SkipEncoded).
  void SkipBytes(size_t n);

  // --- errors ---
  // Records "msgpack: <what> at offset <offset>".
  void FailAt(size_t offset, std::string_view what);
  // A failure inside the value last returned by Next().
  void Fail(std::string_view what);
  // "expected <expected>, found <description of found>".
  void Mismatch(std::string_view expected, const ::msgpack::object& found);
  // Prefix the path of the error just recorded; called by containers on their way out.
  void AddField(std::string_view name);
  void AddIndex(size_t index);
  void AddKey(const ::msgpack::object& key);

  // --- conversions for the codecs: on a mismatch they record an error and return a default ---
  // Nil reads as false / 0 / 0.0, as Jackson reads null into a Java primitive.
  bool ToBool(const ::msgpack::object& o);
  // An integer in [min, max]; a float is truncated toward zero (Jackson's ACCEPT_FLOAT_AS_INT).
  int64_t ToInt(const ::msgpack::object& o, int64_t min, int64_t max, std::string_view expected);
  double ToDouble(const ::msgpack::object& o, std::string_view expected);
  // Nil reads as "" / empty and returns false.
  bool ToString(const ::msgpack::object& o, std::string* out);
  bool ToBinary(const ::msgpack::object& o, Binary* out);
  // java.util.Date: integer epoch milliseconds (Jackson's default) or a msgpack timestamp
  // (extension -1, as other msgpack libraries write dates). Nil reads as 0.
  int64_t ToDateMillis(const ::msgpack::object& o);
  // Any value as a dynamic Value (see codec.h for the mapping).
  void ToValue(const ::msgpack::object& o, Value* out);

  // A short description of an object for messages: "int 5", "str \"abc\"", "array (3 elements)".
  static std::string Describe(const ::msgpack::object& o);

 private:
  struct PathSegment {
    enum Kind : uint8_t { kField, kIndex, kKey } kind;
    std::string text;  // field name or rendered key
    size_t index;
  };

  // Validates the value at `pos_`; on success sets *end to the offset just past it.
  bool Scan(size_t* end);
  void ToValueAt(const ::msgpack::object& o, Value* out, uint32_t depth);
  void Rebuild();

  std::string_view input_;
  size_t pos_ = 0;
  size_t value_offset_ = 0;
  ReaderLimits limits_;
  Status status_;
  std::string what_;
  bool in_value_ = false;          // the error lies inside a value (has a path)
  std::vector<PathSegment> path_;  // innermost first
  struct OpenContainer {
    uint64_t due;  // values still to come
    size_t start;
    bool map;
  };
  std::vector<OpenContainer> open_;  // Scan's stack, kept to reuse its memory
  ::msgpack::zone zone_;
  ::msgpack::object object_;
};

}  // namespace dubbo::msgpack

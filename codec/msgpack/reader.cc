#include "codec/msgpack/reader.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <exception>
#include <limits>

namespace dubbo::msgpack {

namespace {

using ObjectType = ::msgpack::type::object_type;

// Unpacked strings, binaries and extensions point into the input instead of being copied.
bool ReferenceInput(ObjectType, size_t, void*) { return true; }

uint64_t LoadBigEndian(const uint8_t* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v = (v << 8) | p[i];
  return v;
}

std::string FormatDouble(double d) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof(buf), d);
  return std::string(buf, r.ptr);
}

std::string Quote(const char* data, size_t size) {
  constexpr size_t kMax = 32;
  std::string s = "\"";
  s.append(data, std::min(size, kMax));
  if (size > kMax) s += "...";
  s += '"';
  return s;
}

const char* Plural(uint64_t n) { return n == 1 ? "" : "s"; }

}  // namespace

Reader::Reader(std::string_view input, ReaderLimits limits) : input_(input), limits_(limits) {}

// --- framing -------------------------------------------------------------------------------------

// The element counts and lengths of a msgpack value are declared up front and msgpack-cxx
// allocates arrays and maps as soon as it reads their header, so `dd ffffffff` would ask for
// 100 GB. This pass checks every declaration against the bytes present first; it allocates
// nothing beyond one counter per nesting level.
bool Reader::Scan(size_t* end) {
  const auto* d = reinterpret_cast<const uint8_t*>(input_.data());
  const size_t n = input_.size();
  size_t p = pos_;
  auto& open = open_;
  open.clear();
  open.push_back({1, pos_, false});
  auto need = [&](size_t header, const char* what) {
    if (n - p >= header) return true;
    FailAt(p, std::string("truncated input: ") + what + " needs " + std::to_string(header) +
                  " bytes, " + std::to_string(n - p) + " left");
    return false;
  };
  for (;;) {
    while (!open.empty() && open.back().due == 0) open.pop_back();
    if (open.empty()) {
      *end = p;
      return true;
    }
    if (p >= n) {
      const OpenContainer& o = open.back();
      FailAt(p, "truncated input: the " + std::string(o.map ? "map" : "array") + " from offset " +
                    std::to_string(o.start) + " is missing " + std::to_string(o.due) +
                    (o.map        ? " keys/values"
                     : o.due == 1 ? " element"
                                  : " elements"));
      return false;
    }
    --open.back().due;
    const uint8_t b = d[p];
    size_t header = 1;
    uint64_t payload = 0;  // bytes after the header (str/bin/ext)
    uint64_t count = 0;
    bool container = false, map = false;
    const char* kind = "value";
    if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3) {
      // one byte
    } else if (b <= 0x8f) {
      container = map = true;
      count = b & 0x0f;
    } else if (b <= 0x9f) {
      container = true;
      count = b & 0x0f;
    } else if (b <= 0xbf) {
      kind = "str";
      payload = b & 0x1f;
    } else {
      switch (b) {
        case 0xc1:
          FailAt(p, "invalid byte 0xc1 (never used by msgpack)");
          return false;
        case 0xc4:
        case 0xc5:
        case 0xc6:
          kind = "bin";
          header = 1 + (size_t{1} << (b - 0xc4));
          if (!need(header, "bin header")) return false;
          payload = LoadBigEndian(d + p + 1, header - 1);
          break;
        case 0xc7:
        case 0xc8:
        case 0xc9:
          kind = "ext";
          header = 2 + (size_t{1} << (b - 0xc7));
          if (!need(header, "ext header")) return false;
          payload = LoadBigEndian(d + p + 1, header - 2);
          break;
        case 0xca:
          header = 5;
          kind = "float32";
          break;
        case 0xcb:
          header = 9;
          kind = "float64";
          break;
        case 0xcc:
        case 0xcd:
        case 0xce:
        case 0xcf:
          header = 1 + (size_t{1} << (b - 0xcc));
          kind = "uint";
          break;
        case 0xd0:
        case 0xd1:
        case 0xd2:
        case 0xd3:
          header = 1 + (size_t{1} << (b - 0xd0));
          kind = "int";
          break;
        case 0xd4:
        case 0xd5:
        case 0xd6:
        case 0xd7:
        case 0xd8:
          header = 2 + (size_t{1} << (b - 0xd4));
          kind = "fixext";
          break;
        case 0xd9:
        case 0xda:
        case 0xdb:
          kind = "str";
          header = 1 + (size_t{1} << (b - 0xd9));
          if (!need(header, "str header")) return false;
          payload = LoadBigEndian(d + p + 1, header - 1);
          break;
        case 0xdc:
        case 0xdd:
          container = true;
          kind = "array";
          header = b == 0xdc ? 3 : 5;
          if (!need(header, "array header")) return false;
          count = LoadBigEndian(d + p + 1, header - 1);
          break;
        case 0xde:
        case 0xdf:
          container = map = true;
          kind = "map";
          header = b == 0xde ? 3 : 5;
          if (!need(header, "map header")) return false;
          count = LoadBigEndian(d + p + 1, header - 1);
          break;
      }
      if (!need(header, kind)) return false;
    }
    const size_t start = p;
    p += header;
    if (payload > n - p) {
      FailAt(start, std::string(kind) + " declares " + std::to_string(payload) +
                        " bytes but only " + std::to_string(n - p) + " follow");
      return false;
    }
    p += payload;
    if (!container) continue;
    if (open.size() > limits_.max_depth) {
      FailAt(start, "nesting deeper than " + std::to_string(limits_.max_depth));
      return false;
    }
    // Every value takes at least one byte, so a count beyond the remaining bytes can never be met.
    const uint64_t values = map ? count * 2 : count;
    if (values > n - p) {
      FailAt(start, std::string(map ? "map" : "array") + " declares " + std::to_string(count) +
                        (map ? (count == 1 ? " entry" : " entries")
                             : (count == 1 ? " element" : " elements")) +
                        " but only " + std::to_string(n - p) + " byte" + Plural(n - p) +
                        (n - p == 1 ? " follows" : " follow"));
      return false;
    }
    if (values > 0) open.push_back({values, start, map});
  }
}

const ::msgpack::object* Reader::Next() {
  if (!ok()) return nullptr;
  if (pos_ >= input_.size()) {
    FailAt(pos_, "expected a value, found end of input");
    return nullptr;
  }
  size_t end = 0;
  if (!Scan(&end)) return nullptr;
  const size_t size = end - pos_;
  zone_.clear();
  size_t off = pos_;
  try {
    object_ = ::msgpack::unpack(
        zone_, input_.data(), end, off, &ReferenceInput, nullptr,
        ::msgpack::unpack_limit(size, size / 2, size, size, size, limits_.max_depth));
  } catch (const std::exception& e) {
    // Scan accepted it, so this would be a disagreement with msgpack-cxx; report, don't throw.
    FailAt(pos_, std::string("msgpack-cxx rejected the value: ") + e.what());
    return nullptr;
  }
  value_offset_ = pos_;
  pos_ = end;
  return &object_;
}

bool Reader::NextIsNil() {
  if (!ok() || pos_ >= input_.size() || static_cast<uint8_t>(input_[pos_]) != 0xc0) return false;
  value_offset_ = pos_++;
  return true;
}

void Reader::SkipNext() {
  if (!ok()) return;
  if (pos_ >= input_.size()) {
    FailAt(pos_, "expected a value, found end of input");
    return;
  }
  size_t end = 0;
  if (Scan(&end)) pos_ = end;
}

void Reader::SkipBytes(size_t n) {
  if (!ok()) return;
  if (n > input_.size() - pos_) {
    FailAt(pos_, "expected " + std::to_string(n) + " more bytes, found end of input");
    return;
  }
  pos_ += n;
}

// --- errors --------------------------------------------------------------------------------------

void Reader::FailAt(size_t offset, std::string_view what) {
  if (!ok()) return;
  what_ = std::string(what) + " at offset " + std::to_string(offset);
  in_value_ = false;
  Rebuild();
}

void Reader::Fail(std::string_view what) {
  if (!ok()) return;
  what_ = what;
  in_value_ = true;
  Rebuild();
}

void Reader::Mismatch(std::string_view expected, const ::msgpack::object& found) {
  if (!ok()) return;
  Fail("expected " + std::string(expected) + ", found " + Describe(found));
}

void Reader::AddField(std::string_view name) {
  if (ok() || !in_value_) return;
  path_.push_back({PathSegment::kField, std::string(name), 0});
  Rebuild();
}

void Reader::AddIndex(size_t index) {
  if (ok() || !in_value_) return;
  path_.push_back({PathSegment::kIndex, {}, index});
  Rebuild();
}

void Reader::AddKey(const ::msgpack::object& key) {
  if (ok() || !in_value_) return;
  std::string text;
  switch (key.type) {
    case ObjectType::STR:
      text = Quote(key.via.str.ptr, key.via.str.size);
      break;
    case ObjectType::POSITIVE_INTEGER:
      text = std::to_string(key.via.u64);
      break;
    case ObjectType::NEGATIVE_INTEGER:
      text = std::to_string(key.via.i64);
      break;
    default:
      text = Describe(key);
      break;
  }
  path_.push_back({PathSegment::kKey, std::move(text), 0});
  Rebuild();
}

void Reader::Rebuild() {
  std::string message = "msgpack: " + what_;
  if (in_value_) {
    if (!path_.empty()) {
      message += " at $";
      for (auto it = path_.rbegin(); it != path_.rend(); ++it) {
        switch (it->kind) {
          case PathSegment::kField:
            message += "." + it->text;
            break;
          case PathSegment::kIndex:
            message += "[" + std::to_string(it->index) + "]";
            break;
          case PathSegment::kKey:
            message += "[" + it->text + "]";
            break;
        }
      }
    }
    message += " (value at offset " + std::to_string(value_offset_) + ")";
  }
  status_ = Status(StatusCode::kDecodeError, std::move(message));
}

std::string Reader::Describe(const ::msgpack::object& o) {
  switch (o.type) {
    case ObjectType::NIL:
      return "nil";
    case ObjectType::BOOLEAN:
      return o.via.boolean ? "bool true" : "bool false";
    case ObjectType::POSITIVE_INTEGER:
      return "int " + std::to_string(o.via.u64);
    case ObjectType::NEGATIVE_INTEGER:
      return "int " + std::to_string(o.via.i64);
    case ObjectType::FLOAT32:
      return "float32 " + FormatDouble(o.via.f64);
    case ObjectType::FLOAT64:
      return "float64 " + FormatDouble(o.via.f64);
    case ObjectType::STR:
      return "str " + Quote(o.via.str.ptr, o.via.str.size);
    case ObjectType::BIN:
      return "bin (" + std::to_string(o.via.bin.size) + " byte" + Plural(o.via.bin.size) + ")";
    case ObjectType::ARRAY:
      return "array (" + std::to_string(o.via.array.size) + " element" + Plural(o.via.array.size) +
             ")";
    case ObjectType::MAP:
      return "map (" + std::to_string(o.via.map.size) +
             (o.via.map.size == 1 ? " entry)" : " entries)");
    case ObjectType::EXT:
      return "ext " + std::to_string(o.via.ext.type()) + " (" + std::to_string(o.via.ext.size) +
             " byte" + Plural(o.via.ext.size) + ")";
  }
  return "unknown object";
}

// --- conversions ---------------------------------------------------------------------------------

bool Reader::ToBool(const ::msgpack::object& o) {
  if (o.type == ObjectType::BOOLEAN) return o.via.boolean;
  if (o.type != ObjectType::NIL) Mismatch("bool", o);
  return false;
}

int64_t Reader::ToInt(const ::msgpack::object& o, int64_t min, int64_t max,
                      std::string_view expected) {
  switch (o.type) {
    case ObjectType::NIL:
      return 0;
    case ObjectType::POSITIVE_INTEGER:
      if (max >= 0 && o.via.u64 <= static_cast<uint64_t>(max))
        return static_cast<int64_t>(o.via.u64);
      break;
    case ObjectType::NEGATIVE_INTEGER:
      if (o.via.i64 >= min) return o.via.i64;
      break;
    case ObjectType::FLOAT32:
    case ObjectType::FLOAT64: {
      const double t = std::trunc(o.via.f64);
      // [-2^63, 2^63) is exactly representable at its ends, so the cast below is defined.
      if (t >= -9223372036854775808.0 && t < 9223372036854775808.0) {
        const auto i = static_cast<int64_t>(t);
        if (i >= min && i <= max) return i;
      }
      break;
    }
    default:
      Mismatch(expected, o);
      return 0;
  }
  Fail("expected " + std::string(expected) + ", found " + Describe(o) + ", out of range");
  return 0;
}

double Reader::ToDouble(const ::msgpack::object& o, std::string_view expected) {
  switch (o.type) {
    case ObjectType::NIL:
      return 0;
    case ObjectType::POSITIVE_INTEGER:
      return static_cast<double>(o.via.u64);
    case ObjectType::NEGATIVE_INTEGER:
      return static_cast<double>(o.via.i64);
    case ObjectType::FLOAT32:
    case ObjectType::FLOAT64:
      return o.via.f64;
    default:
      Mismatch(expected, o);
      return 0;
  }
}

bool Reader::ToString(const ::msgpack::object& o, std::string* out) {
  if (o.type == ObjectType::STR) {
    out->assign(o.via.str.ptr, o.via.str.size);
    return true;
  }
  out->clear();
  if (o.type != ObjectType::NIL) Mismatch("string", o);
  return false;
}

bool Reader::ToBinary(const ::msgpack::object& o, Binary* out) {
  if (o.type == ObjectType::BIN) {
    const auto* p = reinterpret_cast<const uint8_t*>(o.via.bin.ptr);
    out->assign(p, p + o.via.bin.size);
    return true;
  }
  out->clear();
  if (o.type != ObjectType::NIL) Mismatch("binary", o);
  return false;
}

int64_t Reader::ToDateMillis(const ::msgpack::object& o) {
  constexpr std::string_view kExpected = "date (epoch milliseconds)";
  if (o.type != ObjectType::EXT)
    return ToInt(o, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(),
                 kExpected);
  // The msgpack timestamp extension (type -1) in its 32, 64 and 96-bit forms.
  const auto* p = reinterpret_cast<const uint8_t*>(o.via.ext.data());
  int64_t seconds = 0;
  uint32_t nanos = 0;
  if (o.via.ext.type() == -1 && o.via.ext.size == 4) {
    seconds = static_cast<int64_t>(LoadBigEndian(p, 4));
  } else if (o.via.ext.type() == -1 && o.via.ext.size == 8) {
    const uint64_t v = LoadBigEndian(p, 8);
    nanos = static_cast<uint32_t>(v >> 34);
    seconds = static_cast<int64_t>(v & ((uint64_t{1} << 34) - 1));
  } else if (o.via.ext.type() == -1 && o.via.ext.size == 12) {
    nanos = static_cast<uint32_t>(LoadBigEndian(p, 4));
    seconds = static_cast<int64_t>(LoadBigEndian(p + 4, 8));
  } else {
    Mismatch(kExpected, o);
    return 0;
  }
  constexpr int64_t kLimit = std::numeric_limits<int64_t>::max() / 1000 - 1;
  if (nanos > 999999999 || seconds > kLimit || seconds < -kLimit) {
    Fail("expected " + std::string(kExpected) + ", found " + Describe(o) + ", out of range");
    return 0;
  }
  return seconds * 1000 + nanos / 1000000;
}

void Reader::ToValue(const ::msgpack::object& o, Value* out) { ToValueAt(o, out, 0); }

void Reader::ToValueAt(const ::msgpack::object& o, Value* out, uint32_t depth) {
  if (!ok()) return;
  switch (o.type) {
    case ObjectType::NIL:
      *out = Value();
      return;
    case ObjectType::BOOLEAN:
      *out = Value::Bool(o.via.boolean);
      return;
    case ObjectType::POSITIVE_INTEGER:
      // Jackson's untyped reading: Integer when it fits, else Long (else BigInteger, which has no
      // Value kind: such a number arrives as a double).
      if (o.via.u64 <= static_cast<uint64_t>(std::numeric_limits<int32_t>::max())) {
        *out = Value::Int(static_cast<int32_t>(o.via.u64));
      } else if (o.via.u64 <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        *out = Value::Long(static_cast<int64_t>(o.via.u64));
      } else {
        *out = Value::Double(static_cast<double>(o.via.u64));
      }
      return;
    case ObjectType::NEGATIVE_INTEGER:
      if (o.via.i64 >= std::numeric_limits<int32_t>::min()) {
        *out = Value::Int(static_cast<int32_t>(o.via.i64));
      } else {
        *out = Value::Long(o.via.i64);
      }
      return;
    case ObjectType::FLOAT32:
    case ObjectType::FLOAT64:
      *out = Value::Double(o.via.f64);
      return;
    case ObjectType::STR:
      *out = Value::String(std::string(o.via.str.ptr, o.via.str.size));
      return;
    case ObjectType::BIN: {
      const auto* p = reinterpret_cast<const uint8_t*>(o.via.bin.ptr);
      *out = Value::FromBinary(Binary(p, p + o.via.bin.size));
      return;
    }
    case ObjectType::EXT:
      if (o.via.ext.type() == -1) {
        const int64_t millis = ToDateMillis(o);
        if (ok()) *out = Value::FromDate(millis);
      } else {
        Fail("unsupported " + Describe(o));
      }
      return;
    case ObjectType::ARRAY:
    case ObjectType::MAP:
      break;
  }
  // Values from Next() are depth-checked by Scan; this guards objects built elsewhere.
  if (depth >= limits_.max_depth) {
    Fail("nesting deeper than " + std::to_string(limits_.max_depth));
    return;
  }
  if (o.type == ObjectType::ARRAY) {
    List list;
    list.items.resize(o.via.array.size);
    for (uint32_t i = 0; i < o.via.array.size; ++i) {
      ToValueAt(o.via.array.ptr[i], &list.items[i], depth + 1);
      if (!ok()) return AddIndex(i);
    }
    *out = Value::FromList(std::move(list));
    return;
  }
  Map map;
  map.entries.resize(o.via.map.size);
  for (uint32_t i = 0; i < o.via.map.size; ++i) {
    const auto& kv = o.via.map.ptr[i];
    ToValueAt(kv.key, &map.entries[i].first, depth + 1);
    ToValueAt(kv.val, &map.entries[i].second, depth + 1);
    if (!ok()) return AddKey(kv.key);
  }
  *out = Value::FromMap(std::move(map));
}

}  // namespace dubbo::msgpack

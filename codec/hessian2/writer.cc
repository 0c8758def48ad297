#include "codec/hessian2/writer.h"

#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>

namespace dubbo::hessian2 {

namespace {

constexpr size_t kStringChunkUnits = 0x8000;
constexpr size_t kBinaryChunkBytes = 8189;  // Caucho: its 8 KiB buffer minus the 3-byte header

// Multi-byte forms are assembled on the stack and appended with one call.
[[gnu::always_inline]] inline void PutU16(internal::OutBuffer* out, uint32_t v) {
  const char b[2] = {static_cast<char>(v >> 8), static_cast<char>(v)};
  out->append(b, 2);
}

// Appends `lead` followed by the low `n` bytes of `v`, big-endian (n <= 8).
[[gnu::always_inline]] inline void PutLeadAndBytes(internal::OutBuffer* out, uint8_t lead,
                                                   uint64_t v, int n) {
  char b[9];
  b[0] = static_cast<char>(lead);
  for (int i = 0; i < n; ++i) b[1 + i] = static_cast<char>(v >> (8 * (n - 1 - i)));
  out->append(b, static_cast<size_t>(n) + 1);
}

[[gnu::always_inline]] inline void PutU32(internal::OutBuffer* out, uint32_t v) {
  const char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                     static_cast<char>(v >> 8), static_cast<char>(v)};
  out->append(b, 4);
}

[[gnu::always_inline]] inline void PutU64(internal::OutBuffer* out, uint64_t v) {
  PutU32(out, static_cast<uint32_t>(v >> 32));
  PutU32(out, static_cast<uint32_t>(v));
}

// Java's (int) cast of a double: NaN -> 0, saturating at the int range (a C++ cast would be UB).
int32_t JavaDoubleToInt(double d) {
  if (std::isnan(d)) return 0;
  if (d >= 2147483647.0) return std::numeric_limits<int32_t>::max();
  if (d <= -2147483648.0) return std::numeric_limits<int32_t>::min();
  return static_cast<int32_t>(d);
}

// One UTF-8 sequence of the input as Java chars: its length in bytes and UTF-16 units. Invalid
// bytes become one U+FFFD each. 3-byte encodings of surrogates (CESU-8, as Hessian itself and
// Java's modified UTF-8 produce) pass through as one unit so such strings round-trip.
struct Utf8Step {
  uint8_t bytes;
  uint8_t units;  // 1, or 2 for a supplementary character
  bool invalid;
};

inline bool IsCont(uint8_t b) { return (b & 0xC0) == 0x80; }

// Length of the leading run of ASCII bytes in [p, p + n), eight bytes at a time.
size_t AsciiPrefix(const uint8_t* p, size_t n) {
  constexpr uint64_t kHigh = 0x8080808080808080ull;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    if constexpr (std::endian::native == std::endian::little) {
      if (const uint64_t high = w & kHigh; high != 0) return i + (std::countr_zero(high) >> 3);
    } else {
      if (w & kHigh) break;
    }
  }
  if constexpr (std::endian::native == std::endian::little) {
    if (i < n && n >= 8) {  // the last n - i bytes: the tail of the last eight
      uint64_t w;
      std::memcpy(&w, p + n - 8, 8);
      const uint64_t high = (w & kHigh) >> (8 * (8 - (n - i)));
      return high != 0 ? i + (std::countr_zero(high) >> 3) : n;
    }
  }
  while (i < n && p[i] < 0x80) ++i;
  return i;
}

inline Utf8Step StepUtf8(const uint8_t* p, const uint8_t* end) {
  const uint8_t b = *p;
  if (b < 0x80) return {1, 1, false};
  const size_t avail = static_cast<size_t>(end - p);
  if (b >= 0xC2 && b <= 0xDF) {
    if (avail >= 2 && IsCont(p[1])) return {2, 1, false};
  } else if (b >= 0xE0 && b <= 0xEF) {
    if (avail >= 3 && IsCont(p[1]) && IsCont(p[2])) return {3, 1, false};
  } else if (b >= 0xF0 && b <= 0xF4) {
    if (avail >= 4 && IsCont(p[1]) && IsCont(p[2]) && IsCont(p[3])) {
      const uint32_t cp = (static_cast<uint32_t>(b & 0x07) << 18) | ((p[1] & 0x3Fu) << 12) |
                          ((p[2] & 0x3Fu) << 6) | (p[3] & 0x3Fu);
      if (cp >= 0x10000 && cp <= 0x10FFFF) return {4, 2, false};
    }
  }
  return {1, 1, true};
}

void PutChar3(internal::OutBuffer* out, uint32_t c) {
  const char b[3] = {static_cast<char>(0xE0 | (c >> 12)),
                     static_cast<char>(0x80 | ((c >> 6) & 0x3F)),
                     static_cast<char>(0x80 | (c & 0x3F))};
  out->append(b, 3);
}

// Appends the Hessian (CESU-8) bytes of a UTF-8 range. Valid sequences of one to three bytes are
// the same in both, so they are copied in runs; only 4-byte and invalid sequences are rewritten.
void AppendCesu8(internal::OutBuffer* out, const uint8_t* p, const uint8_t* end) {
  while (p < end) {
    const uint8_t* run = p;
    while (p < end) {
      if (*p < 0x80) {
        ++p;
        continue;
      }
      const Utf8Step s = StepUtf8(p, end);
      if (s.invalid || s.units == 2) break;
      p += s.bytes;
    }
    if (p > run) out->append(reinterpret_cast<const char*>(run), static_cast<size_t>(p - run));
    if (p == end) break;
    const Utf8Step s = StepUtf8(p, end);
    if (s.invalid) {
      PutChar3(out, 0xFFFD);
    } else if (s.units == 2) {
      const uint32_t cp = (static_cast<uint32_t>(p[0] & 0x07) << 18) | ((p[1] & 0x3Fu) << 12) |
                          ((p[2] & 0x3Fu) << 6) | (p[3] & 0x3Fu);
      const uint32_t v = cp - 0x10000;
      PutChar3(out, 0xD800 | (v >> 10));
      PutChar3(out, 0xDC00 | (v & 0x3FF));
    } else {
      out->append(reinterpret_cast<const char*>(p), s.bytes);
    }
    p += s.bytes;
  }
}

// The UTF-16 length of a string made only of sequences Hessian takes as they are (the 1-3-byte
// sequences StepUtf8 accepts as valid): false at the first 4-byte or invalid sequence. One pass
// instead of counting and then copying character by character.
bool CountVerbatimUnits(const uint8_t* p, const uint8_t* end, size_t* units) {
  size_t n = 0;
  while (end - p >= 4) {  // four bytes at hand: the lead and its continuation bytes in one word
    const uint32_t w = p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<uint32_t>(p[3]) << 24);
    const uint8_t b = p[0];
    if (b < 0x80) {
      ++p;
    } else if (b >= 0xE0 && b <= 0xEF) {
      if ((w & 0xC0C000) != 0x808000) return false;  // two continuation bytes
      p += 3;
    } else if (b >= 0xC2 && b <= 0xDF) {
      if ((w & 0xC000) != 0x8000) return false;
      p += 2;
    } else {
      return false;
    }
    ++n;
  }
  while (p < end) {
    const uint8_t b = *p;
    if (b < 0x80) {
      ++p;
    } else if (b >= 0xC2 && b <= 0xDF) {
      if (end - p < 2 || !IsCont(p[1])) return false;
      p += 2;
    } else if (b >= 0xE0 && b <= 0xEF) {
      if (end - p < 3 || !IsCont(p[1]) || !IsCont(p[2])) return false;
      p += 3;
    } else {
      return false;
    }
    ++n;
  }
  *units = n;
  return true;
}

void PutStringHeader(internal::OutBuffer* out, size_t units) {
  if (units <= 0x1f) {
    out->push_back(static_cast<char>(units));
  } else if (units <= 0x3ff) {
    PutLeadAndBytes(out, static_cast<uint8_t>(0x30 + (units >> 8)), units, 1);
  } else {
    PutLeadAndBytes(out, 'S', units, 2);
  }
}

}  // namespace

void Writer::PutWideInt(int32_t v) {
  const auto u = static_cast<uint32_t>(v);
  if (v >= -0x10 && v <= 0x2f) {
    out_.push_back(static_cast<char>(0x90 + v));
  } else if (v >= -0x800 && v <= 0x7ff) {
    PutLeadAndBytes(&out_, static_cast<uint8_t>(0xc8 + (v >> 8)), u, 1);
  } else if (v >= -0x40000 && v <= 0x3ffff) {
    PutLeadAndBytes(&out_, static_cast<uint8_t>(0xd4 + (v >> 16)), u, 2);
  } else {
    PutLeadAndBytes(&out_, 'I', u, 4);
  }
}

void Writer::PutLong(int64_t v) {
  const auto u = static_cast<uint64_t>(v);
  if (v >= -0x08 && v <= 0x0f) {
    out_.push_back(static_cast<char>(0xe0 + v));
  } else if (v >= -0x800 && v <= 0x7ff) {
    PutLeadAndBytes(&out_, static_cast<uint8_t>(0xf8 + (v >> 8)), u, 1);
  } else if (v >= -0x40000 && v <= 0x3ffff) {
    PutLeadAndBytes(&out_, static_cast<uint8_t>(0x3c + (v >> 16)), u, 2);
  } else if (v >= std::numeric_limits<int32_t>::min() && v <= std::numeric_limits<int32_t>::max()) {
    PutLeadAndBytes(&out_, 0x59, u, 4);
  } else {
    PutLeadAndBytes(&out_, 'L', u, 8);
  }
}

void Writer::PutDouble(double v) {
  const int32_t i = JavaDoubleToInt(v);
  if (static_cast<double>(i) == v) {
    if (i == 0) {
      out_.push_back(0x5b);
      return;
    }
    if (i == 1) {
      out_.push_back(0x5c);
      return;
    }
    if (i >= -0x80 && i < 0x80) {
      out_.push_back(0x5d);
      out_.push_back(static_cast<char>(i));
      return;
    }
    if (i >= -0x8000 && i < 0x8000) {
      out_.push_back(0x5e);
      PutU16(&out_, static_cast<uint32_t>(i));
      return;
    }
  }
  const int32_t mills = JavaDoubleToInt(v * 1000);
  if (0.001 * static_cast<double>(mills) == v) {
    out_.push_back(0x5f);
    PutU32(&out_, static_cast<uint32_t>(mills));
    return;
  }
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  out_.push_back('D');
  PutU64(&out_, bits);
}

void Writer::PutFloat(float v) {
  if (!std::isfinite(v)) {
    PutDouble(static_cast<double>(v));
    return;
  }
  char buf[32];
  const auto res = std::to_chars(buf, buf + sizeof buf, v);  // shortest text that reads back as v
  double d = static_cast<double>(v);
  std::from_chars(buf, res.ptr, d);
  PutDouble(d);
}

void Writer::PutDate(int64_t millis) {
  if (millis % 60000 == 0) {
    const int64_t minutes = millis / 60000;
    if ((minutes >> 31) == 0 || (minutes >> 31) == -1) {
      out_.push_back(0x4b);
      PutU32(&out_, static_cast<uint32_t>(minutes));
      return;
    }
  }
  out_.push_back(0x4a);
  PutU64(&out_, static_cast<uint64_t>(millis));
}

void Writer::PutString(std::string_view utf8) {
  const auto* p = reinterpret_cast<const uint8_t*>(utf8.data());
  const auto* end = p + utf8.size();

  const size_t ascii = AsciiPrefix(p, utf8.size());
  if (ascii == utf8.size() && ascii <= 0x1f) {  // the common short case
    out_.push_back(static_cast<char>(ascii));
    out_.append(utf8.data(), ascii);
    return;
  }
  if (ascii == utf8.size()) {  // units == bytes
    size_t left = utf8.size();
    while (left > kStringChunkUnits) {
      out_.push_back('R');
      PutU16(&out_, kStringChunkUnits);
      out_.append(reinterpret_cast<const char*>(p), kStringChunkUnits);
      p += kStringChunkUnits;
      left -= kStringChunkUnits;
    }
    PutStringHeader(&out_, left);
    out_.append(reinterpret_cast<const char*>(p), left);
    return;
  }

  // Short enough for one chunk (units <= bytes) and nothing to rewrite: the bytes as they are.
  if (size_t units = 0;
      utf8.size() <= kStringChunkUnits && CountVerbatimUnits(p + ascii, end, &units)) {
    PutStringHeader(&out_, ascii + units);
    out_.append(utf8.data(), utf8.size());
    return;
  }
  size_t total = ascii;
  for (const uint8_t* q = p + ascii; q < end;) {
    const Utf8Step s = StepUtf8(q, end);
    total += s.units;
    q += s.bytes;
  }
  size_t left = total;
  while (left > kStringChunkUnits) {
    // Take up to 0x8000 units; a supplementary character that would straddle the boundary goes to
    // the next chunk (Java never ends a chunk on a high surrogate).
    const uint8_t* q = p;
    size_t units = 0;
    while (q < end) {
      const Utf8Step s = StepUtf8(q, end);
      if (units + s.units > kStringChunkUnits) break;
      units += s.units;
      q += s.bytes;
      if (units == kStringChunkUnits) break;
    }
    out_.push_back('R');
    PutU16(&out_, static_cast<uint32_t>(units));
    AppendCesu8(&out_, p, q);
    p = q;
    left -= units;
  }
  PutStringHeader(&out_, left);
  AppendCesu8(&out_, p, end);
}

void Writer::PutBinary(std::span<const uint8_t> bytes) {
  const auto* p = reinterpret_cast<const char*>(bytes.data());
  size_t left = bytes.size();
  while (left > kBinaryChunkBytes) {
    out_.push_back('A');
    PutU16(&out_, kBinaryChunkBytes);
    out_.append(p, kBinaryChunkBytes);
    p += kBinaryChunkBytes;
    left -= kBinaryChunkBytes;
  }
  if (left < 16) {
    out_.push_back(static_cast<char>(0x20 + left));
  } else if (left < 1024) {
    out_.push_back(static_cast<char>(0x34 + (left >> 8)));
    out_.push_back(static_cast<char>(left));
  } else {
    out_.push_back('B');
    PutU16(&out_, static_cast<uint32_t>(left));
  }
  out_.append(p, left);
}

void Writer::WriteType(std::string_view type) {
  for (size_t i = 0; i < types_.size(); ++i) {
    if (types_[i] == type) {
      PutInt(static_cast<int32_t>(i));
      return;
    }
  }
  types_.emplace_back(type);
  PutString(type);
}

void Writer::PutListBegin(size_t length, std::string_view type) {
  ++ref_count_;
  if (length <= 7) {
    if (type.empty()) {
      out_.push_back(static_cast<char>(0x78 + length));
    } else {
      out_.push_back(static_cast<char>(0x70 + length));
      WriteType(type);
    }
    return;
  }
  if (type.empty()) {
    out_.push_back('X');
  } else {
    out_.push_back('V');
    WriteType(type);
  }
  PutInt(static_cast<int32_t>(length));
}

void Writer::PutVarListBegin(std::string_view type) {
  ++ref_count_;
  if (type.empty()) {
    out_.push_back('W');
  } else {
    out_.push_back('U');
    WriteType(type);
  }
}

void Writer::PutMapBegin(std::string_view type) {
  ++ref_count_;
  if (type.empty()) {
    out_.push_back('H');
  } else {
    out_.push_back('M');
    WriteType(type);
  }
}

namespace {

// The encoded 'C' bytes of class definitions with static storage, per thread, so a typed struct's
// definition is encoded once and appended from here in every later message. Direct-mapped by the
// definition's identity; an entry also records the views it was encoded from and is re-encoded
// when they differ, so a slot shared by two definitions only costs time.
struct EncodedClassDef {
  const void* identity = nullptr;
  const char* name = nullptr;
  size_t name_size = 0;
  const std::string_view* fields = nullptr;
  size_t field_count = 0;
  std::string bytes;

  bool Matches(const ClassDef& def, const void* id) const {
    return identity == id && name == def.name.data() && name_size == def.name.size() &&
           fields == def.fields.data() && field_count == def.fields.size();
  }
};
constexpr size_t kEncodedClassDefSlots = 64;
using EncodedClassDefTable = std::array<EncodedClassDef, kEncodedClassDefSlots>;

EncodedClassDef& EncodedClassDefSlot(const void* identity) {
  thread_local std::unique_ptr<EncodedClassDefTable> table;
  if (table == nullptr) [[unlikely]]
    table = std::make_unique<EncodedClassDefTable>();
  const auto a = reinterpret_cast<uintptr_t>(identity);
  return (*table)[((a >> 3) ^ (a >> 9)) % kEncodedClassDefSlots];
}

}  // namespace

void Writer::WriteClassDefBytes(const ClassDef& def) {
  out_.push_back('C');
  PutString(def.name);
  PutInt(static_cast<int32_t>(def.fields.size()));
  for (auto f : def.fields) PutString(f);
}

uint32_t Writer::FindOrDefineClass(const ClassDef& def, const void* identity) {
  if (const uint32_t i = FindClassByIdentity(identity); i != kNoClass) return i;
  for (size_t i = 0; i < classes_.size(); ++i) {
    DefinedClass& c = classes_[i];
    if (c.def.name != def.name || c.def.fields.size() != def.fields.size()) continue;
    bool same = true;
    for (size_t f = 0; f < def.fields.size() && same; ++f) same = c.def.fields[f] == def.fields[f];
    if (same) {
      if (c.identity == nullptr) c.identity = identity;
      return static_cast<uint32_t>(i);
    }
  }
  if (identity != nullptr) {
    // Static storage: keep views, append the bytes encoded the first time this thread saw `def`.
    classes_.push_back({identity, def});
    EncodedClassDef& e = EncodedClassDefSlot(identity);
    if (!e.Matches(def, identity)) {
      e.identity = nullptr;
      e.bytes.clear();
      Writer encoder(&e.bytes);
      encoder.WriteClassDefBytes(def);
      encoder.out_.Flush();
      e.identity = identity;
      e.name = def.name.data();
      e.name_size = def.name.size();
      e.fields = def.fields.data();
      e.field_count = def.fields.size();
    }
    out_.append(e.bytes.data(), e.bytes.size());
    return static_cast<uint32_t>(classes_.size() - 1);
  }
  auto owned = std::make_unique<OwnedClassDef>();
  owned->name = def.name;
  owned->storage.reserve(def.fields.size());
  owned->fields.reserve(def.fields.size());
  for (auto f : def.fields) owned->fields.push_back(owned->storage.emplace_back(f));
  classes_.push_back({nullptr, ClassDef{owned->name, owned->fields}});
  owned_defs_.push_back(std::move(owned));
  WriteClassDefBytes(def);
  return static_cast<uint32_t>(classes_.size() - 1);
}

void Writer::PutRef(uint32_t index) {
  out_.push_back(0x51);
  PutInt(static_cast<int32_t>(index));
}

int64_t Writer::FindIdentity(const void* key, int64_t discriminator) const {
  for (const auto& id : identities_)
    if (id.key == key && id.discriminator == discriminator) return id.slot;
  return -1;
}

void Writer::RememberIdentity(const void* key, int64_t discriminator, uint32_t slot) {
  identities_.push_back({key, discriminator, slot});
}

void Writer::PutValue(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::kNull:
      out_.push_back('N');
      return;
    case Value::Kind::kBool:
      out_.push_back(v.as_bool() ? 'T' : 'F');
      return;
    case Value::Kind::kInt:
      PutInt(v.as_int());
      return;
    case Value::Kind::kLong:
      PutLong(v.as_long());
      return;
    case Value::Kind::kDouble:
      PutDouble(v.as_double());
      return;
    case Value::Kind::kDate:
      PutDate(v.as_date().millis);
      return;
    case Value::Kind::kString:
      PutString(v.as_string());
      return;
    case Value::Kind::kBinary:
      PutBinary(std::span<const uint8_t>(v.as_binary()));
      return;
    case Value::Kind::kRef:
      PutRef(v.as_ref().index);
      return;
    case Value::Kind::kList: {
      const List& l = v.as_list();
      PutListBegin(l.items.size(), l.type);
      for (const auto& item : l.items) PutValue(item);
      return;
    }
    case Value::Kind::kMap: {
      const Map& m = v.as_map();
      PutMapBegin(m.type);
      for (const auto& [key, val] : m.entries) {
        PutValue(key);
        PutValue(val);
      }
      out_.push_back('Z');
      return;
    }
    case Value::Kind::kObject: {
      const Object& o = v.as_object();
      std::vector<std::string_view> names;
      names.reserve(o.fields.size());
      for (const auto& [name, val] : o.fields) names.push_back(name);
      // Matched by content: the address of this stack-local definition is no identity.
      PutObjectBegin(ClassDef{o.class_name, names}, nullptr);
      for (const auto& [name, val] : o.fields) PutValue(val);
      return;
    }
  }
}

}  // namespace dubbo::hessian2

#include "codec/hessian2/reader.h"

#include <array>
#include <cstring>
#include <limits>

namespace dubbo::hessian2 {

namespace {

constexpr size_t kNone = std::string_view::npos;

inline Value::Kind KindOfLead(uint8_t b, bool* valid) {
  *valid = internal::kLeadTable[b].valid;
  return internal::kLeadTable[b].kind;
}

bool IsStringLead(uint8_t b) {
  return b <= 0x1f || (b >= 0x30 && b <= 0x33) || b == 'R' || b == 'S';
}

bool IsIntLead(uint8_t b) { return (b >= 0x80 && b <= 0xd7) || b == 'I'; }

std::string HexByte(uint8_t b) {
  static constexpr char kDigits[] = "0123456789abcdef";
  return std::string("0x") + kDigits[b >> 4] + kDigits[b & 0xf];
}

// Java's (int) and (long) casts of a double: NaN -> 0, saturating at the range.
template <typename I>
I JavaCast(double d) {
  if (d != d) return 0;
  if (d >= static_cast<double>(std::numeric_limits<I>::max())) return std::numeric_limits<I>::max();
  if (d <= static_cast<double>(std::numeric_limits<I>::min())) return std::numeric_limits<I>::min();
  return static_cast<I>(d);
}

void PutUtf8(std::string* out, uint32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    // Unpaired surrogates are kept as their 3-byte form so a Java string round-trips.
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Scans the longest run of at most `units` characters whose Hessian bytes are their UTF-8 bytes:
// ASCII and shortest-form 2- and 3-byte sequences outside the surrogates. Returns the run's end;
// `count` receives its length in characters.
const uint8_t* ScanVerbatimRun(const uint8_t* p, const uint8_t* limit, size_t units,
                               size_t* count) {
  // The second byte of a sequence led by 0xE0 + i lies in [kLow[i], kLow[i] + kSpan[i]]: at least
  // 0xA0 after 0xE0 (shortest form), below 0xA0 after 0xED (no surrogates), a continuation byte.
  static constexpr uint8_t kLow[16] = {0xA0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
                                       0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80};
  static constexpr uint8_t kSpan[16] = {0x1F, 0x3F, 0x3F, 0x3F, 0x3F, 0x3F, 0x3F, 0x3F,
                                        0x3F, 0x3F, 0x3F, 0x3F, 0x3F, 0x1F, 0x3F, 0x3F};
  size_t u = 0;
  while (u < units && limit - p >= 4) {  // the lead and its continuation bytes in one word
    const uint32_t w = p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<uint32_t>(p[3]) << 24);
    const uint8_t b = p[0];
    if (b < 0x80) {
      ++p;
    } else if ((b & 0xF0) == 0xE0) {
      const uint8_t c1 = static_cast<uint8_t>(w >> 8);
      if (static_cast<uint8_t>(c1 - kLow[b & 0xF]) > kSpan[b & 0xF] || (w & 0xC00000) != 0x800000)
        break;
      p += 3;
    } else if (b >= 0xC2 && b <= 0xDF) {
      if ((w & 0xC000) != 0x8000) break;
      p += 2;
    } else {
      break;
    }
    ++u;
  }
  while (u < units && p < limit) {  // the last bytes
    const uint8_t b = p[0];
    const size_t left = static_cast<size_t>(limit - p);
    if (b < 0x80) {
      ++p;
    } else if ((b & 0xF0) == 0xE0) {
      if (left < 3 || static_cast<uint8_t>(p[1] - kLow[b & 0xF]) > kSpan[b & 0xF] ||
          (p[2] & 0xC0) != 0x80) {
        break;
      }
      p += 3;
    } else if (b >= 0xC2 && b <= 0xDF) {
      if (left < 2 || (p[1] & 0xC0) != 0x80) break;
      p += 2;
    } else {
      break;
    }
    ++u;
  }
  *count = u;
  return p;
}

}  // namespace

ClassInfo::~ClassInfo() {
  const TypedMapping* m = typed_mappings.load(std::memory_order_acquire);
  while (m != nullptr) {
    const TypedMapping* next = m->next;
    delete m;
    m = next;
  }
}

// --- the per-thread class-definition cache -----------------------------------------------------
//
// A peer sends the same few class definitions in every message. Each thread keeps the ones it has
// parsed, keyed by their bytes (from 'C' through the last field name): a definition whose bytes
// are found again is not parsed again, and its typed field mappings are already computed. Found
// by a hash of the class name's first chunk (bytes that belong to the definition whatever follows
// it), confirmed by comparing all the definition's bytes.
//
// Entries live in generations of at most kClassDefGenerationSize definitions. A Reader pins (holds
// a reference to) each generation it takes definitions from; when the current generation is full
// the cache starts a new one and drops its reference to the old, which goes away with the last
// Reader using it. Reference counts are atomic because a Reader may be destroyed on another thread.
namespace internal {

constexpr size_t kClassDefGenerationSize = 256;
constexpr size_t kClassDefBuckets = 512;          // a power of two
constexpr size_t kMaxCachedClassDefBytes = 4096;  // longer ones stay with their Reader

struct CachedClassDef {
  std::string raw;  // the definition's bytes
  uint64_t hash = 0;
  int32_t next = -1;  // the next entry of the same bucket
  ClassInfo info;
};

struct ClassDefKey {
  size_t length = 0;  // bytes hashed; 0 when the bytes cannot start a cacheable definition
  uint64_t hash = 0;
};

inline uint64_t Mix(uint64_t h, uint64_t w) {
  h = (h ^ w) * 0x9E3779B97F4A7C15ull;
  return h ^ (h >> 29);
}

uint64_t HashBytes(const uint8_t* p, size_t n) {
  uint64_t h = Mix(0x6A09E667F3BCC909ull, n);
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = Mix(h, w);
  }
  if (n > 0) {
    uint64_t w = 0;
    std::memcpy(&w, p, n);
    h = Mix(h, w);
  }
  return h;
}

// The key of the definition starting at `p` ('C'): the hash of 'C' and the class name's first
// chunk (its header and as many bytes as it has UTF-16 units: every unit takes at least one byte,
// so they all belong to the definition).
ClassDefKey ClassDefKeyAt(const uint8_t* p, size_t avail) {
  if (avail < 2) return {};
  const uint8_t b = p[1];
  size_t header;
  size_t units;
  if (b <= 0x1f) {
    header = 1;
    units = b;
  } else if (b >= 0x30 && b <= 0x33) {
    if (avail < 3) return {};
    header = 2;
    units = (static_cast<size_t>(b - 0x30) << 8) | p[2];
  } else if (b == 'S' || b == 'R') {
    if (avail < 4) return {};
    header = 3;
    units = (static_cast<size_t>(p[2]) << 8) | p[3];
  } else {
    return {};
  }
  const size_t length = 1 + header + units;
  if (length > avail) return {};
  // The first 8 and the last 24 bytes: class names in a package differ at their end.
  if (length <= 32) return {length, HashBytes(p, length)};
  return {length, Mix(HashBytes(p, 8), HashBytes(p + length - 24, 24))};
}

struct ClassDefGeneration {
  ClassDefGeneration() {
    buckets.fill(-1);
    entries.reserve(kClassDefGenerationSize);
  }

  void Ref() { refs.fetch_add(1, std::memory_order_relaxed); }
  void Unref() {
    if (refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

  const CachedClassDef* Find(const ClassDefKey& key, const uint8_t* p, size_t avail) const {
    for (int32_t i = buckets[key.hash & (kClassDefBuckets - 1)]; i >= 0;) {
      const CachedClassDef& e = *entries[static_cast<size_t>(i)];
      if (e.hash == key.hash && e.raw.size() <= avail &&
          std::memcmp(e.raw.data(), p, e.raw.size()) == 0) {
        return &e;
      }
      i = e.next;
    }
    return nullptr;
  }
  bool full() const { return entries.size() >= kClassDefGenerationSize; }
  void Add(std::unique_ptr<CachedClassDef> e) {
    int32_t& head = buckets[e->hash & (kClassDefBuckets - 1)];
    e->next = head;
    head = static_cast<int32_t>(entries.size());
    entries.push_back(std::move(e));
  }
  const CachedClassDef* Last() const { return entries.back().get(); }

  std::atomic<uint32_t> refs{1};  // the cache's own, and one per Reader pinning it
  std::array<int32_t, kClassDefBuckets> buckets;
  std::vector<std::unique_ptr<CachedClassDef>> entries;
};

class ClassDefCache {
 public:
  ClassDefCache() = default;
  ClassDefCache(const ClassDefCache&) = delete;
  ClassDefCache& operator=(const ClassDefCache&) = delete;
  ~ClassDefCache() {
    if (current_ != nullptr) current_->Unref();
  }

  ClassDefGeneration* current() {
    if (current_ == nullptr) [[unlikely]]
      current_ = new ClassDefGeneration;
    return current_;
  }
  // Adds a definition to the current generation, first starting a new one when it is full.
  ClassDefGeneration* Insert(std::unique_ptr<CachedClassDef> e) {
    ClassDefGeneration* g = current();
    if (g->full()) {
      g->Unref();
      g = current_ = new ClassDefGeneration;
    }
    g->Add(std::move(e));
    return g;
  }

 private:
  ClassDefGeneration* current_ = nullptr;
};

ClassDefCache& ThreadClassDefCache() {
  thread_local ClassDefCache cache;
  return cache;
}

}  // namespace internal

Reader::Reader(std::string_view input, ReaderLimits limits)
    : input_(input), end_(input.size()), limits_(limits), pending_return_(kNone) {
  replay_budget_ = input.size() * limits.replay_factor + limits.replay_floor;
}

Reader::~Reader() {
  for (internal::ClassDefGeneration* g : pinned_) g->Unref();
}

void Reader::FailAt(size_t offset, std::string_view what) {
  if (!status_.ok()) return;
  std::string m = "hessian2: ";
  m += what;
  m += " at offset ";
  m += std::to_string(offset);
  status_ = Status(StatusCode::kDecodeError, std::move(m));
  pos_ = end_;
}

void Reader::FailExpected(size_t offset, std::string_view expected, uint8_t lead) {
  bool valid = false;
  const Value::Kind k = KindOfLead(lead, &valid);
  std::string m = "expected ";
  m += expected;
  m += ", found ";
  if (valid) {
    m += KindName(k);
    m += " (";
    m += HexByte(lead);
    m += ")";
  } else {
    m += "invalid byte " + HexByte(lead);
  }
  FailAt(offset, m);
}

namespace {
// Need()'s failure, kept out of line so the check itself inlines into its callers.
[[gnu::cold, gnu::noinline]] void FailNeed(Reader& r, size_t n, std::string_view what) {
  r.Fail("unexpected end of input: " + std::string(what) + " needs " + std::to_string(n) +
         " bytes, " + std::to_string(r.remaining()) + " left");
}
}  // namespace

bool Reader::Need(size_t n, std::string_view what) {
  if (ok() && end_ - pos_ >= n) [[likely]]
    return true;
  if (ok()) FailNeed(*this, n, what);
  return false;
}

Value::Kind Reader::PeekKindSlow() {
  while (ok() && pos_ < end_) {
    const uint8_t b = PeekByte();
    if (b == 'C') {
      if (!ReadClassDef()) return Value::Kind::kNull;
      continue;
    }
    bool valid = false;
    const Value::Kind k = KindOfLead(b, &valid);
    if (!valid) {
      FailAt(pos_, b == 'Z' ? std::string("unexpected end marker 'Z'")
                            : "unknown lead byte " + HexByte(b));
      return Value::Kind::kNull;
    }
    return k;
  }
  return Value::Kind::kNull;
}

bool Reader::ReadNullIf() {
  if (PeekKind() == Value::Kind::kNull && ok() && pos_ < end_) {
    ++pos_;
    return true;
  }
  return false;
}

bool Reader::ReadNumber(Number* n, std::string_view expected) {
  const Value::Kind kind = PeekKind();
  if (!ok()) return false;
  if (pos_ >= end_) {
    FailAt(pos_, "unexpected end of input, expected " + std::string(expected));
    return false;
  }
  const size_t at = pos_;
  const uint8_t b = NextByte();
  auto need = [&](size_t k) { return Need(k, expected); };
  n->kind = Number::kInt;
  switch (kind) {
    case Value::Kind::kNull:
      n->i = 0;
      return true;  // Java reads null as 0
    case Value::Kind::kBool:
      n->i = b == 'T' ? 1 : 0;
      return true;
    case Value::Kind::kInt:
      if (b == 'I') {
        if (!need(4)) return false;
        n->i = static_cast<int32_t>(ReadU32());
      } else if (b <= 0xbf) {
        n->i = static_cast<int64_t>(b) - 0x90;
      } else if (b <= 0xcf) {
        if (!need(1)) return false;
        n->i = (static_cast<int64_t>(b) - 0xc8) * 256 + NextByte();
      } else {
        if (!need(2)) return false;
        n->i = (static_cast<int64_t>(b) - 0xd4) * 65536 + ReadU16();
      }
      return true;
    case Value::Kind::kLong:
      n->kind = Number::kLong;
      if (b == 'L') {
        if (!need(8)) return false;
        n->i = static_cast<int64_t>(ReadU64());
      } else if (b >= 0xd8 && b <= 0xef) {
        n->i = static_cast<int64_t>(b) - 0xe0;
      } else if (b >= 0xf0) {
        if (!need(1)) return false;
        n->i = (static_cast<int64_t>(b) - 0xf8) * 256 + NextByte();
      } else if (b >= 0x38 && b <= 0x3f) {
        if (!need(2)) return false;
        n->i = (static_cast<int64_t>(b) - 0x3c) * 65536 + ReadU16();
      } else {  // 0x59: an int32 that is a long
        if (!need(4)) return false;
        n->i = static_cast<int32_t>(ReadU32());
      }
      return true;
    case Value::Kind::kDouble:
      n->kind = Number::kDouble;
      switch (b) {
        case 0x5b:
          n->d = 0.0;
          return true;
        case 0x5c:
          n->d = 1.0;
          return true;
        case 0x5d:
          if (!need(1)) return false;
          n->d = static_cast<int8_t>(NextByte());
          return true;
        case 0x5e:
          if (!need(2)) return false;
          n->d = static_cast<int16_t>(ReadU16());
          return true;
        case 0x5f:  // milli-units in an int32, as every real implementation writes it
          if (!need(4)) return false;
          n->d = 0.001 * static_cast<double>(static_cast<int32_t>(ReadU32()));
          return true;
        default: {  // 'D'
          if (!need(8)) return false;
          const uint64_t bits = ReadU64();
          std::memcpy(&n->d, &bits, sizeof bits);
          return true;
        }
      }
    default:
      FailExpected(at, expected, b);
      return false;
  }
}

bool Reader::ReadBool() {
  Number n{};
  if (!ReadNumber(&n, "bool")) return false;
  return n.kind == Number::kDouble ? n.d != 0 : n.i != 0;
}

int32_t Reader::ReadIntSlow() {
  Number n{};
  if (!ReadNumber(&n, "int")) return 0;
  return n.kind == Number::kDouble ? JavaCast<int32_t>(n.d) : static_cast<int32_t>(n.i);
}

int64_t Reader::ReadLongSlow() {
  Number n{};
  if (!ReadNumber(&n, "long")) return 0;
  return n.kind == Number::kDouble ? JavaCast<int64_t>(n.d) : n.i;
}

double Reader::ReadDouble() {
  Number n{};
  if (!ReadNumber(&n, "double")) return 0;
  return n.kind == Number::kDouble ? n.d : static_cast<double>(n.i);
}

int64_t Reader::ReadDate() {
  const Value::Kind kind = PeekKind();
  if (!ok()) return 0;
  if (pos_ >= end_) {
    FailAt(pos_, "unexpected end of input, expected date");
    return 0;
  }
  const size_t at = pos_;
  const uint8_t b = NextByte();
  if (b == 0x4a) {
    if (!Need(8, "date")) return 0;
    return static_cast<int64_t>(ReadU64());
  }
  if (b == 0x4b) {
    if (!Need(4, "date")) return 0;
    return static_cast<int64_t>(static_cast<int32_t>(ReadU32())) * 60000;
  }
  if (kind == Value::Kind::kNull) return 0;
  FailExpected(at, "date", b);
  return 0;
}

int64_t Reader::ReadIntForm(std::string_view what) {
  if (!ok()) return 0;
  if (pos_ >= end_) {
    FailAt(pos_, "unexpected end of input, expected " + std::string(what));
    return 0;
  }
  if (!IsIntLead(PeekByte())) {
    FailExpected(pos_, what, PeekByte());
    return 0;
  }
  Number n{};
  return ReadNumber(&n, what) ? n.i : 0;
}

bool Reader::AppendChars(size_t units, std::string* out, uint32_t* pending_high) {
  if (units > end_ - pos_) {  // every unit takes at least one byte
    FailAt(pos_, "string chunk of " + std::to_string(units) + " characters exceeds the " +
                     std::to_string(end_ - pos_) + " bytes left");
    return false;
  }
  const auto* base = reinterpret_cast<const uint8_t*>(input_.data());
  if (*pending_high == 0 && internal::AllAscii(base + pos_, units)) {
    out->append(input_.data() + pos_, units);
    pos_ += units;
    return true;
  }
  const auto* in = reinterpret_cast<const uint8_t*>(input_.data());
  size_t u = 0;
  while (u < units) {
    // Fast path: a run of characters whose Hessian bytes are already their UTF-8 bytes (ASCII and
    // shortest-form 2- and 3-byte sequences outside the surrogates) is copied in one append.
    // Anything else, including malformed input, is left to the character-by-character code below.
    if (*pending_high == 0) {
      const uint8_t* const start = in + pos_;
      size_t run = 0;
      const uint8_t* p = ScanVerbatimRun(start, in + end_, units - u, &run);
      u += run;
      pos_ = static_cast<size_t>(p - in);
      if (p > start)
        out->append(reinterpret_cast<const char*>(start), static_cast<size_t>(p - start));
      if (u >= units) break;
    }
    if (!Need(1, "string character")) return false;
    const size_t at = pos_;
    const uint8_t b = NextByte();
    uint32_t cp;
    size_t width = 1;  // UTF-16 units consumed
    if (b < 0x80) {
      cp = b;
    } else if ((b & 0xE0) == 0xC0) {
      if (!Need(1, "string character") || (PeekByte() & 0xC0) != 0x80) {
        FailAt(at, "bad UTF-8 sequence in string");
        return false;
      }
      cp = ((b & 0x1Fu) << 6) | (NextByte() & 0x3Fu);
    } else if ((b & 0xF0) == 0xE0) {
      if (!Need(2, "string character") || (PeekByte() & 0xC0) != 0x80 ||
          (static_cast<uint8_t>(input_[pos_ + 1]) & 0xC0) != 0x80) {
        FailAt(at, "bad UTF-8 sequence in string");
        return false;
      }
      cp = ((b & 0x0Fu) << 12) | ((NextByte() & 0x3Fu) << 6);
      cp |= NextByte() & 0x3Fu;
    } else if ((b & 0xF8) == 0xF0) {
      // Plain 4-byte UTF-8 (Java rejects it; some writers send it): one code point. It is counted
      // as one unit, as the writers that produce it count code points.
      if (!Need(3, "string character") || (PeekByte() & 0xC0) != 0x80 ||
          (static_cast<uint8_t>(input_[pos_ + 1]) & 0xC0) != 0x80 ||
          (static_cast<uint8_t>(input_[pos_ + 2]) & 0xC0) != 0x80) {
        FailAt(at, "bad UTF-8 sequence in string");
        return false;
      }
      cp = ((b & 0x07u) << 18) | ((NextByte() & 0x3Fu) << 12);
      cp |= (NextByte() & 0x3Fu) << 6;
      cp |= NextByte() & 0x3Fu;
      if (cp > 0x10FFFF) {
        FailAt(at, "bad UTF-8 sequence in string");
        return false;
      }
    } else {
      FailAt(at, "bad UTF-8 lead byte " + HexByte(b) + " in string");
      return false;
    }
    u += width;
    if (*pending_high != 0) {
      const uint32_t high = *pending_high;
      *pending_high = 0;
      if (cp >= 0xDC00 && cp <= 0xDFFF) {
        PutUtf8(out, 0x10000 + ((high - 0xD800) << 10) + (cp - 0xDC00));
        continue;
      }
      PutUtf8(out, high);
    }
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      *pending_high = cp;  // joined with a low surrogate that may sit in the next chunk
      continue;
    }
    PutUtf8(out, cp);
  }
  return true;
}

bool Reader::ReadStringChunks(std::string* out) {
  uint32_t pending_high = 0;
  bool first = true;
  while (true) {
    if (!Need(1, "string")) return false;
    const size_t at = pos_;
    const uint8_t b = NextByte();
    size_t units;
    bool final = true;
    if (b <= 0x1f) {
      units = b;
    } else if (b >= 0x30 && b <= 0x33) {
      if (!Need(1, "string length")) return false;
      units = (static_cast<size_t>(b - 0x30) << 8) | NextByte();
    } else if (b == 'S' || b == 'R') {
      if (!Need(2, "string length")) return false;
      units = ReadU16();
      final = b == 'S';
    } else {
      FailExpected(at, first ? "string" : "string chunk", b);
      return false;
    }
    // A string in several chunks gets room for its first chunk up front. A single chunk is
    // appended in one piece when it is ASCII, in runs otherwise: reserving its character count
    // would only be too small for its UTF-8 bytes.
    if (first && !final && units <= end_ - pos_) out->reserve(units);
    first = false;
    if (!AppendChars(units, out, &pending_high)) return false;
    if (final) break;
  }
  if (pending_high != 0) PutUtf8(out, pending_high);
  return true;
}

bool Reader::ReadStringSlow(std::string* out) {
  out->clear();
  const Value::Kind kind = PeekKind();
  if (!ok()) return false;
  if (pos_ >= end_) {
    FailAt(pos_, "unexpected end of input, expected string");
    return false;
  }
  if (kind == Value::Kind::kNull) {
    ++pos_;
    return false;
  }
  if (kind != Value::Kind::kString) {
    FailExpected(pos_, "string", PeekByte());
    return false;
  }
  return ReadStringChunks(out);
}

bool Reader::ReadStringNoDefs(std::string* out, std::string_view what) {
  out->clear();
  if (!Need(1, what)) return false;
  if (!IsStringLead(PeekByte())) {
    FailExpected(pos_, what, PeekByte());
    return false;
  }
  return ReadStringChunks(out);
}

bool Reader::ReadBinary(Binary* out) {
  out->clear();
  const Value::Kind kind = PeekKind();
  if (!ok()) return false;
  if (pos_ >= end_) {
    FailAt(pos_, "unexpected end of input, expected binary");
    return false;
  }
  if (kind == Value::Kind::kNull) {
    ++pos_;
    return false;
  }
  while (true) {
    const size_t at = pos_;
    if (!Need(1, "binary")) return false;
    const uint8_t b = NextByte();
    size_t len;
    bool final = true;
    if (b >= 0x20 && b <= 0x2f) {
      len = b - 0x20u;
    } else if (b >= 0x34 && b <= 0x37) {
      if (!Need(1, "binary length")) return false;
      len = (static_cast<size_t>(b - 0x34) << 8) | NextByte();
    } else if (b == 'B' || b == 'A') {
      if (!Need(2, "binary length")) return false;
      len = ReadU16();
      final = b == 'B';
    } else {
      FailExpected(at, out->empty() ? "binary" : "binary chunk", b);
      return false;
    }
    if (!Need(len, "binary chunk")) return false;
    out->insert(out->end(), input_.data() + pos_, input_.data() + pos_ + len);
    pos_ += len;
    if (final) return true;
  }
}

bool Reader::ParseClassDef(ClassInfo* info) {
  const size_t at = pos_;
  ++pos_;  // 'C'
  if (!ReadStringNoDefs(&info->name, "class name")) return false;
  const int64_t n = ReadIntForm("class definition field count");
  if (!ok()) return false;
  if (n < 0 || static_cast<uint64_t>(n) > end_ - pos_) {
    FailAt(at, "class definition of " + info->name + " declares " + std::to_string(n) +
                   " fields, more than the input holds");
    return false;
  }
  info->fields.resize(static_cast<size_t>(n));
  for (auto& f : info->fields)
    if (!ReadStringNoDefs(&f, "field name")) return false;
  return true;
}

bool Reader::ReadClassDef() {
  const auto* in = reinterpret_cast<const uint8_t*>(input_.data());
  const size_t at = pos_;
  internal::ClassDefCache& cache = internal::ThreadClassDefCache();
  const internal::ClassDefKey key = internal::ClassDefKeyAt(in + at, end_ - at);
  if (key.length != 0) {
    internal::ClassDefGeneration* generation = cache.current();
    if (const internal::CachedClassDef* hit = generation->Find(key, in + at, end_ - at)) {
      // The same bytes parse to the same definition, and cannot fail: every check the parser
      // makes is satisfied by the bytes of a definition that parsed before.
      pos_ = at + hit->raw.size();
      if (replay_depth_ == 0) {
        Pin(generation);
        classes_.push_back(&hit->info);
      }
      return true;
    }
  }
  auto entry = std::make_unique<internal::CachedClassDef>();
  if (!ParseClassDef(&entry->info)) return false;
  if (replay_depth_ != 0) return true;
  if (key.length == 0 || pos_ - at > internal::kMaxCachedClassDefBytes) {
    classes_.push_back(&entry->info);
    own_classes_.push_back(std::move(entry));
    return true;
  }
  entry->raw.assign(input_.data() + at, pos_ - at);
  entry->hash = key.hash;
  internal::ClassDefGeneration* generation = cache.Insert(std::move(entry));
  Pin(generation);
  classes_.push_back(&generation->Last()->info);
  return true;
}

void Reader::Pin(internal::ClassDefGeneration* generation) {
  // Definitions are only looked up in and added to the thread's current generation, which only
  // ever moves on to a new one: a generation this Reader pinned before `generation` is older.
  if (!pinned_.empty() && pinned_.back() == generation) return;
  generation->Ref();
  pinned_.push_back(generation);
}

bool Reader::ReadTypeName(std::string* out) {
  if (!Need(1, "type")) return false;
  const uint8_t b = PeekByte();
  if (IsStringLead(b)) {
    if (!ReadStringChunks(out)) return false;
    if (replay_depth_ == 0) types_.push_back(*out);
    return true;
  }
  if (IsIntLead(b)) {
    const size_t at = pos_;
    const int64_t index = ReadIntForm("type reference");
    if (!ok()) return false;
    if (index < 0 || static_cast<uint64_t>(index) >= types_.size()) {
      FailAt(at, "type reference " + std::to_string(index) + " out of range (" +
                     std::to_string(types_.size()) + " types defined)");
      return false;
    }
    *out = types_[static_cast<size_t>(index)];
    return true;
  }
  FailExpected(pos_, "type name or type reference", b);
  return false;
}

uint32_t Reader::TakeReplaySlot(size_t lead_offset) {
  // A replay re-walks containers that were numbered when first read; it cannot find more.
  if (replay_next_ >= slots_.size()) {
    FailAt(lead_offset, "reference replay went past the containers read so far");
    return 0;
  }
  return replay_next_++;
}

void Reader::FailTooDeep() {
  FailAt(pos_, "nesting deeper than " + std::to_string(limits_.max_depth) + " levels");
}

bool Reader::FollowRef(std::string_view expected) {
  const size_t at = pos_;
  ++pos_;  // 0x51
  const int64_t index = ReadIntForm("reference index");
  if (!ok()) return false;
  if (index < 0 || static_cast<uint64_t>(index) >= slots_.size()) {
    FailAt(at, "reference " + std::to_string(index) + " out of range (" +
                   std::to_string(slots_.size()) + " containers read so far)");
    return false;
  }
  const Slot& slot = slots_[static_cast<size_t>(index)];
  if (slot.open) {
    FailAt(at, "reference " + std::to_string(index) + " points into a " + std::string(expected) +
                   " that is still being read (a cycle), which a typed value cannot hold");
    return false;
  }
  pending_return_ = pos_;
  pending_saved_next_ = replay_next_;
  replay_next_ = static_cast<uint32_t>(index);
  ++replay_depth_;
  pos_ = slot.offset;
  return true;
}

bool Reader::BeginList(std::string* type, int64_t* length) {
  // Fast path: an untyped fixed-length list (0x78-0x7f, or 'X' with a one-byte length) outside a
  // replay, with room for its frame. Anything else, including every error, takes the general path.
  if (pos_ < end_ && ok() && replay_depth_ == 0 && frames_.size() < limits_.max_depth) {
    const uint8_t b = PeekByte();
    int64_t n = -1;
    size_t header = 0;
    if (b >= 0x78 && b <= 0x7f) {
      n = b - 0x78;
      header = 1;
    } else if (b == 0x58 && end_ - pos_ >= 2 && ByteAt(pos_ + 1) >= 0x90 &&
               ByteAt(pos_ + 1) <= 0xbf) {
      n = ByteAt(pos_ + 1) - 0x90;
      header = 2;
    }
    if (header != 0 && static_cast<uint64_t>(n) <= end_ - pos_ - header) {
      type->clear();
      *length = n;
      const size_t at = pos_;
      pos_ += header;
      PushFrame(FrameKind::kFixedList, n, TakeSlot(at));
      return true;
    }
  }
  return BeginListSlow(type, length);
}

bool Reader::BeginListSlow(std::string* type, int64_t* length) {
  type->clear();
  *length = 0;
  Value::Kind kind = PeekKind();
  if (!ok()) return false;
  if (pos_ >= end_) {
    FailAt(pos_, "unexpected end of input, expected list");
    return false;
  }
  if (kind == Value::Kind::kNull) {
    ++pos_;
    return false;
  }
  if (kind == Value::Kind::kRef && !FollowRef("list")) return false;
  const size_t at = pos_;
  const uint8_t b = NextByte();
  bool fixed = true;
  int64_t n = 0;
  if (b == 0x55) {
    if (!ReadTypeName(type)) return false;
    fixed = false;
  } else if (b == 0x56) {
    if (!ReadTypeName(type)) return false;
    n = ReadIntForm("list length");
  } else if (b == 0x57) {
    fixed = false;
  } else if (b == 0x58) {
    n = ReadIntForm("list length");
  } else if (b >= 0x70 && b <= 0x77) {
    if (!ReadTypeName(type)) return false;
    n = b - 0x70;
  } else if (b >= 0x78 && b <= 0x7f) {
    n = b - 0x78;
  } else {
    FailExpected(at, "list", b);
    return false;
  }
  if (!ok()) return false;
  if (fixed && (n < 0 || static_cast<uint64_t>(n) > end_ - pos_)) {
    FailAt(at, "list length " + std::to_string(n) + " exceeds the " + std::to_string(end_ - pos_) +
                   " bytes left");
    return false;
  }
  *length = fixed ? n : -1;
  return PushFrame(fixed ? FrameKind::kFixedList : FrameKind::kVarList, n, TakeSlot(at));
}

bool Reader::BeginMap(std::string* type) {
  type->clear();
  const Value::Kind kind = PeekKind();
  if (!ok()) return false;
  if (pos_ >= end_) {
    FailAt(pos_, "unexpected end of input, expected map");
    return false;
  }
  if (kind == Value::Kind::kNull) {
    ++pos_;
    return false;
  }
  if (kind == Value::Kind::kRef && !FollowRef("map")) return false;
  const size_t at = pos_;
  const uint8_t b = NextByte();
  if (b == 'M') {
    if (!ReadTypeName(type)) return false;
  } else if (b != 'H') {
    FailExpected(at, "map", b);
    return false;
  }
  return PushFrame(FrameKind::kMap, -1, TakeSlot(at));
}

const ClassInfo* Reader::BeginObject(uint32_t* slot, bool* map_form) {
  // Fast path: a compact object header (0x60-0x6f) naming a defined class, outside a replay, with
  // room for its frame. Anything else, including every error, takes the general path.
  if (pos_ < end_ && ok() && PeekByte() == 'C') PeekKind();  // the definitions in front of it
  if (pos_ < end_ && ok() && replay_depth_ == 0 && frames_.size() < limits_.max_depth) {
    const uint8_t b = PeekByte();
    const size_t index = static_cast<size_t>(b) - 0x60;
    if (index <= 0xf && index < classes_.size()) {
      *map_form = false;
      const ClassInfo* def = classes_[index];
      *slot = TakeSlot(pos_);
      ++pos_;
      PushFrame(FrameKind::kObject, static_cast<int64_t>(def->fields.size()), *slot);
      return def;
    }
  }
  return BeginObjectSlow(slot, map_form);
}

const ClassInfo* Reader::BeginObjectSlow(uint32_t* slot, bool* map_form) {
  *map_form = false;
  const Value::Kind kind = PeekKind();
  if (!ok()) return nullptr;
  if (pos_ >= end_) {
    FailAt(pos_, "unexpected end of input, expected object");
    return nullptr;
  }
  if (kind == Value::Kind::kNull) {
    ++pos_;
    return nullptr;
  }
  if (kind == Value::Kind::kRef && !FollowRef("object")) return nullptr;
  const size_t at = pos_;
  const uint8_t b = NextByte();
  if (b == 'H' || b == 'M') {
    std::string type;
    if (b == 'M' && !ReadTypeName(&type)) return nullptr;
    *slot = TakeSlot(at);
    *map_form = PushFrame(FrameKind::kMap, -1, *slot);
    return nullptr;
  }
  int64_t index;
  if (b == 'O') {
    index = ReadIntForm("class definition index");
    if (!ok()) return nullptr;
  } else if (b >= 0x60 && b <= 0x6f) {
    index = b - 0x60;
  } else {
    FailExpected(at, "object", b);
    return nullptr;
  }
  if (index < 0 || static_cast<uint64_t>(index) >= classes_.size()) {
    FailAt(at, "object refers to class definition " + std::to_string(index) + " but " +
                   std::to_string(classes_.size()) + " are defined");
    return nullptr;
  }
  *slot = TakeSlot(at);
  const ClassInfo* def = classes_[static_cast<size_t>(index)];
  if (!PushFrame(FrameKind::kObject, static_cast<int64_t>(def->fields.size()), *slot))
    return nullptr;
  return def;
}

void Reader::FailUnterminated(FrameKind kind) {
  FailAt(pos_, std::string("unexpected end of input inside a ") +
                   (kind == FrameKind::kMap ? "map" : "list") + " (no 'Z')");
}

void Reader::EndSlow(const Frame& f) {
  if (f.kind == FrameKind::kVarList || f.kind == FrameKind::kMap) {
    if (!Need(1, "end marker 'Z'")) return;
    if (PeekByte() != 'Z') {
      FailExpected(pos_, "end marker 'Z'", PeekByte());
      return;
    }
    ++pos_;
  }
  if (replay_depth_ == 0) slots_[f.slot].open = false;
  if (f.return_offset != kNone) {
    replay_bytes_ += pos_ - slots_[f.slot].offset;
    if (replay_bytes_ > replay_budget_) {
      FailAt(pos_,
             "back-references expand to more than " + std::to_string(replay_budget_) + " bytes");
      return;
    }
    pos_ = f.return_offset;
    --replay_depth_;
    replay_next_ = f.saved_replay_next;
  }
}

bool Reader::ReadRefTo(uint32_t slot) {
  if (PeekKind() != Value::Kind::kRef || !ok() || pos_ >= end_) return false;
  const size_t save = pos_;
  ++pos_;
  const int64_t index = ReadIntForm("reference index");
  if (ok() && index == slot) return true;
  if (ok()) pos_ = save;
  return false;
}

template <bool kBuild>
void Reader::ReadAny(Value* out) {
  const Value::Kind kind = PeekKind();
  if (!ok()) return;
  if (pos_ >= end_) {
    FailAt(pos_, "unexpected end of input, expected a value");
    return;
  }
  switch (kind) {
    case Value::Kind::kNull:
      ++pos_;
      if (kBuild) *out = Value();
      return;
    case Value::Kind::kBool: {
      const bool v = NextByte() == 'T';
      if (kBuild) *out = Value::Bool(v);
      return;
    }
    case Value::Kind::kInt: {
      const int32_t v = ReadInt();
      if (kBuild) *out = Value::Int(v);
      return;
    }
    case Value::Kind::kLong: {
      const int64_t v = ReadLong();
      if (kBuild) *out = Value::Long(v);
      return;
    }
    case Value::Kind::kDouble: {
      const double v = ReadDouble();
      if (kBuild) *out = Value::Double(v);
      return;
    }
    case Value::Kind::kDate: {
      const int64_t v = ReadDate();
      if (kBuild) *out = Value::FromDate(v);
      return;
    }
    case Value::Kind::kString:
      if (kBuild) {
        std::string s;
        ReadStringChunks(&s);
        *out = Value::String(std::move(s));
      } else {
        ReadStringChunks(&scratch_);
        scratch_.clear();
      }
      return;
    case Value::Kind::kBinary: {
      Binary b;
      ReadBinary(&b);
      if (kBuild) *out = Value::FromBinary(std::move(b));
      return;
    }
    case Value::Kind::kRef: {
      const size_t at = pos_;
      ++pos_;
      const int64_t index = ReadIntForm("reference index");
      if (!ok()) return;
      // A reference to a container still open is legal: that is how cycles are written.
      if (index < 0 || static_cast<uint64_t>(index) >= slots_.size()) {
        FailAt(at, "reference " + std::to_string(index) + " out of range (" +
                       std::to_string(slots_.size()) + " containers read so far)");
        return;
      }
      if (kBuild) *out = Value::FromRef(static_cast<uint32_t>(index));
      return;
    }
    case Value::Kind::kList: {
      List list;
      int64_t length = 0;
      if (!BeginList(&list.type, &length)) return;
      if (kBuild && length > 0) list.items.reserve(static_cast<size_t>(length));
      while (HasMore()) {
        if (kBuild) {
          ReadAny<true>(&list.items.emplace_back());
        } else {
          ReadAny<false>(nullptr);
        }
      }
      End();
      if (kBuild) *out = Value::FromList(std::move(list));
      return;
    }
    case Value::Kind::kMap: {
      Map map;
      if (!BeginMap(&map.type)) return;
      while (HasMore()) {
        if (kBuild) {
          auto& entry = map.entries.emplace_back();
          ReadAny<true>(&entry.first);
          ReadAny<true>(&entry.second);
        } else {
          ReadAny<false>(nullptr);
          ReadAny<false>(nullptr);
        }
      }
      End();
      if (kBuild) *out = Value::FromMap(std::move(map));
      return;
    }
    case Value::Kind::kObject: {
      uint32_t slot = 0;
      bool map_form = false;
      const ClassInfo* def = BeginObject(&slot, &map_form);
      if (def == nullptr) return;
      Object obj;
      if (kBuild) {
        obj.class_name = def->name;
        obj.fields.reserve(def->fields.size());
      }
      for (const std::string& field : def->fields) {
        if (kBuild) {
          ReadAny<true>(&obj.fields.emplace_back(field, Value()).second);
        } else {
          ReadAny<false>(nullptr);
        }
      }
      End();
      if (kBuild) *out = Value::FromObject(std::move(obj));
      return;
    }
  }
}

void Reader::ReadValue(Value* out) { ReadAny<true>(out); }
void Reader::Skip() { ReadAny<false>(nullptr); }

}  // namespace dubbo::hessian2

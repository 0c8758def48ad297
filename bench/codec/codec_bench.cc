// Codec microbenchmark: dubbo-benchmark's User and Page<User> (bench_data.h) through
//   hessian2       dubbo-cpp's typed Hessian 2 codec (codec/hessian2/codec.h)
//   msgpack        dubbo-cpp's typed MessagePack codec (codec/msgpack/codec.h)
//   msgpack-cxx    msgpack-cxx's own object model on the same structs (MSGPACK_DEFINE_MAP), the
//                  baseline: pack; unpack into a zone + convert
// each as encode, decode and encode+decode. Benchmarks are named "<shape>/<codec>/<op>"; the
// counter "bytes" is the encoded size. scripts/bench-codec runs this and hessianjs_bench.js and
// prints the table of bench/README.md.
//
// Steady state, as one connection sees it: every message gets a fresh Writer/Reader/Packer (they
// are per message by design) over an output string that is cleared, not reallocated; msgpack-cxx
// reuses one zone (cleared per message) and, like dubbo-cpp's msgpack Reader, lets strings point
// into the input. Each decode produces a fresh value, as a call hands its result to the caller.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "bench/codec/bench_data.h"
#include "codec/hessian2/codec.h"
#include "codec/msgpack/codec.h"

namespace dubbo::bench {
namespace {

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "codec_bench: %s\n", what.c_str());
  std::exit(1);
}

// --- one codec each: Encode appends to a cleared buffer, Decode returns a fresh value ------------

struct Hessian2 {
  template <typename T>
  static void Encode(const T& v, std::string* out) {
    out->clear();
    hessian2::Writer w(out);
    hessian2::Write(w, v);
  }
  template <typename T>
  static bool Decode(std::string_view bytes, T* v) {
    hessian2::Reader r(bytes);
    hessian2::Read(r, v);
    return r.ok() && r.AtEnd();
  }
};

struct Msgpack {
  template <typename T>
  static void Encode(const T& v, std::string* out) {
    out->clear();
    msgpack::Packer p(out);
    msgpack::Write(p, v);
  }
  template <typename T>
  static bool Decode(std::string_view bytes, T* v) {
    msgpack::Reader r(bytes);
    const ::msgpack::object* o = r.Next();
    if (o == nullptr) return false;
    msgpack::Read(r, *o, v);
    return r.ok() && r.AtEnd();
  }
};

struct MsgpackCxx {
  struct Sink {  // msgpack-cxx writes through any type with write(const char*, size_t)
    std::string* out;
    void write(const char* data, size_t size) { out->append(data, size); }
  };
  static bool Borrow(::msgpack::type::object_type, size_t, void*) { return true; }

  template <typename T>
  static void Encode(const T& v, std::string* out) {
    out->clear();
    Sink sink{out};
    ::msgpack::pack(sink, v);
  }
  template <typename T>
  static bool Decode(std::string_view bytes, T* v) {
    static thread_local ::msgpack::zone zone;
    zone.clear();
    size_t off = 0;
    try {
      const ::msgpack::object o = ::msgpack::unpack(zone, bytes.data(), bytes.size(), off, &Borrow);
      o.convert(*v);
    } catch (const std::exception&) {
      return false;
    }
    return off == bytes.size();
  }
};

// --- the three operations
// --------------------------------------------------------------------------

template <typename Codec, typename T>
void BM_Encode(benchmark::State& state, const T* value) {
  std::string out;
  Codec::Encode(*value, &out);  // sizes the buffer once; later messages reuse it
  for (auto _ : state) {
    Codec::Encode(*value, &out);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.counters["bytes"] = static_cast<double>(out.size());
}

template <typename Codec, typename T>
void BM_Decode(benchmark::State& state, const T* value) {
  std::string bytes;
  Codec::Encode(*value, &bytes);
  for (auto _ : state) {
    T v{};
    if (!Codec::Decode(std::string_view(bytes), &v)) {
      state.SkipWithError("decode failed");
      break;
    }
    benchmark::DoNotOptimize(v);
  }
  state.counters["bytes"] = static_cast<double>(bytes.size());
}

template <typename Codec, typename T>
void BM_EncodeDecode(benchmark::State& state, const T* value) {
  std::string out;
  Codec::Encode(*value, &out);
  for (auto _ : state) {
    Codec::Encode(*value, &out);
    T v{};
    if (!Codec::Decode(std::string_view(out), &v)) {
      state.SkipWithError("decode failed");
      break;
    }
    benchmark::DoNotOptimize(v);
  }
  state.counters["bytes"] = static_cast<double>(out.size());
}

// --- checks before timing anything: every codec round-trips the data
// ------------------------------

bool Same(const LocalDate& a, const LocalDate& b) {
  return a.year == b.year && a.month == b.month && a.day == b.day;
}
bool Same(const LocalDateTime& a, const LocalDateTime& b) {
  return Same(a.date, b.date) && a.time.hour == b.time.hour && a.time.minute == b.time.minute &&
         a.time.second == b.time.second && a.time.nano == b.time.nano;
}
bool Same(const User& a, const User& b) {
  return a.id == b.id && a.name == b.name && a.sex == b.sex && Same(a.birthday, b.birthday) &&
         a.email == b.email && a.mobile == b.mobile && a.address == b.address && a.icon == b.icon &&
         a.permissions == b.permissions && a.status == b.status &&
         Same(a.createTime, b.createTime) && Same(a.updateTime, b.updateTime);
}
bool Same(const Page& a, const Page& b) {
  if (a.pageNo != b.pageNo || a.total != b.total || a.result.size() != b.result.size())
    return false;
  for (size_t i = 0; i < a.result.size(); ++i)
    if (!Same(a.result[i], b.result[i])) return false;
  return true;
}

template <typename Codec, typename T>
std::string CheckRoundTrip(const char* name, const T& value) {
  std::string bytes;
  Codec::Encode(value, &bytes);
  T back{};
  if (!Codec::Decode(std::string_view(bytes), &back) || !Same(value, back))
    Die(std::string(name) + " does not round-trip");
  return bytes;
}

template <typename T>
void CheckShape(const char* shape, const T& value) {
  CheckRoundTrip<Hessian2>(shape, value);
  const std::string ours = CheckRoundTrip<Msgpack>(shape, value);
  const std::string theirs = CheckRoundTrip<MsgpackCxx>(shape, value);
  if (ours != theirs) Die(std::string(shape) + ": dubbo-cpp and msgpack-cxx encode differently");
}

// iterations > 0 fixes the iteration count (for profiling: one run, a known number of messages).
template <typename T>
void Register(const char* shape, const T* value, int64_t iterations) {
  auto add = [&](const char* codec, const char* op, auto fn) {
    auto* b = benchmark::RegisterBenchmark((std::string(shape) + "/" + codec + "/" + op).c_str(),
                                           fn, value);
    if (iterations > 0) b->Iterations(iterations);
  };
  add("hessian2", "encode", BM_Encode<Hessian2, T>);
  add("hessian2", "decode", BM_Decode<Hessian2, T>);
  add("hessian2", "encode_decode", BM_EncodeDecode<Hessian2, T>);
  add("msgpack", "encode", BM_Encode<Msgpack, T>);
  add("msgpack", "decode", BM_Decode<Msgpack, T>);
  add("msgpack", "encode_decode", BM_EncodeDecode<Msgpack, T>);
  add("msgpack-cxx", "encode", BM_Encode<MsgpackCxx, T>);
  add("msgpack-cxx", "decode", BM_Decode<MsgpackCxx, T>);
  add("msgpack-cxx", "encode_decode", BM_EncodeDecode<MsgpackCxx, T>);
}

}  // namespace
}  // namespace dubbo::bench

int main(int argc, char** argv) {
  using namespace dubbo::bench;
  static const User user = MakeUser(123456);  // getUser(id)
  static const Page page = MakePage(4321);    // listUser(pageNo)
  CheckShape("User", user);
  CheckShape("Page", page);

  // Own flags, removed before Google Benchmark sees the rest:
  //   --dump-hex      print the Hessian bytes of each shape (compare: hessianjs_bench.js --hex)
  //   --iterations=N  run each benchmark exactly N iterations, once (for callgrind)
  int64_t iterations = 0;
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg(argv[i]);
    if (arg.starts_with("--iterations=")) {
      iterations = std::atoll(argv[i] + std::strlen("--iterations="));
      continue;
    }
    argv[kept++] = argv[i];
    if (arg == "--dump-hex") {
      for (const auto& [shape, bytes] : {std::pair{"User", dubbo::hessian2::Encode(user)},
                                         std::pair{"Page", dubbo::hessian2::Encode(page)}}) {
        std::printf("%s ", shape);
        for (unsigned char c : bytes) std::printf("%02x", c);
        std::printf("\n");
      }
      return 0;
    }
  }
  argc = kept;

  Register("User", &user, iterations);
  Register("Page", &page, iterations);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

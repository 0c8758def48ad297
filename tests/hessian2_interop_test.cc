// Hessian 2 against real implementations, both directions, every run: Caucho Hessian (Debian's
// libhessian-java, compiled and run here on the JDK) and npm hessian.js (pinned by
// tests/interop/js/package-lock.json). For every vector of tests/interop/VECTORS.md:
//   - our encoder's bytes equal the peer's where the encoding is deterministic,
//   - our decoder turns the peer's bytes into the expected values (and typed C++ values),
//   - the peer decodes our bytes to its own expected values (its `verify` mode).
// A missing JDK, jar, node or npm package fails the test: nothing is skipped.
#include <gtest/gtest.h>

#include <map>

#include "codec/hessian2/codec.h"
#include "common/hex.h"
#include "tests/support/hessian2_vectors.h"
#include "tests/support/process.h"

namespace dubbo::testing {
namespace {

struct Peer {
  std::string name;
  std::string command;  // prefix; the mode and file are appended
  bool is_java;
};

class Hessian2InteropTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    classes_ = new TempDir();
    const std::string java_src = SourceDir() + "/tests/interop/java";
    javac_ = new CommandResult(RunCommand(
        "javac -nowarn -cp /usr/share/java/hessian.jar -d " + ShellQuote(classes_->path()) + " " +
        ShellQuote(java_src + "/HessianPeer.java") + " " + ShellQuote(java_src) + "/demo/*.java"));
  }
  static void TearDownTestSuite() {
    delete classes_;
    delete javac_;
  }

  static Peer Java() {
    return {"java",
            "java --add-opens java.base/java.lang=ALL-UNNAMED --add-opens "
            "java.base/java.util=ALL-UNNAMED --add-opens java.base/java.math=ALL-UNNAMED -cp " +
                ShellQuote("/usr/share/java/hessian.jar:" + classes_->path() + ":" + SourceDir() +
                           "/tests/interop/java/res") +
                " HessianPeer",
            true};
  }
  static Peer JavaScript() {
    return {"hessian.js", "node " + ShellQuote(SourceDir() + "/tests/interop/js/hessian_peer.js"),
            false};
  }

  static void CheckAgainst(const Peer& peer);

  static TempDir* classes_;
  static CommandResult* javac_;
};

TempDir* Hessian2InteropTest::classes_ = nullptr;
CommandResult* Hessian2InteropTest::javac_ = nullptr;

std::string Reencoded(const std::vector<Value>& values) {
  return ToHex(hessian2::EncodeAll(values));
}

void Hessian2InteropTest::CheckAgainst(const Peer& peer) {
  TempDir dir;
  const std::string theirs_file = dir.File("theirs.txt");
  const CommandResult encoded = RunCommand(peer.command + " encode " + ShellQuote(theirs_file));
  ASSERT_EQ(encoded.exit_code, 0) << peer.name << " encode failed:\n" << encoded.output;
  std::map<std::string, std::string> theirs;
  for (auto& [name, hex] : ReadVectorFile(theirs_file)) theirs[name] = hex;
  ASSERT_GE(theirs.size(), 130u) << peer.name << " wrote too few vectors";

  std::map<std::string, const HessianVector*> ours_by_name;
  for (const auto& v : HessianVectors()) ours_by_name[v.name] = &v;
  for (const auto& [name, hex] : theirs) {
    EXPECT_TRUE(ours_by_name.count(name))
        << "vector " << name << " of " << peer.name << " is not in the C++ table";
  }

  VectorFile ours;
  size_t compared_bytes = 0;
  for (const auto& v : HessianVectors()) {
    SCOPED_TRACE(peer.name + " vector " + v.name);
    const std::string bytes = hessian2::EncodeAll(v.values);
    ours.emplace_back(v.name, ToHex(bytes));
    if (v.typed_encode) {
      EXPECT_EQ(ToHex(v.typed_encode()), ToHex(bytes)) << "typed and dynamic encodings differ";
    }
    const auto it = theirs.find(v.name);
    if (it == theirs.end()) continue;  // the peer can only verify this one
    if (v.exact_java && (peer.is_java || v.exact_js)) {
      EXPECT_EQ(ToHex(bytes), it->second) << "our bytes differ from " << peer.name << "'s";
      ++compared_bytes;
    }
    const std::string peer_bytes = FromHex(it->second).value();
    auto decoded = hessian2::DecodeAll(peer_bytes);
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    bool equal = decoded->size() == v.values.size();
    for (size_t i = 0; equal && i < v.values.size(); ++i) {
      equal = v.unordered_maps ? EquivalentUnordered((*decoded)[i], v.values[i])
                               : (*decoded)[i] == v.values[i];
    }
    EXPECT_TRUE(equal) << "decoded " << peer.name << "'s bytes differ from the expected values\n"
                       << "  decoded, re-encoded: " << Reencoded(*decoded).substr(0, 400) << "\n"
                       << "  expected, encoded:   " << Reencoded(v.values).substr(0, 400);
    if (v.typed_check) {
      const Status s = v.typed_check(peer_bytes);
      EXPECT_TRUE(s.ok()) << s;
    }
  }
  EXPECT_GE(compared_bytes, peer.is_java ? 130u : 120u) << "too few byte-exact comparisons";

  const std::string ours_file = dir.File("ours.txt");
  WriteVectorFile(ours_file, ours);
  const CommandResult verified = RunCommand(peer.command + " verify " + ShellQuote(ours_file));
  std::string problems;
  size_t ok_lines = 0;
  for (size_t start = 0; start < verified.output.size();) {
    size_t end = verified.output.find('\n', start);
    if (end == std::string::npos) end = verified.output.size();
    const std::string line = verified.output.substr(start, end - start);
    if (line.rfind("OK ", 0) == 0) {
      ++ok_lines;
    } else if (!line.empty()) {
      problems += line + "\n";
    }
    start = end + 1;
  }
  EXPECT_EQ(verified.exit_code, 0) << peer.name << " rejected our encodings:\n" << problems;
  EXPECT_EQ(ok_lines, ours.size()) << problems;
}

TEST_F(Hessian2InteropTest, JavaCauchoHessianBothDirections) {
  ASSERT_EQ(javac_->exit_code, 0) << "compiling the Java peer failed:\n" << javac_->output;
  CheckAgainst(Java());
}

TEST_F(Hessian2InteropTest, HessianJsBothDirections) { CheckAgainst(JavaScript()); }

}  // namespace
}  // namespace dubbo::testing

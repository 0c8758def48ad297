// Loads IDL files with their imports, parses them and checks that they mean something: names
// resolve, nothing is declared twice, annotations fit where they stand, and the C++ and Java
// names rpcgen will generate do not clash. Completes the tree (ast.h) with resolved types, Java
// class names, descriptors and method options.
//
// Diagnostics are "file:line:column: reason" (docs/idl.md lists them). A file with a syntax error,
// or one importing a file that failed, is not checked further, so one mistake gives one message.
// A Compiler is single-threaded; separate Compilers are independent.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "tools/rpcgen/ast.h"

namespace dubbo::idl {

// Where the compiler reads files from.
class SourceReader {
 public:
  virtual ~SourceReader() = default;
  // The contents of `path`, or nullopt when there is no such readable file.
  virtual std::optional<std::string> Read(const std::string& path) = 0;
};

class DiskReader final : public SourceReader {
 public:
  std::optional<std::string> Read(const std::string& path) override;
};

// Files held in memory (tests, the fuzzer), by exact path.
class MemoryReader final : public SourceReader {
 public:
  void Add(std::string path, std::string text) { files_[std::move(path)] = std::move(text); }
  std::optional<std::string> Read(const std::string& path) override;

 private:
  std::map<std::string, std::string> files_;
};

class Compiler {
 public:
  // Imports are looked up next to the importing file, then in `include_dirs` in order.
  explicit Compiler(SourceReader* reader, std::vector<std::string> include_dirs = {});
  ~Compiler();
  Compiler(const Compiler&) = delete;
  Compiler& operator=(const Compiler&) = delete;

  // Loads, parses and checks `path` after everything it imports (each file once per Compiler).
  // Returns the file (possibly with errors), or nullptr when it could not be read.
  const File* Compile(const std::string& path);

  // Every problem found so far, in the order found.
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }
  bool ok() const { return diagnostics_.empty(); }

 private:
  struct Loaded;
  struct Frame {
    Loaded* file;
    const Import* import;  // the import being followed
  };
  Loaded* Load(const std::string& path, const std::string& text);
  void LoadImports(Loaded* loaded);
  void Check(Loaded* loaded);

  SourceReader* reader_;
  std::vector<std::string> include_dirs_;
  std::map<std::string, std::unique_ptr<Loaded>> files_;  // by normalized path
  std::vector<Frame> stack_;                              // files whose imports are being loaded
  // Declared C++ names ("ns::User") -> declaring file, to find a type declared twice.
  std::map<std::string, const File*> cpp_names_;
  std::vector<Diagnostic> diagnostics_;
};

// --- what types mean (for resolved types) --------------------------------------------------------

// The JVM descriptor a Java consumer of the equivalent interface sends: "I", "Ljava/lang/Integer;"
// (optional<int>), "Ljava/util/List;", "Lorg/example/User;".
std::string Descriptor(const TypeRef& type);
// The Java type name generic $invoke matches: "int", "java.lang.Integer", "byte[]",
// "java.util.List".
std::string JavaTypeName(const TypeRef& type);
// The type in IDL syntax: "map<string, list<User>>".
std::string TypeName(const TypeRef& type);

// The type names the C++ generated for `file` spells unqualified: the fixed-width integers, and the
// types and interfaces of its namespace (declared in it or in files it imports). Fields and
// parameters with these names are renamed (naming.h, CppMemberName).
std::set<std::string, std::less<>> CppTypeNames(const File& file);

// The name of a method's MethodInfo constant: "kGetUser", and "kGetUser2", "kGetUser3" for the
// second and third overloads (in declaration order).
std::string MethodInfoName(const Interface& iface, size_t method_index);

}  // namespace dubbo::idl

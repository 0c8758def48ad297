// libFuzzer target for the IDL compiler (tools/rpcgen): the lexer, parser and checker take any
// text without crashing, hanging or leaking, every problem is reported with a place and a reason,
// and whatever checks cleanly generates code. The input may import lib.idl (a fixed file of each
// kind of declaration) and itself (a cycle). Links dubbo_idl.
#include <cstddef>
#include <cstdint>
#include <string>

#include "tools/rpcgen/checker.h"
#include "tools/rpcgen/generator.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  dubbo::idl::MemoryReader files;
  files.Add("fuzz.idl", std::string(reinterpret_cast<const char*>(data), size));
  files.Add("lib.idl",
            "package lib;\n"
            "struct L { int x; list<L> more; }\n"
            "enum E { A, B }\n"
            "exception X { string why; }\n"
            "interface S { L get(E e) throws X; }\n");
  dubbo::idl::Compiler compiler(&files);
  const dubbo::idl::File* file = compiler.Compile("fuzz.idl");
  if (file == nullptr) __builtin_trap();  // it is there to read
  for (const dubbo::idl::Diagnostic& d : compiler.diagnostics()) {
    if (d.message.empty() || d.loc.line <= 0 || d.loc.column <= 0) __builtin_trap();
  }
  if (compiler.ok()) {
    const dubbo::idl::GeneratedCode code = dubbo::idl::Generate(*file);
    if (code.header.empty() || code.source.empty()) __builtin_trap();
  }
  return 0;
}

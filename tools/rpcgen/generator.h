// Writes the C++ for one checked IDL file (docs/idl.md describes what is generated):
//   <stem>.dubbo.h   the types, and per interface its metadata struct, provider base and stub
//   <stem>.dubbo.cc  the exceptions' ToStatus, the service definitions and the stub methods
// The file must have been checked without errors. Pure; thread-safe.
#pragma once

#include <string>

#include "tools/rpcgen/ast.h"

namespace dubbo::idl {

struct GeneratedCode {
  std::string header_name;  // "demo.dubbo.h"
  std::string header;
  std::string source_name;  // "demo.dubbo.cc"
  std::string source;
};

// "dir/demo.idl" -> "demo": what generated file names start with.
std::string OutputStem(const std::string& idl_path);

GeneratedCode Generate(const File& file);

}  // namespace dubbo::idl

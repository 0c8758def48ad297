// rpcgen: compiles IDL files (docs/idl.md) to C++.
//
//   rpcgen --out DIR [--include-dir DIR]... [--depfile FILE] file.idl...
//
// Writes DIR/<stem>.dubbo.h and DIR/<stem>.dubbo.cc per file. All or nothing: on any error the
// errors go to stderr as "file:line:column: error: reason", nothing is written and the exit
// status is 1; bad usage exits with 2.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tools/rpcgen/checker.h"
#include "tools/rpcgen/generator.h"

namespace dubbo::idl {
namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

namespace fs = std::filesystem;

int Fail(const std::string& message) {
  std::cerr << "rpcgen: " << message << '\n';
  return kExitFailure;
}

// Make's escaping of a path in a dependency file.
std::string DepfilePath(const std::string& path) {
  std::string out;
  for (const char c : path) {
    if (c == ' ' || c == '#') out += '\\';
    if (c == '$') out += '$';
    out += c;
  }
  return out;
}

// Every file `file` imports, directly or not.
void CollectImports(const File& file, std::set<std::string>* out) {
  for (const Import& imp : file.imports) {
    if (imp.file != nullptr && out->insert(imp.file->path).second) CollectImports(*imp.file, out);
  }
}

struct Output {
  fs::path path;
  std::string text;
};

// Writes every output through a temporary file and renames them only once all were written.
bool WriteAll(const std::vector<Output>& outputs) {
  std::vector<fs::path> temps;
  auto cleanup = [&] {
    std::error_code ignored;
    for (const fs::path& t : temps) fs::remove(t, ignored);
  };
  for (const Output& o : outputs) {
    fs::path temp = o.path;
    temp += ".tmp";
    temps.push_back(temp);
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << o.text;
    out.close();
    if (!out) {
      cleanup();
      Fail("cannot write " + temp.string());
      return false;
    }
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    std::error_code ec;
    fs::rename(temps[i], outputs[i].path, ec);
    if (ec) {
      cleanup();
      Fail("cannot write " + outputs[i].path.string() + ": " + ec.message());
      return false;
    }
  }
  return true;
}

int Run(const std::string& out_dir, const std::vector<std::string>& include_dirs,
        const std::string& depfile, const std::vector<std::string>& inputs) {
  DiskReader reader;
  Compiler compiler(&reader, include_dirs);
  std::vector<const File*> files;
  for (const std::string& input : inputs) {
    if (const File* f = compiler.Compile(input)) files.push_back(f);
  }
  if (!compiler.ok()) {
    for (const Diagnostic& d : compiler.diagnostics()) {
      Diagnostic shown = d;
      shown.message = "error: " + d.message;
      std::cerr << shown.ToString() << '\n';
    }
    return kExitFailure;
  }

  std::vector<Output> outputs;
  std::map<std::string, std::string> stems;  // output stem -> input
  std::set<std::string> deps;
  for (const File* f : files) {
    const std::string stem = OutputStem(f->path);
    auto [it, fresh] = stems.emplace(stem, f->path);
    if (!fresh) {
      if (it->second == f->path) continue;  // listed twice
      return Fail(it->second + " and " + f->path + " would both generate " + stem + ".dubbo.h");
    }
    GeneratedCode code = Generate(*f);
    outputs.push_back({fs::path(out_dir) / code.header_name, std::move(code.header)});
    outputs.push_back({fs::path(out_dir) / code.source_name, std::move(code.source)});
    deps.insert(f->path);
    CollectImports(*f, &deps);
  }

  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) return Fail("cannot create " + out_dir + ": " + ec.message());
  if (!depfile.empty()) {
    std::string text;
    for (const Output& o : outputs)
      text += (text.empty() ? "" : " ") + DepfilePath(fs::absolute(o.path).string());
    text += ":";
    for (const std::string& d : deps) text += " " + DepfilePath(fs::absolute(d).string());
    text += "\n";
    outputs.push_back({depfile, text});
  }
  return WriteAll(outputs) ? 0 : kExitFailure;
}

}  // namespace
}  // namespace dubbo::idl

int main(int argc, char** argv) {
  CLI::App app(
      "rpcgen: compiles Dubbo IDL files (docs/idl.md) to C++: <stem>.dubbo.h and <stem>.dubbo.cc "
      "per file.",
      "rpcgen");
  std::string out_dir;
  std::vector<std::string> include_dirs;
  std::string depfile;
  std::vector<std::string> inputs;
  app.add_option("--out,-o", out_dir, "Directory to write the generated files to")->required();
  app.add_option("--include-dir,-I", include_dirs,
                 "Where imports are looked for after the importing file's directory (repeatable)");
  app.add_option("--depfile", depfile,
                 "Also write a Make-style dependency file (for build systems)");
  app.add_option("files", inputs, "IDL files to compile")->required();
  app.footer(
      "On any error nothing is written; errors go to stderr as file:line:column: error: reason.\n"
      "Exit status: 0 ok, 1 errors in the input, 2 bad usage.\n");
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "rpcgen: " << e.what() << "\n\n" << app.help();
    return dubbo::idl::kExitUsage;
  }
  return dubbo::idl::Run(out_dir, include_dirs, depfile, inputs);
}

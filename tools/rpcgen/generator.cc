#include "tools/rpcgen/generator.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <string_view>
#include <vector>

#include "tools/rpcgen/checker.h"
#include "tools/rpcgen/naming.h"

namespace dubbo::idl {
namespace {

using Kind = TypeRef::Kind;

constexpr size_t kWidth = 100;

std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string s;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) s += sep;
    s += parts[i];
  }
  return s;
}

// A C++ string literal with the same bytes.
std::string CppString(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\%03o", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// Comment lines, made safe: no control characters, no trailing backslash (a line splice).
void EmitDoc(std::string& out, const Doc& doc, std::string_view indent) {
  for (std::string line : doc) {
    for (char& c : line) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
    }
    while (!line.empty() && (line.back() == '\\' || line.back() == ' ')) line.pop_back();
    out += std::string(indent) + (line.empty() ? "//" : "// " + line) + "\n";
  }
}

// Generated prose as comment lines of at most kWidth columns.
std::string Comment(std::string_view indent, std::string_view text) {
  std::string out;
  std::string line;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(' ', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view word = text.substr(start, end - start);
    if (!line.empty() && indent.size() + 3 + line.size() + 1 + word.size() > kWidth) {
      out += std::string(indent) + "// " + line + "\n";
      line.clear();
    }
    if (!line.empty()) line += ' ';
    line += word;
    start = end + 1;
  }
  if (!line.empty()) out += std::string(indent) + "// " + line + "\n";
  return out;
}

// Lays out `items` after `first`, continuing lines at `pad`.
std::string Fill(std::string first, const std::string& pad, const std::vector<std::string>& items,
                 const std::string& last) {
  std::string out = std::move(first);
  size_t line = out.size() - (out.rfind('\n') == std::string::npos ? 0 : out.rfind('\n') + 1);
  bool line_empty = line == pad.size();
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string piece = items[i] + (i + 1 < items.size() ? std::string(",") : last);
    if (!line_empty && line + 1 + piece.size() > kWidth) {
      out += "\n" + pad;
      line = pad.size();
      line_empty = true;
    }
    if (!line_empty) {
      out += " ";
      ++line;
    }
    out += piece;
    line += piece.size();
    line_empty = false;
  }
  return out + "\n";
}

size_t LongestLine(const std::string& text) {
  size_t longest = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    longest = std::max(longest, end - start);
    start = end + 1;
  }
  return longest;
}

// "head(a, b, c)tail" on one line when it fits in kWidth; else the items wrapped and aligned after
// the parenthesis; else starting on the next line, indented four more. `open` and `close` replace
// the parentheses for braced lists.
std::string Wrap(std::string_view indent, const std::string& head,
                 const std::vector<std::string>& items, const std::string& tail, char open = '(',
                 char close = ')') {
  const std::string first = std::string(indent) + head + open;
  const std::string one = first + Join(items, ", ") + close + tail;
  if (one.size() <= kWidth || items.empty()) return one + "\n";
  const std::string last = std::string(1, close) + tail;
  std::string aligned = Fill(first, std::string(first.size(), ' '), items, last);
  if (LongestLine(aligned) <= kWidth && first.size() <= 60) return aligned;
  const std::string pad(indent.size() + 4, ' ');
  return Fill(first + "\n" + pad, pad, items, last);
}

// "head = "literal";", with a literal too long for one line continued on the next lines as
// adjacent literals, split after commas and dots.
std::string StringConstant(std::string_view indent, const std::string& head,
                           std::string_view value) {
  const std::string one = std::string(indent) + head + " = " + CppString(value) + ";";
  if (one.size() <= kWidth) return one + "\n";
  const std::string pad = std::string(indent) + "    ";
  std::vector<std::string> segments;
  size_t start = 0;
  while (start < value.size()) {
    size_t end = value.find_first_of(",.", start);
    end = end == std::string_view::npos ? value.size() : end + 1;
    segments.emplace_back(value.substr(start, end - start));
    start = end;
  }
  std::vector<std::string> lines{""};
  for (const std::string& segment : segments) {
    if (!lines.back().empty() &&
        pad.size() + CppString(lines.back() + segment).size() + 1 > kWidth) {
      lines.emplace_back();
    }
    lines.back() += segment;
  }
  std::string out = std::string(indent) + head + " =";
  for (const std::string& line : lines) out += "\n" + pad + CppString(line);
  return out + ";\n";
}

class Generator {
 public:
  explicit Generator(const File& file) : file_(file) {
    // Inside a namespace with a `dubbo` segment (org.apache.dubbo.demo), "dubbo::" would find that
    // namespace: qualify from the global one there.
    bool nested_dubbo = false;
    std::vector<const File*> files{&file};
    std::set<const File*> seen;
    while (!files.empty()) {
      const File* f = files.back();
      files.pop_back();
      if (!seen.insert(f).second) continue;
      for (const std::string& segment : f->cpp_namespace) nested_dubbo |= segment == "dubbo";
      for (const Import& imp : f->imports)
        if (imp.file != nullptr) files.push_back(imp.file);
    }
    dubbo_ = nested_dubbo ? "::dubbo::" : "dubbo::";
    type_names_ = CppTypeNames(file);
  }

  GeneratedCode Run() {
    GeneratedCode code;
    const std::string stem = OutputStem(file_.path);
    code.header_name = stem + ".dubbo.h";
    code.source_name = stem + ".dubbo.cc";
    code.header = Header();
    code.source = Source(code.header_name);
    return code;
  }

 private:
  std::string D(std::string_view name) const { return dubbo_ + std::string(name); }
  std::string Member(std::string_view name) const { return CppMemberName(name, type_names_); }

  // --- types ------------------------------------------------------------------------------------
  // A type's name from this file's namespace: qualified when it lives in another, or when a
  // method of the interface being written has the same C++ name (inside the provider base and
  // the stub, the method would hide the type).
  std::string DeclName(const TypeDecl& decl) const {
    if (decl.file != nullptr && decl.file->cpp_namespace == file_.cpp_namespace &&
        shadowed_.count(decl.name) == 0) {
      return decl.name;
    }
    return "::" +
           Join(decl.file != nullptr ? decl.file->cpp_namespace : file_.cpp_namespace, "::") +
           "::" + decl.name;
  }

  // The interface's metadata struct, qualified when a method hides its name.
  std::string MetadataName(const Interface& iface) const {
    if (shadowed_.count(iface.name) == 0) return iface.name;
    return "::" + Join(file_.cpp_namespace, "::") + "::" + iface.name;
  }

  // Starts writing `iface`: notes the type names its methods hide.
  void Enter(const Interface& iface) {
    shadowed_.clear();
    for (const Method& m : iface.methods) shadowed_.insert(UpperCamel(m.name));
  }

  std::string CppType(const TypeRef& t) const {
    switch (t.kind) {
      case Kind::kVoid:
        return "void";
      case Kind::kBool:
        return "bool";
      case Kind::kByte:
        return "int8_t";
      case Kind::kShort:
        return "int16_t";
      case Kind::kInt:
        return "int32_t";
      case Kind::kLong:
        return "int64_t";
      case Kind::kFloat:
        return "float";
      case Kind::kDouble:
        return "double";
      case Kind::kString:
        return "std::string";
      case Kind::kBinary:
        return D("Binary");
      case Kind::kDate:
        return "std::chrono::system_clock::time_point";
      case Kind::kTimestamp:
        return D("SqlTimestamp");
      case Kind::kDecimal:
        return D("BigDecimal");
      case Kind::kList:
        return "std::vector<" + CppType(t.args[0]) + ">";
      case Kind::kSet:
        return "std::set<" + CppType(t.args[0]) + ">";
      case Kind::kMap:
        return "std::map<" + CppType(t.args[0]) + ", " + CppType(t.args[1]) + ">";
      case Kind::kOptional:
        return "std::optional<" + CppType(t.args[0]) + ">";
      case Kind::kStruct:
      case Kind::kEnum:
      case Kind::kException:
        return DeclName(*t.decl);
      case Kind::kUnresolved:
        break;
    }
    return "?";
  }

  static bool ByValue(const TypeRef& t) { return t.is_primitive() || t.kind == Kind::kEnum; }

  // How the stub's blocking and callback forms take a parameter.
  std::string StubParam(const Param& p) const {
    const std::string type = CppType(p.type);
    return (ByValue(p.type) ? type + " " : "const " + type + "& ") + Member(p.name);
  }

  std::string DefaultValue(const TypeRef& t) const {
    if (t.kind == Kind::kBool) return " = false";
    if (t.is_primitive()) return " = 0";
    if (t.kind == Kind::kEnum) return " = " + DeclName(*t.decl) + "::" + t.decl->constants[0].name;
    return "";
  }

  void CollectIncludes(const TypeRef& t, std::set<std::string>* std_headers) const {
    switch (t.kind) {
      case Kind::kByte:
      case Kind::kShort:
      case Kind::kInt:
      case Kind::kLong:
        std_headers->insert("cstdint");
        break;
      case Kind::kString:
        std_headers->insert("string");
        break;
      case Kind::kDate:
        std_headers->insert("chrono");
        break;
      case Kind::kList:
        std_headers->insert("vector");
        break;
      case Kind::kSet:
        std_headers->insert("set");
        break;
      case Kind::kMap:
        std_headers->insert("map");
        break;
      case Kind::kOptional:
        std_headers->insert("optional");
        break;
      default:
        break;
    }
    for (const TypeRef& arg : t.args) CollectIncludes(arg, std_headers);
  }

  // Local structs a type needs complete (see the checker's containment rule) or merely names.
  void StructRefs(const TypeRef& t, bool by_value, std::vector<const TypeDecl*>* out) const {
    if (t.kind == Kind::kStruct && t.decl->file == &file_) out->push_back(t.decl);
    if (t.kind == Kind::kList && by_value) return;
    for (size_t i = 0; i < t.args.size(); ++i) {
      if (by_value && t.kind == Kind::kMap && i == 0) continue;
      StructRefs(t.args[i], by_value, out);
    }
  }

  // Enums in declaration order, then structs and exceptions in declaration order except that a
  // struct held by value comes before its holder (the earliest declared ready one goes next).
  std::vector<const TypeDecl*> TypeOrder() const {
    std::vector<const TypeDecl*> order;
    std::vector<const TypeDecl*> rest;
    for (const auto& d : file_.types) {
      (d->kind == TypeDecl::Kind::kEnum ? order : rest).push_back(d.get());
    }
    std::map<const TypeDecl*, size_t> index;
    for (size_t i = 0; i < rest.size(); ++i) index[rest[i]] = i;
    std::vector<size_t> waiting_for(rest.size(), 0);        // unemitted structs each holds
    std::vector<std::vector<size_t>> holders(rest.size());  // who holds each
    for (size_t i = 0; i < rest.size(); ++i) {
      std::set<const TypeDecl*> deps;
      for (const Field& f : rest[i]->fields) {
        std::vector<const TypeDecl*> refs;
        StructRefs(f.type, true, &refs);
        deps.insert(refs.begin(), refs.end());
      }
      deps.erase(rest[i]);
      for (const TypeDecl* dep : deps) {
        ++waiting_for[i];
        holders[index.at(dep)].push_back(i);
      }
    }
    std::set<size_t> ready;
    for (size_t i = 0; i < rest.size(); ++i)
      if (waiting_for[i] == 0) ready.insert(i);
    while (!ready.empty()) {
      const size_t i = *ready.begin();
      ready.erase(ready.begin());
      order.push_back(rest[i]);
      for (size_t h : holders[i])
        if (--waiting_for[h] == 0) ready.insert(h);
    }
    return order;  // the checker rules out cycles, so every type is in it
  }

  // --- header ------------------------------------------------------------------------------------
  std::string Header() {
    std::string body;
    const std::vector<const TypeDecl*> order = TypeOrder();
    // Structs named (inside a list) before their definition.
    std::map<const TypeDecl*, size_t> position;
    for (size_t i = 0; i < order.size(); ++i) position[order[i]] = i;
    std::vector<const TypeDecl*> forward;
    for (size_t i = 0; i < order.size(); ++i) {
      for (const Field& f : order[i]->fields) {
        std::vector<const TypeDecl*> refs;
        StructRefs(f.type, false, &refs);
        for (const TypeDecl* r : refs) {
          if (position[r] >= i && std::find(forward.begin(), forward.end(), r) == forward.end()) {
            forward.push_back(r);
          }
        }
      }
    }
    if (!forward.empty()) {
      for (const TypeDecl* d : forward) body += "struct " + d->name + ";\n";
      body += "\n";
    }
    for (const TypeDecl* d : order) {
      body += d->kind == TypeDecl::Kind::kEnum ? Enum(*d) : Struct(*d);
      body += "\n";
    }
    for (const Interface& iface : file_.interfaces) {
      body += Metadata(iface) + "\n";
      Enter(iface);
      body += ProviderBase(iface) + "\n" + Stub(iface) + "\n";
      shadowed_.clear();
    }

    std::set<std::string> std_headers;
    for (const auto& d : file_.types)
      for (const Field& f : d->fields) CollectIncludes(f.type, &std_headers);
    bool has_exception = false;
    for (const auto& d : file_.types) has_exception |= d->kind == TypeDecl::Kind::kException;
    if (!file_.interfaces.empty()) {
      for (const char* h :
           {"array", "asio/awaitable.hpp", "functional", "memory", "string", "string_view"})
        std_headers.insert(h);
      for (const Interface& iface : file_.interfaces) {
        for (const Method& m : iface.methods) {
          CollectIncludes(m.result, &std_headers);
          for (const Param& p : m.params) CollectIncludes(p.type, &std_headers);
        }
      }
    }

    std::string out = "// Generated by rpcgen from " +
                      std::filesystem::path(file_.path).filename().string() +
                      " \u2014 do not edit.\n";
    if (!file_.doc.empty()) {
      out += "//\n";
      EmitDoc(out, file_.doc, "");
    }
    out += "#pragma once\n\n";
    for (const std::string& h : std_headers) out += "#include <" + h + ">\n";
    std::vector<std::string> includes;
    if (!file_.types.empty()) {
      includes.push_back("codec/java_types.h");
      includes.push_back("codec/reflect.h");
    }
    if (has_exception || !file_.interfaces.empty()) includes.push_back("common/status.h");
    if (!file_.interfaces.empty()) {
      includes.push_back("common/result.h");
      includes.push_back("rpc/service.h");
      includes.push_back("rpc/stub.h");
    }
    for (const Import& imp : file_.imports) includes.push_back(OutputStem(imp.path) + ".dubbo.h");
    std::sort(includes.begin(), includes.end());
    includes.erase(std::unique(includes.begin(), includes.end()), includes.end());
    if (!includes.empty()) {
      if (!std_headers.empty() || !file_.interfaces.empty()) out += "\n";
      for (const std::string& inc : includes) out += "#include \"" + inc + "\"\n";
    }
    out += "\nnamespace " + Join(file_.cpp_namespace, "::") + " {\n\n";
    out += body;
    out += "}  // namespace " + Join(file_.cpp_namespace, "::") + "\n";
    return out;
  }

  std::string Enum(const TypeDecl& d) const {
    std::string out;
    EmitDoc(out, d.doc, "");
    std::vector<std::string> names;
    bool documented = false;
    for (const EnumConstant& c : d.constants) {
      names.push_back(c.name);
      documented |= !c.doc.empty();
    }
    const std::string one_line = "enum class " + d.name + " { " + Join(names, ", ") + " };";
    if (!documented && one_line.size() <= kWidth) {
      out += one_line + "\n";
    } else {
      out += "enum class " + d.name + " {\n";
      for (const EnumConstant& c : d.constants) {
        EmitDoc(out, c.doc, "  ");
        out += "  " + c.name + ",\n";
      }
      out += "};\n";
    }
    if (names.size() <= 64) {
      std::vector<std::string> args{d.name, CppString(d.java_class)};
      args.insert(args.end(), names.begin(), names.end());
      out += Wrap("", "DUBBO_ENUM", args, "");
    } else {
      out += "constexpr auto DubboDescribeEnum(const " + d.name + "*) {\n";
      out +=
          "  return " + D("EnumDesc") + "<" + d.name + ", " + std::to_string(names.size()) + ">{\n";
      out += "      " + CppString(d.java_class) + ",\n      {{\n";
      for (const std::string& n : names)
        out += "          {" + d.name + "::" + n + ", \"" + n + "\"},\n";
      out += "      }}};\n}\n";
    }
    return out;
  }

  std::string Struct(const TypeDecl& d) const {
    const bool exception = d.kind == TypeDecl::Kind::kException;
    std::string out;
    EmitDoc(out, d.doc, "");
    out += "struct " + d.name + (exception ? " : " + D("Throwable") : "") + " {\n";
    bool renamed = false;
    for (const Field& f : d.fields) {
      EmitDoc(out, f.doc, "  ");
      const std::string member = Member(f.name);
      renamed |= member != f.name;
      out += "  " + CppType(f.type) + " " + member + DefaultValue(f.type) + ";\n";
    }
    if (exception) {
      if (!d.fields.empty()) out += "\n";
      out += "  // The Status a provider method returns to throw this exception (kBizException).\n";
      out += "  " + D("Status") + " ToStatus() const;\n";
    } else {
      if (!d.fields.empty()) out += "\n";
      out += "  friend bool operator==(const " + d.name + "&, const " + d.name + "&) = default;\n";
    }
    out += "};\n";
    if (!renamed && !d.fields.empty() && d.fields.size() <= 64) {
      std::vector<std::string> args{d.name, CppString(d.java_class)};
      for (const Field& f : d.fields) args.push_back(f.name);
      out += Wrap("", "DUBBO_STRUCT", args, "");
      return out;
    }
    // No fields, more than the macro takes, or C++ names that differ from the Java ones.
    out += "constexpr auto DubboDescribe(const " + d.name + "*) {\n";
    std::vector<std::string> args{CppString(d.java_class)};
    for (const Field& f : d.fields) {
      args.push_back("DUBBO_FIELD_AS(" + d.name + ", " + Member(f.name) + ", " + CppString(f.name) +
                     ")");
    }
    out += Wrap("  ", "return " + D("MakeStruct") + "<" + d.name + ">", args, ";");
    out += "}\n";
    return out;
  }

  // --- interfaces --------------------------------------------------------------------------------
  std::string ResultType(const Method& m) const { return CppType(m.result); }

  std::string MethodInfoLiteral(const Method& m) const {
    std::vector<std::string> parts{".name = " + CppString(m.name),
                                   ".descriptor = " + CppString(m.descriptor)};
    if (m.one_way) parts.push_back(".one_way = true");
    if (m.timeout_ms > 0) parts.push_back(".timeout_ms = " + std::to_string(m.timeout_ms));
    if (m.retries >= 0) parts.push_back(".retries = " + std::to_string(m.retries));
    if (m.idempotent) parts.push_back(".idempotent = true");
    return "{" + Join(parts, ", ") + "}";
  }

  std::string Metadata(const Interface& iface) const {
    std::string out;
    EmitDoc(out, iface.doc, "");
    if (!iface.doc.empty()) out += "//\n";
    out += Comment(
        "", "Dubbo interface " + iface.java_name +
                ": its identity and methods, as stubs, providers and the cluster layer read them.");
    out += "struct " + iface.name + " {\n";
    out += StringConstant("  ", "static constexpr std::string_view kInterface", iface.java_name);
    out += StringConstant("  ", "static constexpr std::string_view kDefaultVersion", iface.version);
    out +=
        StringConstant("  ", "static constexpr std::string_view kDefaultGroup", iface.group) + "\n";
    const std::string info = D("rpc::MethodInfo");
    std::vector<std::string> pointers;
    std::set<std::string> names;
    for (size_t i = 0; i < iface.methods.size(); ++i) {
      const Method& m = iface.methods[i];
      const std::string constant = MethodInfoName(iface, i);
      const std::string head = "  static constexpr " + info + " " + constant;
      const std::string literal = MethodInfoLiteral(m);
      if (head.size() + literal.size() + 1 <= kWidth) {
        out += head + literal + ";\n";
      } else {
        out += head + "{\n      " + literal.substr(1, literal.size() - 2) + "};\n";
      }
      pointers.push_back("&" + constant);
      names.insert(m.name);
    }
    if (!iface.methods.empty()) out += "\n";
    out += "  // Every method in declaration order, overloads included.\n";
    out += Wrap("  ",
                "static constexpr std::array<const " + info + "*, " +
                    std::to_string(iface.methods.size()) + "> kMethods = ",
                pointers, ";", '{', '}');
    out +=
        "  // The method names, sorted and comma-separated: the `methods` parameter of a provider "
        "URL.\n";
    out += StringConstant("  ", "static constexpr std::string_view kMethodNames",
                          Join(std::vector<std::string>(names.begin(), names.end()), ",")) +
           "\n";
    out +=
        "  // The first method named `name` (overloads agree on retries and idempotence), or "
        "nullptr.\n";
    out += "  static constexpr const " + info + "* FindMethod(std::string_view name) {\n";
    out += "    for (const " + info + "* method : kMethods) {\n";
    out += "      if (method->name == name) return method;\n";
    out += "    }\n";
    out += "    return nullptr;\n";
    out += "  }\n";
    out += "};\n";
    return out;
  }

  // The interface's identity, repeated in its provider base and stub (Application::Export and
  // Refer read it from there).
  std::string Identity(const Interface& iface) const {
    const std::string meta = MetadataName(iface);
    std::string out;
    for (const char* name : {"kInterface", "kDefaultVersion", "kDefaultGroup"}) {
      out += "  static constexpr std::string_view " + std::string(name) + " = " + meta +
             "::" + name + ";\n";
    }
    return out + "\n";
  }

  // The parameters of a provider method, by value.
  std::vector<std::string> ProviderParams(const Method& m) const {
    std::vector<std::string> params;
    for (const Param& p : m.params) params.push_back(CppType(p.type) + " " + Member(p.name));
    if (m.async)
      params.push_back(D("rpc::Responder<" + ResultType(m) + ">") + " " + FreeName(m, "reply"));
    return params;
  }

  // `preferred`, or with a trailing underscore when a parameter already has that name.
  std::string FreeName(const Method& m, std::string name) const {
    while (std::any_of(m.params.begin(), m.params.end(),
                       [&](const Param& p) { return Member(p.name) == name; })) {
      name += "_";
    }
    return name;
  }

  std::string ProviderReturn(const Method& m) const {
    if (m.async) return "void";
    return m.result.kind == Kind::kVoid ? D("Status") : D("Result<" + ResultType(m) + ">");
  }

  std::string ProviderBase(const Interface& iface) const {
    const std::string base = iface.name + "Base";
    std::string out;
    std::string export_call = "server.Export(" + base + "::Definition(), impl";
    if (!iface.version.empty() || !iface.group.empty()) {
      export_call += ", " + CppString(iface.version);
      if (!iface.group.empty()) export_call += ", " + CppString(iface.group);
    }
    out += Comment(
        "", "The provider side of " + iface.name +
                ": implement every method and export the implementation with " + export_call +
                "). Methods run on the server's handler threads; returning an exception's "
                "ToStatus() throws it to the caller.");
    out += "class " + base + " : public " + D("rpc::ServiceBase") + " {\n";
    out += " public:\n";
    out += Identity(iface);
    out +=
        "  // The methods with their JVM descriptors and Java parameter types, for "
        "Server::Export.\n";
    out += "  static std::shared_ptr<const " + D("rpc::ServiceDefinition") + "> Definition();\n";
    for (const Method& m : iface.methods) {
      out += "\n";
      EmitDoc(out, m.doc, "  ");
      if (m.async) {
        out += "  // Asynchronous: answer through `" + FreeName(m, "reply") +
               "`, from any thread, now or later.\n";
      }
      out += Wrap("  ", "virtual " + ProviderReturn(m) + " " + UpperCamel(m.name),
                  ProviderParams(m), " = 0;");
    }
    out += "};\n";
    return out;
  }

  // The stub's aliases for what its three forms return, qualified with `scope` ("Stub::") outside
  // the class.
  std::string CallResult(const Method& m, const std::string& scope = "") const {
    return scope + "CallResult<" + ResultType(m) + ">";
  }
  std::string Awaitable(const Method& m, const std::string& scope = "") const {
    return scope + "Awaitable<" + ResultType(m) + ">";
  }

  std::vector<std::string> StubParams(const Method& m) const {
    std::vector<std::string> params;
    for (const Param& p : m.params) params.push_back(StubParam(p));
    return params;
  }
  std::vector<std::string> CallbackParams(const Method& m) const {
    std::vector<std::string> params = StubParams(m);
    params.push_back("Callback<" + ResultType(m) + "> " + FreeName(m, "done"));
    return params;
  }

  std::string Stub(const Interface& iface) const {
    const std::string stub = iface.name + "Stub";
    std::string out;
    out += Comment(
        "",
        "The consumer side of " + iface.name +
            ", over an invoker (one provider's ChannelInvoker or a cluster). Every method comes "
            "in three forms: blocking (never on an I/O thread), a coroutine (resumes on the "
            "awaiting executor; it holds copies of the arguments, and the stub must outlive it) "
            "and a "
            "callback (runs on an I/O thread). Declared exceptions arrive as a kBizException "
            "Status: rpc::ExceptionAs<E>(status) reads them.");
    out += "class " + stub + " : public " + D("rpc::StubBase") + " {\n";
    out += " public:\n";
    out += Identity(iface);
    out +=
        "  // What the blocking, coroutine and callback forms of a method returning R return or "
        "take.\n";
    out += "  template <typename R>\n";
    out += "  using CallResult = " + D("rpc::CallResult<R>") + ";\n";
    out += "  template <typename R>\n";
    out += "  using Awaitable = asio::awaitable<" + D("rpc::CallResult<R>") + ">;\n";
    out += "  template <typename R>\n";
    out += "  using Callback = std::function<void(" + D("rpc::CallResult<R>") + ")>;\n\n";
    out += Wrap("  ", "explicit " + stub,
                {"std::shared_ptr<" + D("rpc::Invoker") + "> invoker",
                 "std::string version = " + CppString(iface.version),
                 "std::string group = " + CppString(iface.group)},
                ";");
    for (const Method& m : iface.methods) {
      const std::string name = UpperCamel(m.name);
      out += "\n";
      EmitDoc(out, m.doc, "  ");
      if (m.one_way)
        out += "  // One-way: completes once the request is handed to the connection.\n";
      if (!m.throws.empty()) {
        std::vector<std::string> thrown;
        for (const TypeRef& t : m.throws) thrown.push_back(DeclName(*t.decl));
        out += "  // Throws " + Join(thrown, ", ") + ".\n";
      }
      out += Wrap("  ", CallResult(m) + " " + name, StubParams(m), " const;");
      out += Wrap("  ", Awaitable(m) + " " + name + "Async", StubParams(m), " const;");
      out += Wrap("  ", "void " + name, CallbackParams(m), " const;");
    }
    out += "};\n";
    return out;
  }

  // --- source ------------------------------------------------------------------------------------
  std::string Source(const std::string& header_name) {
    std::string body;
    for (const auto& d : file_.types) {
      if (d->kind != TypeDecl::Kind::kException) continue;
      body +=
          D("Status") + " " + d->name + "::ToStatus() const { return BizException(*this); }\n\n";
    }
    for (const Interface& iface : file_.interfaces) {
      Enter(iface);
      body += Definition(iface) + "\n" + StubMethods(iface);
      shadowed_.clear();
    }

    bool has_exception = false;
    for (const auto& d : file_.types) has_exception |= d->kind == TypeDecl::Kind::kException;

    std::string out = "// Generated by rpcgen from " +
                      std::filesystem::path(file_.path).filename().string() +
                      " \u2014 do not edit.\n";
    out += "#include \"" + header_name + "\"\n";
    if (body.empty()) return out;
    out += "\n";
    for (const char* h : {"memory", "string", "utility"})
      out += "#include <" + std::string(h) + ">\n";
    if (has_exception) out += "\n#include \"codec/value_convert.h\"\n";
    out += "\nnamespace " + Join(file_.cpp_namespace, "::") + " {\n";
    if (has_exception) {
      out += "namespace {\n\n";
      out +=
          "// A kBizException Status carrying `e`. Its own fields are kept as Hessian writes them: "
          "as\n";
      out += "// the first object of a response, which is where the exception goes.\n";
      out += "template <typename E>\n";
      out += D("Status") + " BizException(const E& e) {\n";
      out += "  const " + D("Value") + " wire = " + D("ToValue") + "(e);\n";
      out += "  const auto& fields = wire.as_object().fields;\n";
      out += "  auto exception = std::make_shared<" + D("JavaException") + ">(\n";
      out += "      std::string(" + D("DescribeStruct") + "<E>().java_class), e.message);\n";
      out += "  exception->stack_trace = e.stack_trace;\n";
      out += "  exception->cause = e.cause;\n";
      out += "  exception->extra_fields.assign(fields.begin(),\n";
      out += "                                 fields.begin() + " + D("kStructFieldNames") +
             "<E>.size());\n";
      out += "  return " + D("Status") + "(" + D("StatusCode::kBizException") +
             ", exception->ToString())\n";
      out += "      .WithException(std::move(exception));\n";
      out += "}\n\n";
      out += "}  // namespace\n";
    }
    out += "\n" + body + "\n";
    out += "}  // namespace " + Join(file_.cpp_namespace, "::") + "\n";
    return out;
  }

  std::string Definition(const Interface& iface) const {
    const std::string base = iface.name + "Base";
    std::map<std::string, int> overloads;
    for (const Method& m : iface.methods) ++overloads[m.name];
    std::string out;
    out +=
        "std::shared_ptr<const " + D("rpc::ServiceDefinition") + "> " + base + "::Definition() {\n";
    out += "  static const std::shared_ptr<const " + D("rpc::ServiceDefinition") +
           "> definition = [] {\n";
    out += Wrap("    ", "auto d = std::make_shared<" + D("rpc::ServiceDefinition") + ">",
                {"std::string(" + MetadataName(iface) + "::kInterface)"}, ";");
    bool aliases = false;
    for (size_t i = 0; i < iface.methods.size(); ++i) {
      const Method& m = iface.methods[i];
      if (overloads[m.name] < 2) continue;
      if (!aliases) out += "    // Overloads are told apart by their types.\n";
      aliases = true;
      std::vector<std::string> params;
      for (const Param& p : m.params) params.push_back(CppType(p.type));
      if (m.async) params.push_back(D("rpc::Responder<" + ResultType(m) + ">"));
      const std::string alias = "    using " + MethodInfoName(iface, i).substr(1) + "Fn =";
      const std::string type =
          ProviderReturn(m) + " (" + base + "::*)(" + Join(params, ", ") + ");";
      out += alias + (alias.size() + 1 + type.size() <= kWidth ? " " : "\n        ") + type + "\n";
    }
    for (size_t i = 0; i < iface.methods.size(); ++i) {
      const Method& m = iface.methods[i];
      std::vector<std::string> types;
      for (const std::string& t : m.java_types) types.push_back(CppString(t));
      std::string fn = "&" + base + "::" + UpperCamel(m.name);
      if (overloads[m.name] > 1)
        fn = "static_cast<" + MethodInfoName(iface, i).substr(1) + "Fn>(" + fn + ")";
      // @blocking: the method runs on the provider's blocking pool (rpc::Blocking).
      const std::string make = D(m.async ? "rpc::AsyncMethod" : "rpc::Method");
      out += Wrap("    ", "d->Add(" + (m.blocking ? D("rpc::Blocking") + "(" + make : make),
                  {CppString(m.name), CppString(m.descriptor), "{" + Join(types, ", ") + "}", fn},
                  m.blocking ? "));" : ");");
    }
    out += "    return d;\n";
    out += "  }();\n";
    out += "  return definition;\n";
    out += "}\n";
    return out;
  }

  // The first line(s) of a const member function's definition; the result type goes on a line of
  // its own when it leaves too little room.
  static std::string Signature(const std::string& result, const std::string& name,
                               const std::vector<std::string>& params) {
    std::string one = Wrap("", result + " " + name, params, " const {");
    if (LongestLine(one) <= kWidth) return one;
    return result + "\n" + Wrap("", name, params, " const {");
  }

  std::string StubMethods(const Interface& iface) const {
    const std::string stub = iface.name + "Stub";
    std::string out;
    out += Wrap("", stub + "::" + stub,
                {"std::shared_ptr<" + D("rpc::Invoker") + "> invoker", "std::string version",
                 "std::string group"},
                "");
    out += Wrap("    ", ": StubBase",
                {"std::move(invoker)", "std::string(" + MetadataName(iface) + "::kInterface)",
                 "std::move(version)", "std::move(group)"},
                " {}");
    for (size_t i = 0; i < iface.methods.size(); ++i) {
      const Method& m = iface.methods[i];
      const std::string name = UpperCamel(m.name);
      const std::string info = MetadataName(iface) + "::" + MethodInfoName(iface, i);
      const std::string r = ResultType(m);
      std::vector<std::string> args{info};
      for (const Param& p : m.params) args.push_back(Member(p.name));

      out += "\n" + Signature(CallResult(m, stub + "::"), stub + "::" + name, StubParams(m));
      out += Wrap("  ", "return Call<" + r + ">", args, ";");
      out += "}\n\n";
      out += Signature(Awaitable(m, stub + "::"), stub + "::" + name + "Async", StubParams(m));
      out += Wrap("  ", "return CallAwaitable<" + r + ">", args, ";");
      out += "}\n\n";
      out += Signature("void", stub + "::" + name, CallbackParams(m));
      std::vector<std::string> callback_args{info, "std::move(" + FreeName(m, "done") + ")"};
      callback_args.insert(callback_args.end(), args.begin() + 1, args.end());
      out += Wrap("  ", "CallWithCallback<" + r + ">", callback_args, ";");
      out += "}\n";
    }
    return out;
  }

  const File& file_;
  std::string dubbo_;  // how the dubbo namespace is named: "dubbo::" or "::dubbo::"
  std::set<std::string, std::less<>> type_names_;
  std::set<std::string> shadowed_;  // C++ method names of the interface being written
};

}  // namespace

std::string OutputStem(const std::string& idl_path) {
  std::filesystem::path p(idl_path);
  if (p.extension() == ".idl") return p.stem().string();
  return p.filename().string();
}

GeneratedCode Generate(const File& file) { return Generator(file).Run(); }

}  // namespace dubbo::idl

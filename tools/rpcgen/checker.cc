#include "tools/rpcgen/checker.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <sstream>
#include <utility>

#include "tools/rpcgen/naming.h"
#include "tools/rpcgen/parser.h"

namespace dubbo::idl {

std::string Diagnostic::ToString() const {
  if (loc.line <= 0) return file + ": " + message;
  return file + ":" + std::to_string(loc.line) + ":" + std::to_string(loc.column) + ": " + message;
}

std::optional<std::string> DiskReader::Read(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::optional<std::string> MemoryReader::Read(const std::string& path) {
  auto it = files_.find(path);
  if (it == files_.end()) return std::nullopt;
  return it->second;
}

namespace {

using Kind = TypeRef::Kind;

struct Builtin {
  std::string_view name;
  Kind kind;
  size_t type_args;
  std::string_view descriptor;  // JVM descriptor
  std::string_view java_name;
  std::string_view boxed;  // primitives: the wrapper class
};

constexpr Builtin kBuiltins[] = {
    {"void", Kind::kVoid, 0, "V", "void", ""},
    {"bool", Kind::kBool, 0, "Z", "boolean", "java.lang.Boolean"},
    {"byte", Kind::kByte, 0, "B", "byte", "java.lang.Byte"},
    {"short", Kind::kShort, 0, "S", "short", "java.lang.Short"},
    {"int", Kind::kInt, 0, "I", "int", "java.lang.Integer"},
    {"long", Kind::kLong, 0, "J", "long", "java.lang.Long"},
    {"float", Kind::kFloat, 0, "F", "float", "java.lang.Float"},
    {"double", Kind::kDouble, 0, "D", "double", "java.lang.Double"},
    {"string", Kind::kString, 0, "Ljava/lang/String;", "java.lang.String", ""},
    {"binary", Kind::kBinary, 0, "[B", "byte[]", ""},
    {"date", Kind::kDate, 0, "Ljava/util/Date;", "java.util.Date", ""},
    {"timestamp", Kind::kTimestamp, 0, "Ljava/sql/Timestamp;", "java.sql.Timestamp", ""},
    {"decimal", Kind::kDecimal, 0, "Ljava/math/BigDecimal;", "java.math.BigDecimal", ""},
    {"list", Kind::kList, 1, "Ljava/util/List;", "java.util.List", ""},
    {"set", Kind::kSet, 1, "Ljava/util/Set;", "java.util.Set", ""},
    {"map", Kind::kMap, 2, "Ljava/util/Map;", "java.util.Map", ""},
    {"optional", Kind::kOptional, 1, "", "", ""},
};

const Builtin* FindBuiltin(std::string_view name) {
  for (const Builtin& b : kBuiltins)
    if (b.name == name) return &b;
  return nullptr;
}
const Builtin* FindBuiltin(Kind kind) {
  for (const Builtin& b : kBuiltins)
    if (b.kind == kind) return &b;
  return nullptr;
}

// Declaration keywords are contextual but cannot name a type either.
bool IsDeclarationKeyword(std::string_view name) {
  return name == "package" || name == "import" || name == "struct" || name == "enum" ||
         name == "exception" || name == "interface" || name == "throws";
}

std::string BaseName(const std::string& path) {
  return std::filesystem::path(path).filename().generic_string();
}

std::string Normalize(const std::string& path) {
  std::string s = std::filesystem::path(path).lexically_normal().generic_string();
  return s.empty() ? path : s;
}

std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string s;
  for (const auto& p : parts) {
    if (!s.empty()) s += sep;
    s += p;
  }
  return s;
}

// A hint for names Java programmers reach for.
std::string UnknownTypeHint(std::string_view name) {
  static constexpr std::pair<std::string_view, std::string_view> kHints[] = {
      {"String", "string"},
      {"Integer", "int or optional<int>"},
      {"boolean", "bool"},
      {"Boolean", "bool"},
      {"Long", "long"},
      {"List", "list<T>"},
      {"Map", "map<K, V>"},
      {"Set", "set<T>"},
      {"Date", "date"},
      {"BigDecimal", "decimal"},
      {"Timestamp", "timestamp"},
      {"char", "string"},
      {"Object", "a struct"},
      {"i32", "int"},
      {"i64", "long"},
      {"int32", "int"},
      {"int64", "long"},
  };
  for (const auto& [from, to] : kHints)
    if (from == name) return " (did you mean " + std::string(to) + "?)";
  return "";
}

enum class Place {
  kPackage,
  kStruct,
  kEnum,
  kException,
  kInterface,
  kMethod,
  kField,
  kConstant,
  kParam
};

std::string_view PlaceName(Place p) {
  switch (p) {
    case Place::kPackage:
      return "the package";
    case Place::kStruct:
      return "a struct";
    case Place::kEnum:
      return "an enum";
    case Place::kException:
      return "an exception";
    case Place::kInterface:
      return "an interface";
    case Place::kMethod:
      return "a method";
    case Place::kField:
      return "a field";
    case Place::kConstant:
      return "an enum constant";
    case Place::kParam:
      return "a parameter";
  }
  return "here";
}

Place PlaceOf(TypeDecl::Kind kind) {
  switch (kind) {
    case TypeDecl::Kind::kStruct:
      return Place::kStruct;
    case TypeDecl::Kind::kEnum:
      return Place::kEnum;
    case TypeDecl::Kind::kException:
      return Place::kException;
  }
  return Place::kStruct;
}

enum class ArgSpec { kNone, kString, kPositiveInt, kNonNegativeInt };

struct AnnotationSpec {
  std::string_view name;
  ArgSpec arg;
  std::vector<Place> places;
  std::string_view usage;  // what to say when the arguments are wrong
};

const std::vector<AnnotationSpec>& AnnotationSpecs() {
  static const std::vector<AnnotationSpec> specs = {
      {"java",
       ArgSpec::kString,
       {Place::kStruct, Place::kEnum, Place::kException, Place::kInterface},
       "takes one string: a Java class name"},
      {"namespace", ArgSpec::kString, {Place::kPackage}, "takes one string: a C++ namespace"},
      {"version", ArgSpec::kString, {Place::kInterface}, "takes one string"},
      {"group", ArgSpec::kString, {Place::kInterface}, "takes one string"},
      {"timeout",
       ArgSpec::kPositiveInt,
       {Place::kInterface, Place::kMethod},
       "takes one positive integer (milliseconds)"},
      {"retries",
       ArgSpec::kNonNegativeInt,
       {Place::kInterface, Place::kMethod},
       "takes one non-negative integer"},
      {"oneway", ArgSpec::kNone, {Place::kMethod}, "takes no arguments"},
      {"async", ArgSpec::kNone, {Place::kMethod}, "takes no arguments"},
      {"idempotent", ArgSpec::kNone, {Place::kMethod}, "takes no arguments"},
      {"blocking", ArgSpec::kNone, {Place::kMethod}, "takes no arguments"},
  };
  return specs;
}

// Names rpcgen's generated classes use themselves.
constexpr std::string_view kReservedMethodNames[] = {
    "Definition", "Call",      "CallWithCallback", "CallAwaitable", "MakeInvocation", "Decode",
    "CallResult", "Awaitable", "Callback",         "StubBase",      "ServiceBase"};
constexpr std::string_view kReservedConstants[] = {"kInterface", "kDefaultVersion", "kDefaultGroup",
                                                   "kMethods", "kMethodNames"};
// dubbo::Throwable's members and java.lang.Throwable's serialized fields.
constexpr std::string_view kThrowableFields[] = {
    "message",    "stack_trace",          "cause",   "detailMessage",
    "stackTrace", "suppressedExceptions", "ToStatus"};

class FileChecker {
 public:
  FileChecker(File* file, std::vector<Diagnostic>* diagnostics,
              std::map<std::string, const File*>* cpp_names)
      : file_(*file), diagnostics_(*diagnostics), cpp_names_(*cpp_names) {}

  // True when the file is free of errors.
  bool Run() {
    CheckPackage();
    DeclareNames();
    type_names_ = CppTypeNames(file_);
    for (auto& decl : file_.types) CheckType(*decl);
    CheckContainment();
    for (auto& iface : file_.interfaces) CheckInterface(iface);
    return errors_ == 0;
  }

 private:
  void Error(Location loc, std::string message) {
    diagnostics_.push_back(Diagnostic{file_.path, loc, std::move(message)});
    ++errors_;
  }

  // Validates annotations at `place`; returns the valid ones by name.
  std::map<std::string, const Annotation*> CheckAnnotations(
      const std::vector<Annotation>& annotations, Place place) {
    std::map<std::string, const Annotation*> out;
    for (const Annotation& a : annotations) {
      const auto& specs = AnnotationSpecs();
      auto spec =
          std::find_if(specs.begin(), specs.end(), [&](const auto& s) { return s.name == a.name; });
      if (spec == specs.end()) {
        Error(a.loc, "unknown annotation @" + a.name);
        continue;
      }
      if (std::find(spec->places.begin(), spec->places.end(), place) == spec->places.end()) {
        Error(a.loc, "@" + a.name + " is not valid on " + std::string(PlaceName(place)));
        continue;
      }
      if (out.count(a.name) != 0) {
        Error(a.loc, "duplicate annotation @" + a.name);
        continue;
      }
      bool ok = true;
      switch (spec->arg) {
        case ArgSpec::kNone:
          ok = a.args.empty();
          break;
        case ArgSpec::kString:
          ok = a.args.size() == 1 && a.args[0].kind == Literal::Kind::kString;
          break;
        case ArgSpec::kPositiveInt:
          ok = a.args.size() == 1 && a.args[0].kind == Literal::Kind::kInt && a.args[0].number > 0;
          break;
        case ArgSpec::kNonNegativeInt:
          ok = a.args.size() == 1 && a.args[0].kind == Literal::Kind::kInt &&
               a.args[0].number >= 0 && a.args[0].number <= std::numeric_limits<int32_t>::max();
          break;
      }
      if (!ok) {
        Error(a.loc, "@" + a.name + " " + std::string(spec->usage));
        continue;
      }
      if (a.name == "java" && !IsJavaClassName(a.args[0].text)) {
        Error(a.args[0].loc, "@java(\"" + a.args[0].text + "\") is not a Java class name");
        continue;
      }
      if (a.name == "namespace" && !IsCppNamespace(a.args[0].text)) {
        Error(a.args[0].loc, "@namespace(\"" + a.args[0].text + "\") is not a C++ namespace");
        continue;
      }
      out[a.name] = &a;
    }
    return out;
  }

  void CheckPackage() {
    auto annotations = CheckAnnotations(file_.package_annotations, Place::kPackage);
    if (file_.package.empty()) {
      Error(file_.package_loc, "missing package declaration (e.g. \"package com.example;\")");
    }
    file_.package_name = Join(file_.package, ".");
    if (auto it = annotations.find("namespace"); it != annotations.end()) {
      const std::string& ns = it->second->args[0].text;
      size_t start = 0;
      while (true) {
        const size_t sep = ns.find("::", start);
        file_.cpp_namespace.push_back(
            ns.substr(start, sep == std::string::npos ? sep : sep - start));
        if (sep == std::string::npos) break;
        start = sep + 2;
      }
      return;
    }
    for (const std::string& segment : file_.package) {
      if (IsCppReserved(segment) || segment == "std") {
        Error(file_.package_loc, "package segment '" + segment +
                                     "' cannot be a C++ namespace; choose one with @namespace");
        return;
      }
    }
    file_.cpp_namespace = file_.package;
  }

  std::string JavaName(const std::string& name) const {
    return file_.package_name.empty() ? name : file_.package_name + "." + name;
  }

  // Checks a declared name; false when it cannot be used.
  bool CheckDeclaredName(const std::string& name, Location loc) {
    if (FindBuiltin(name) != nullptr || IsDeclarationKeyword(name)) {
      Error(loc, "'" + name + "' is a keyword of the IDL and cannot name a type");
      return false;
    }
    if (IsCppReserved(name)) {
      Error(loc, "'" + name + "' is reserved in C++ and cannot name a type");
      return false;
    }
    return true;
  }

  void DeclareNames() {
    std::map<std::string, Location> declared;
    auto declare = [&](const std::string& name, Location loc) {
      if (!CheckDeclaredName(name, loc)) return;
      auto [it, inserted] = declared.emplace(name, loc);
      if (!inserted) {
        Error(loc, "duplicate type '" + name + "' (first declared at line " +
                       std::to_string(it->second.line) + ")");
        return;
      }
      const std::string cpp = Join(file_.cpp_namespace, "::") + "::" + name;
      auto [other, fresh] = cpp_names_.emplace(cpp, &file_);
      if (!fresh && other->second != &file_) {
        Error(loc, "type '" + name + "' is also declared in " + BaseName(other->second->path) +
                       " (same C++ namespace)");
      }
    };
    for (auto& decl : file_.types) {
      decl->file = &file_;
      auto annotations = CheckAnnotations(decl->annotations, PlaceOf(decl->kind));
      auto java = annotations.find("java");
      decl->java_class =
          java != annotations.end() ? java->second->args[0].text : JavaName(decl->name);
      declare(decl->name, decl->loc);
    }
    for (auto& iface : file_.interfaces) declare(iface.name, iface.loc);
    for (auto& iface : file_.interfaces) {
      for (const auto& [suffix, what] :
           {std::pair<std::string, std::string>{"Base", "provider base"},
            std::pair<std::string, std::string>{"Stub", "stub"}}) {
        auto it = declared.find(iface.name + suffix);
        if (it != declared.end()) {
          Error(it->second, "'" + iface.name + suffix + "' clashes with the " + what +
                                " class generated for interface '" + iface.name + "'");
        }
      }
    }
  }

  // --- type references ---------------------------------------------------------------------------
  enum class Use { kField, kParam, kResult, kArg };

  // Finds the declaration `name` refers to from this file; nullptr after reporting why not.
  const TypeDecl* Lookup(const std::string& name, Location loc) {
    auto is_interface = [](const File& f, std::string_view n) {
      return std::any_of(f.interfaces.begin(), f.interfaces.end(),
                         [&](const Interface& i) { return i.name == n; });
    };
    auto find_in = [](const File& f, std::string_view n) -> const TypeDecl* {
      for (const auto& d : f.types)
        if (d->name == n) return d.get();
      return nullptr;
    };
    const size_t dot = name.rfind('.');
    if (dot != std::string::npos) {
      const std::string package = name.substr(0, dot);
      const std::string simple = name.substr(dot + 1);
      std::vector<const File*> files;
      if (package == file_.package_name) files.push_back(&file_);
      for (const Import& imp : file_.imports)
        if (imp.file != nullptr && imp.file->package_name == package) files.push_back(imp.file);
      for (const File* f : files) {
        if (const TypeDecl* d = find_in(*f, simple)) return d;
        if (is_interface(*f, simple)) {
          Error(loc, "'" + name + "' is an interface, not a type");
          return nullptr;
        }
      }
      Error(loc, "unknown type '" + name + "'");
      return nullptr;
    }
    if (const TypeDecl* d = find_in(file_, name)) return d;
    if (is_interface(file_, name)) {
      Error(loc, "'" + name + "' is an interface, not a type");
      return nullptr;
    }
    std::vector<const TypeDecl*> found;
    for (const Import& imp : file_.imports) {
      if (imp.file == nullptr) continue;
      if (const TypeDecl* d = find_in(*imp.file, name)) {
        if (std::find(found.begin(), found.end(), d) == found.end()) found.push_back(d);
      }
    }
    if (found.size() == 1) return found[0];
    if (found.size() > 1) {
      Error(loc, "ambiguous type '" + name + "': " + found[0]->file->package_name + "." + name +
                     " or " + found[1]->file->package_name + "." + name + "; qualify it");
      return nullptr;
    }
    Error(loc, "unknown type '" + name + "'" + UnknownTypeHint(name));
    return nullptr;
  }

  static bool IsKeyType(const TypeRef& t) {
    return t.is_primitive() || t.kind == Kind::kString || t.kind == Kind::kEnum;
  }

  // Resolves `t` (and its arguments); false after reporting a problem.
  bool Resolve(TypeRef& t, Use use, const TypeRef* container = nullptr) {
    if (const Builtin* b = FindBuiltin(t.name)) {
      t.kind = b->kind;
      if (b->type_args == 0 && t.has_args) {
        Error(t.loc, "'" + t.name + "' takes no type arguments");
        return false;
      }
      if (b->type_args > 0 && t.args.size() != b->type_args) {
        Error(t.loc, t.name == "map" ? std::string("map takes two type arguments: map<K, V>")
                                     : t.name + " takes one type argument: " + t.name + "<T>");
        return false;
      }
      if (t.kind == Kind::kVoid && use != Use::kResult) {
        if (use == Use::kField) {
          Error(t.loc, "a field cannot be void");
        } else if (use == Use::kParam) {
          Error(t.loc, "a parameter cannot be void");
        } else if (container != nullptr && container->kind == Kind::kOptional) {
          Error(t.loc, "optional<void> is not a type");
        } else {
          Error(t.loc, "void cannot be a type argument");
        }
        return false;
      }
      for (TypeRef& arg : t.args) {
        if (!Resolve(arg, Use::kArg, &t)) return false;
      }
      if (t.kind == Kind::kOptional && t.args[0].kind == Kind::kOptional) {
        Error(t.args[0].loc, "optional cannot be nested");
        return false;
      }
      if (t.kind == Kind::kMap && !IsKeyType(t.args[0])) {
        Error(t.args[0].loc,
              "map key must be a scalar, string or enum, not '" + TypeName(t.args[0]) + "'");
        return false;
      }
      if (t.kind == Kind::kSet && !IsKeyType(t.args[0])) {
        Error(t.args[0].loc,
              "set element must be a scalar, string or enum, not '" + TypeName(t.args[0]) + "'");
        return false;
      }
      return true;
    }
    const TypeDecl* decl = Lookup(t.name, t.loc);
    if (decl == nullptr) return false;
    t.decl = decl;
    switch (decl->kind) {
      case TypeDecl::Kind::kStruct:
        t.kind = Kind::kStruct;
        break;
      case TypeDecl::Kind::kEnum:
        t.kind = Kind::kEnum;
        break;
      case TypeDecl::Kind::kException:
        t.kind = Kind::kException;
        Error(t.loc, "exception '" + t.name + "' can only be named in a throws clause");
        return false;
    }
    if (t.has_args) {
      Error(t.loc, "'" + t.name + "' takes no type arguments");
      return false;
    }
    return true;
  }

  // --- structs, exceptions, enums ----------------------------------------------------------------
  void CheckType(TypeDecl& decl) {
    if (decl.kind == TypeDecl::Kind::kEnum) return CheckEnum(decl);
    std::map<std::string, Location> names;
    std::map<std::string, std::string> cpp_names;
    for (Field& f : decl.fields) {
      CheckAnnotations(f.annotations, Place::kField);
      auto [it, inserted] = names.emplace(f.name, f.loc);
      if (!inserted) {
        Error(f.loc, "duplicate field '" + f.name + "' (first declared at line " +
                         std::to_string(it->second.line) + ")");
        continue;
      }
      if (decl.kind == TypeDecl::Kind::kException &&
          std::find(std::begin(kThrowableFields), std::end(kThrowableFields), f.name) !=
              std::end(kThrowableFields)) {
        Error(f.loc, "field '" + f.name + "' clashes with a field of Throwable");
        continue;
      }
      const std::string cpp = CppMemberName(f.name, type_names_);
      auto [other, fresh] = cpp_names.emplace(cpp, f.name);
      if (!fresh) {
        Error(f.loc, "fields '" + other->second + "' and '" + f.name + "' both become '" + cpp +
                         "' in C++");
        continue;
      }
      Resolve(f.type, Use::kField);
    }
  }

  void CheckEnum(TypeDecl& decl) {
    if (decl.constants.empty()) Error(decl.loc, "enum '" + decl.name + "' has no constants");
    std::map<std::string, Location> names;
    for (const EnumConstant& c : decl.constants) {
      CheckAnnotations(c.annotations, Place::kConstant);
      auto [it, inserted] = names.emplace(c.name, c.loc);
      if (!inserted) {
        Error(c.loc, "duplicate enum constant '" + c.name + "' (first declared at line " +
                         std::to_string(it->second.line) + ")");
      } else if (IsCppReserved(c.name)) {
        Error(c.loc, "enum constant '" + c.name + "' is reserved in C++");
      }
    }
  }

  // The local structs a type holds by value (so they must be complete before it): directly,
  // in an optional or as a map value. Lists hold their elements out of line.
  void ValueDeps(const TypeRef& t, std::vector<const TypeDecl*>* out) const {
    if (t.kind == Kind::kStruct && t.decl != nullptr && t.decl->file == &file_)
      out->push_back(t.decl);
    if (t.kind == Kind::kOptional && !t.args.empty()) ValueDeps(t.args[0], out);
    if (t.kind == Kind::kMap && t.args.size() == 2) ValueDeps(t.args[1], out);
  }

  // A struct that contains itself by value has no C++ layout (nor a finite Java value). A depth-
  // first walk over the by-value edges, iterative (the input decides how deep it goes).
  void CheckContainment() {
    enum class Color { kWhite, kGray, kBlack };
    struct Edge {
      const Field* field;
      const TypeDecl* to;
    };
    std::map<const TypeDecl*, std::vector<Edge>> edges;
    for (const auto& d : file_.types) {
      if (d->kind != TypeDecl::Kind::kStruct) continue;
      for (const Field& f : d->fields) {
        std::vector<const TypeDecl*> deps;
        ValueDeps(f.type, &deps);
        for (const TypeDecl* dep : deps) edges[d.get()].push_back({&f, dep});
      }
    }
    std::map<const TypeDecl*, Color> color;
    struct Frame {
      const TypeDecl* decl;
      size_t next_edge;
    };
    for (const auto& root : file_.types) {
      if (root->kind != TypeDecl::Kind::kStruct || color[root.get()] != Color::kWhite) continue;
      std::vector<Frame> stack{{root.get(), 0}};
      color[root.get()] = Color::kGray;
      while (!stack.empty()) {
        Frame& top = stack.back();
        const std::vector<Edge>& out = edges[top.decl];
        if (top.next_edge == out.size()) {
          color[top.decl] = Color::kBlack;
          stack.pop_back();
          continue;
        }
        const Edge& e = out[top.next_edge++];
        if (color[e.to] == Color::kWhite) {
          color[e.to] = Color::kGray;
          stack.push_back({e.to, 0});
        } else if (color[e.to] == Color::kGray) {
          // The cycle: the frames from e.to up, each through the edge it last followed.
          std::string chain;
          bool on_cycle = false;
          for (const Frame& f : stack) {
            on_cycle |= f.decl == e.to;
            if (!on_cycle) continue;
            const Edge& via = edges[f.decl][f.next_edge - 1];
            chain += (chain.empty() ? "" : " -> ") + f.decl->name + "." + via.field->name;
          }
          Error(e.field->loc, "struct '" + e.to->name + "' contains itself (" + chain +
                                  "); a struct can refer back to itself only through list<>");
          return;
        }
      }
    }
  }

  // --- interfaces --------------------------------------------------------------------------------
  void CheckInterface(Interface& iface) {
    auto annotations = CheckAnnotations(iface.annotations, Place::kInterface);
    auto text = [&](const char* name, std::string fallback) {
      auto it = annotations.find(name);
      return it == annotations.end() ? fallback : it->second->args[0].text;
    };
    auto number = [&](const char* name, int64_t fallback) {
      auto it = annotations.find(name);
      return it == annotations.end() ? fallback : it->second->args[0].number;
    };
    iface.java_name = text("java", JavaName(iface.name));
    iface.version = text("version", "");
    iface.group = text("group", "");
    const int64_t timeout = number("timeout", 0);
    const int64_t retries = number("retries", -1);

    for (Method& m : iface.methods) CheckMethod(m, timeout, static_cast<int32_t>(retries));
    CheckOverloads(iface);
    CheckCppNames(iface);
  }

  void CheckMethod(Method& m, int64_t timeout, int32_t retries) {
    auto annotations = CheckAnnotations(m.annotations, Place::kMethod);
    m.one_way = annotations.count("oneway") != 0;
    m.async = annotations.count("async") != 0;
    m.idempotent = annotations.count("idempotent") != 0;
    m.blocking = annotations.count("blocking") != 0;
    m.timeout_ms = annotations.count("timeout") ? annotations["timeout"]->args[0].number : timeout;
    m.retries = annotations.count("retries")
                    ? static_cast<int32_t>(annotations["retries"]->args[0].number)
                    : retries;
    if (m.one_way && m.async) {
      const Annotation* later =
          std::max(annotations["oneway"], annotations["async"],
                   [](const Annotation* a, const Annotation* b) {
                     return a->loc.line < b->loc.line ||
                            (a->loc.line == b->loc.line && a->loc.column < b->loc.column);
                   });
      Error(later->loc, "@async and @oneway cannot be combined");
    }
    bool resolved = Resolve(m.result, Use::kResult);
    if (resolved && m.one_way && m.result.kind != Kind::kVoid) {
      Error(m.result.loc, "@oneway method '" + m.name + "' must return void");
    }
    std::map<std::string, std::string> cpp_params;
    std::map<std::string, Location> params;
    for (Param& p : m.params) {
      CheckAnnotations(p.annotations, Place::kParam);
      auto [it, inserted] = params.emplace(p.name, p.loc);
      if (!inserted) {
        Error(p.loc, "duplicate parameter '" + p.name + "'");
        resolved = false;
        continue;
      }
      const std::string cpp = CppMemberName(p.name, type_names_);
      auto [other, fresh] = cpp_params.emplace(cpp, p.name);
      if (!fresh) {
        Error(p.loc, "parameters '" + other->second + "' and '" + p.name + "' both become '" + cpp +
                         "' in C++");
      }
      if (!Resolve(p.type, Use::kParam)) resolved = false;
    }
    if (m.one_way && !m.throws.empty()) {
      Error(m.throws[0].loc, "@oneway method '" + m.name + "' cannot declare exceptions");
    }
    std::set<const TypeDecl*> thrown;
    for (TypeRef& t : m.throws) {
      const TypeDecl* decl = FindBuiltin(t.name) != nullptr ? nullptr : Lookup(t.name, t.loc);
      if (FindBuiltin(t.name) != nullptr ||
          (decl != nullptr && decl->kind != TypeDecl::Kind::kException)) {
        Error(t.loc, "'" + t.name + "' in the throws clause is not an exception");
        continue;
      }
      if (decl == nullptr) continue;
      t.kind = Kind::kException;
      t.decl = decl;
      if (!thrown.insert(decl).second)
        Error(t.loc, "'" + t.name + "' is already in the throws clause");
    }
    if (!resolved) return;
    for (const Param& p : m.params) {
      m.descriptor += Descriptor(p.type);
      m.java_types.push_back(JavaTypeName(p.type));
    }
  }

  void CheckOverloads(const Interface& iface) {
    for (size_t i = 0; i < iface.methods.size(); ++i) {
      const Method& m = iface.methods[i];
      for (size_t j = 0; j < i; ++j) {
        const Method& first = iface.methods[j];
        if (first.name != m.name) continue;
        const bool both_resolved = first.java_types.size() == first.params.size() &&
                                   m.java_types.size() == m.params.size();
        if (both_resolved && first.descriptor == m.descriptor) {
          Error(m.loc, "duplicate method '" + m.name + "(" + Join(m.java_types, ", ") +
                           ")' (first declared at line " + std::to_string(first.loc.line) + ")");
          break;
        }
        if (first.retries != m.retries || first.idempotent != m.idempotent) {
          Error(m.loc, "overloads of '" + m.name +
                           "' must agree on @retries and @idempotent (see line " +
                           std::to_string(first.loc.line) + ")");
          break;
        }
      }
    }
  }

  // Methods become C++ member functions (Name, NameAsync) and constants (kName): two IDL methods
  // must not meet in one C++ name, nor take one rpcgen uses itself.
  void CheckCppNames(const Interface& iface) {
    std::map<std::string, const Method*> functions;  // C++ function name -> method
    std::map<std::string, const Method*> constants;
    for (size_t i = 0; i < iface.methods.size(); ++i) {
      const Method& m = iface.methods[i];
      const std::string cpp = UpperCamel(m.name);
      if (std::find(std::begin(kReservedMethodNames), std::end(kReservedMethodNames), cpp) !=
          std::end(kReservedMethodNames)) {
        Error(m.loc, "method '" + m.name + "' would become " + cpp + "(), which rpcgen reserves");
        continue;
      }
      if (cpp == iface.name + "Base" || cpp == iface.name + "Stub") {
        Error(m.loc, "method '" + m.name + "' would become " + cpp + "(), the name of its class");
        continue;
      }
      const std::string constant = MethodInfoName(iface, i);
      if (std::find(std::begin(kReservedConstants), std::end(kReservedConstants), constant) !=
          std::end(kReservedConstants)) {
        Error(m.loc, "method '" + m.name + "' would need the constant " + constant +
                         ", which rpcgen reserves");
        continue;
      }
      if (auto [it, fresh] = constants.emplace(constant, &m); !fresh) {
        Error(m.loc, "methods '" + it->second->name + "' and '" + m.name +
                         "' both need the constant " + constant);
        continue;
      }
      for (const std::string& name : {cpp, cpp + "Async"}) {
        auto [it, fresh] = functions.emplace(name, &m);
        if (!fresh && it->second->name != m.name) {
          Error(m.loc, "methods '" + it->second->name + "' and '" + m.name +
                           "' both need the C++ name " + name + "()");
          break;
        }
      }
    }
  }

  File& file_;
  std::vector<Diagnostic>& diagnostics_;
  std::map<std::string, const File*>& cpp_names_;
  std::set<std::string, std::less<>> type_names_;  // see CppTypeNames
  int errors_ = 0;
};

}  // namespace

// --- Compiler ------------------------------------------------------------------------------------

struct Compiler::Loaded {
  File file;
  bool loading = false;  // its imports are being loaded
  bool failed = false;   // it or something it imports has an error
};

Compiler::Compiler(SourceReader* reader, std::vector<std::string> include_dirs)
    : reader_(reader), include_dirs_(std::move(include_dirs)) {}

Compiler::~Compiler() = default;

const File* Compiler::Compile(const std::string& path) {
  const std::string key = Normalize(path);
  if (auto it = files_.find(key); it != files_.end()) return &it->second->file;
  std::optional<std::string> text = reader_->Read(key);
  if (!text) {
    diagnostics_.push_back(Diagnostic{key, {}, "cannot read the file"});
    return nullptr;
  }
  return &Load(key, *text)->file;
}

Compiler::Loaded* Compiler::Load(const std::string& path, const std::string& text) {
  auto owned = std::make_unique<Loaded>();
  Loaded* loaded = owned.get();
  files_[path] = std::move(owned);
  loaded->file.path = path;
  if (std::optional<Diagnostic> error = Parse(text, &loaded->file)) {
    diagnostics_.push_back(std::move(*error));
    loaded->failed = true;
    return loaded;
  }
  LoadImports(loaded);
  if (!loaded->failed) Check(loaded);
  return loaded;
}

void Compiler::LoadImports(Loaded* loaded) {
  loaded->loading = true;
  File& file = loaded->file;
  const std::filesystem::path dir = std::filesystem::path(file.path).parent_path();
  std::set<const File*> seen;
  for (Import& imp : file.imports) {
    stack_.push_back(Frame{loaded, &imp});
    std::vector<std::string> candidates;
    if (std::filesystem::path(imp.path).is_absolute()) {
      candidates.push_back(imp.path);
    } else {
      candidates.push_back((dir / imp.path).generic_string());
      for (const std::string& include : include_dirs_) {
        candidates.push_back((std::filesystem::path(include) / imp.path).generic_string());
      }
    }
    Loaded* dep = nullptr;
    for (const std::string& candidate : candidates) {
      const std::string key = Normalize(candidate);
      if (auto it = files_.find(key); it != files_.end()) {
        dep = it->second.get();
        break;
      }
      if (std::optional<std::string> text = reader_->Read(key)) {
        dep = Load(key, *text);
        break;
      }
    }
    stack_.pop_back();
    if (dep == nullptr) {
      diagnostics_.push_back(
          Diagnostic{file.path, imp.loc, "cannot find import \"" + imp.path + "\""});
      loaded->failed = true;
      continue;
    }
    if (dep->loading) {
      // Report at the import that entered the cycle, naming every file on it.
      size_t start = 0;
      while (start < stack_.size() && stack_[start].file != dep) ++start;
      std::string chain;
      for (size_t i = start; i < stack_.size(); ++i)
        chain += BaseName(stack_[i].file->file.path) + " -> ";
      chain += BaseName(loaded->file.path) + " -> " + BaseName(dep->file.path);
      const Frame& entry = start < stack_.size() ? stack_[start] : Frame{loaded, &imp};
      diagnostics_.push_back(
          Diagnostic{entry.file->file.path, entry.import->loc, "circular import: " + chain});
      for (size_t i = start; i < stack_.size(); ++i) stack_[i].file->failed = true;
      loaded->failed = true;
      continue;
    }
    if (!seen.insert(&dep->file).second) {
      diagnostics_.push_back(
          Diagnostic{file.path, imp.loc, "\"" + imp.path + "\" is already imported"});
      loaded->failed = true;
      continue;
    }
    imp.file = &dep->file;
    if (dep->failed) loaded->failed = true;
  }
  loaded->loading = false;
}

void Compiler::Check(Loaded* loaded) {
  FileChecker checker(&loaded->file, &diagnostics_, &cpp_names_);
  if (!checker.Run()) loaded->failed = true;
}

// --- type facts ----------------------------------------------------------------------------------

std::string Descriptor(const TypeRef& type) {
  switch (type.kind) {
    case Kind::kOptional:
      if (type.args.empty()) return "";
      if (type.args[0].is_primitive()) {
        std::string boxed(FindBuiltin(type.args[0].kind)->boxed);
        std::replace(boxed.begin(), boxed.end(), '.', '/');
        return "L" + boxed + ";";
      }
      return Descriptor(type.args[0]);
    case Kind::kStruct:
    case Kind::kEnum:
    case Kind::kException: {
      std::string name = type.decl != nullptr ? type.decl->java_class : type.name;
      std::replace(name.begin(), name.end(), '.', '/');
      return "L" + name + ";";
    }
    case Kind::kUnresolved:
      return "";
    default:
      return std::string(FindBuiltin(type.kind)->descriptor);
  }
}

std::string JavaTypeName(const TypeRef& type) {
  switch (type.kind) {
    case Kind::kOptional:
      if (type.args.empty()) return "";
      if (type.args[0].is_primitive()) return std::string(FindBuiltin(type.args[0].kind)->boxed);
      return JavaTypeName(type.args[0]);
    case Kind::kStruct:
    case Kind::kEnum:
    case Kind::kException:
      return type.decl != nullptr ? type.decl->java_class : type.name;
    case Kind::kUnresolved:
      return "";
    default:
      return std::string(FindBuiltin(type.kind)->java_name);
  }
}

std::string TypeName(const TypeRef& type) {
  std::string s = type.name;
  if (type.has_args) {
    s += "<";
    for (size_t i = 0; i < type.args.size(); ++i) s += (i ? ", " : "") + TypeName(type.args[i]);
    s += ">";
  }
  return s;
}

std::set<std::string, std::less<>> CppTypeNames(const File& file) {
  std::set<std::string, std::less<>> names = {"int8_t", "int16_t", "int32_t", "int64_t", "uint8_t"};
  auto add = [&](const File& f) {
    for (const auto& d : f.types) names.insert(d->name);
    for (const Interface& i : f.interfaces) names.insert(i.name);
  };
  add(file);
  for (const Import& imp : file.imports) {
    if (imp.file != nullptr && imp.file->cpp_namespace == file.cpp_namespace) add(*imp.file);
  }
  return names;
}

std::string MethodInfoName(const Interface& iface, size_t method_index) {
  const std::string& name = iface.methods[method_index].name;
  int ordinal = 0;
  for (size_t i = 0; i <= method_index; ++i)
    if (iface.methods[i].name == name) ++ordinal;
  std::string constant = "k" + UpperCamel(name);
  if (ordinal > 1) constant += std::to_string(ordinal);
  return constant;
}

}  // namespace dubbo::idl

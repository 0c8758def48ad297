// The syntax tree of one IDL file (docs/idl.md), as the parser builds it and the checker completes
// it: the parser fills what is written, the checker resolves type references, reads annotations
// into the typed fields below and computes the Java facts (descriptors, class names).
//
// Files are owned by a Program (checker.h) and never move once parsed, so the tree may point
// across files (an imported type's TypeDecl). Plain data; not thread-safe to mutate.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace dubbo::idl {

struct File;
struct TypeDecl;

// 1-based line and column; the column counts bytes (a tab is one column).
struct Location {
  int line = 0;
  int column = 0;
};

// One problem, located in a file.
struct Diagnostic {
  std::string file;
  Location loc;
  std::string message;

  // "file:line:column: message".
  std::string ToString() const;
};

// The comment block written directly above a declaration (or after it on the same line), as
// lines of text without the comment markers.
using Doc = std::vector<std::string>;

struct Literal {
  enum class Kind { kString, kInt };
  Kind kind = Kind::kString;
  std::string text;  // the string's value, or the integer as written
  int64_t number = 0;
  Location loc;
};

// @name or @name(arguments).
struct Annotation {
  std::string name;
  Location loc;
  bool has_parens = false;
  std::vector<Literal> args;
};

// A type as written ("map<string, list<User>>"), resolved by the checker.
struct TypeRef {
  enum class Kind {
    kUnresolved,
    kVoid,
    kBool,
    kByte,
    kShort,
    kInt,
    kLong,
    kFloat,
    kDouble,
    kString,
    kBinary,
    kDate,
    kTimestamp,
    kDecimal,
    kList,
    kSet,
    kMap,
    kOptional,
    kStruct,
    kEnum,
    kException,
  };

  std::string name;  // "int", "list", "User", "org.example.common.Money"
  Location loc;
  std::vector<TypeRef> args;
  bool has_args = false;  // "<...>" was written, possibly empty

  Kind kind = Kind::kUnresolved;
  const TypeDecl* decl = nullptr;  // for kStruct, kEnum, kException

  bool is_primitive() const { return kind >= Kind::kBool && kind <= Kind::kDouble; }
};

struct Field {
  std::vector<Annotation> annotations;
  TypeRef type;
  std::string name;  // the Java field name
  Location loc;
  Doc doc;
};

struct EnumConstant {
  std::vector<Annotation> annotations;
  std::string name;
  Location loc;
  Doc doc;
};

// struct, enum or exception.
struct TypeDecl {
  enum class Kind { kStruct, kEnum, kException };
  Kind kind = Kind::kStruct;
  std::vector<Annotation> annotations;
  std::string name;
  Location loc;
  Doc doc;
  std::vector<Field> fields;            // struct, exception
  std::vector<EnumConstant> constants;  // enum

  // Set by the checker.
  const File* file = nullptr;
  std::string java_class;  // "org.example.User", or @java's
};

struct Param {
  std::vector<Annotation> annotations;
  TypeRef type;
  std::string name;
  Location loc;
};

struct Method {
  std::vector<Annotation> annotations;
  TypeRef result;
  std::string name;  // the wire name, as written
  Location loc;
  std::vector<Param> params;
  std::vector<TypeRef> throws;
  Doc doc;

  // Set by the checker.
  bool one_way = false;
  bool async = false;
  bool idempotent = false;
  bool blocking = false;                // @blocking: runs on the provider's blocking pool
  int64_t timeout_ms = 0;               // 0: not set
  int32_t retries = -1;                 // -1: not set
  std::string descriptor;               // "Ljava/lang/String;I"
  std::vector<std::string> java_types;  // "java.lang.String", "int"
};

struct Interface {
  std::vector<Annotation> annotations;
  std::string name;
  Location loc;
  Doc doc;
  std::vector<Method> methods;

  // Set by the checker.
  std::string java_name;  // the Dubbo interface name
  std::string version;
  std::string group;
};

struct Import {
  std::string path;  // as written
  Location loc;
  const File* file = nullptr;  // set by the checker
};

struct File {
  std::string path;  // as opened (what diagnostics name)
  Doc doc;           // the comment above `package`
  std::vector<Annotation> package_annotations;
  std::vector<std::string> package;  // {"org", "example"}; empty when missing
  Location package_loc;
  std::vector<Import> imports;
  std::vector<std::unique_ptr<TypeDecl>> types;  // declaration order
  std::vector<Interface> interfaces;             // declaration order

  // Set by the checker.
  std::string package_name;                // "org.example"
  std::vector<std::string> cpp_namespace;  // the package, or @namespace's
};

}  // namespace dubbo::idl

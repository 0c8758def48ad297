// The IDL grammar (docs/idl.md), by recursive descent over the lexer's tokens:
//
//   file       = [package] {import} {declaration}
//   package    = {annotation} "package" qualified ";"
//   import     = "import" STRING ";"
//   declaration= {annotation} (struct | exception | enum | interface)
//   struct     = "struct" IDENT "{" {field} "}"
//   exception  = "exception" IDENT "{" {field} "}"
//   field      = {annotation} type IDENT ";"
//   enum       = "enum" IDENT "{" [constant {"," constant} [","]] "}"
//   constant   = {annotation} IDENT
//   interface  = "interface" IDENT "{" {method} "}"
//   method     = {annotation} type IDENT "(" [param {"," param}] ")" ["throws" qualified {","
//   qualified}] ";" param      = {annotation} type IDENT type       = qualified ["<" type {","
//   type} ">"] annotation = "@" IDENT ["(" [literal {"," literal}] ")"] literal    = STRING | INT
//   qualified  = IDENT {"." IDENT}
//
// Keywords are contextual, so "date" or "list" may name a field. The parser stops at the first
// syntax error; whether names and types make sense is the checker's business. Thread-safe.
#pragma once

#include <optional>
#include <string_view>

#include "tools/rpcgen/ast.h"

namespace dubbo::idl {

// Parses `text` into *file (whose `path` names it in diagnostics). Returns the first lexical or
// syntax error, if any; *file then holds what was parsed before it.
std::optional<Diagnostic> Parse(std::string_view text, File* file);

}  // namespace dubbo::idl

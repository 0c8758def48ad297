#include "tools/rpcgen/naming.h"

#include <algorithm>
#include <cctype>
#include <iterator>

namespace dubbo::idl {
namespace {

// C++20 keywords and alternative tokens, the identifiers with special meaning, and the standard
// library's object-like macros an IDL name could meet.
constexpr std::string_view kCppReserved[] = {
    "alignas",       "alignof",     "and",
    "and_eq",        "asm",         "auto",
    "bitand",        "bitor",       "bool",
    "break",         "case",        "catch",
    "char",          "char8_t",     "char16_t",
    "char32_t",      "class",       "compl",
    "concept",       "const",       "consteval",
    "constexpr",     "constinit",   "const_cast",
    "continue",      "co_await",    "co_return",
    "co_yield",      "decltype",    "default",
    "delete",        "do",          "double",
    "dynamic_cast",  "else",        "enum",
    "explicit",      "export",      "extern",
    "false",         "float",       "for",
    "friend",        "goto",        "if",
    "inline",        "int",         "long",
    "mutable",       "namespace",   "new",
    "noexcept",      "not",         "not_eq",
    "nullptr",       "operator",    "or",
    "or_eq",         "private",     "protected",
    "public",        "register",    "reinterpret_cast",
    "requires",      "return",      "short",
    "signed",        "sizeof",      "static",
    "static_assert", "static_cast", "struct",
    "switch",        "template",    "this",
    "thread_local",  "throw",       "true",
    "try",           "typedef",     "typeid",
    "typename",      "union",       "unsigned",
    "using",         "virtual",     "void",
    "volatile",      "wchar_t",     "while",
    "xor",           "xor_eq",      "final",
    "override",      "import",      "module",
    "NULL",          "EOF",         "errno",
};

bool IsIdent(std::string_view s, bool allow_dollar) {
  if (s.empty()) return false;
  auto start = [&](char c) {
    return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || (allow_dollar && c == '$');
  };
  if (!start(s[0])) return false;
  return std::all_of(s.begin() + 1, s.end(), [&](char c) {
    return start(c) || std::isdigit(static_cast<unsigned char>(c));
  });
}

}  // namespace

bool IsCppReserved(std::string_view name) {
  return std::find(std::begin(kCppReserved), std::end(kCppReserved), name) !=
         std::end(kCppReserved);
}

std::string UpperCamel(std::string_view name) {
  std::string out;
  bool upper = true;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    // An underscore between a letter or digit and a lowercase letter separates words.
    if (c == '_' && !out.empty() && i + 1 < name.size() &&
        std::islower(static_cast<unsigned char>(name[i + 1]))) {
      upper = true;
      continue;
    }
    out.push_back(upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c);
    upper = false;
  }
  return out;
}

std::string CppMemberName(std::string_view name,
                          const std::set<std::string, std::less<>>& type_names) {
  if (IsCppReserved(name) || type_names.count(name) != 0) return std::string(name) + "_";
  return std::string(name);
}

bool IsJavaClassName(std::string_view name) {
  size_t start = 0;
  while (true) {
    const size_t dot = name.find('.', start);
    const std::string_view part =
        name.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (!IsIdent(part, true)) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

bool IsCppNamespace(std::string_view name) {
  size_t start = 0;
  while (true) {
    const size_t sep = name.find("::", start);
    const std::string_view part =
        name.substr(start, sep == std::string_view::npos ? sep : sep - start);
    if (!IsIdent(part, false) || IsCppReserved(part)) return false;
    if (sep == std::string_view::npos) return true;
    start = sep + 2;
  }
}

}  // namespace dubbo::idl

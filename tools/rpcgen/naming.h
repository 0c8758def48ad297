// How IDL names become C++ names. Shared by the checker (which rejects clashes before anything is
// written) and the generator. Pure functions; thread-safe.
#pragma once

#include <functional>
#include <set>
#include <string>
#include <string_view>

namespace dubbo::idl {

// True for C++20 keywords and alternative tokens ("class", "delete", "and", "co_await", ...),
// "final", "override", "import", "module", and the macros NULL, EOF and errno.
bool IsCppReserved(std::string_view name);

// "getUser" -> "GetUser", "get_user" -> "GetUser": the C++ name of a method.
std::string UpperCamel(std::string_view name);

// A field or parameter name usable in C++: the name itself, or name + "_" when it is reserved or
// one of `type_names`, the type names generated code spells unqualified (a member named like a
// type would change what the type's name means inside the struct).
std::string CppMemberName(std::string_view name,
                          const std::set<std::string, std::less<>>& type_names);

// A valid Java (binary) class name: identifiers separated by dots, '$' allowed ("a.b.Outer$In").
bool IsJavaClassName(std::string_view name);

// A valid C++ namespace path: identifiers separated by "::", none a keyword ("demo::api").
bool IsCppNamespace(std::string_view name);

}  // namespace dubbo::idl

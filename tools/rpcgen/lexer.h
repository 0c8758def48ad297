// Splits IDL text into tokens. Comments are not tokens: a block of comments directly above a
// token (no blank line between) becomes that token's `doc`, and a comment starting on the line of
// a token, after it, becomes that token's `trailing` doc. Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tools/rpcgen/ast.h"

namespace dubbo::idl {

struct Token {
  enum class Kind {
    kIdent,   // foo, int, struct (keywords are contextual)
    kInt,     // 123, -5
    kString,  // "text", with escapes resolved
    kPunct,   // one of { } ( ) < > , ; . @
    kEnd,
  };
  Kind kind = Kind::kEnd;
  std::string text;  // identifier, punctuation, the string's value or the integer as written
  int64_t number = 0;
  Location loc;
  Doc doc;
  Doc trailing;

  bool Is(std::string_view punct) const { return kind == Kind::kPunct && text == punct; }
  bool IsIdent(std::string_view word) const { return kind == Kind::kIdent && text == word; }
  // How a message names the token: "'}'", "identifier 'foo'", "end of file".
  std::string Describe() const;
};

struct LexResult {
  std::vector<Token> tokens;        // ends with kEnd
  std::optional<Diagnostic> error;  // the first lexical error (file left empty)
};

LexResult Lex(std::string_view text);

}  // namespace dubbo::idl

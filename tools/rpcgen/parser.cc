#include "tools/rpcgen/parser.h"

#include <utility>

#include "tools/rpcgen/lexer.h"

namespace dubbo::idl {
namespace {

std::string Join(const std::vector<std::string>& parts) {
  std::string s;
  for (const auto& p : parts) s += (s.empty() ? "" : ".") + p;
  return s;
}

// Deeper nesting is certainly a mistake, and would let input exhaust the stack.
constexpr int kMaxTypeDepth = 32;

// Every Parse* method returns false after recording the first error; callers return at once.
class Parser {
 public:
  Parser(std::vector<Token> tokens, File* file) : tokens_(std::move(tokens)), file_(file) {}

  std::optional<Diagnostic> error() const { return error_; }

  bool ParseFile() {
    const Token& first = Peek();
    file_->package_loc = first.loc;
    std::vector<Annotation> annotations;
    if (!ParseAnnotations(&annotations)) return false;
    bool pending = !annotations.empty();  // annotations of a declaration when there is no package
    if (Peek().IsIdent("package")) {
      file_->doc = first.doc;
      file_->package_annotations = std::move(annotations);
      annotations.clear();
      pending = false;
      file_->package_loc = Next().loc;
      if (!ParseQualified("a package name", &file_->package)) return false;
      if (!Expect(";", "after the package name")) return false;
    }
    if (!pending) {
      while (Peek().IsIdent("import")) {
        if (!ParseImport()) return false;
      }
    }
    while (true) {
      const Token& start = pending ? first : Peek();
      if (!pending) {
        if (Peek().kind == Token::Kind::kEnd) return true;
        if (!ParseAnnotations(&annotations)) return false;
      }
      pending = false;
      if (!ParseDeclaration(start, std::move(annotations))) return false;
      annotations.clear();
    }
  }

 private:
  const Token& Peek() const { return tokens_[pos_]; }
  const Token& Next() {
    const Token& t = tokens_[pos_];
    if (pos_ + 1 < tokens_.size()) ++pos_;
    return t;
  }

  bool Fail(Location loc, std::string message) {
    if (!error_) error_ = Diagnostic{file_->path, loc, std::move(message)};
    return false;
  }
  bool Unexpected(std::string_view expected) {
    return Fail(Peek().loc, "expected " + std::string(expected) + ", found " + Peek().Describe());
  }

  // Consumes punctuation `p`, or fails with "expected 'p' <context>, found ...".
  bool Expect(std::string_view p, std::string_view context, const Token** token = nullptr) {
    if (!Peek().Is(p)) return Unexpected("'" + std::string(p) + "' " + std::string(context));
    const Token& t = Next();
    if (token != nullptr) *token = &t;
    return true;
  }

  bool ExpectIdent(std::string_view what, const Token** token) {
    if (Peek().kind != Token::Kind::kIdent) return Unexpected(what);
    *token = &Next();
    return true;
  }

  bool ParseQualified(std::string_view what, std::vector<std::string>* parts) {
    const Token* t = nullptr;
    if (!ExpectIdent(what, &t)) return false;
    parts->push_back(t->text);
    while (Peek().Is(".")) {
      Next();
      if (!ExpectIdent("an identifier after '.'", &t)) return false;
      parts->push_back(t->text);
    }
    return true;
  }

  bool ParseImport() {
    Import imp;
    imp.loc = Next().loc;
    if (Peek().kind != Token::Kind::kString)
      return Unexpected("a file name in quotes after 'import'");
    imp.path = Next().text;
    if (!Expect(";", "after the import")) return false;
    file_->imports.push_back(std::move(imp));
    return true;
  }

  bool ParseAnnotations(std::vector<Annotation>* out) {
    while (Peek().Is("@")) {
      Annotation a;
      a.loc = Next().loc;
      const Token* name = nullptr;
      if (!ExpectIdent("an annotation name after '@'", &name)) return false;
      a.name = name->text;
      if (Peek().Is("(")) {
        Next();
        a.has_parens = true;
        while (!Peek().Is(")")) {
          const Token& t = Peek();
          if (t.kind != Token::Kind::kString && t.kind != Token::Kind::kInt) {
            return Unexpected("a string or number as the argument of @" + a.name);
          }
          Literal lit;
          lit.kind = t.kind == Token::Kind::kString ? Literal::Kind::kString : Literal::Kind::kInt;
          lit.text = t.text;
          lit.number = t.number;
          lit.loc = t.loc;
          a.args.push_back(std::move(lit));
          Next();
          if (!Peek().Is(",")) break;
          Next();
        }
        if (!Expect(")", "after the arguments of @" + a.name)) return false;
      }
      out->push_back(std::move(a));
    }
    return true;
  }

  bool ParseDeclaration(const Token& start, std::vector<Annotation> annotations) {
    const Token& t = Peek();
    if (t.IsIdent("struct") || t.IsIdent("exception"))
      return ParseStruct(start, std::move(annotations));
    if (t.IsIdent("enum")) return ParseEnum(start, std::move(annotations));
    if (t.IsIdent("interface")) return ParseInterface(start, std::move(annotations));
    if (annotations.empty() && t.IsIdent("import")) {
      return Fail(t.loc, "imports must come before the declarations");
    }
    if (annotations.empty() && t.IsIdent("package")) {
      return Fail(t.loc, file_->package.empty() ? "the package declaration must come first"
                                                : "duplicate package declaration");
    }
    return Unexpected(annotations.empty()
                          ? "a declaration (struct, exception, enum or interface)"
                          : "struct, exception, enum or interface after the annotations");
  }

  bool ParseType(std::string_view what, TypeRef* type, int depth = 0) {
    type->loc = Peek().loc;
    std::vector<std::string> parts;
    if (!ParseQualified(what, &parts)) return false;
    type->name = Join(parts);
    if (!Peek().Is("<")) return true;
    if (depth == kMaxTypeDepth) {
      return Fail(Peek().loc,
                  "type arguments nest deeper than " + std::to_string(kMaxTypeDepth) + " levels");
    }
    Next();
    type->has_args = true;
    while (true) {
      if (!ParseType("a type argument", &type->args.emplace_back(), depth + 1)) return false;
      if (!Peek().Is(",")) break;
      Next();
    }
    return Expect(">", "to close the type arguments of " + type->name);
  }

  bool ParseStruct(const Token& start, std::vector<Annotation> annotations) {
    auto decl = std::make_unique<TypeDecl>();
    const bool exception = Next().text == "exception";
    decl->kind = exception ? TypeDecl::Kind::kException : TypeDecl::Kind::kStruct;
    decl->annotations = std::move(annotations);
    decl->doc = start.doc;
    const Token* name = nullptr;
    if (!ExpectIdent(exception ? "an exception name" : "a struct name", &name)) return false;
    decl->name = name->text;
    decl->loc = name->loc;
    if (!Expect("{", "to open " + decl->name)) return false;
    while (!Peek().Is("}")) {
      if (Peek().kind == Token::Kind::kEnd)
        return Unexpected("a field or '}' to close " + decl->name);
      Field& f = decl->fields.emplace_back();
      f.doc = Peek().doc;
      if (!ParseAnnotations(&f.annotations)) return false;
      if (!ParseType("a field type", &f.type)) return false;
      const Token* field_name = nullptr;
      if (!ExpectIdent("a field name after the type", &field_name)) return false;
      f.name = field_name->text;
      f.loc = field_name->loc;
      const Token* semi = nullptr;
      if (!Expect(";", "after field " + f.name, &semi)) return false;
      f.doc.insert(f.doc.end(), semi->trailing.begin(), semi->trailing.end());
    }
    Next();
    file_->types.push_back(std::move(decl));
    return true;
  }

  bool ParseEnum(const Token& start, std::vector<Annotation> annotations) {
    auto decl = std::make_unique<TypeDecl>();
    Next();
    decl->kind = TypeDecl::Kind::kEnum;
    decl->annotations = std::move(annotations);
    decl->doc = start.doc;
    const Token* name = nullptr;
    if (!ExpectIdent("an enum name", &name)) return false;
    decl->name = name->text;
    decl->loc = name->loc;
    if (!Expect("{", "to open " + decl->name)) return false;
    while (!Peek().Is("}")) {
      EnumConstant& c = decl->constants.emplace_back();
      c.doc = Peek().doc;
      if (!ParseAnnotations(&c.annotations)) return false;
      const Token* id = nullptr;
      if (!ExpectIdent("an enum constant or '}'", &id)) return false;
      c.name = id->text;
      c.loc = id->loc;
      c.doc.insert(c.doc.end(), id->trailing.begin(), id->trailing.end());
      if (Peek().Is(",")) {
        const Token& comma = Next();
        c.doc.insert(c.doc.end(), comma.trailing.begin(), comma.trailing.end());
        continue;
      }
      if (!Peek().Is("}")) return Unexpected("',' or '}' after enum constant " + c.name);
    }
    Next();
    file_->types.push_back(std::move(decl));
    return true;
  }

  bool ParseInterface(const Token& start, std::vector<Annotation> annotations) {
    Interface& iface = file_->interfaces.emplace_back();
    Next();
    iface.annotations = std::move(annotations);
    iface.doc = start.doc;
    const Token* name = nullptr;
    if (!ExpectIdent("an interface name", &name)) return false;
    iface.name = name->text;
    iface.loc = name->loc;
    if (!Expect("{", "to open " + iface.name)) return false;
    while (!Peek().Is("}")) {
      if (Peek().kind == Token::Kind::kEnd)
        return Unexpected("a method or '}' to close " + iface.name);
      if (!ParseMethod(&iface.methods.emplace_back())) return false;
    }
    Next();
    return true;
  }

  bool ParseMethod(Method* m) {
    m->doc = Peek().doc;
    if (!ParseAnnotations(&m->annotations)) return false;
    if (!ParseType("a result type", &m->result)) return false;
    const Token* name = nullptr;
    if (!ExpectIdent("a method name after the result type", &name)) return false;
    m->name = name->text;
    m->loc = name->loc;
    if (!Expect("(", "after method name " + m->name)) return false;
    bool more = !Peek().Is(")");
    while (more) {
      Param& p = m->params.emplace_back();
      if (!ParseAnnotations(&p.annotations)) return false;
      if (!ParseType(m->params.size() == 1 ? "a parameter type or ')'" : "a parameter type",
                     &p.type)) {
        return false;
      }
      const Token* pname = nullptr;
      if (!ExpectIdent("a parameter name after the type", &pname)) return false;
      p.name = pname->text;
      p.loc = pname->loc;
      more = Peek().Is(",");
      if (more) Next();
    }
    if (!Expect(")", "to close the parameters of " + m->name)) return false;
    if (Peek().IsIdent("throws")) {
      Next();
      while (true) {
        TypeRef& t = m->throws.emplace_back();
        t.loc = Peek().loc;
        std::vector<std::string> parts;
        if (!ParseQualified("an exception name after 'throws'", &parts)) return false;
        t.name = Join(parts);
        if (!Peek().Is(",")) break;
        Next();
      }
    }
    const Token* semi = nullptr;
    if (!Expect(";", "after method " + m->name, &semi)) return false;
    m->doc.insert(m->doc.end(), semi->trailing.begin(), semi->trailing.end());
    return true;
  }

  std::vector<Token> tokens_;
  size_t pos_ = 0;
  File* file_;
  std::optional<Diagnostic> error_;
};

}  // namespace

std::optional<Diagnostic> Parse(std::string_view text, File* file) {
  LexResult lexed = Lex(text);
  if (lexed.error) {
    lexed.error->file = file->path;
    return lexed.error;
  }
  Parser parser(std::move(lexed.tokens), file);
  if (parser.ParseFile()) return std::nullopt;
  return parser.error();
}

}  // namespace dubbo::idl

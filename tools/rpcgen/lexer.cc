#include "tools/rpcgen/lexer.h"

#include <cctype>
#include <charconv>
#include <cstdio>

namespace dubbo::idl {
namespace {

bool IsIdentStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsIdentChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::string DescribeChar(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u >= 0x21 && u < 0x7f) return std::string("'") + c + "'";
  char buf[16];
  std::snprintf(buf, sizeof buf, "byte 0x%02x", u);
  return buf;
}

std::string_view TrimRight(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// One comment as lines of text without its markers.
struct Comment {
  Location start;
  int end_line = 0;
  Doc lines;
};

// "// text" -> "text"; "/** a\n * b */" -> {"a", "b"}.
Doc LineCommentText(std::string_view body) {
  while (!body.empty() && body.front() == '/') body.remove_prefix(1);
  if (!body.empty() && body.front() == ' ') body.remove_prefix(1);
  return {std::string(TrimRight(body))};
}

Doc BlockCommentText(std::string_view body) {
  // `body` is what lies between "/*" and "*/".
  while (!body.empty() && body.front() == '*') body.remove_prefix(1);
  Doc lines;
  size_t start = 0;
  while (start <= body.size()) {
    size_t end = body.find('\n', start);
    if (end == std::string_view::npos) end = body.size();
    std::string_view line = body.substr(start, end - start);
    if (!lines.empty()) {  // continuation lines: drop the indentation and a leading '*'
      size_t i = 0;
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
      if (i < line.size() && line[i] == '*') {
        line.remove_prefix(i + 1);
      } else {
        line.remove_prefix(i);
      }
    }
    if (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    lines.emplace_back(TrimRight(line));
    start = end + 1;
  }
  while (!lines.empty() && lines.front().empty()) lines.erase(lines.begin());
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  LexResult Run() {
    LexResult result;
    while (true) {
      SkipSpace();
      if (pos_ >= text_.size()) break;
      const Location loc = Here();
      const char c = text_[pos_];
      if (c == '/' && Peek(1) == '/') {
        const size_t end = std::min(text_.find('\n', pos_), text_.size());
        AddComment({loc, loc.line, LineCommentText(text_.substr(pos_ + 2, end - pos_ - 2))},
                   result);
        Advance(end - pos_);
        continue;
      }
      if (c == '/' && Peek(1) == '*') {
        const size_t end = text_.find("*/", pos_ + 2);
        if (end == std::string_view::npos) return Fail(loc, "unterminated comment");
        const std::string_view body = text_.substr(pos_ + 2, end - pos_ - 2);
        Advance(end + 2 - pos_);
        AddComment({loc, line_, BlockCommentText(body)}, result);
        continue;
      }
      Token t;
      t.loc = loc;
      if (IsIdentStart(c)) {
        const size_t start = pos_;
        while (pos_ < text_.size() && IsIdentChar(text_[pos_])) Advance(1);
        t.kind = Token::Kind::kIdent;
        t.text = std::string(text_.substr(start, pos_ - start));
      } else if (IsDigit(c) || (c == '-' && IsDigit(Peek(1)))) {
        const size_t start = pos_;
        Advance(1);
        while (pos_ < text_.size() && IsIdentChar(text_[pos_])) Advance(1);
        t.kind = Token::Kind::kInt;
        t.text = std::string(text_.substr(start, pos_ - start));
        const char* first = t.text.data();
        const char* last = first + t.text.size();
        const auto [ptr, ec] = std::from_chars(first, last, t.number);
        if (ec == std::errc::result_out_of_range)
          return Fail(loc, "integer " + t.text + " is out of range");
        if (ec != std::errc() || ptr != last) return Fail(loc, "malformed number '" + t.text + "'");
      } else if (c == '"') {
        if (!ReadString(&t.text)) return Fail(error_loc_, error_);
        t.kind = Token::Kind::kString;
      } else if (std::string_view("{}()<>,;.@").find(c) != std::string_view::npos) {
        t.kind = Token::Kind::kPunct;
        t.text = std::string(1, c);
        Advance(1);
      } else {
        return Fail(loc, "unexpected character " + DescribeChar(c));
      }
      AttachDoc(t);
      result.tokens.push_back(std::move(t));
    }
    Token end;
    end.kind = Token::Kind::kEnd;
    end.loc = Here();
    AttachDoc(end);
    result.tokens.push_back(std::move(end));
    return result;
  }

 private:
  char Peek(size_t ahead) const { return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0'; }
  Location Here() const { return {line_, static_cast<int>(pos_ - line_start_) + 1}; }

  void Advance(size_t n) {
    for (size_t i = 0; i < n && pos_ < text_.size(); ++i) {
      if (text_[pos_++] == '\n') {
        ++line_;
        line_start_ = pos_;
      }
    }
  }

  void SkipSpace() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) Advance(1);
  }

  static LexResult Fail(Location loc, std::string message) {
    LexResult r;
    r.error = Diagnostic{"", loc, std::move(message)};
    return r;
  }

  // Reads a string literal at pos_ into *out; false with error_ set.
  bool ReadString(std::string* out) {
    const Location open = Here();
    Advance(1);
    while (true) {
      if (pos_ >= text_.size() || text_[pos_] == '\n') {
        error_loc_ = open;
        error_ = "unterminated string";
        return false;
      }
      const char c = text_[pos_];
      if (c == '"') {
        Advance(1);
        return true;
      }
      if (c == '\\') {
        const Location at = Here();
        const char e = Peek(1);
        switch (e) {
          case '"':
          case '\\':
          case '\'':
            out->push_back(e);
            break;
          case 'n':
            out->push_back('\n');
            break;
          case 't':
            out->push_back('\t');
            break;
          default:
            if (e == '\n' || e == '\0') {
              error_loc_ = open;
              error_ = "unterminated string";
            } else {
              error_loc_ = at;
              error_ = "unknown escape sequence '\\" + std::string(1, e) + "' in string";
            }
            return false;
        }
        Advance(2);
        continue;
      }
      out->push_back(c);
      Advance(1);
    }
  }

  // A comment on the line of the previous token, after it, trails that token; others gather into
  // the block above the next token (a blank line or a trailing comment starts a new block).
  void AddComment(Comment c, LexResult& result) {
    if (!result.tokens.empty() && result.tokens.back().loc.line == c.start.line) {
      Doc& trailing = result.tokens.back().trailing;
      trailing.insert(trailing.end(), c.lines.begin(), c.lines.end());
      return;
    }
    if (pending_.empty() || pending_end_line_ != c.start.line - 1) pending_.clear();
    pending_.insert(pending_.end(), c.lines.begin(), c.lines.end());
    pending_end_line_ = c.end_line;
  }

  void AttachDoc(Token& t) {
    if (!pending_.empty() &&
        (pending_end_line_ == t.loc.line - 1 || pending_end_line_ == t.loc.line)) {
      t.doc = std::move(pending_);
    }
    pending_.clear();
  }

  std::string_view text_;
  size_t pos_ = 0;
  int line_ = 1;
  size_t line_start_ = 0;
  Doc pending_;
  int pending_end_line_ = 0;
  Location error_loc_;
  std::string error_;
};

}  // namespace

std::string Token::Describe() const {
  switch (kind) {
    case Kind::kIdent:
      return "'" + text + "'";
    case Kind::kInt:
      return "number " + text;
    case Kind::kString:
      return "string \"" + text + "\"";
    case Kind::kPunct:
      return "'" + text + "'";
    case Kind::kEnd:
      return "end of file";
  }
  return "?";
}

LexResult Lex(std::string_view text) { return Lexer(text).Run(); }

}  // namespace dubbo::idl

#include "tern/dv/textproto.h"

#include <cctype>

#include "tern/base/error.h"
#include "tern/dv/csv.h"

namespace tern::dv {

std::vector<const TextField*> TextMessage::all(std::string_view name) const {
  std::vector<const TextField*> out;
  for (const auto& f : fields)
    if (f.name == name) out.push_back(&f);
  return out;
}

const TextField* TextMessage::first(std::string_view name) const {
  for (const auto& f : fields)
    if (f.name == name) return &f;
  return nullptr;
}

namespace {

constexpr int kMaxDepth = 64;

class Parser {
 public:
  Parser(std::string_view text, const std::string& source) : s_(text), source_(source) {}

  TextMessage parse_message(char close) {
    TextMessage m;
    while (true) {
      skip_space();
      if (at_end()) {
        if (close) fail(str_cat("expected '", close, "' before end of input"));
        return m;
      }
      if (close && s_[pos_] == close) {
        ++pos_;
        return m;
      }
      const int64_t field_line = line_;
      std::string name = identifier();
      skip_space();
      bool colon = false;
      if (peek() == ':') {
        ++pos_;
        colon = true;
        skip_space();
      }
      const char c = peek();
      if (c == '{' || c == '<') {
        ++pos_;
        TextField f;
        f.name = name;
        f.kind = TextField::Kind::kMessage;
        f.line = field_line;
        // Each level is a recursive call: bound it, or 20000 levels of
        // "feature {" overflow the stack. Real schemas nest a few levels.
        if (++depth_ > kMaxDepth) fail(str_cat("messages nest deeper than ", kMaxDepth, " levels"));
        f.message = std::make_shared<TextMessage>(parse_message(c == '{' ? '}' : '>'));
        --depth_;
        m.fields.push_back(std::move(f));
      } else {
        if (!colon) fail(str_cat("expected ':' or '{' after field name '", name, "'"));
        if (c == '[') {  // repeated scalars: name: [a, b, c]
          ++pos_;
          skip_space();
          if (peek() == ']') {
            ++pos_;
          } else {
            while (true) {
              m.fields.push_back(scalar(name, field_line));
              skip_space();
              if (peek() == ',') { ++pos_; skip_space(); continue; }
              if (peek() == ']') { ++pos_; break; }
              fail("expected ',' or ']' in a list");
            }
          }
        } else {
          m.fields.push_back(scalar(name, field_line));
        }
      }
      skip_space();
      if (peek() == ',' || peek() == ';') ++pos_;
    }
  }

 private:
  bool at_end() const { return pos_ >= s_.size(); }
  char peek() const { return at_end() ? '\0' : s_[pos_]; }

  [[noreturn]] void fail(const std::string& msg) const {
    throw ValueError(str_cat(source_, ":", line_, ":", pos_ - line_start_ + 1, ": ", msg));
  }

  void skip_space() {
    while (!at_end()) {
      const char c = s_[pos_];
      if (c == '\n') {
        ++line_;
        line_start_ = ++pos_;
      } else if (c == ' ' || c == '\t' || c == '\r') {
        ++pos_;
      } else if (c == '#') {
        while (!at_end() && s_[pos_] != '\n') ++pos_;
      } else {
        break;
      }
    }
  }

  std::string identifier() {
    const size_t start = pos_;
    while (!at_end() && (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_' ||
                         s_[pos_] == '.' || s_[pos_] == '[' || s_[pos_] == ']' || s_[pos_] == '/')) {
      // Extension names are [a.b.c]; plain names are identifiers.
      if (s_[pos_] == '[' && pos_ != start) break;
      ++pos_;
    }
    if (pos_ == start) fail(str_cat("expected a field name, found '", std::string(1, peek()), "'"));
    return std::string(s_.substr(start, pos_ - start));
  }

  TextField scalar(const std::string& name, int64_t field_line) {
    TextField f;
    f.name = name;
    f.line = field_line;
    const char c = peek();
    if (c == '"' || c == '\'') {
      f.kind = TextField::Kind::kString;
      // Adjacent literals concatenate, as in C.
      while (peek() == '"' || peek() == '\'') {
        f.value += string_literal();
        skip_space();
      }
      return f;
    }
    const size_t start = pos_;
    while (!at_end() && (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_' ||
                         s_[pos_] == '-' || s_[pos_] == '+' || s_[pos_] == '.'))
      ++pos_;
    if (pos_ == start) fail(str_cat("expected a value for '", name, "'"));
    f.kind = TextField::Kind::kScalar;
    f.value = std::string(s_.substr(start, pos_ - start));
    return f;
  }

  std::string string_literal() {
    const char quote = s_[pos_++];
    std::string out;
    while (true) {
      if (at_end() || s_[pos_] == '\n') fail("unterminated string literal");
      char c = s_[pos_++];
      if (c == quote) break;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (at_end()) fail("unterminated escape");
      c = s_[pos_++];
      switch (c) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 'a': out += '\a'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'v': out += '\v'; break;
        case '\\': out += '\\'; break;
        case '\'': out += '\''; break;
        case '"': out += '"'; break;
        case '?': out += '?'; break;
        case 'x': {
          int v = 0, n = 0;
          while (n < 2 && !at_end() && std::isxdigit(static_cast<unsigned char>(s_[pos_]))) {
            const char h = s_[pos_++];
            v = v * 16 + (std::isdigit(static_cast<unsigned char>(h)) ? h - '0' : (std::tolower(h) - 'a' + 10));
            ++n;
          }
          if (n == 0) fail("\\x needs hex digits");
          out += static_cast<char>(v);
          break;
        }
        default:
          if (c >= '0' && c <= '7') {
            int v = c - '0', n = 1;
            while (n < 3 && !at_end() && s_[pos_] >= '0' && s_[pos_] <= '7') {
              v = v * 8 + (s_[pos_++] - '0');
              ++n;
            }
            out += static_cast<char>(v);
          } else {
            fail(str_cat("unknown escape '\\", std::string(1, c), "'"));
          }
      }
    }
    return out;
  }

  std::string_view s_;
  const std::string& source_;
  size_t pos_ = 0;
  int64_t line_ = 1;
  size_t line_start_ = 0;
  int depth_ = 0;
};

}  // namespace

TextMessage parse_text_proto(std::string_view text, const std::string& source) {
  Parser p(text, source);
  return p.parse_message('\0');
}

std::string escape_text_string(std::string_view s) {
  const bool utf8 = valid_utf8(s);
  std::string out;
  for (unsigned char c : s) {
    switch (c) {
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '"': out += "\\\""; break;
      case '\'': out += "\\'"; break;
      case '\\': out += "\\\\"; break;
      default:
        if (c < 0x20 || c == 0x7f || (c >= 0x80 && !utf8)) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\%03o", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

std::string print_text_proto(const TextMessage& m, int indent) {
  std::string out;
  const std::string pad(static_cast<size_t>(indent) * 2, ' ');
  for (const auto& f : m.fields) {
    switch (f.kind) {
      case TextField::Kind::kScalar: out += pad + f.name + ": " + f.value + "\n"; break;
      case TextField::Kind::kString: out += pad + f.name + ": \"" + escape_text_string(f.value) + "\"\n"; break;
      case TextField::Kind::kMessage:
        out += pad + f.name + " {\n" + print_text_proto(*f.message, indent + 1) + pad + "}\n";
        break;
    }
  }
  return out;
}

}  // namespace tern::dv

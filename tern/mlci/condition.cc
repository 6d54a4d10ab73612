#include "tern/mlci/condition.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <optional>

#include "tern/base/error.h"

namespace tern::mlci {

char var_name(Var v) { return "nod"[static_cast<int>(v)]; }

int Clause::num_vars() const {
  int k = 0;
  for (double c : coef) k += c != 0.0;
  return k;
}

bool Clause::is_difference() const {
  const double a = coef[0];
  return a != 0.0 && coef[1] == -a && coef[2] == 0.0;
}

double Clause::lhs(const std::array<double, kNumVars>& value) const {
  double s = 0.0;
  for (int v = 0; v < kNumVars; ++v) s += coef[v] * value[v];
  return s;
}

namespace {

enum class Tok { kNumber, kVar, kPlus, kMinus, kStar, kGreater, kLess, kPlusMinus, kAnd, kEnd };

struct Token {
  Tok kind;
  size_t pos;  // 0-based offset into the text
  std::string_view text;
  double number = 0.0;
  Var var = Var::kNew;
};

// Long or binary inputs are cut and escaped so every message stays one
// readable line.
std::string quote(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 60)) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f) {
      out += c;
    } else {
      static const char* hex = "0123456789abcdef";
      out += "\\x";
      out += hex[u >> 4];
      out += hex[u & 15];
    }
  }
  if (s.size() > 60) out += "...";
  return "'" + out + "'";
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Condition parse() {
    TERN_CHECK(text_.size() <= 4096, "condition: expected at most 4096 characters, got ", text_.size());
    tokenize();
    Condition cond;
    cond.text = std::string(trim(text_));
    TERN_CHECK(tokens_.size() > 1, "condition: expected at least one clause such as 'n - o > 0.02 +/- 0.01', got ",
               quote(text_));
    while (true) {
      cond.clauses.push_back(clause());
      if (peek().kind == Tok::kEnd) break;
      expect(Tok::kAnd, "'/\\' between clauses or the end of the condition");
    }
    return cond;
  }

 private:
  static std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
  }

  [[noreturn]] void fail_at(size_t pos, const std::string& what) const {
    TERN_FAIL("condition ", quote(text_), ": column ", pos + 1, ": ", what);
  }

  void tokenize() {
    size_t i = 0;
    while (i < text_.size()) {
      const char c = text_[i];
      if (std::isspace(static_cast<unsigned char>(c))) {
        ++i;
        continue;
      }
      const size_t start = i;
      auto push = [&](Tok k, size_t len) {
        tokens_.push_back({k, start, text_.substr(start, len)});
        i += len;
      };
      if (text_.substr(i, 3) == "+/-") {
        push(Tok::kPlusMinus, 3);
      } else if (text_.substr(i, 2) == "/\\") {
        push(Tok::kAnd, 2);
      } else if (c == '+') {
        push(Tok::kPlus, 1);
      } else if (c == '-') {
        push(Tok::kMinus, 1);
      } else if (c == '*') {
        push(Tok::kStar, 1);
      } else if (c == '>' || c == '<') {
        if (i + 1 < text_.size() && text_[i + 1] == '=')
          fail_at(i, "'>=' and '<=' are not part of the language; use '>' or '<' with a tolerance '+/- eps'");
        push(c == '>' ? Tok::kGreater : Tok::kLess, 1);
      } else if (c == 'n' || c == 'o' || c == 'd') {
        const bool ident_follows = i + 1 < text_.size() && std::isalnum(static_cast<unsigned char>(text_[i + 1]));
        if (ident_follows) fail_at(i, "unknown name " + quote(word_at(i)) + "; the variables are n, o and d");
        push(Tok::kVar, 1);
        tokens_.back().var = c == 'n' ? Var::kNew : c == 'o' ? Var::kOld : Var::kDisagree;
      } else if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') {
        size_t j = i;
        while (j < text_.size() && (std::isdigit(static_cast<unsigned char>(text_[j])) || text_[j] == '.')) ++j;
        if (j < text_.size() && (text_[j] == 'e' || text_[j] == 'E')) {
          size_t k = j + 1;
          if (k < text_.size() && (text_[k] == '+' || text_[k] == '-')) ++k;
          if (k < text_.size() && std::isdigit(static_cast<unsigned char>(text_[k]))) {
            while (k < text_.size() && std::isdigit(static_cast<unsigned char>(text_[k]))) ++k;
            j = k;
          }
        }
        const std::string_view num = text_.substr(i, j - i);
        double value = 0.0;
        const auto res = std::from_chars(num.data(), num.data() + num.size(), value);
        if (res.ec != std::errc() || res.ptr != num.data() + num.size() || !std::isfinite(value))
          fail_at(i, "malformed number " + quote(num));
        push(Tok::kNumber, num.size());
        tokens_.back().number = value;
      } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
        fail_at(i, "unknown name " + quote(word_at(i)) + "; the variables are n, o and d");
      } else {
        fail_at(i, "unexpected character " + quote(text_.substr(i, 1)) +
                       "; expected a variable, a number, + - * > < '+/-' or '/\\'");
      }
    }
    tokens_.push_back({Tok::kEnd, text_.size(), {}});
  }

  std::string_view word_at(size_t i) const {
    size_t j = i;
    while (j < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[j])) || text_[j] == '_')) ++j;
    return text_.substr(i, j - i);
  }

  const Token& peek() const { return tokens_[pos_]; }
  const Token& next() { return tokens_[pos_ == tokens_.size() - 1 ? pos_ : pos_++]; }

  const Token& expect(Tok kind, const std::string& what) {
    const Token& t = peek();
    if (t.kind != kind) fail_at(t.pos, "expected " + what + ", got " + got(t));
    return next();
  }

  static std::string got(const Token& t) {
    return t.kind == Tok::kEnd ? std::string("the end of the condition") : quote(t.text);
  }

  Clause clause() {
    Clause c;
    seen_ = {false, false, false};
    const size_t start = peek().pos;
    double sign = 1.0;
    if (peek().kind == Tok::kMinus) {
      next();
      sign = -1.0;
    }
    term(c, sign);
    while (peek().kind == Tok::kPlus || peek().kind == Tok::kMinus) {
      sign = next().kind == Tok::kPlus ? 1.0 : -1.0;
      term(c, sign);
    }
    const Token& cmp = peek();
    if (cmp.kind != Tok::kGreater && cmp.kind != Tok::kLess)
      fail_at(cmp.pos, "expected '+', '-', '>' or '<' after a term, got " + got(cmp));
    c.cmp = next().kind == Tok::kGreater ? Cmp::kGreater : Cmp::kLess;
    c.threshold = signed_number("the threshold (a number) after the comparison");
    const Token& pm = peek();
    if (pm.kind != Tok::kPlusMinus)
      fail_at(pm.pos, "expected '+/- eps' (the error tolerance) after the threshold, got " + got(pm));
    next();
    const Token& eps = expect(Tok::kNumber, "the tolerance eps (a positive number) after '+/-'");
    if (!(eps.number > 0.0 && eps.number < 1.0))
      fail_at(eps.pos, "expected a tolerance eps in (0, 1), got " + quote(eps.text));
    c.eps = eps.number;
    for (int v = 0; v < kNumVars; ++v)
      if (seen_[v] && std::abs(c.coef[v]) < 1e-12)
        fail_at(start, "the coefficients of " + std::string(1, var_name(static_cast<Var>(v))) + " cancel out");
    c.text = std::string(trim(text_.substr(start, peek().pos - start)));
    // n, o and d are fractions in [0, 1]: the left side ranges over
    // [sum of negative coefficients, sum of positive ones]. A threshold
    // beyond it makes a clause no model can ever pass.
    double lo = 0, hi = 0;
    for (double k : c.coef) (k < 0 ? lo : hi) += k;
    if ((c.cmp == Cmp::kGreater && c.threshold >= hi) || (c.cmp == Cmp::kLess && c.threshold <= lo))
      fail_at(start, str_cat("clause ", quote(c.text), " can never hold: expected a threshold in (", lo, ", ", hi,
                             "), the range of its left side (n, o and d are fractions in [0, 1])"));
    return c;
  }

  double signed_number(const std::string& what) {
    double sign = 1.0;
    if (peek().kind == Tok::kMinus) {
      next();
      sign = -1.0;
    }
    const Token& t = peek();
    if (t.kind != Tok::kNumber) {
      if (t.kind == Tok::kVar) fail_at(t.pos, "variables must be on the left of '>' or '<'; expected " + what);
      fail_at(t.pos, "expected " + what + ", got " + got(t));
    }
    return sign * next().number;
  }

  // term := [number ["*"]] variable. A bare number is rejected: thresholds go
  // on the right, where the tolerance applies to them.
  void term(Clause& c, double sign) {
    double coef = 1.0;
    const Token& t = peek();
    if (t.kind == Tok::kNumber) {
      coef = next().number;
      if (peek().kind == Tok::kStar) next();
      if (peek().kind != Tok::kVar)
        fail_at(t.pos, "expected a variable after the coefficient " + quote(t.text) + ", got " + got(peek()) +
                           " (constants belong on the right of '>' or '<')");
      if (coef == 0.0) fail_at(t.pos, "expected a non-zero coefficient, got " + quote(t.text));
    } else if (t.kind != Tok::kVar) {
      fail_at(t.pos, "expected a term such as 'n', '2*o' or '0.5 d', got " + got(t));
    }
    const Var v = next().var;
    seen_[static_cast<int>(v)] = true;
    c.coef[static_cast<int>(v)] += sign * coef;
    TERN_CHECK(std::abs(c.coef[static_cast<int>(v)]) <= 1e6, "condition ", quote(text_),
               ": expected coefficients of magnitude at most 1e6");
  }

  std::string_view text_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  std::array<bool, kNumVars> seen_{};
};

}  // namespace

Condition parse_condition(std::string_view text) { return Parser(text).parse(); }

}  // namespace tern::mlci

#include "pipe_bench/kernel_pages/tracefs_format.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <vector>

namespace pipe_bench::kernel_pages {
namespace {

bool is_ident_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) s.remove_suffix(1);
  return s;
}

struct Token {
  enum Kind { number, ident, op, end } kind = end;
  std::string_view text;
  std::uint64_t value = 0;
};

// Numbers (decimal, 0x hex, with u/l suffixes), identifiers, and ( ) ~ << >> & |.
std::optional<std::vector<Token>> tokenize(std::string_view s) {
  std::vector<Token> out;
  std::size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c)) != 0) {
      ++i;
    } else if (std::isdigit(static_cast<unsigned char>(c)) != 0) {
      int base = 10;
      std::size_t start = i;
      if (c == '0' && i + 1 < s.size() && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
        base = 16;
        start = i + 2;
      }
      std::uint64_t value = 0;
      const auto [end, ec] = std::from_chars(s.data() + start, s.data() + s.size(), value, base);
      if (ec != std::errc{}) return std::nullopt;
      i = static_cast<std::size_t>(end - s.data());
      while (i < s.size() && (s[i] == 'u' || s[i] == 'U' || s[i] == 'l' || s[i] == 'L')) ++i;
      if (i < s.size() && is_ident_char(s[i])) return std::nullopt;
      out.push_back({Token::number, s.substr(start, i - start), value});
    } else if (is_ident_char(c)) {
      const std::size_t start = i;
      while (i < s.size() && is_ident_char(s[i])) ++i;
      out.push_back({Token::ident, s.substr(start, i - start), 0});
    } else if ((c == '<' || c == '>') && i + 1 < s.size() && s[i + 1] == c) {
      out.push_back({Token::op, s.substr(i, 2), 0});
      i += 2;
    } else if (c == '(' || c == ')' || c == '~' || c == '&' || c == '|') {
      out.push_back({Token::op, s.substr(i, 1), 0});
      ++i;
    } else {
      return std::nullopt;
    }
  }
  out.push_back({});
  return out;
}

// Recursive descent over C's precedence for these operators: | below & below << >> below ~ and
// casts. A parenthesised list of identifiers is a cast and is skipped.
class Evaluator {
 public:
  explicit Evaluator(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  std::optional<std::uint64_t> run() {
    const auto v = bit_or();
    if (!v || peek().kind != Token::end) return std::nullopt;
    return v;
  }

 private:
  const Token& peek(std::size_t ahead = 0) const {
    return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)];
  }
  bool accept(std::string_view op) {
    if (peek().kind != Token::op || peek().text != op) return false;
    ++pos_;
    return true;
  }

  std::optional<std::uint64_t> bit_or() {
    auto v = bit_and();
    while (v && accept("|")) {
      const auto rhs = bit_and();
      if (!rhs) return std::nullopt;
      *v |= *rhs;
    }
    return v;
  }
  std::optional<std::uint64_t> bit_and() {
    auto v = shift();
    while (v && accept("&")) {
      const auto rhs = shift();
      if (!rhs) return std::nullopt;
      *v &= *rhs;
    }
    return v;
  }
  std::optional<std::uint64_t> shift() {
    auto v = unary();
    while (v) {
      const bool left = accept("<<");
      if (!left && !accept(">>")) break;
      const auto rhs = unary();
      if (!rhs || *rhs >= 64) return std::nullopt;
      *v = left ? *v << *rhs : *v >> *rhs;
    }
    return v;
  }
  std::optional<std::uint64_t> unary() {
    if (accept("~")) {
      const auto v = unary();
      if (!v) return std::nullopt;
      return ~*v;
    }
    if (peek().kind == Token::number) return tokens_[pos_++].value;
    if (!accept("(")) return std::nullopt;
    if (peek().kind == Token::ident) {  // a cast: (unsigned long), (__force gfp_t), ...
      while (peek().kind == Token::ident) ++pos_;
      if (!accept(")")) return std::nullopt;
      return unary();
    }
    const auto v = bit_or();
    if (!v || !accept(")")) return std::nullopt;
    return v;
  }

  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
};

// "unsigned long gfp_flags" -> "gfp_flags"; "char comm[16]" -> "comm".
std::string_view field_name(std::string_view decl) {
  decl = trim(decl.substr(0, decl.find('[')));
  std::size_t start = decl.size();
  while (start > 0 && is_ident_char(decl[start - 1])) --start;
  return decl.substr(start);
}

// The number after `key:` in a field line ("offset:8;"), if there is one.
std::optional<std::size_t> field_number(std::string_view line, std::string_view key) {
  std::size_t at = line.find(key);
  while (at != std::string_view::npos && at > 0 && is_ident_char(line[at - 1])) {
    at = line.find(key, at + 1);
  }
  if (at == std::string_view::npos) return std::nullopt;
  const std::string_view digits = line.substr(at + key.size());
  std::size_t value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc{} || end == digits.data()) return std::nullopt;
  return value;
}

void parse_field_line(std::string_view line, TracepointFormat& out) {
  constexpr std::string_view kField = "field:";
  const auto at = line.find(kField);
  if (at == std::string_view::npos) return;
  std::string_view decl = line.substr(at + kField.size());
  const std::string_view rest = decl.substr(std::min(decl.size(), decl.find(';')));
  decl = trim(decl.substr(0, decl.find(';')));
  const std::string_view name = field_name(decl);
  if (name.empty()) return;
  out.fields.emplace(std::string(name), std::string(decl));
  const auto offset = field_number(rest, "offset:");
  const auto size = field_number(rest, "size:");
  if (offset && size) {
    out.layout.emplace(std::string(name),
                       FieldLayout{*offset, *size, field_number(rest, "signed:").value_or(0) != 0});
  }
}

// Each innermost { value, "NAME" } of the print fmt.
void parse_flag_entries(std::string_view fmt, TracepointFormat& out) {
  std::size_t open = fmt.find('{');
  while (open != std::string_view::npos) {
    const std::size_t close = fmt.find_first_of("{}", open + 1);
    if (close == std::string_view::npos) return;
    if (fmt[close] == '{') {
      open = close;
      continue;
    }
    const std::string_view entry = fmt.substr(open + 1, close - open - 1);
    open = fmt.find('{', close + 1);
    const auto comma = entry.rfind(',');
    if (comma == std::string_view::npos) continue;
    const std::string_view name = trim(entry.substr(comma + 1));
    if (name.size() < 3 || name.front() != '"' || name.back() != '"') continue;
    const auto value = evaluate_flag_value(entry.substr(0, comma));
    if (value) out.flags.emplace(std::string(name.substr(1, name.size() - 2)), *value);
  }
}

}  // namespace

std::optional<std::uint64_t> evaluate_flag_value(std::string_view expr) {
  auto tokens = tokenize(expr);
  if (!tokens) return std::nullopt;
  return Evaluator(std::move(*tokens)).run();
}

TracepointFormat parse_tracepoint_format(std::string_view text) {
  TracepointFormat out;
  while (!text.empty()) {
    const auto eol = text.find('\n');
    const std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    const std::string_view t = trim(line);
    if (t.starts_with("ID:")) {
      const std::string_view digits = trim(t.substr(3));
      std::uint64_t id = 0;
      const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
      if (ec == std::errc{} && end == digits.data() + digits.size()) out.id = id;
    } else if (t.starts_with("field:")) {
      parse_field_line(t, out);
    } else if (t.starts_with("print fmt:")) {
      parse_flag_entries(t, out);
    }
  }
  return out;
}

}  // namespace pipe_bench::kernel_pages

// A small reader and writer for protocol-buffer text format, enough for
// TFDV's schema.pbtxt files: `name: value`, `name { ... }` (also `name: {`
// and `< >`), repeated scalars as `name: [a, b]`, '#' comments, and string
// escapes. Values are kept as text; the schema layer interprets them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tern::dv {

struct TextMessage;

struct TextField {
  enum class Kind { kScalar, kString, kMessage };
  std::string name;
  Kind kind = Kind::kScalar;
  std::string value;                   // identifier/number text, or the unescaped string
  std::shared_ptr<TextMessage> message;  // when kind == kMessage
  int64_t line = 0;                    // where it was read, for messages
};

struct TextMessage {
  std::vector<TextField> fields;
  // Fields with this name, in order.
  std::vector<const TextField*> all(std::string_view name) const;
  const TextField* first(std::string_view name) const;
};

// Parses `text`; errors throw tern::ValueError as "<source>:line:column: what".
TextMessage parse_text_proto(std::string_view text, const std::string& source = "<text>");

// Prints with two-space indentation, one field per line.
std::string print_text_proto(const TextMessage& m, int indent = 0);

// Escapes a string for a text-format literal (quotes, backslashes, control
// bytes and invalid UTF-8 as octal escapes; valid UTF-8 kept as is).
std::string escape_text_string(std::string_view s);

}  // namespace tern::dv

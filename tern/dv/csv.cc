#include "tern/dv/csv.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <unordered_set>

#include "tern/base/error.h"

namespace tern::dv {

int64_t parse_csv_block(std::string_view buf, char delim, int64_t first_line, int64_t expected,
                        CsvSink& sink, CsvProblem* problem) {
  const char* const begin = buf.data();
  const char* const end = begin + buf.size();
  const char* p = begin;
  const char* line_start = begin;
  int64_t line = first_line;
  int64_t records = 0;
  std::string scratch;  // unescaped text of quoted fields with "" inside
  auto fail_at = [&](int64_t at_line, int64_t at_column, std::string msg) {
    problem->line = at_line;
    problem->column = at_column;
    problem->message = std::move(msg);
    return records;
  };
  // A problem at `at`, on the current line.
  auto fail = [&](const char* at, std::string msg) {
    return fail_at(line, static_cast<int64_t>(at - line_start) + 1, std::move(msg));
  };
  auto at_eol = [&](const char* q) { return q < end && (*q == '\n' || (*q == '\r' && q + 1 < end && q[1] == '\n')); };

  while (p < end) {
    // Blank lines carry no record when records have several fields.
    if (at_eol(p) && expected != 1) {
      p += (*p == '\r') ? 2 : 1;
      ++line;
      line_start = p;
      continue;
    }
    int64_t index = 0;
    while (true) {
      CsvField f;
      f.line = line;
      f.column = static_cast<int64_t>(p - line_start) + 1;
      if (p < end && *p == '"') {
        f.quoted = true;
        ++p;
        const char* seg = p;
        bool escaped = false;
        while (true) {
          const char* q = static_cast<const char*>(std::memchr(p, '"', static_cast<size_t>(end - p)));
          // Line breaks inside quotes still count as lines for locations.
          for (const char* s = p; s < (q ? q : end); ++s)
            if (*s == '\n') { ++line; line_start = s + 1; }
          if (!q) return fail_at(f.line, f.column, "unterminated quoted field (no closing '\"')");
          if (q + 1 < end && q[1] == '"') {  // "" is one literal quote
            if (!escaped) scratch.clear();
            escaped = true;
            scratch.append(seg, q + 1);
            p = q + 2;
            seg = p;
            continue;
          }
          if (escaped) {
            scratch.append(seg, q);
            f.value = scratch;
          } else {
            f.value = std::string_view(seg, static_cast<size_t>(q - seg));
          }
          p = q + 1;
          break;
        }
        if (p < end && *p != delim && !at_eol(p))
          return fail(p, "unexpected character after closing quote (a quote inside a quoted field must be doubled)");
      } else {
        const char* q = p;
        while (q < end && *q != delim && *q != '\n') {
          if (*q == '"') return fail(q, "quote inside an unquoted field (quote the whole field and double the quote)");
          ++q;
        }
        const char* value_end = q;
        if (q < end && *q == '\n' && value_end > p && value_end[-1] == '\r') --value_end;
        f.value = std::string_view(p, static_cast<size_t>(value_end - p));
        p = q;
      }
      if (expected >= 0 && index >= expected)
        return fail_at(f.line, f.column, str_cat("ragged row: expected ", expected, " fields, found more"));
      sink.field(index, f);
      ++index;
      if (p < end && *p == delim) {
        ++p;
        continue;
      }
      // End of record: newline (maybe \r\n) or end of buffer.
      const char* rec_end = p;
      if (p < end) {
        p += (*p == '\r') ? 2 : 1;
        ++line;
        line_start = p;
      }
      if (expected >= 0 && index != expected) {
        // Report where the short record ends.
        const char* ls = rec_end;
        while (ls > begin && ls[-1] != '\n') --ls;
        return fail_at(line - (rec_end < end ? 1 : 0), static_cast<int64_t>(rec_end - ls) + 1,
                       str_cat("ragged row: expected ", expected, " fields, found ", index));
      }
      break;
    }
    sink.end_record();
    ++records;
  }
  return records;
}

namespace {

// Collects the fields of one record (the header).
class RecordCollector : public CsvSink {
 public:
  std::vector<std::string> fields;
  std::vector<CsvField> where;
  void field(int64_t, const CsvField& f) override {
    fields.emplace_back(f.value);
    where.push_back(f);
  }
};

// Finds the end of the first record in `s` (one past its '\n'), honouring
// quotes; npos when the record is not complete in `s`.
size_t first_record_end(std::string_view s) {
  bool in_quotes = false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '"') in_quotes = !in_quotes;
    else if (s[i] == '\n' && !in_quotes) return i + 1;
  }
  return std::string_view::npos;
}

}  // namespace

CsvReader::CsvReader(std::string path, CsvOptions options) : path_(std::move(path)), options_(options) {
  file_ = std::fopen(path_.c_str(), "rb");
  if (!file_) throw IOError(str_cat("cannot open ", path_, ": ", std::strerror(errno)));
  fill(1 << 16);
  if (buf_.size() >= 3 && buf_.compare(0, 3, "\xEF\xBB\xBF") == 0) start_ = 3;  // UTF-8 BOM
  TERN_CHECK(static_cast<int64_t>(buf_.size()) > start_,
             path_, ":1:1: empty file (expected a header row and records)");
  // The first record: the header, or the shape of the data without one.
  size_t rec_end;
  while ((rec_end = first_record_end(std::string_view(buf_).substr(start_))) == std::string_view::npos && !eof_) {
    TERN_CHECK(static_cast<int64_t>(buf_.size()) < options_.max_record_bytes,
               path_, ":1:1: first record longer than ", options_.max_record_bytes, " bytes (unbalanced quote?)");
    fill(static_cast<int64_t>(buf_.size()) * 2);
  }
  if (rec_end == std::string_view::npos) rec_end = buf_.size() - start_;
  RecordCollector first;
  CsvProblem problem;
  parse_csv_block(std::string_view(buf_).substr(start_, rec_end), options_.delimiter, 1, -1, first, &problem);
  TERN_CHECK(problem.ok(), where(problem));
  TERN_CHECK(!first.fields.empty(), path_, ":1:1: empty first record");
  if (options_.header) {
    std::unordered_set<std::string> seen;
    for (size_t i = 0; i < first.fields.size(); ++i) {
      const auto& f = first.where[i];
      TERN_CHECK(valid_utf8(first.fields[i]), path_, ":", f.line, ":", f.column, ": column name is not valid UTF-8");
      TERN_CHECK(!first.fields[i].empty(), path_, ":", f.line, ":", f.column, ": empty column name in header");
      TERN_CHECK(seen.insert(first.fields[i]).second, path_, ":", f.line, ":", f.column,
                 ": duplicate column name '", first.fields[i], "'");
    }
    names_ = std::move(first.fields);
    for (size_t i = 0; i < rec_end; ++i)
      if (buf_[start_ + i] == '\n') ++next_line_;
    start_ += static_cast<int64_t>(rec_end);
  } else {
    for (size_t i = 0; i < first.fields.size(); ++i) names_.push_back(str_cat("column_", i + 1));
  }
}

CsvReader::~CsvReader() {
  if (file_) std::fclose(file_);
}

bool CsvReader::fill(int64_t want) {
  while (!eof_ && static_cast<int64_t>(buf_.size()) < want) {
    const size_t old = buf_.size();
    buf_.resize(static_cast<size_t>(want));
    const size_t n = std::fread(buf_.data() + old, 1, buf_.size() - old, file_);
    buf_.resize(old + n);
    bytes_read_ += static_cast<int64_t>(n);
    if (n == 0) {
      TERN_CHECK_T(IOError, !std::ferror(file_), "error reading ", path_, ": ", std::strerror(errno));
      eof_ = true;
    }
  }
  return static_cast<int64_t>(buf_.size()) >= want;
}

bool CsvReader::next_blocks(int max_blocks, std::vector<CsvBlock>& out) {
  out.clear();
  // Drop what the previous call handed out; keep the partial record.
  buf_.erase(0, static_cast<size_t>(start_));
  start_ = 0;
  const int64_t block = options_.block_bytes;
  fill(block * max_blocks);
  if (buf_.empty()) return false;
  // Split at record ends (newlines outside quotes) after each block target.
  // memchr jumps between quotes and newlines: this scan is the serial part.
  const char* s = buf_.data();
  const int64_t n = static_cast<int64_t>(buf_.size());
  const char* const end = s + n;
  auto find = [end](const char* from, char c) {
    const void* q = std::memchr(from, c, static_cast<size_t>(end - from));
    return q ? static_cast<const char*>(q) : end;
  };
  bool in_quotes = false;
  int64_t line = next_line_, block_start = 0, block_line = line, last_end = 0, last_end_line = line;
  const char* p = s;
  const char* quote = find(p, '"');
  while (p < end) {
    if (in_quotes) {
      // Newlines inside quotes are lines but not record ends.
      line += std::count(p, quote, '\n');
      if (quote == end) break;
      in_quotes = false;
      p = quote + 1;
      quote = find(p, '"');
      continue;
    }
    const char* nl = find(p, '\n');
    if (quote < nl) {
      in_quotes = true;
      p = quote + 1;
      quote = find(p, '"');
      continue;
    }
    if (nl == end) break;
    ++line;
    last_end = nl + 1 - s;
    last_end_line = line;
    if (last_end - block_start >= block) {
      out.push_back({std::string_view(s + block_start, static_cast<size_t>(last_end - block_start)), block_line});
      block_start = last_end;
      block_line = line;
    }
    p = nl + 1;
  }
  if (eof_) {
    // The rest is the last record(s), possibly without a final newline.
    if (block_start < n) out.push_back({std::string_view(s + block_start, static_cast<size_t>(n - block_start)), block_line});
    start_ = n;
    return !out.empty();
  }
  if (last_end > block_start) {
    out.push_back({std::string_view(s + block_start, static_cast<size_t>(last_end - block_start)), block_line});
    block_start = last_end;
    block_line = last_end_line;
  }
  start_ = block_start;
  next_line_ = block_line;
  if (out.empty()) {
    // No record ended in the whole buffer: read more (bounded).
    TERN_CHECK(n < options_.max_record_bytes, path_, ":", next_line_,
               ":1: record longer than ", options_.max_record_bytes, " bytes (unbalanced quote?)");
    fill(n * 2);
    return next_blocks(max_blocks, out);
  }
  return true;
}

std::string CsvReader::where(const CsvProblem& p) const {
  return str_cat(path_, ":", p.line, ":", p.column, ": ", p.message);
}

bool valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    const unsigned char c = *p;
    if (c < 0x80) { ++p; continue; }
    int len;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) { len = 2; cp = c & 0x1F; }
    else if ((c & 0xF0) == 0xE0) { len = 3; cp = c & 0x0F; }
    else if ((c & 0xF8) == 0xF0) { len = 4; cp = c & 0x07; }
    else return false;
    if (end - p < len) return false;
    for (int i = 1; i < len; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    // Reject overlong forms, surrogates and values past U+10FFFF.
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
      return false;
    p += len;
  }
  return true;
}

std::string csv_escape(std::string_view s, char delimiter, bool empty_is_present) {
  const bool needs = (s.empty() && empty_is_present) ||
                     s.find_first_of(std::string{delimiter, '"', '\n', '\r'}) != std::string_view::npos;
  if (!needs) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace tern::dv

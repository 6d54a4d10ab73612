// RFC 4180 CSV, read in blocks of whole records so that blocks can be parsed
// on different threads and a file larger than memory streams through a
// fixed-size buffer.
//
// Conventions (RFC 4180 plus the common extensions):
//  - records end with "\n" or "\r\n"; the last one may lack it;
//  - a field may be quoted with '"'; inside quotes the delimiter and line
//    breaks are literal and "" stands for one quote;
//  - an unquoted empty field is a missing value, a quoted empty field ("")
//    is a present empty string;
//  - a blank line is skipped when records have more than one field.
// A structural problem (ragged row, stray or unterminated quote, an empty
// file) is reported as "file:line:column: what".
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace tern::dv {

struct CsvOptions {
  char delimiter = ',';
  bool header = true;               // first record names the columns
  int64_t block_bytes = 4 << 20;    // target size of one parse block
  int64_t max_record_bytes = 64 << 20;  // a longer record is an error
};

// One field handed to a sink; `value` is valid only during the call.
struct CsvField {
  std::string_view value;
  bool quoted = false;
  int64_t line = 0;    // 1-based line where the field starts
  int64_t column = 0;  // 1-based byte column where the field starts
};

// Receives the fields of each record in order.
class CsvSink {
 public:
  virtual ~CsvSink() = default;
  virtual void field(int64_t index, const CsvField& f) = 0;
  virtual void end_record() {}
};

// The first structural problem met while parsing, if any.
struct CsvProblem {
  int64_t line = 0;
  int64_t column = 0;
  std::string message;
  bool ok() const { return message.empty(); }
};

// Parses `buf`, which holds whole records, the first starting on line
// `first_line`. `expected_fields` < 0 accepts any count (used for the header);
// otherwise a record with another count is a problem. Stops at the first
// problem, stored in *problem. Returns the number of records parsed.
int64_t parse_csv_block(std::string_view buf, char delimiter, int64_t first_line,
                        int64_t expected_fields, CsvSink& sink, CsvProblem* problem);

// A block of whole records and the line its first record starts on.
struct CsvBlock {
  std::string_view data;
  int64_t first_line = 1;
};

// Streams a CSV file: reads the header, then hands out blocks of records.
class CsvReader {
 public:
  // Throws tern::IOError when the file cannot be opened and tern::ValueError
  // (with file:line:column) when it is empty or its header is malformed.
  CsvReader(std::string path, CsvOptions options);
  ~CsvReader();
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  const std::vector<std::string>& column_names() const { return names_; }
  const std::string& path() const { return path_; }
  int64_t bytes_read() const { return bytes_read_; }

  // Replaces `out` with up to `max_blocks` blocks (views into an internal
  // buffer valid until the next call). Returns false when the file is done.
  bool next_blocks(int max_blocks, std::vector<CsvBlock>& out);

  // "file:line:column: message", for reporting a problem.
  std::string where(const CsvProblem& p) const;

 private:
  bool fill(int64_t want);  // reads until buf_ holds `want` bytes or EOF

  std::string path_;
  CsvOptions options_;
  std::FILE* file_ = nullptr;
  bool eof_ = false;
  std::string buf_;
  int64_t start_ = 0;       // first unconsumed byte in buf_
  int64_t next_line_ = 1;   // line number of buf_[start_]
  int64_t bytes_read_ = 0;
  std::vector<std::string> names_;
};

// True when `s` is well-formed UTF-8.
bool valid_utf8(std::string_view s);

// Quotes a field for writing when it contains the delimiter, a quote, a line
// break, or is empty and must read back as a present empty string.
std::string csv_escape(std::string_view s, char delimiter, bool empty_is_present);

}  // namespace tern::dv

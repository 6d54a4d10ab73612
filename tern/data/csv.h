// Delimited text tables (CSV, TSV) as classification data: a header row, one
// label column, every other column a numeric feature.
//
// Fields follow RFC 4180: a field may be "quoted", a quoted field may hold the
// delimiter, line breaks and "" (one quote). Unquoted fields are trimmed of
// spaces; blank lines are skipped; CRLF line ends and a UTF-8 byte-order mark
// are accepted. Every problem is one line naming the file and the line:
//   iris.csv:17: column 'petal_width': expected a number, got 'abc'
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tern::data {

struct CsvOptions {
  char delimiter = ',';
  // The label column: its header name, or its 0-based index. Empty: the
  // column named "label" if there is one, else the last column.
  std::string label;
  // Labels are class names mapped to these ids (a test file read with the
  // training file's classes). Empty: integer labels if every label is a
  // non-negative integer, else the distinct names in sorted order.
  std::vector<std::string> classes;
  bool integer_labels = false;  // require integer labels (the training file had them)
};

struct CsvTable {
  std::vector<std::string> feature_names;
  std::string label_name;
  std::vector<float> features;  // rows() x feature_names.size(), row-major
  std::vector<int64_t> labels;
  // Names of the classes when labels were names: id i is class_names[i].
  // Empty when the labels were integers.
  std::vector<std::string> class_names;
  int64_t rows() const { return static_cast<int64_t>(labels.size()); }
  int64_t num_classes() const;  // class_names.size(), or 1 + the largest integer label
};

// Reads `path`; throws tern::IOError (unreadable or malformed file) or
// ValueError (a label column that is not there), one line naming the file.
CsvTable read_csv(const std::string& path, const CsvOptions& opt = {});
// The same for text in memory; `source` names it in errors.
CsvTable parse_csv(std::string_view text, const std::string& source, const CsvOptions& opt = {});

}  // namespace tern::data

#include "tern/data/csv.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include "tern/base/error.h"
#include "tern/base/parse.h"

namespace tern::data {

namespace {

struct Record {
  int64_t line = 0;  // 1-based line the record starts on
  std::vector<std::string> fields;
};

// Splits `text` into records. Quoted fields may span lines, so records are
// found here and not with getline.
std::vector<Record> split_records(std::string_view text, const std::string& source, char delim) {
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::vector<Record> out;
  size_t i = 0;
  int64_t line = 1;
  const size_t n = text.size();
  while (i < n) {
    Record rec;
    rec.line = line;
    bool blank = true;  // a line with nothing on it is skipped, not a record of one empty field
    for (;;) {  // one field per iteration
      std::string field;
      size_t j = i;
      while (j < n && text[j] == ' ' && delim != ' ') ++j;
      if (j < n && text[j] == '"') {
        blank = false;
        const int64_t opened = line;
        ++j;
        for (;;) {
          if (j >= n)
            throw IOError(str_cat(source, ":", opened, ": quoted field never closed (expected a closing '\"')"));
          const char c = text[j++];
          if (c == '"') {
            if (j < n && text[j] == '"') {
              field += '"';
              ++j;
              continue;
            }
            break;
          }
          if (c == '\n') ++line;
          field += c;
        }
        while (j < n && text[j] == ' ' && delim != ' ') ++j;
        if (j < n && text[j] == '\r') ++j;
        if (j < n && text[j] != delim && text[j] != '\n')
          throw IOError(str_cat(source, ":", line, ": field ", rec.fields.size() + 1,
                                ": expected the delimiter or a line end after a closing quote, got ",
                                quote(text.substr(j, 1))));
      } else {
        size_t k = i;
        while (k < n && text[k] != delim && text[k] != '\n') ++k;
        std::string_view raw = text.substr(i, k - i);
        if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
        while (!raw.empty() && raw.front() == ' ' && delim != ' ') raw.remove_prefix(1);
        while (!raw.empty() && raw.back() == ' ' && delim != ' ') raw.remove_suffix(1);
        if (!raw.empty() || (k < n && text[k] == delim)) blank = false;
        field.assign(raw);
        j = k;
      }
      rec.fields.push_back(std::move(field));
      if (j >= n) {
        i = n;
        break;
      }
      if (text[j] == delim) {
        i = j + 1;
        continue;
      }
      // a line end
      i = j + 1;
      ++line;
      break;
    }
    if (!blank) out.push_back(std::move(rec));
  }
  return out;
}

bool parse_integer(const std::string& s, int64_t* v) {
  const char* b = s.data();
  const char* e = s.data() + s.size();
  if (b != e && *b == '+') ++b;
  auto [p, ec] = std::from_chars(b, e, *v);
  return ec == std::errc() && p == e && b != e;
}

}  // namespace

int64_t CsvTable::num_classes() const {
  if (!class_names.empty()) return static_cast<int64_t>(class_names.size());
  int64_t m = -1;
  for (int64_t l : labels) m = std::max(m, l);
  return m + 1;
}

CsvTable parse_csv(std::string_view text, const std::string& source, const CsvOptions& opt) {
  std::vector<Record> recs = split_records(text, source, opt.delimiter);
  if (recs.empty()) throw IOError(str_cat(source, ": empty file (expected a header row, then data rows)"));
  const std::vector<std::string>& header = recs[0].fields;
  const int64_t cols = static_cast<int64_t>(header.size());
  if (cols < 2)
    throw IOError(str_cat(source, ":", recs[0].line, ": header has ", cols,
                          " column (expected a label column and at least one feature; wrong delimiter?)"));
  if (recs.size() < 2) throw IOError(str_cat(source, ": no data rows after the header"));

  // The label column.
  int64_t label_col = -1;
  std::string names;
  for (int64_t c = 0; c < cols; ++c) names += (c ? ", " : "") + quote(header[c], 40);
  if (opt.label.empty()) {
    for (int64_t c = 0; c < cols && label_col < 0; ++c)
      if (header[c] == "label") label_col = c;
    if (label_col < 0) label_col = cols - 1;
  } else if (int64_t idx; parse_integer(opt.label, &idx)) {
    TERN_CHECK(idx >= 0 && idx < cols, source, ": label column ", idx, " does not exist (the header has ", cols,
               " columns, 0 to ", cols - 1, ")");
    label_col = idx;
  } else {
    for (int64_t c = 0; c < cols && label_col < 0; ++c)
      if (header[c] == opt.label) label_col = c;
    TERN_CHECK(label_col >= 0, source, ": no column ", quote(opt.label), " for the label (columns: ", names, ")");
  }

  CsvTable t;
  t.label_name = header[label_col];
  for (int64_t c = 0; c < cols; ++c)
    if (c != label_col) t.feature_names.push_back(header[c]);
  const int64_t rows = static_cast<int64_t>(recs.size()) - 1;
  t.features.reserve(static_cast<size_t>(rows * (cols - 1)));
  std::vector<const std::string*> label_text;
  for (size_t r = 1; r < recs.size(); ++r) {
    const Record& rec = recs[r];
    if (static_cast<int64_t>(rec.fields.size()) != cols)
      throw IOError(str_cat(source, ":", rec.line, ": expected ", cols, " fields like the header, got ",
                            rec.fields.size()));
    for (int64_t c = 0; c < cols; ++c) {
      const std::string& f = rec.fields[c];
      if (c == label_col) {
        label_text.push_back(&f);
        continue;
      }
      double v = 0;
      const char* b = f.data();
      const char* e = f.data() + f.size();
      if (b != e && *b == '+') ++b;
      auto [p, ec] = std::from_chars(b, e, v);
      if (ec == std::errc::result_out_of_range && p == e) v = HUGE_VAL;  // refused just below, as out of range
      else if (ec != std::errc() || p != e || b == e)
        throw IOError(str_cat(source, ":", rec.line, ": column ", quote(header[c], 40), ": expected a number, got ",
                              quote(f, 40)));
      if (!std::isfinite(v) || std::fabs(v) > 3.4e38)
        throw IOError(str_cat(source, ":", rec.line, ": column ", quote(header[c], 40),
                              ": expected a finite float32 number, got ", quote(f, 40)));
      t.features.push_back(static_cast<float>(v));
    }
  }

  // Labels: integers, or names mapped to ids.
  auto line_of = [&](size_t i) { return recs[i + 1].line; };
  bool integers = opt.classes.empty();
  if (integers && !opt.integer_labels) {
    int64_t v;
    for (const std::string* s : label_text) integers = integers && parse_integer(*s, &v) && v >= 0;
  }
  if (integers) {
    for (size_t i = 0; i < label_text.size(); ++i) {
      int64_t v;
      if (!parse_integer(*label_text[i], &v) || v < 0)
        throw IOError(str_cat(source, ":", line_of(i), ": label column ", quote(t.label_name, 40),
                              ": expected a class id (an integer >= 0, as in the training file), got ",
                              quote(*label_text[i], 40)));
      if (v >= (int64_t{1} << 24))
        throw IOError(str_cat(source, ":", line_of(i), ": label column ", quote(t.label_name, 40), ": class id ", v,
                              " is implausibly large (expected fewer than 2^24 classes)"));
      t.labels.push_back(v);
    }
    return t;
  }
  if (!opt.classes.empty()) {
    t.class_names = opt.classes;
  } else {
    for (const std::string* s : label_text) t.class_names.push_back(*s);
    std::sort(t.class_names.begin(), t.class_names.end());
    t.class_names.erase(std::unique(t.class_names.begin(), t.class_names.end()), t.class_names.end());
  }
  std::map<std::string, int64_t> id;
  for (size_t c = 0; c < t.class_names.size(); ++c) id.emplace(t.class_names[c], static_cast<int64_t>(c));
  for (size_t i = 0; i < label_text.size(); ++i) {
    auto it = id.find(*label_text[i]);
    if (it == id.end())
      throw IOError(str_cat(source, ":", line_of(i), ": label column ", quote(t.label_name, 40), ": class ",
                            quote(*label_text[i], 40), " is not one of the training file's ", t.class_names.size(),
                            " classes"));
    t.labels.push_back(it->second);
  }
  return t;
}

CsvTable read_csv(const std::string& path, const CsvOptions& opt) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw IOError(str_cat("cannot open ", path, " (expected a CSV/TSV file with a header row)"));
  std::ostringstream ss;
  ss << f.rdbuf();
  if (f.bad()) throw IOError(str_cat("cannot read ", path));
  return parse_csv(ss.str(), path, opt);
}

}  // namespace tern::data

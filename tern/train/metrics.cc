#include "tern/train/metrics.h"

#include <algorithm>
#include <cstdio>

#include "tern/base/error.h"

namespace tern::train {

Classification classify(const std::vector<int64_t>& labels, const std::vector<int64_t>& predictions, int64_t classes) {
  TERN_CHECK(labels.size() == predictions.size(), "classify: ", labels.size(), " labels but ", predictions.size(),
             " predictions");
  TERN_CHECK(classes > 0, "classify: expected at least one class, given ", classes);
  Classification c;
  c.classes = classes;
  c.examples = static_cast<int64_t>(labels.size());
  c.confusion.assign(classes * classes, 0);
  c.per_class.resize(classes);
  int64_t correct = 0;
  for (size_t i = 0; i < labels.size(); ++i) {
    const int64_t t = labels[i], p = predictions[i];
    TERN_CHECK(t >= 0 && t < classes && p >= 0 && p < classes, "classify: example ", i, " has label ", t,
               " and prediction ", p, "; expected classes in [0, ", classes, ")");
    ++c.confusion[t * classes + p];
    ++c.per_class[t].support;
    ++c.per_class[p].predicted;
    if (t == p) {
      ++c.per_class[t].correct;
      ++correct;
    }
  }
  c.accuracy = c.examples ? static_cast<double>(correct) / c.examples : 0;
  int64_t present = 0;
  for (ClassMetrics& m : c.per_class) {
    m.precision = m.predicted ? static_cast<double>(m.correct) / m.predicted : 0;
    m.recall = m.support ? static_cast<double>(m.correct) / m.support : 0;
    m.f1 = m.precision + m.recall > 0 ? 2 * m.precision * m.recall / (m.precision + m.recall) : 0;
    if (m.support || m.predicted) {
      c.macro_f1 += m.f1;
      ++present;
    }
  }
  if (present) c.macro_f1 /= present;
  return c;
}

std::string classification_text(const Classification& c, const std::vector<std::string>& names) {
  auto name = [&](int64_t k) { return k < static_cast<int64_t>(names.size()) ? names[k] : std::to_string(k); };
  size_t width = 5;
  for (int64_t k = 0; k < c.classes; ++k) width = std::max(width, name(k).size());
  width = std::min<size_t>(width, 40);  // a longer class name overflows its column, not the buffer
  char buf[256];
  std::string out;
  std::snprintf(buf, sizeof buf, "%-*s  precision  recall     f1  support\n", static_cast<int>(width), "class");
  out += buf;
  for (int64_t k = 0; k < c.classes; ++k) {
    const ClassMetrics& m = c.per_class[k];
    std::snprintf(buf, sizeof buf, "%-*s  %9.4f  %6.4f  %5.4f  %7lld\n", static_cast<int>(width), name(k).c_str(),
                  m.precision, m.recall, m.f1, static_cast<long long>(m.support));
    out += buf;
  }
  std::snprintf(buf, sizeof buf, "accuracy %.4f, macro F1 %.4f on %lld examples\n", c.accuracy, c.macro_f1,
                static_cast<long long>(c.examples));
  out += buf;
  out += "confusion matrix (rows: true class, columns: predicted)\n";
  size_t cell = 4;
  for (int64_t v : c.confusion) cell = std::max(cell, std::to_string(v).size() + 1);
  auto right = [](const std::string& v, size_t w) { return std::string(w > v.size() ? w - v.size() : 0, ' ') + v; };
  auto left = [](const std::string& v, size_t w) { return v + std::string(w > v.size() ? w - v.size() : 0, ' '); };
  out += std::string(width, ' ');
  for (int64_t k = 0; k < c.classes; ++k) out += right(std::to_string(k), cell);
  out += '\n';
  for (int64_t t = 0; t < c.classes; ++t) {
    out += left(name(t), width);
    for (int64_t p = 0; p < c.classes; ++p) out += right(std::to_string(c.count(t, p)), cell);
    out += '\n';
  }
  return out;
}

nlohmann::json classification_json(const Classification& c) {
  nlohmann::json j = {{"examples", c.examples}, {"accuracy", c.accuracy}, {"macro_f1", c.macro_f1}};
  for (const ClassMetrics& m : c.per_class)
    j["per_class"].push_back({{"precision", m.precision}, {"recall", m.recall}, {"f1", m.f1}, {"support", m.support},
                              {"predicted", m.predicted}});
  for (int64_t t = 0; t < c.classes; ++t) {
    std::vector<int64_t> row(c.confusion.begin() + t * c.classes, c.confusion.begin() + (t + 1) * c.classes);
    j["confusion"].push_back(row);
  }
  return j;
}

}  // namespace tern::train

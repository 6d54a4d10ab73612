// Per-class figures of a classifier on a labelled set, as `tern eval`
// reports them: the confusion matrix (rows: true class, columns: predicted),
// and each class's precision (of the examples predicted as the class, the
// share that are), recall (of the class's examples, the share found) and F1
// (their harmonic mean). A class never predicted has precision 0; one with no
// examples has recall 0 (scikit-learn's zero_division=0).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tern::train {

struct ClassMetrics {
  int64_t support = 0;    // examples of the class
  int64_t predicted = 0;  // examples predicted as the class
  int64_t correct = 0;    // both
  double precision = 0, recall = 0, f1 = 0;
};

struct Classification {
  int64_t classes = 0;
  int64_t examples = 0;
  double accuracy = 0;
  double macro_f1 = 0;                 // mean F1 over classes with examples or predictions
  std::vector<int64_t> confusion;      // [classes * classes], confusion[true * classes + predicted]
  std::vector<ClassMetrics> per_class;
  int64_t count(int64_t truth, int64_t predicted) const { return confusion[truth * classes + predicted]; }
};

// Throws ValueError if the vectors differ in length or a class is outside
// [0, classes).
Classification classify(const std::vector<int64_t>& labels, const std::vector<int64_t>& predictions, int64_t classes);

// A table of precision / recall / F1 / support per class, then the confusion
// matrix; `names` labels the classes if given (else their numbers).
std::string classification_text(const Classification& c, const std::vector<std::string>& names = {});
nlohmann::json classification_json(const Classification& c);

}  // namespace tern::train

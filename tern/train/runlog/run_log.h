// `tern train --log-dir DIR`: the training loop's one logging hook. Writes
//   DIR/steps.csv   step,epoch,loss,lr                      (one row per step)
//   DIR/epochs.csv  epoch,step,train_loss,test_accuracy,samples_per_second,seconds,lr
//   DIR/events.out.tfevents.<unix-seconds>.<hostname>.tern  (TensorBoard)
// Rows and events are buffered during an epoch and appended, flushed and
// fsync'ed at its end, so a crash loses at most the epoch in progress. A
// CSV that already exists (a resumed run) is appended to, its header kept.
// TensorBoard tags: train/loss and train/lr at the global step (0-based, as
// in steps.csv); epoch/train_loss, epoch/test_accuracy,
// epoch/samples_per_second and epoch/seconds at the epoch number (1-based).
#pragma once

#include <cstdio>
#include <memory>
#include <string>

#include "tern/train/runlog/event_writer.h"
#include "tern/train/trainer.h"

namespace tern::train::runlog {

class RunLog {
 public:
  // Creates DIR (and its parents) if needed. Throws IOError.
  explicit RunLog(const std::string& dir);
  ~RunLog();
  RunLog(const RunLog&) = delete;
  RunLog& operator=(const RunLog&) = delete;

  // After step `step` (0-based, counted over the run) of epoch `epoch` (1-based).
  void step(int64_t step, int64_t epoch, double loss, double lr);
  // After an epoch's evaluation; `steps` = steps done so far. Writes out.
  void epoch(const EpochResult& e, int64_t steps, double lr);

  const std::string& event_path() const { return events_.path(); }

 private:
  struct Csv {
    std::string path;
    std::FILE* file = nullptr;
    std::string pending;
  };
  static void open(Csv& csv, const std::string& path, const char* header);
  static void flush(Csv& csv);

  std::string dir_;
  Csv steps_, epochs_;
  EventWriter events_;
};

}  // namespace tern::train::runlog

// A TensorBoard event file: TFRecord-framed (tfrecord.h) Event protos
// (event.proto). The first record carries file_version "brain.Event:2";
// each later one a scalar summary {tag, simple_value} at a step. TensorBoard
// (`tensorboard --logdir DIR`) picks up every file named
// events.out.tfevents.* in DIR.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace tern::train::runlog {

// The serialized Event holding one scalar.
std::string scalar_event(const std::string& tag, int64_t step, float value, double wall_time);
// The serialized first Event: file_version "brain.Event:2".
std::string file_version_event(double wall_time);

class EventWriter {
 public:
  // Creates DIR/events.out.tfevents.<unix-seconds>.<hostname>.tern (DIR
  // must exist) holding the file_version record. Throws IOError.
  explicit EventWriter(const std::string& dir);
  ~EventWriter();
  EventWriter(const EventWriter&) = delete;
  EventWriter& operator=(const EventWriter&) = delete;

  const std::string& path() const { return path_; }
  // Buffers one scalar; wall_time in seconds since the epoch.
  void add_scalar(const std::string& tag, int64_t step, float value, double wall_time);
  // Appends the buffered records and flushes them to disk (fsync).
  void flush();

 private:
  std::string path_;
  std::string pending_;
  std::FILE* file_ = nullptr;
};

// Seconds since the Unix epoch, with sub-second resolution.
double wall_seconds();

}  // namespace tern::train::runlog

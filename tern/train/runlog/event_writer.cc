#include "tern/train/runlog/event_writer.h"

#include <chrono>
#include <cmath>

#include <unistd.h>

#include "tern/base/error.h"
#include "event.pb.h"  // generated from runlog/event.proto
#include "tern/train/runlog/tfrecord.h"

namespace tern::train::runlog {

std::string scalar_event(const std::string& tag, int64_t step, float value, double wall_time) {
  pb::Event e;
  e.set_wall_time(wall_time);
  e.set_step(step);
  pb::SummaryValue* v = e.mutable_summary()->add_value();
  v->set_tag(tag);
  v->set_simple_value(value);
  return e.SerializeAsString();
}

std::string file_version_event(double wall_time) {
  pb::Event e;
  e.set_wall_time(wall_time);
  e.set_file_version("brain.Event:2");
  return e.SerializeAsString();
}

double wall_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

EventWriter::EventWriter(const std::string& dir) {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0 || host[0] == 0) std::snprintf(host, sizeof host, "localhost");
  const double now = wall_seconds();
  path_ = dir + "/events.out.tfevents." + std::to_string(static_cast<int64_t>(std::floor(now))) + "." + host + ".tern";
  file_ = std::fopen(path_.c_str(), "wb");
  TERN_CHECK_T(IOError, file_ != nullptr, "--log-dir: cannot create ", path_);
  pending_ = tfrecord_frame(file_version_event(now));
  flush();
}

EventWriter::~EventWriter() {
  if (file_) std::fclose(file_);
}

void EventWriter::add_scalar(const std::string& tag, int64_t step, float value, double wall_time) {
  pending_ += tfrecord_frame(scalar_event(tag, step, value, wall_time));
}

void EventWriter::flush() {
  const bool ok = std::fwrite(pending_.data(), 1, pending_.size(), file_) == pending_.size() &&
                  std::fflush(file_) == 0 && ::fsync(::fileno(file_)) == 0;
  TERN_CHECK_T(IOError, ok, "--log-dir: cannot write ", path_);
  pending_.clear();
}

}  // namespace tern::train::runlog

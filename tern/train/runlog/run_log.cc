#include "tern/train/runlog/run_log.h"

#include <filesystem>

#include <unistd.h>

#include "tern/base/error.h"
#include "tern/base/parse.h"

namespace tern::train::runlog {
namespace {

const std::string& make_dir(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  TERN_CHECK_T(IOError, !ec && std::filesystem::is_directory(dir), "--log-dir ", quote(dir),
               ": cannot create the folder", ec ? ": " + ec.message() : std::string());
  return dir;
}

std::string fmt_row(const char* format, auto... args) {
  char row[256];
  std::snprintf(row, sizeof row, format, args...);
  return row;
}

}  // namespace

RunLog::RunLog(const std::string& dir) : dir_(dir), events_(make_dir(dir)) {
  open(steps_, dir + "/steps.csv", "step,epoch,loss,lr\n");
  open(epochs_, dir + "/epochs.csv", "epoch,step,train_loss,test_accuracy,samples_per_second,seconds,lr\n");
}

RunLog::~RunLog() {
  for (Csv* c : {&steps_, &epochs_})
    if (c->file) std::fclose(c->file);
}

void RunLog::open(Csv& csv, const std::string& path, const char* header) {
  csv.path = path;
  std::error_code ec;
  const bool fresh = !std::filesystem::exists(path, ec) || std::filesystem::file_size(path, ec) == 0;
  csv.file = std::fopen(path.c_str(), "ab");
  TERN_CHECK_T(IOError, csv.file != nullptr, "--log-dir: cannot write ", path);
  if (fresh) {
    csv.pending = header;
    flush(csv);
  }
}

void RunLog::flush(Csv& csv) {
  const bool ok = std::fwrite(csv.pending.data(), 1, csv.pending.size(), csv.file) == csv.pending.size() &&
                  std::fflush(csv.file) == 0 && ::fsync(::fileno(csv.file)) == 0;
  TERN_CHECK_T(IOError, ok, "--log-dir: cannot write ", csv.path);
  csv.pending.clear();
}

void RunLog::step(int64_t step, int64_t epoch, double loss, double lr) {
  steps_.pending += fmt_row("%lld,%lld,%.9g,%.9g\n", static_cast<long long>(step), static_cast<long long>(epoch), loss, lr);
  const double now = wall_seconds();
  events_.add_scalar("train/loss", step, static_cast<float>(loss), now);
  events_.add_scalar("train/lr", step, static_cast<float>(lr), now);
}

void RunLog::epoch(const EpochResult& e, int64_t steps, double lr) {
  epochs_.pending += fmt_row("%lld,%lld,%.9g,%.9g,%.9g,%.9g,%.9g\n", static_cast<long long>(e.epoch),
                             static_cast<long long>(steps), e.train_loss, e.test_accuracy, e.samples_per_second,
                             e.seconds, lr);
  const double now = wall_seconds();
  events_.add_scalar("epoch/train_loss", e.epoch, static_cast<float>(e.train_loss), now);
  events_.add_scalar("epoch/test_accuracy", e.epoch, static_cast<float>(e.test_accuracy), now);
  events_.add_scalar("epoch/samples_per_second", e.epoch, static_cast<float>(e.samples_per_second), now);
  events_.add_scalar("epoch/seconds", e.epoch, static_cast<float>(e.seconds), now);
  flush(steps_);
  flush(epochs_);
  events_.flush();
}

}  // namespace tern::train::runlog

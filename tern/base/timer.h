// Wall-clock timing and a terminal progress bar for long work.
#pragma once

#include <chrono>
#include <ctime>
#include <cstdint>
#include <cstdio>
#include <string>

namespace tern {

class Timer {
 public:
  Timer() : start_(std::chrono::steady_clock::now()) {}
  void reset() { start_ = std::chrono::steady_clock::now(); }
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

// CPU time used by the whole process (all threads), in seconds.
inline double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + ts.tv_nsec * 1e-9;
}

inline int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// If a progress bar left the terminal's cursor mid-line, ends that line, so
// that what is printed next (an error) starts on a fresh one.
void end_progress_line();

// Draws "label [#####.....] 45/100 <suffix>" on stderr, redrawing at most
// every 100 ms. On a non-terminal it prints a line every 10% instead.
class ProgressBar {
 public:
  ProgressBar(std::string label, int64_t total, bool enabled = true);
  void update(int64_t done, const std::string& suffix = "");
  void finish(const std::string& suffix = "");

 private:
  void draw(int64_t done, const std::string& suffix);
  std::string label_;
  int64_t total_;
  bool enabled_;
  bool tty_;
  double last_draw_ = -1;
  int last_decile_ = -1;
  Timer timer_;
};

}  // namespace tern

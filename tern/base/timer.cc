#include "tern/base/timer.h"

#include <unistd.h>

#include <algorithm>

namespace tern {

namespace {
bool g_line_open = false;  // a bar was drawn on a terminal and its line not ended
}  // namespace

void end_progress_line() {
  if (!g_line_open) return;
  std::fputc('\n', stderr);
  g_line_open = false;
}

ProgressBar::ProgressBar(std::string label, int64_t total, bool enabled)
    : label_(std::move(label)), total_(std::max<int64_t>(total, 1)), enabled_(enabled),
      tty_(isatty(STDERR_FILENO) != 0) {}

void ProgressBar::update(int64_t done, const std::string& suffix) {
  if (!enabled_) return;
  if (tty_) {
    const double t = timer_.seconds();
    if (t - last_draw_ < 0.1 && done < total_) return;
    last_draw_ = t;
    draw(done, suffix);
  } else {
    const int decile = static_cast<int>(10 * done / total_);
    if (decile == last_decile_) return;
    last_decile_ = decile;
    draw(done, suffix);
  }
}

void ProgressBar::finish(const std::string& suffix) {
  if (!enabled_) return;
  draw(total_, suffix);
  if (tty_) std::fputc('\n', stderr);
  g_line_open = false;
}

void ProgressBar::draw(int64_t done, const std::string& suffix) {
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(kWidth * std::min(done, total_) / total_);
  std::string bar(filled, '#');
  bar.append(kWidth - filled, '.');
  std::fprintf(stderr, "%s%s [%s] %lld/%lld %s%s", tty_ ? "\r" : "", label_.c_str(), bar.c_str(),
               static_cast<long long>(done), static_cast<long long>(total_), suffix.c_str(),
               tty_ ? "\033[K" : "\n");
  g_line_open = tty_;
  std::fflush(stderr);
}

}  // namespace tern

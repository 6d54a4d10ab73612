#include "tern/train/plot/chart.h"

#include <cairo.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "tern/base/error.h"

namespace tern::train::plot {

namespace {

struct Rgb {
  double r, g, b;
};
constexpr Rgb kPalette[10] = {{0.122, 0.467, 0.706}, {1.000, 0.498, 0.055}, {0.173, 0.627, 0.173},
                              {0.839, 0.153, 0.157}, {0.580, 0.404, 0.741}, {0.549, 0.337, 0.294},
                              {0.890, 0.467, 0.761}, {0.498, 0.498, 0.498}, {0.737, 0.741, 0.133},
                              {0.090, 0.745, 0.812}};

std::string tick_label(double v, double step) {
  char buf[32];
  const int decimals = std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
  if (std::abs(v) >= 1e5 || (v != 0 && std::abs(v) < 1e-3)) std::snprintf(buf, sizeof buf, "%.3g", v);
  else std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

cairo_status_t append(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

}  // namespace

std::vector<double> nice_ticks(double lo, double hi, int target) {
  if (!(hi > lo)) return {lo};
  const double raw = (hi - lo) / std::max(target, 1);
  const double mag = std::pow(10, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  // Counted by index, not by adding `step`: where step is below the
  // values' precision (a huge value with a tiny range) t += step would
  // never advance. At most a few hundred ticks either way.
  std::vector<double> ticks;
  const double k0 = std::ceil(lo / step - 1e-9), k1 = std::floor(hi / step + 1e-9);
  for (double k = k0; k <= k1 && ticks.size() < 200; ++k) {
    const double t = k * step;
    if (!ticks.empty() && t <= ticks.back()) break;  // no longer distinct
    ticks.push_back(std::abs(t) < step * 1e-9 ? 0 : t);
  }
  if (ticks.empty()) ticks.push_back(lo);
  return ticks;
}

std::string render_png(const Chart& c) {
  double x0 = std::numeric_limits<double>::infinity(), x1 = -x0, y0 = x0, y1 = -x0;
  for (const Series& s : c.series)
    for (size_t i = 0; i < std::min(s.x.size(), s.y.size()); ++i) {
      x0 = std::min(x0, s.x[i]), x1 = std::max(x1, s.x[i]);
      y0 = std::min(y0, s.y[i]), y1 = std::max(y1, s.y[i]);
    }
  TERN_CHECK(std::isfinite(x0), "plot '", c.title, "': no points to draw");
  // A flat series gets a range around it, wide enough to be one at its magnitude.
  auto widen = [](double& lo, double& hi) {
    if (hi > lo) return;
    const double pad = std::max(0.5, std::abs(lo) * 1e-6);
    lo -= pad, hi += pad;
  };
  widen(x0, x1);
  widen(y0, y1);
  const double pad_y = 0.05 * (y1 - y0);
  y0 -= pad_y, y1 += pad_y;
  // Room for markers at the ends.
  if (std::any_of(c.series.begin(), c.series.end(), [](const Series& s) { return s.markers; })) {
    const double pad_x = 0.03 * (x1 - x0);
    x0 -= pad_x, x1 += pad_x;
  }
  std::vector<double> xt = nice_ticks(x0, x1);
  if (c.integer_x && xt.size() > 1 && xt[1] - xt[0] < 1) {
    xt.clear();
    for (double t = std::ceil(x0); t <= x1 && t + 1 > t && xt.size() < 200; ++t) xt.push_back(t);
  }
  const std::vector<double> yt = nice_ticks(y0, y1);

  cairo_surface_t* surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, c.width, c.height);
  cairo_t* cr = cairo_create(surface);
  cairo_set_source_rgb(cr, 1, 1, 1);
  cairo_paint(cr);
  cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);

  const double left = 80, right = 24, top = 48, bottom = 64;
  const double pw = c.width - left - right, ph = c.height - top - bottom;
  auto px = [&](double x) { return left + (x - x0) / (x1 - x0) * pw; };
  auto py = [&](double y) { return top + (1 - (y - y0) / (y1 - y0)) * ph; };
  auto text = [&](const std::string& s, double x, double y, double ax, double ay, double size) {
    cairo_set_font_size(cr, size);
    cairo_text_extents_t e;
    cairo_text_extents(cr, s.c_str(), &e);
    cairo_move_to(cr, x - ax * e.width - e.x_bearing, y - ay * e.height - e.y_bearing);
    cairo_show_text(cr, s.c_str());
  };

  // Grid and ticks.
  cairo_set_line_width(cr, 1);
  const double xstep = xt.size() > 1 ? xt[1] - xt[0] : 1, ystep = yt.size() > 1 ? yt[1] - yt[0] : 1;
  for (double t : xt) {
    if (t < x0 || t > x1) continue;
    cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
    cairo_move_to(cr, std::round(px(t)) + 0.5, top);
    cairo_line_to(cr, std::round(px(t)) + 0.5, top + ph);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    text(tick_label(t, xstep), px(t), top + ph + 8, 0.5, 0, 12);
  }
  for (double t : yt) {
    if (t < y0 || t > y1) continue;
    cairo_set_source_rgb(cr, 0.9, 0.9, 0.9);
    cairo_move_to(cr, left, std::round(py(t)) + 0.5);
    cairo_line_to(cr, left + pw, std::round(py(t)) + 0.5);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    text(tick_label(t, ystep), left - 8, py(t), 1, 0.5, 12);
  }
  cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
  cairo_rectangle(cr, left + 0.5, top + 0.5, pw, ph);
  cairo_stroke(cr);

  // Series, clipped to the plot area.
  cairo_save(cr);
  cairo_rectangle(cr, left, top, pw, ph);
  cairo_clip(cr);
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
  for (const Series& s : c.series) {
    const Rgb col = kPalette[((s.color % 10) + 10) % 10];
    cairo_set_source_rgba(cr, col.r, col.g, col.b, s.alpha);
    cairo_set_line_width(cr, s.width);
    const size_t n = std::min(s.x.size(), s.y.size());
    for (size_t i = 0; i < n; ++i) {
      if (i == 0) cairo_move_to(cr, px(s.x[i]), py(s.y[i]));
      else cairo_line_to(cr, px(s.x[i]), py(s.y[i]));
    }
    cairo_stroke(cr);
    if (s.markers)
      for (size_t i = 0; i < n; ++i) {
        cairo_arc(cr, px(s.x[i]), py(s.y[i]), s.width + 2, 0, 2 * M_PI);
        cairo_fill(cr);
      }
  }
  cairo_restore(cr);

  // Labels, title, legend.
  cairo_set_source_rgb(cr, 0, 0, 0);
  text(c.title, c.width / 2.0, 16, 0.5, 0, 17);
  text(c.x_label, left + pw / 2, c.height - 24, 0.5, 0, 14);
  cairo_save(cr);
  cairo_translate(cr, 22, top + ph / 2);
  cairo_rotate(cr, -M_PI / 2);
  text(c.y_label, 0, 0, 0.5, 0.5, 14);
  cairo_restore(cr);
  double ly = top + 12;
  for (const Series& s : c.series) {
    if (s.label.empty()) continue;
    const Rgb col = kPalette[((s.color % 10) + 10) % 10];
    cairo_set_source_rgb(cr, col.r, col.g, col.b);
    cairo_set_line_width(cr, 3);
    cairo_move_to(cr, left + pw - 170, ly);
    cairo_line_to(cr, left + pw - 146, ly);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    text(s.label.size() > 22 ? s.label.substr(0, 21) + "~" : s.label, left + pw - 140, ly, 0, 0.5, 12);
    ly += 18;
  }

  std::string png;
  const cairo_status_t status = cairo_surface_write_to_png_stream(surface, append, &png);
  cairo_destroy(cr);
  cairo_surface_destroy(surface);
  TERN_CHECK(status == CAIRO_STATUS_SUCCESS, "plot: cairo could not encode the PNG: ", cairo_status_to_string(status));
  return png;
}

}  // namespace tern::train::plot

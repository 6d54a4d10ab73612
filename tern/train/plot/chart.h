// A line chart as PNG bytes, drawn with cairo: axes with round-number ticks,
// a title, axis labels, one coloured line (optionally with markers) per
// series and a legend. Just what `tern plot` needs, nothing general.
#pragma once

#include <string>
#include <vector>

namespace tern::train::plot {

struct Series {
  std::string label;  // in the legend; "" keeps it out
  std::vector<double> x, y;
  int color = 0;         // index into a 10-colour palette (matplotlib's tab10)
  double width = 2;      // line width in pixels
  double alpha = 1;      // opacity
  bool markers = false;  // a dot at every point
};

struct Chart {
  std::string title, x_label, y_label;
  std::vector<Series> series;
  bool integer_x = false;  // x values are counts (epochs): whole-number ticks only
  int width = 900, height = 540;
};

// Throws ValueError for a chart with no points.
std::string render_png(const Chart& chart);

// Round tick values covering [lo, hi], about `target` of them.
std::vector<double> nice_ticks(double lo, double hi, int target = 6);

}  // namespace tern::train::plot

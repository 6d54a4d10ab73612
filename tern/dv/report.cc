#include "tern/dv/report.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include "tern/base/error.h"
#include "tern/dv/compare.h"
#include "tern/dv/csv.h"
#include "tern/dv/schema.h"

namespace tern::dv {

std::string html_escape(std::string_view s) {
  if (!valid_utf8(s)) return "&lt;invalid UTF-8&gt;";
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

namespace {

constexpr int kWidth = 420, kHeight = 170, kLeft = 40, kBottom = 36, kTop = 10;
const char* const kColor[2] = {"#3b6ea5", "#e08a2c"};

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

// One bar group per label; `series` holds one fraction vector per dataset.
std::string bar_chart(const std::string& feature, const std::vector<std::string>& labels,
                      const std::vector<std::vector<double>>& series) {
  double top = 0;
  for (const auto& s : series)
    for (double v : s) top = std::max(top, v);
  if (top <= 0) top = 1;
  const int plot_w = kWidth - kLeft - 10, plot_h = kHeight - kBottom - kTop;
  const double group = labels.empty() ? plot_w : static_cast<double>(plot_w) / labels.size();
  const double bar = group * 0.8 / std::max<size_t>(1, series.size());
  std::string svg = str_cat("<svg class=\"chart\" data-feature=\"", html_escape(feature), "\" xmlns=\"http://www.w3.org/2000/svg\" width=\"",
                            kWidth, "\" height=\"", kHeight, "\" role=\"img\" aria-label=\"histogram of ", html_escape(feature), "\">");
  svg += str_cat("<line x1=\"", kLeft, "\" y1=\"", kTop + plot_h, "\" x2=\"", kWidth - 10, "\" y2=\"", kTop + plot_h,
                 "\" stroke=\"#888\"/>");
  svg += str_cat("<text x=\"", kLeft - 4, "\" y=\"", kTop + 8, "\" font-size=\"9\" text-anchor=\"end\">", num(top), "</text>");
  for (size_t i = 0; i < labels.size(); ++i) {
    for (size_t s = 0; s < series.size(); ++s) {
      const double v = i < series[s].size() ? series[s][i] : 0;
      const double h = plot_h * v / top;
      svg += str_cat("<rect x=\"", num(kLeft + group * i + group * 0.1 + bar * s), "\" y=\"", num(kTop + plot_h - h),
                     "\" width=\"", num(bar), "\" height=\"", num(h), "\" fill=\"", kColor[s % 2], "\"><title>",
                     html_escape(labels[i]), ": ", num(v), "</title></rect>");
    }
    // Label every bucket when few, else every other one.
    if (labels.size() <= 12 || i % 2 == 0) {
      std::string l = labels[i].size() > 12 ? labels[i].substr(0, 11) + "\u2026" : labels[i];
      svg += str_cat("<text x=\"", num(kLeft + group * (i + 0.5)), "\" y=\"", kTop + plot_h + 12,
                     "\" font-size=\"8\" text-anchor=\"middle\">", html_escape(valid_utf8(l) ? l : labels[i]), "</text>");
    }
  }
  svg += "</svg>";
  return svg;
}

std::vector<double> fractions(const std::vector<double>& counts) {
  double s = 0;
  for (double c : counts) s += c;
  std::vector<double> out(counts);
  if (s > 0)
    for (double& v : out) v /= s;
  return out;
}

std::string chart_for(const FeatureStats& f, const FeatureStats* g) {
  std::vector<std::string> labels;
  std::vector<std::vector<double>> series;
  if (f.type != FeatureType::BYTES && (!g || g->type != FeatureType::BYTES)) {
    // Numeric: equal-width buckets over the union of both ranges.
    double lo = f.min, hi = f.max;
    if (g && g->num_numeric > 0) {
      lo = f.num_numeric > 0 ? std::min(lo, g->min) : g->min;
      hi = f.num_numeric > 0 ? std::max(hi, g->max) : g->max;
    }
    for (int b = 0; b < kHistogramBuckets; ++b) labels.push_back(num(lo + (hi - lo) * b / kHistogramBuckets));
    series.push_back(fractions(rebin(f, lo, hi, kHistogramBuckets)));
    if (g) series.push_back(fractions(rebin(*g, lo, hi, kHistogramBuckets)));
  } else {
    // Categorical: the 10 values most frequent in either dataset.
    const auto a = value_counts(f);
    double sa = 0;
    for (const auto& kv : a) sa += kv.second;
    std::map<std::string, double> weight;
    for (const auto& [k, v] : a) weight[k] = sa > 0 ? v / sa : 0;
    if (g) {
      const auto b = value_counts(*g);
      double sb = 0;
      for (const auto& kv : b) sb += kv.second;
      for (const auto& [k, v] : b) weight[k] = std::max(weight[k], sb > 0 ? v / sb : 0);
    }
    std::vector<std::pair<std::string, double>> top(weight.begin(), weight.end());
    std::stable_sort(top.begin(), top.end(), [](const auto& x, const auto& y) { return x.second > y.second; });
    if (top.size() > 10) top.resize(10);
    std::vector<double> fa;
    for (const auto& [k, w] : top) {
      labels.push_back(k);
      auto it = a.find(k);
      fa.push_back(it != a.end() && sa > 0 ? it->second / sa : 0);
    }
    series.push_back(fa);
    if (g) {
      const auto b = value_counts(*g);
      double sb = 0;
      for (const auto& kv : b) sb += kv.second;
      std::vector<double> fb;
      for (const auto& [k, v] : top) {
        auto it = b.find(k);
        fb.push_back(it != b.end() && sb > 0 ? it->second / sb : 0);
      }
      series.push_back(fb);
    }
  }
  return bar_chart(f.name, labels, series);
}

std::string summary_row(const char* name, const FeatureStats& f) {
  std::string r = str_cat("<tr><th>", name, "</th><td>", f.num_present, "</td><td>", f.num_missing, "</td>");
  if (f.num_numeric > 0)
    r += str_cat("<td>", num(f.min), "</td><td>", num(f.max), "</td><td>", num(f.mean), "</td><td>", num(f.std_dev), "</td>");
  else
    r += "<td>-</td><td>-</td><td>-</td><td>-</td>";
  r += str_cat("<td>", f.unique, f.strings_exact ? "" : " (est.)", "</td></tr>");
  return r;
}

}  // namespace

std::string render_report(const DatasetStats& stats, const DatasetStats* against, const std::vector<Anomaly>& anomalies) {
  std::string h = R"(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>tern dv report</title>
<style>
body{font-family:sans-serif;margin:20px;color:#222}
table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}
.feature{display:inline-block;vertical-align:top;margin:6px;padding:6px;border:1px solid #ddd;width:440px}
.feature h3{margin:2px 0;font-size:14px}.type{color:#777;font-weight:normal}
.anomalies td.type{font-family:monospace;color:#a00}.legend span{display:inline-block;width:10px;height:10px;margin:0 4px}
.bad{border-color:#c33}
</style></head><body>
)";
  h += str_cat("<h1>Data report</h1><p>", html_escape(stats.source), ": ", stats.num_examples, " examples, ",
               stats.features.size(), " features.");
  if (against)
    h += str_cat(" Compared with ", html_escape(against->source), " (", against->num_examples, " examples).");
  h += "</p><p class=\"legend\"><span style=\"background:" + std::string(kColor[0]) + "\"></span>" + html_escape(stats.source);
  if (against) h += "<span style=\"background:" + std::string(kColor[1]) + "\"></span>" + html_escape(against->source);
  h += "</p>\n";
  h += str_cat("<h2>Anomalies (", anomalies.size(), ")</h2>\n");
  std::map<std::string, int> bad;
  if (anomalies.empty()) {
    h += "<p>None.</p>\n";
  } else {
    h += "<table class=\"anomalies\"><tr><th>feature</th><th>anomaly</th><th>description</th><th>suggested fix</th></tr>\n";
    for (const auto& a : anomalies) {
      ++bad[a.feature];
      h += str_cat("<tr><td>", html_escape(a.feature.empty() ? "(dataset)" : a.feature), "</td><td class=\"type\">",
                   html_escape(a.type), "</td><td>", html_escape(a.description), "</td><td><code>", html_escape(a.fix),
                   "</code></td></tr>\n");
    }
    h += "</table>\n";
  }
  h += "<h2>Features</h2>\n";
  for (const auto& f : stats.features) {
    const FeatureStats* g = against ? against->find(f.name) : nullptr;
    h += str_cat("<div class=\"feature", bad.count(f.name) ? " bad" : "", "\"><h3>", html_escape(f.name),
                 " <span class=\"type\">", type_name(f.type), "</span></h3>");
    h += "<table><tr><th></th><th>present</th><th>missing</th><th>min</th><th>max</th><th>mean</th><th>std</th><th>unique</th></tr>";
    h += summary_row("this", f);
    if (g) h += summary_row("other", *g);
    h += "</table>";
    h += chart_for(f, g);
    h += "</div>\n";
  }
  h += "</body></html>\n";
  return h;
}

}  // namespace tern::dv

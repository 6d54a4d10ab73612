// A self-contained HTML report (no scripts, no network): per-feature summary
// tables and an inline SVG histogram per feature (class "chart"), optionally
// overlaid with a second dataset, and the anomalies found.
#pragma once

#include <string>
#include <vector>

#include "tern/dv/stats.h"
#include "tern/dv/validate.h"

namespace tern::dv {

std::string render_report(const DatasetStats& stats, const DatasetStats* against,
                          const std::vector<Anomaly>& anomalies);

std::string html_escape(std::string_view s);

}  // namespace tern::dv

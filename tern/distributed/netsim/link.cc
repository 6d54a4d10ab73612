#include "tern/base/parse.h"
#include "tern/distributed/netsim/link.h"

#include <cstdlib>
#include <string>

#include "tern/base/error.h"

namespace tern::distributed::netsim {
namespace {

struct Preset {
  const char* name;
  double alpha_us;
  double gbyte_per_s;
  bool shared;
};

// Per-message latency is what one step of a collective pays end to end
// (library + driver + wire), not the raw wire latency; bandwidth is the
// usable rate of one flow. Sources are listed in README.md.
constexpr Preset kPresets[] = {
    {"nvlink", 5.0, 40.0, false},    // NVLink 1.0, 2 links between GPU pairs (P100, IBM S822LC)
    {"nvlink2", 5.0, 75.0, false},   // NVLink 2.0, 3 links (V100, AC922)
    {"pcie", 8.0, 12.0, true},       // PCIe 3.0 x16 through one switch
    {"shm", 1.0, 5.0, true},         // shared memory between processes of one host
    {"ib-100g", 5.0, 12.0, false},   // InfiniBand EDR 100 Gbit/s
    {"ib-56g", 5.0, 6.5, false},     // InfiniBand FDR 56 Gbit/s
    {"eth-100g", 15.0, 11.5, false}, // 100 GbE, TCP
    {"eth-25g", 20.0, 2.9, false},   // 25 GbE, TCP
    {"eth-10g", 25.0, 1.15, false},  // 10 GbE, TCP
    {"eth-1g", 50.0, 0.117, false},  // 1 GbE, TCP
};

double parse_number(std::string_view text, std::string_view whole) {
  return parse_double(text, str_cat("link ", quote(whole)), {.min = 0});
}

Link parse_custom(std::string_view text) {
  Link link{"custom", -1, -1, false};
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view item = text.substr(start, end - start);
    const size_t eq = item.find('=');
    const std::string_view key = item.substr(0, eq);
    if (item == "shared") {
      link.shared = true;
    } else if (eq != std::string_view::npos && key == "alpha_us") {
      link.alpha_s = parse_number(item.substr(eq + 1), text) * 1e-6;
    } else if (eq != std::string_view::npos && key == "gbit") {
      link.bytes_per_s = parse_number(item.substr(eq + 1), text) * 1e9 / 8;
    } else if (eq != std::string_view::npos && key == "gbyte") {
      link.bytes_per_s = parse_number(item.substr(eq + 1), text) * 1e9;
    } else {
      TERN_FAIL("link '", text, "': unknown item '", item, "' (expected alpha_us=, gbit= or gbyte=, shared)");
    }
    start = end + 1;
  }
  TERN_CHECK(link.alpha_s >= 0 && link.bytes_per_s > 0, "link '", text,
             "' needs both alpha_us= and a positive gbit= (or gbyte=)");
  return link;
}

}  // namespace

std::vector<std::string> link_preset_names() {
  std::vector<std::string> names;
  for (const Preset& p : kPresets) names.emplace_back(p.name);
  return names;
}

Link parse_link(std::string_view text) {
  for (const Preset& p : kPresets)
    if (text == p.name) return Link{p.name, p.alpha_us * 1e-6, p.gbyte_per_s * 1e9, p.shared};
  if (text.find('=') != std::string_view::npos) return parse_custom(text);
  std::string names;
  for (const Preset& p : kPresets) {
    if (!names.empty()) names += ", ";
    names += p.name;
  }
  TERN_FAIL("unknown link '", text, "': expected one of ", names, ", or alpha_us=<us>,gbit=<Gbit/s>");
}

}  // namespace tern::distributed::netsim

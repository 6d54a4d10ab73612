#include "tern/distributed/ps/attack.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "tern/base/error.h"
#include "tern/base/philox.h"

namespace tern::distributed::ps {

const std::vector<std::string>& attack_names() {
  static const std::vector<std::string> names = {"nan", "random", "signflip", "scale", "alie", "ipm", "labelflip"};
  return names;
}

double alie_z_max(int workers, int byzantine) {
  const int s = workers / 2 + 1 - byzantine;
  const double p = static_cast<double>(workers - s) / workers;
  // Phi^-1 by bisection on Phi(x) = erfc(-x / sqrt 2) / 2.
  double lo = -10, hi = 10;
  for (int i = 0; i < 200; ++i) {
    const double mid = (lo + hi) / 2;
    if (0.5 * std::erfc(-mid / std::sqrt(2.0)) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

Attack::Attack(const std::string& name, const Args& args, int workers, int byzantine) : name_(name) {
  const auto& names = attack_names();
  if (std::find(names.begin(), names.end(), name) == names.end()) {
    std::string known;
    for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
    TERN_FAIL("unknown attack '", name, "' (known: ", known, ")");
  }
  Args a = args;
  if (name == "random") sigma_ = a.get_double("sigma", 1.0, {.min = 0});
  if (name == "scale") scale_ = a.get_double("scale", 100.0);
  if (name == "alie") z_ = a.get_double("z", alie_z_max(workers, byzantine));
  if (name == "ipm") eps_ = a.get_double("eps", 0.1);
  const auto unread = a.unread();
  TERN_CHECK(unread.empty(), "attack '", name, "' takes no ", a.spell(unread.empty() ? "" : unread[0]),
             " (random: sigma, scale: scale, alie: z, ipm: eps)");
}

void Attack::forge(std::span<float> g, std::span<const float> mean, std::span<const float> sq_mean,
                   uint64_t stream) const {
  const size_t d = g.size();
  if (name_ == "nan") {
    std::fill(g.begin(), g.end(), std::numeric_limits<float>::quiet_NaN());
  } else if (name_ == "random") {
    for (size_t k = 0; k < d; ++k) g[k] = static_cast<float>(sigma_) * Philox::normal(stream, k);
  } else if (name_ == "signflip") {
    for (float& v : g) v = -v;
  } else if (name_ == "scale") {
    for (float& v : g) v = static_cast<float>(v * scale_);
  } else if (name_ == "alie") {
    TERN_ASSERT(mean.size() == d && sq_mean.size() == d, "alie needs the round's moments");
    for (size_t k = 0; k < d; ++k) {
      const double m = mean[k], var = std::max(0.0, static_cast<double>(sq_mean[k]) - m * m);
      g[k] = static_cast<float>(m - z_ * std::sqrt(var));
    }
  } else if (name_ == "ipm") {
    TERN_ASSERT(mean.size() == d, "ipm needs the round's mean");
    for (size_t k = 0; k < d; ++k) g[k] = static_cast<float>(-eps_ * mean[k]);
  }
  // labelflip: the gradient already comes from flipped labels.
}

}  // namespace tern::distributed::ps

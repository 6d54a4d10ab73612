#include "tern/optim/factory.h"

#include "tern/optim/adagrad.h"
#include "tern/optim/adam.h"
#include "tern/optim/rmsprop.h"
#include "tern/optim/sgd.h"

namespace tern::optim {

const std::vector<std::string>& optimizer_names() {
  static const std::vector<std::string> names = {"sgd", "adam", "adamw", "adagrad", "rowadagrad", "rmsprop"};
  return names;
}

std::unique_ptr<Optimizer> make_optimizer(const std::string& name, std::vector<ParamRef> params,
                                          const OptimizerOptions& o) {
  if (name == "sgd") {
    SGDOptions s;
    s.lr = o.lr.value_or(s.lr);
    s.momentum = o.momentum;
    s.dampening = o.dampening;
    s.nesterov = o.nesterov;
    s.weight_decay = o.weight_decay.value_or(s.weight_decay);
    return std::make_unique<SGD>(std::move(params), s);
  }
  if (name == "adam" || name == "adamw") {
    const bool decoupled = name == "adamw";
    AdamOptions a = decoupled ? AdamW::defaults() : AdamOptions{};
    a.lr = o.lr.value_or(a.lr);
    a.beta1 = o.beta1;
    a.beta2 = o.beta2;
    a.eps = o.eps.value_or(a.eps);
    a.weight_decay = o.weight_decay.value_or(a.weight_decay);
    a.amsgrad = o.amsgrad;
    if (decoupled) return std::make_unique<AdamW>(std::move(params), a);
    return std::make_unique<Adam>(std::move(params), a);
  }
  if (name == "adagrad" || name == "rowadagrad") {
    AdagradOptions a;
    a.lr = o.lr.value_or(a.lr);
    a.lr_decay = o.lr_decay;
    a.weight_decay = o.weight_decay.value_or(a.weight_decay);
    a.initial_accumulator_value = o.initial_accumulator_value;
    a.eps = o.eps.value_or(a.eps);
    a.row_wise = o.row_wise || name == "rowadagrad";
    return std::make_unique<Adagrad>(std::move(params), a);
  }
  if (name == "rmsprop") {
    RMSPropOptions r;
    r.lr = o.lr.value_or(r.lr);
    r.alpha = o.alpha;
    r.eps = o.eps.value_or(r.eps);
    r.weight_decay = o.weight_decay.value_or(r.weight_decay);
    r.momentum = o.momentum;
    r.centered = o.centered;
    return std::make_unique<RMSProp>(std::move(params), r);
  }
  std::string valid;
  for (const std::string& n : optimizer_names()) valid += (valid.empty() ? "" : ", ") + n;
  TERN_FAIL("unknown optimizer '", name, "'; valid names: ", valid);
}

}  // namespace tern::optim

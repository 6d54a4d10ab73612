#include "tern/optim/factory.h"

#include <cstdio>

#include "tern/optim/adagrad.h"
#include "tern/optim/adam.h"
#include "tern/optim/rmsprop.h"
#include "tern/optim/sgd.h"
#include "tern/optim/yellowfin.h"

namespace tern::optim {

namespace {

constexpr RealRange kNonNegative{.min = 0};
constexpr RealRange kUnitOpen{.min = 0, .max = 0.999999999999};  // betas in [0, 1)

double lr_of(const Args& a, double fallback) { return a.get_double("lr", fallback, kNonNegative); }
double decay_of(const Args& a, double fallback) { return a.get_double("weight_decay", fallback, kNonNegative); }

std::unique_ptr<Optimizer> make_sgd(const Args& a, std::vector<ParamRef> params) {
  SGDOptions s;
  s.lr = lr_of(a, s.lr);
  s.momentum = a.get_double("momentum", s.momentum, kNonNegative);
  s.dampening = a.get_double("dampening", s.dampening, kNonNegative);
  s.nesterov = a.get_bool("nesterov", s.nesterov);
  s.weight_decay = decay_of(a, s.weight_decay);
  return std::make_unique<SGD>(std::move(params), s);
}

AdamOptions adam_options(const Args& a, AdamOptions o) {
  o.lr = lr_of(a, o.lr);
  o.beta1 = a.get_double("beta1", o.beta1, kUnitOpen);
  o.beta2 = a.get_double("beta2", o.beta2, kUnitOpen);
  o.eps = a.get_double("eps", o.eps, kNonNegative);
  o.weight_decay = decay_of(a, o.weight_decay);
  o.amsgrad = a.get_bool("amsgrad", o.amsgrad);
  return o;
}

std::unique_ptr<Optimizer> make_adam(const Args& a, std::vector<ParamRef> params) {
  return std::make_unique<Adam>(std::move(params), adam_options(a, AdamOptions{}));
}

std::unique_ptr<Optimizer> make_adamw(const Args& a, std::vector<ParamRef> params) {
  return std::make_unique<AdamW>(std::move(params), adam_options(a, AdamW::defaults()));
}

AdagradOptions adagrad_options(const Args& a) {
  AdagradOptions o;
  o.lr = lr_of(a, o.lr);
  o.lr_decay = a.get_double("lr_decay", o.lr_decay, kNonNegative);
  o.weight_decay = decay_of(a, o.weight_decay);
  o.initial_accumulator_value = a.get_double("initial_accumulator_value", o.initial_accumulator_value, kNonNegative);
  o.eps = a.get_double("eps", o.eps, kNonNegative);
  return o;
}

std::unique_ptr<Optimizer> make_adagrad(const Args& a, std::vector<ParamRef> params) {
  AdagradOptions o = adagrad_options(a);
  o.row_wise = a.get_bool("row_wise", false);
  return std::make_unique<Adagrad>(std::move(params), o);
}

std::unique_ptr<Optimizer> make_rowadagrad(const Args& a, std::vector<ParamRef> params) {
  AdagradOptions o = adagrad_options(a);
  o.row_wise = true;
  return std::make_unique<Adagrad>(std::move(params), o);
}

std::unique_ptr<Optimizer> make_rmsprop(const Args& a, std::vector<ParamRef> params) {
  RMSPropOptions o;
  o.lr = lr_of(a, o.lr);
  o.alpha = a.get_double("alpha", o.alpha, {.min = 0, .max = 1});
  o.eps = a.get_double("eps", o.eps, kNonNegative);
  o.weight_decay = decay_of(a, o.weight_decay);
  o.momentum = a.get_double("momentum", o.momentum, kNonNegative);
  o.centered = a.get_bool("centered", o.centered);
  return std::make_unique<RMSProp>(std::move(params), o);
}

std::unique_ptr<Optimizer> make_yellowfin(const Args& a, std::vector<ParamRef> params) {
  YellowFinOptions o;
  o.lr = a.get_double("lr", o.lr, {.min = 0, .min_exclusive = true});
  // Upper ends are checked by the constructor, whose message says "[0, 1)".
  o.momentum = a.get_double("momentum", o.momentum, {.min = 0, .max = 1});
  o.beta = a.get_double("beta", o.beta, {.min = 0, .max = 1, .min_exclusive = true});
  o.curv_win = a.get_int("curv_win", o.curv_win, {1, 1 << 20});
  o.zero_debias = a.get_bool("zero_debias", o.zero_debias);
  o.sparsity_debias = a.get_bool("sparsity_debias", o.sparsity_debias);
  o.h_min_log_smooth = a.get_bool("h_min_log_smooth", o.h_min_log_smooth);
  o.h_max_log_smooth = a.get_bool("h_max_log_smooth", o.h_max_log_smooth);
  o.clip_thresh = a.get_double("clip_thresh", o.clip_thresh, kNonNegative);
  o.auto_clip_fac = a.get_double("auto_clip_fac", o.auto_clip_fac, kNonNegative);
  o.adapt_clip = a.get_bool("adapt_clip", o.adapt_clip);
  o.stat_protect_fac = a.get_double("stat_protect_fac", o.stat_protect_fac, {.min = 0, .min_exclusive = true});
  o.catastrophic_move_thresh =
      a.get_double("catastrophic_move_thresh", o.catastrophic_move_thresh, {.min = 0, .min_exclusive = true});
  o.weight_decay = decay_of(a, o.weight_decay);
  o.smooth = a.get_bool("smooth", o.smooth);
  return std::make_unique<YellowFin>(std::move(params), o);
}

const std::vector<ArgDoc> kAdamArgs = {{"lr", "learning rate", "1e-3"},  {"beta1", "", "0.9"},
                                       {"beta2", "", "0.999"},           {"eps", "", "1e-8"},
                                       {"weight_decay", "", "0 (adamw: 1e-2, decoupled)"},
                                       {"amsgrad", "", "0", true}};
const std::vector<ArgDoc> kAdagradArgs = {{"lr", "learning rate", "1e-2"}, {"lr_decay", "", "0"},
                                          {"weight_decay", "", "0"},       {"initial_accumulator_value", "", "0"},
                                          {"eps", "", "1e-10"}};

OptimizerRegistry build_registry() {
  OptimizerRegistry r("optimizer");
  r.add({"sgd", "SGD with momentum, dampening, Nesterov and L2 weight decay (torch.optim.SGD)",
         {{"lr", "learning rate", "1e-2"},
          {"momentum", "", "0"},
          {"dampening", "", "0"},
          {"nesterov", "", "0", true},
          {"weight_decay", "", "0"}},
         make_sgd});
  r.add({"adam", "Adam (Kingma & Ba 2015), L2 weight decay", kAdamArgs, make_adam});
  r.add({"adamw", "AdamW (Loshchilov & Hutter 2019), decoupled weight decay", kAdamArgs, make_adamw});
  std::vector<ArgDoc> adagrad_args = kAdagradArgs;
  adagrad_args.push_back({"row_wise", "one accumulator per row", "0", true});
  r.add({"adagrad", "Adagrad (Duchi et al. 2011)", adagrad_args, make_adagrad});
  r.add({"rowadagrad", "Adagrad with one accumulator per row (PyTorch-BigGraph's embeddings)", kAdagradArgs,
         make_rowadagrad});
  r.add({"rmsprop", "RMSProp (torch.optim.RMSprop)",
         {{"lr", "learning rate", "1e-2"},
          {"alpha", "", "0.99"},
          {"eps", "", "1e-8"},
          {"weight_decay", "", "0"},
          {"momentum", "", "0"},
          {"centered", "", "0", true}},
         make_rmsprop});
  r.add({"yellowfin", "YellowFin (Zhang & Mitliagkas 2019): momentum SGD tuning its own lr and momentum",
         {{"lr", "the first step's learning rate; set_lr()/schedules scale the tuned one by lr()/this", "1e-4"},
          {"momentum", "the first step's momentum", "0"},
          {"beta", "smoothing of every measurement", "0.999"},
          {"curv_win", "curvature window (steps)", "20"},
          {"zero_debias", "", "1"},
          {"sparsity_debias", "scale the estimates by the non-zero fraction of the gradient", "0"},
          {"h_min_log_smooth", "average log h_min", "1"},
          {"h_max_log_smooth", "average log h_max", "1"},
          {"clip_thresh", "clip ||g|| to this before the statistics (0: off)", "0"},
          {"auto_clip_fac", "clip ||g|| to this times sqrt(h_max) (0: off)", "0"},
          {"adapt_clip", "adaptive clipping (statistics, exploding gradients, catastrophic moves)", "1"},
          {"stat_protect_fac", "", "100"},
          {"catastrophic_move_thresh", "", "100"},
          {"weight_decay", "", "0"},
          {"smooth", "apply the smoothed lr and momentum (the paper's Algorithm 1)", "0"}},
         make_yellowfin});
  return r;
}

bool takes(const OptimizerRegistry::Entry& e, const std::string& key) {
  for (const ArgDoc& d : e.args)
    if (d.key == key) return true;
  return false;
}

std::string text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);  // round-trips every double exactly
  return buf;
}

}  // namespace

const OptimizerRegistry& optimizer_registry() {
  static const OptimizerRegistry r = build_registry();
  return r;
}

std::vector<std::string> optimizer_names() { return optimizer_registry().names(); }

std::unique_ptr<Optimizer> make_optimizer(const std::string& name, std::vector<ParamRef> params, const Args& args) {
  return optimizer_registry().make(name, args, std::move(params));
}

Args optimizer_args(const std::string& name, const OptimizerOptions& o) {
  const OptimizerRegistry::Entry& e = optimizer_registry().at(name);
  Args a("optimizer argument ");
  const auto put = [&](const std::string& key, double v) {
    if (takes(e, key)) a.set(key, text(v));
  };
  if (o.lr) put("lr", *o.lr);
  if (o.weight_decay) put("weight_decay", *o.weight_decay);
  if (o.eps) put("eps", *o.eps);
  put("momentum", o.momentum);
  put("dampening", o.dampening);
  put("nesterov", o.nesterov);
  put("beta1", o.beta1);
  put("beta2", o.beta2);
  put("amsgrad", o.amsgrad);
  put("lr_decay", o.lr_decay);
  put("initial_accumulator_value", o.initial_accumulator_value);
  put("row_wise", o.row_wise);
  put("alpha", o.alpha);
  put("centered", o.centered);
  return a;
}

std::unique_ptr<Optimizer> make_optimizer(const std::string& name, std::vector<ParamRef> params,
                                          const OptimizerOptions& options) {
  return make_optimizer(name, std::move(params), optimizer_args(name, options));
}

}  // namespace tern::optim

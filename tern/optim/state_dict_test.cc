// state_dict round trips and the errors of load_state_dict.
#include <map>

#include "tern/optim/factory.h"
#include "tern/optim/test_util.h"

namespace tern::optim {
namespace {

using testing::error_of;
using testing::make_param;

struct Config {
  std::string name;
  OptimizerOptions options;
};

std::vector<Config> configs() {
  return {
      {"sgd", {.lr = 0.05, .momentum = 0.9, .nesterov = true}},
      {"sgd", {.lr = 0.05}},
      {"adam", {.lr = 0.01, .amsgrad = true}},
      {"adamw", {.lr = 0.01}},
      {"adagrad", {.lr = 0.1, .initial_accumulator_value = 0.1}},
      {"rowadagrad", {.lr = 0.1}},
      {"rmsprop", {.lr = 0.01, .momentum = 0.9, .centered = true}},
      {"yellowfin", {.lr = 0.05, .weight_decay = 1e-3}},
  };
}

// Two parameters; "b" gets no gradient on even steps.
struct Model {
  Tensor w = make_param({0.5, -0.5, 1, 2, -1, 0.25}, DType::f32, Shape{2, 3});
  Tensor b = make_param({0.1, -0.2}, DType::f32);
  std::vector<ParamRef> refs() { return {{"w", w}, {"b", b}}; }
  void grads(int s) {
    std::vector<double> gw(6), gb(2);
    for (int i = 0; i < 6; ++i) gw[i] = testing::grad_value(s, i);
    for (int i = 0; i < 2; ++i) gb[i] = testing::grad_value(s, 10 + i);
    testing::set_grad(w, gw);
    if (s % 2) testing::set_grad(b, gb);
    else b.zero_grad();
  }
};

TEST(StateDict, RoundTripContinuesBitIdentically) {
  for (const Config& c : configs()) {
    SCOPED_TRACE(c.name);
    Model m;
    auto opt = make_optimizer(c.name, m.refs(), c.options);
    for (int s = 0; s < 3; ++s) {
      m.grads(s);
      opt->step();
    }
    opt->set_lr(opt->lr() * 0.5);
    const NamedTensors saved = opt->state_dict();
    Model copy;
    copy.w = make_param(testing::values(m.w), DType::f32, Shape{2, 3});
    copy.b = make_param(testing::values(m.b), DType::f32);
    for (int s = 3; s < 6; ++s) {
      m.grads(s);
      opt->step();
    }
    auto fresh = make_optimizer(c.name, copy.refs(), c.options);
    fresh->load_state_dict(saved);
    EXPECT_EQ(fresh->lr(), opt->lr());
    EXPECT_EQ(fresh->steps(), 3);
    for (int s = 3; s < 6; ++s) {
      copy.grads(s);
      fresh->step();
    }
    EXPECT_TRUE(testing::bit_equal(m.w, copy.w));
    EXPECT_TRUE(testing::bit_equal(m.b, copy.b));
    // And the states agree entry by entry.
    const NamedTensors x = opt->state_dict(), y = fresh->state_dict();
    ASSERT_EQ(x.size(), y.size());
    for (size_t i = 0; i < x.size(); ++i) {
      EXPECT_EQ(x[i].first, y[i].first);
      EXPECT_TRUE(testing::bit_equal(x[i].second, y[i].second)) << x[i].first;
    }
  }
}

TEST(StateDict, SavedStateIsACopy) {
  Model m;
  auto opt = make_optimizer("sgd", m.refs(), {.momentum = 0.9});
  m.grads(1);
  opt->step();
  const NamedTensors saved = opt->state_dict();
  std::map<std::string, Tensor> before(saved.begin(), saved.end());
  const std::vector<double> momentum = testing::values(before.at("w.momentum"));
  m.grads(1);
  opt->step();
  EXPECT_EQ(testing::values(before.at("w.momentum")), momentum);
  EXPECT_EQ(before.at("step").item(), 1);
  EXPECT_EQ(before.at("w.step").item(), 1);
}

NamedTensors trained_state(const std::string& name, const OptimizerOptions& o) {
  Model m;
  auto opt = make_optimizer(name, m.refs(), o);
  for (int s = 0; s < 2; ++s) {
    m.grads(s);
    opt->step();
  }
  return opt->state_dict();
}

NamedTensors without(NamedTensors s, const std::string& key) {
  std::erase_if(s, [&](const auto& e) { return e.first == key; });
  return s;
}

NamedTensors replaced(NamedTensors s, const std::string& key, const Tensor& t) {
  for (auto& e : s)
    if (e.first == key) e.second = t;
  return s;
}

TEST(StateDict, BadLoadsFailClearlyAndChangeNothing) {
  const OptimizerOptions adam_o{.lr = 0.01};
  const NamedTensors good = trained_state("adam", adam_o);
  Model m;
  auto opt = make_optimizer("adam", m.refs(), adam_o);
  opt->load_state_dict(good);  // sanity: the good one loads

  Model m2;
  auto target = make_optimizer("adam", m2.refs(), adam_o);
  auto load_error = [&](const NamedTensors& s) { return error_of<Error>([&] { target->load_state_dict(s); }); };
  auto contains = [](const std::string& msg, const std::string& part) {
    return msg.find(part) != std::string::npos;
  };

  std::string e = load_error(replaced(good, "w.exp_avg", zeros({3, 2})));
  EXPECT_TRUE(contains(e, "'w.exp_avg' has shape [3, 2], the parameter needs [2, 3]")) << e;
  e = load_error(without(good, "w.exp_avg_sq"));
  EXPECT_TRUE(contains(e, "missing 'w.exp_avg_sq'")) << e;
  e = load_error(without(good, "lr"));
  EXPECT_TRUE(contains(e, "missing 'lr'")) << e;
  e = load_error(without(good, "w.step"));
  EXPECT_TRUE(contains(e, "has 'w.exp_avg' but no 'w.step'")) << e;
  e = load_error(replaced(good, "step", Tensor::scalar(-1, DType::i64)));
  EXPECT_TRUE(contains(e, "'step' should be an integer >= 0, got -1")) << e;
  e = load_error(replaced(good, "w.step", Tensor::scalar(1.5, DType::f64)));
  EXPECT_TRUE(contains(e, "'w.step' should be an integer >= 1, got 1.5")) << e;
  NamedTensors extra = good;
  extra.emplace_back("fc9.weight.exp_avg", zeros({1}));
  e = load_error(extra);
  EXPECT_TRUE(contains(e, "unexpected entry 'fc9.weight.exp_avg'")) << e;
  NamedTensors twice = good;
  twice.push_back(good.front());
  e = load_error(twice);
  EXPECT_TRUE(contains(e, "appears twice")) << e;
  // SGD state into Adam: the momentum buffer is unexpected, and Adam's are missing.
  e = load_error(trained_state("sgd", {.momentum = 0.9}));
  EXPECT_TRUE(contains(e, "missing 'w.exp_avg'")) << e;
  // Adam state into SGD with momentum: names what SGD keeps.
  Model m3;
  auto sgd = make_optimizer("sgd", m3.refs(), {.momentum = 0.9});
  e = error_of<Error>([&] { sgd->load_state_dict(good); });
  EXPECT_TRUE(contains(e, "missing 'w.momentum'")) << e;

  // None of the failed loads changed the target.
  EXPECT_EQ(target->steps(), 0);
  EXPECT_EQ(target->state_dict().size(), 2u);  // just lr and step
}

TEST(StateDict, F64StateLoadsIntoF32Parameters) {
  NamedTensors s = trained_state("sgd", {.momentum = 0.9});
  for (auto& [k, t] : s)
    if (k.ends_with(".momentum")) t = cast(t, DType::f64);
  Model m;
  auto opt = make_optimizer("sgd", m.refs(), {.momentum = 0.9});
  opt->load_state_dict(s);
  int momenta = 0;
  for (const auto& [k, t] : opt->state_dict()) {
    if (k.ends_with(".momentum")) {
      EXPECT_EQ(t.dtype(), DType::f32);
      ++momenta;
    }
  }
  EXPECT_EQ(momenta, 2);
}

}  // namespace
}  // namespace tern::optim

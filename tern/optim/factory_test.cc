#include "tern/optim/factory.h"

#include "tern/optim/adagrad.h"
#include "tern/optim/adam.h"
#include "tern/optim/sgd.h"
#include "tern/optim/test_util.h"

namespace tern::optim {
namespace {

TEST(Factory, BuildsEveryNameWithItsDefaults) {
  const std::map<std::string, double> default_lr = {{"sgd", 1e-2},     {"adam", 1e-3},       {"adamw", 1e-3}, {"yellowfin", 1e-4},
                                                    {"adagrad", 1e-2}, {"rowadagrad", 1e-2}, {"rmsprop", 1e-2}};
  for (const std::string& name : optimizer_names()) {
    Tensor p = testing::make_param({1, 2});
    auto opt = make_optimizer(name, {{"w", p}});
    EXPECT_EQ(opt->kind(), name);
    EXPECT_EQ(opt->lr(), default_lr.at(name)) << name;
  }
}

TEST(Factory, PassesOptionsThrough) {
  Tensor p = testing::make_param({1});
  auto adamw = make_optimizer("adamw", {{"w", p}}, {.lr = 0.5, .beta1 = 0.8, .amsgrad = true});
  const auto& a = dynamic_cast<Adam&>(*adamw).options();
  EXPECT_EQ(a.weight_decay, 1e-2);  // AdamW's default decay
  EXPECT_EQ(a.beta1, 0.8);
  EXPECT_TRUE(a.amsgrad);
  EXPECT_EQ(adamw->lr(), 0.5);
  auto sgd = make_optimizer("sgd", {{"w", p}}, {.weight_decay = 0.1, .momentum = 0.9, .nesterov = true});
  EXPECT_TRUE(dynamic_cast<SGD&>(*sgd).options().nesterov);
  EXPECT_EQ(dynamic_cast<SGD&>(*sgd).options().weight_decay, 0.1);
  auto ada = make_optimizer("adagrad", {{"w", p}}, {.row_wise = true});
  EXPECT_EQ(ada->kind(), "rowadagrad");
}

TEST(Factory, UnknownNameListsTheValidOnes) {
  Tensor p = testing::make_param({1});
  const std::string e = testing::error_of<ValueError>([&] { make_optimizer("adamax", {{"w", p}}); });
  EXPECT_EQ(e, "unknown optimizer 'adamax' (known: sgd, adam, adamw, adagrad, rowadagrad, rmsprop, yellowfin)");
}

TEST(Factory, TextArgumentsAreCheckedByName) {
  Tensor p = testing::make_param({1});
  Args a("optimizer argument ");
  a.add("lr=0.5");
  a.add("momentum=0.8");
  auto sgd = make_optimizer("sgd", {{"w", p}}, a);
  EXPECT_EQ(sgd->lr(), 0.5);
  EXPECT_EQ(dynamic_cast<SGD&>(*sgd).options().momentum, 0.8);
  EXPECT_EQ(testing::error_of<ValueError>([&] { make_optimizer("adam", {{"w", p}}, a); }),
            "optimizer 'adam' takes no optimizer argument momentum (it takes: lr, beta1, beta2, eps, weight_decay, "
            "amsgrad)");
  Args bad("optimizer argument ");
  bad.add("weight_decay=nan");
  EXPECT_EQ(testing::error_of<ValueError>([&] { make_optimizer("sgd", {{"w", p}}, bad); }),
            "optimizer argument weight_decay: expected a number >= 0, given 'nan'");
  bad.set("weight_decay", "-1");
  EXPECT_THROW(make_optimizer("sgd", {{"w", p}}, bad), ValueError);
}

TEST(Factory, TypedOptionsPassExactlyAndIgnoreWhatDoesNotApply) {
  Tensor p = testing::make_param({1});
  const double lr = 0.1 + 1e-17 * 3;  // any double survives the trip through text
  auto adam = make_optimizer("adam", {{"w", p}}, {.lr = lr, .momentum = 0.9});
  EXPECT_EQ(adam->lr(), lr);
}

TEST(Factory, SGDMinimisesAQuadratic) {
  Tensor p = testing::make_param(std::vector<double>(8, 3.0), DType::f32);
  auto opt = make_optimizer("sgd", {{"w", p}}, {.lr = 0.1, .momentum = 0.9});
  EXPECT_LT(testing::quadratic_ratio(*opt, p, 200), 1e-6);
}

}  // namespace
}  // namespace tern::optim

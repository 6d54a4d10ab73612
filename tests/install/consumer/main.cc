// A program outside Tern's tree, built against an installed Tern (CMake's
// find_package(Tern) or pkg-config). It checks what a user first meets: a
// tensor, an op with its gradient, a zoo model's forward pass, and that the
// kernel providers of libtern.so registered. Prints the providers so the
// test can compare them with `tern --version`.
#include <cmath>
#include <cstdio>
#include <string>

#include "tern/autograd/engine.h"
#include "tern/core/tensor.h"
#include "tern/nn/models.h"
#include "tern/ops/kernel_provider.h"
#include "tern/ops/ops.h"
#include "tern/train/report.h"  // includes <nlohmann/json.hpp>: the package must find it

namespace {
int failures = 0;
void expect(bool ok, const std::string& what) {
  if (!ok) {
    std::fprintf(stderr, "consumer: FAILED: %s\n", what.c_str());
    ++failures;
  }
}
}  // namespace

int main() {
  try {
    // d/dx sum(x * x) = 2x.
    tern::Tensor x = tern::Tensor::from_vector<float>({1, 2, 3}, {3});
    x.set_requires_grad();
    tern::Tensor y = tern::sum(tern::mul(x, x));
    tern::autograd::backward(y);
    expect(y.item() == 14.0, "sum(x*x) = 14, got " + std::to_string(y.item()));
    const auto g = x.grad().to_vector<float>();
    expect(g.size() == 3 && g[0] == 2 && g[1] == 4 && g[2] == 6, "grad = [2, 4, 6]");

    tern::nn::ModulePtr model = tern::nn::make_model("lenet5", tern::nn::ModelOptions{});
    tern::Tensor logits = (*model)(tern::randn({2, 1, 28, 28}));
    expect(logits.shape() == tern::Shape{2, 10}, "lenet5 logits are [2, 10]");
    double total = 0;
    for (float v : logits.to_vector<float>()) total += v;
    expect(std::isfinite(total), "lenet5 logits are finite");

    std::printf("sum=%g grad=%g,%g,%g lenet5=%s kernels: %s\n", y.item(), g[0], g[1], g[2],
                tern::shape_str(logits.shape()).c_str(), tern::kernel_providers_text().c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "consumer: %s\n", e.what());
    return 1;
  }
  return failures == 0 ? 0 : 1;
}

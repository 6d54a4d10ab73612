// A program built with tern_test (or tern_link_kernels) has the cpu kernels:
// the provider is listed and its kernels come before the reference ones.
// Built only with TERN_CPU_KERNELS (the reference build has no such test).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "tern/ops/kernel_provider.h"
#include "tern/ops/opdef.h"

namespace tern {
namespace {

TEST(CpuKernels, ProviderIsListed) {
  const std::vector<std::string> names = kernel_providers();
  EXPECT_NE(std::find(names.begin(), names.end(), "cpu"), names.end());
  EXPECT_EQ(names.back(), "reference");
  EXPECT_EQ(kernel_providers_text(), "cpu, reference");
}

TEST(CpuKernels, FastKernelsComeFirst) {
  for (OpKind kind : {OpKind::matmul, OpKind::linear, OpKind::conv2d, OpKind::max_pool2d, OpKind::sum}) {
    const auto& kernels = op_def(kind).kernels[static_cast<int>(DeviceType::cpu)];
    ASSERT_GE(kernels.size(), 2u) << op_name(kind);
    EXPECT_NE(std::string(kernels.front().name), "reference") << op_name(kind);
    EXPECT_EQ(std::string(kernels.back().name), "reference") << op_name(kind);
  }
}

}  // namespace
}  // namespace tern

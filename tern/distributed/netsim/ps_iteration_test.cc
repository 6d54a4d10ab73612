// The parameter-server iteration model on cases with a closed form, and
// P3's effect where it must show.
#include <gtest/gtest.h>

#include "tern/base/error.h"
#include "tern/distributed/netsim/ps_iteration.h"

namespace tern::distributed::netsim {
namespace {

TEST(PsIteration, OneSliceRoundTripIsTwoTransfersAndTwoLatencies) {
  PsCluster c;
  c.bytes_per_s = 1e6;
  c.alpha_s = 1e-3;
  const std::vector<PsLayer> layers = {{0.010, 0.020}};
  const std::vector<PsSlice> slices = {{1e5, 0, 0}};
  const PsIterationTime t = simulate_ps_iterations(layers, slices, c, PsSendOrder::fifo);
  // forward + backward + push (0.1 s + alpha) + pull (0.1 s + alpha)
  EXPECT_NEAR(t.iteration_s, 0.030 + 2 * (0.1 + 1e-3), 1e-9);
  EXPECT_NEAR(t.forward_stall_s, 2 * (0.1 + 1e-3), 1e-9);
}

TEST(PsIteration, WorkersShareTheServersNic) {
  PsCluster c;
  c.workers = 2;
  c.bytes_per_s = 1e6;
  c.alpha_s = 0;
  const std::vector<PsLayer> layers = {{0, 0}};
  const std::vector<PsSlice> slices = {{1e5, 0, 0}};
  // Both pushes cross the server's ingress at once, both pulls its egress.
  EXPECT_NEAR(simulate_ps_iterations(layers, slices, c, PsSendOrder::fifo).iteration_s, 0.4, 1e-9);
  c.servers = 2;  // one slice per server: each server NIC carries half
  const std::vector<PsSlice> two = {{0.5e5, 0, 0}, {0.5e5, 0, 1}};
  EXPECT_NEAR(simulate_ps_iterations(layers, two, c, PsSendOrder::fifo).iteration_s, 0.2, 1e-9);
}

// The input layer's one slice is queued last by backward, behind the
// output layer's eight; with priorities it overtakes the ones not yet
// handed over and the next forward pass starts earlier.
TEST(PsIteration, PriorityLetsTheInputLayerOvertake) {
  PsCluster c;
  c.bytes_per_s = 1e6;
  c.alpha_s = 1e-4;
  c.window = 1;
  const std::vector<PsLayer> layers = {{0.05, 0.001}, {0.05, 0.001}};
  std::vector<PsSlice> slices(8, PsSlice{1e4, 1, 0});
  slices.push_back({1e4, 0, 0});
  const double fifo = simulate_ps_iterations(layers, slices, c, PsSendOrder::fifo).iteration_s;
  const double p3 = simulate_ps_iterations(layers, slices, c, PsSendOrder::priority).iteration_s;
  EXPECT_LT(p3, fifo * 0.9) << "fifo " << fifo << " s, p3 " << p3 << " s";
  // A model whose layers all have one priority cannot gain from it.
  for (PsSlice& s : slices) s.layer = 0;
  EXPECT_DOUBLE_EQ(simulate_ps_iterations(layers, slices, c, PsSendOrder::fifo).iteration_s,
                   simulate_ps_iterations(layers, slices, c, PsSendOrder::priority).iteration_s);
}

TEST(PsIteration, BadInputIsRefused) {
  const std::vector<PsLayer> layers = {{0, 0}};
  PsCluster c;
  EXPECT_THROW(simulate_ps_iterations(layers, {{1, 0, 1}}, c, PsSendOrder::fifo), ValueError);  // server 1 of 1
  EXPECT_THROW(simulate_ps_iterations(layers, {{1, 2, 0}}, c, PsSendOrder::fifo), ValueError);  // layer 2 of 1
  EXPECT_THROW(simulate_ps_iterations(layers, {{1, 0, 0}}, c, PsSendOrder::fifo, 2, 2), ValueError);
  c.window = 0;
  EXPECT_THROW(simulate_ps_iterations(layers, {{1, 0, 0}}, c, PsSendOrder::fifo), ValueError);
}

}  // namespace
}  // namespace tern::distributed::netsim

// The BlueConnect paper's experiment in simulation: ResNet-50 data-parallel
// on 48 nodes x 4 GPUs (NVLink inside, 100 Gbit/s InfiniBand between), with
// the layer FLOPs and parameter counts of Tern's model zoo. The setup is
// stated in README.md; figures printed here are the ones it reports.
#include <gtest/gtest.h>

#include <cstdio>

#include "tern/distributed/netsim/data_parallel.h"
#include "tern/distributed/netsim/link.h"
#include "tern/nn/describe.h"
#include "tern/nn/models.h"

namespace tern::distributed::netsim {
namespace {

std::vector<LayerWork> resnet50_layers() {
  std::vector<LayerWork> layers;
  for (const nn::LayerInfo& l : nn::describe_zoo_model("resnet50").layers)
    layers.push_back({l.name, static_cast<double>(l.flops), l.parameters});
  return layers;
}

// 1 MB buckets and PyTorch DDP's 25 MB: the outcome depends on the
// bucketing, which README.md discusses (it also gives per-layer all-reduces
// and 64 MB buckets, from `tern simulate dataparallel`; left out here to
// keep the test quick). What must hold in every case: BlueConnect is never
// worse than the ring or the hierarchical all-reduce.
TEST(ResNet50On192Gpus, BlueConnectExposesNoMoreCommunicationThanRingOrHierarchical) {
  const Topology topo = parse_topology("48x4", parse_link("nvlink"), parse_link("ib-100g"));
  const auto backward = backward_pass(resnet50_layers(), 32, 5e12);
  for (double bucket : {1048576.0, 25 * 1048576.0}) {
    const auto results = compare_overlapped_allreduce(topo, backward, bucket);
    ASSERT_EQ(results.size(), 4u);
    const double ring = results[0].timeline.exposed_s, hier = results[1].timeline.exposed_s,
                 sharded = results[2].timeline.exposed_s, bc = results[3].timeline.exposed_s;
    std::printf("bucket %9.0f B (%3zu all-reduces), backward %.2f ms; exposed: ring %.3f ms, hierarchical %.3f ms, "
                "sharded %.3f ms, blueconnect %.3f ms (%.0f%% less than ring)\n",
                bucket, results[0].timeline.buckets.size(), results[0].timeline.backward_s * 1e3, ring * 1e3,
                hier * 1e3, sharded * 1e3, bc * 1e3, 100 * (1 - bc / ring));
    EXPECT_LE(bc, sharded * (1 + 1e-9)) << bucket;
    EXPECT_GT(results[0].timeline.backward_s, 0.05);  // 32 images x 2 x 8.2 GFLOP at 5 TFLOP/s: ~0.1 s
    EXPECT_GT(ring, 0);
    EXPECT_LE(bc, hier * (1 + 1e-9)) << bucket;
    EXPECT_LE(bc, ring * (1 + 1e-9)) << bucket;
  }
}

}  // namespace
}  // namespace tern::distributed::netsim

// DGC momentum correction on a hand-worked case: top-1 with error feedback,
// momentum 0.5, three elements, every value a dyadic fraction so the floats
// are exact.
#include "tern/distributed/ps/momentum_correction.h"

#include <gtest/gtest.h>

#include <vector>

namespace tern::distributed::ps {
namespace {

std::vector<float> push(MomentumCorrection& mc, TensorEncoder& enc, std::vector<float> g) {
  std::vector<uint8_t> stream;
  mc.push(enc, 0, g, stream);
  std::vector<float> sent(g.size());
  enc.codec().decode(stream, sent);
  return sent;
}

TEST(MomentumCorrection, PushesVelocityAndRestartsWhatWasSent) {
  const auto topk = compress::make_codec("topk", {{{"k", "1"}}});
  TensorEncoder enc(*topk, {compress::MatrixShape{}});
  MomentumCorrection mc(0.5f);
  // u = [1, .5, .25]; top-1 sends u0 = 1; e = [0, .5, .25]; u0 restarts.
  EXPECT_EQ(push(mc, enc, {1, 0.5f, 0.25f}), (std::vector<float>{1, 0, 0}));
  // u = .5*[0, .5, .25] + [0, 1, 0] = [0, 1.25, .125]; y = u + e = [0, 1.75, .375].
  EXPECT_EQ(push(mc, enc, {0, 1, 0}), (std::vector<float>{0, 1.75f, 0}));
  // u = [0, 0, .0625]; y = [0, 0, .4375]: the last element's velocity and
  // error go out together.
  EXPECT_EQ(push(mc, enc, {0, 0, 0}), (std::vector<float>{0, 0, 0.4375f}));
  // Everything was sent and every velocity restarted: nothing is left.
  EXPECT_EQ(push(mc, enc, {0, 0, 0}), (std::vector<float>{0, 0, 0}));
}

TEST(MomentumCorrection, WithoutSparsityItIsPlainMomentum) {
  // top-k with k = n sends everything, so every velocity restarts each
  // step: the pushes are the gradients themselves (the masking is what
  // makes it DGC's rule rather than momentum SGD on the worker).
  const auto all = compress::make_codec("topk", {{{"k", "2"}}});
  TensorEncoder enc(*all, {compress::MatrixShape{}});
  MomentumCorrection mc(0.9f);
  EXPECT_EQ(push(mc, enc, {1, 2}), (std::vector<float>{1, 2}));
  EXPECT_EQ(push(mc, enc, {3, 4}), (std::vector<float>{3, 4}));
}

}  // namespace
}  // namespace tern::distributed::ps

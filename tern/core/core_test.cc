#include <gtest/gtest.h>

#include <cmath>

#include "tern/core/allocator.h"
#include "tern/core/tensor.h"

namespace tern {

TEST(Shape, BroadcastAndErrors) {
  EXPECT_EQ(broadcast_shapes({3, 1, 5}, {4, 5}), (Shape{3, 4, 5}));
  EXPECT_EQ(broadcast_shapes({}, {2}), (Shape{2}));
  EXPECT_THROW(broadcast_shapes({3}, {4}), ValueError);
  EXPECT_EQ(wrap_dim(-1, 3), 2);
  EXPECT_THROW(wrap_dim(3, 3), IndexError);
}

TEST(Dims, SpillsToHeapBeyondInline) {
  Dims d;
  for (int i = 0; i < 9; ++i) d.push_back(i);
  EXPECT_EQ(d.size(), 9u);
  EXPECT_EQ(d[8], 8);
  Dims e = d;
  EXPECT_EQ(e, d);
}

TEST(Tensor, FromVectorAndViews) {
  Tensor t = Tensor::from_vector<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_TRUE(t.is_contiguous());
  EXPECT_EQ(t.item_at(4), 5);
  Tensor tt = make_view(t, {3, 2}, {1, 3}, 0);  // transpose
  EXPECT_FALSE(tt.is_contiguous());
  EXPECT_EQ(tt.to_vector<float>(), (std::vector<float>{1, 4, 2, 5, 3, 6}));
  EXPECT_THROW(t.data<double>(), TypeError);
  EXPECT_THROW(Tensor::from_vector<float>({1, 2}, {3}), ValueError);
}

TEST(Tensor, HalfAndBfloatRoundTrip) {
  for (float v : {0.0f, 1.0f, -2.5f, 65504.0f, 1e-5f, 3.14159f}) {
    EXPECT_NEAR(half_to_float(float_to_half(v)), v, std::fabs(v) * 1e-3 + 1e-7);
    EXPECT_NEAR(bfloat_to_float(float_to_bfloat(v)), v, std::fabs(v) * 1e-2 + 1e-7);
  }
  EXPECT_TRUE(std::isinf(half_to_float(float_to_half(1e6f))));
}

TEST(Storage, BorrowedMemoryIsSharedAndReleasedOnce) {
  float buf[6] = {0, 1, 2, 3, 4, 5};
  int released = 0;
  {
    auto st = std::make_shared<Storage>(buf, sizeof buf, Device{}, [&] { ++released; });
    auto impl = std::make_shared<TensorImpl>();
    impl->storage = st;
    impl->shape = {2, 3};
    impl->strides = {3, 1};
    Tensor t(impl);
    EXPECT_EQ(t.data<float>(), buf);
    buf[4] = 40;
    EXPECT_EQ(t.item_at(4), 40);
    Tensor v = make_view(t, {3}, {1}, 3);
    st.reset();
    t = Tensor();
    EXPECT_EQ(released, 0);  // the view still holds the storage
    EXPECT_EQ(v.item_at(1), 40);
  }
  EXPECT_EQ(released, 1);
  EXPECT_THROW(Storage(buf, sizeof buf, Device{}, nullptr), ValueError);
}

TEST(Allocator, CachesAndCountsLiveBytes) {
  auto& alloc = CpuAllocator::get();
  const auto before = alloc.stats();
  {
    Tensor a = Tensor::empty({1000});
    const auto mid = alloc.stats();
    EXPECT_GE(mid.live_bytes - before.live_bytes, 4000);
  }
  const auto after_free = alloc.stats();
  EXPECT_EQ(after_free.live_bytes, before.live_bytes);
  Tensor b = Tensor::empty({1000});  // same bucket: served from the cache
  EXPECT_EQ(alloc.stats().num_system_allocs, after_free.num_system_allocs);
}

}  // namespace tern

// The .npy/.npz reader on files numpy wrote (testdata/, made by
// np.save / np.savez / np.savez_compressed: C and Fortran order, both byte
// orders, every dtype kind), the writer's round trip, and damaged files.
#include "tern/data/npy.h"

#include <gtest/gtest.h>

#include "tern/base/atomic_file.h"
#include "tern/base/error.h"

namespace tern::data {
namespace {

const std::string kDir = TERN_NPY_TESTDATA;

TEST(Npy, ReadsWhatNumpyWrote) {
  const Tensor a = read_npy(kDir + "/f32_c.npy");
  EXPECT_EQ(a.dtype(), DType::f32);
  EXPECT_EQ(a.shape(), (Shape{2, 3}));
  EXPECT_EQ(a.to_vector<float>(), (std::vector<float>{0, 0.25, 0.5, 0.75, 1, 1.25}));

  const Tensor big = read_npy(kDir + "/i2_big.npy");  // big-endian int16 widens to int32
  EXPECT_EQ(big.dtype(), DType::i32);
  EXPECT_EQ(big.to_vector<int32_t>(), (std::vector<int32_t>{-3, 7, 300}));

  const Tensor u = read_npy(kDir + "/u1.npy");
  EXPECT_EQ(u.dtype(), DType::u8);
  EXPECT_EQ(u.to_vector<int64_t>(), (std::vector<int64_t>{0, 255, 1, 2}));

  const Tensor b = read_npy(kDir + "/b1.npy");
  EXPECT_EQ(b.dtype(), DType::boolean);
  EXPECT_EQ(b.to_vector<int64_t>(), (std::vector<int64_t>{1, 0, 1}));

  const Tensor s = read_npy(kDir + "/i8_scalar.npy");
  EXPECT_EQ(s.dim(), 0);
  EXPECT_EQ(s.item(), 42);
}

TEST(Npy, FortranOrderComesOutCOrdered) {
  const Tensor f = read_npy(kDir + "/f64_fortran.npy");  // np.arange(24).reshape(2, 3, 4), Fortran layout on disk
  EXPECT_EQ(f.shape(), (Shape{2, 3, 4}));
  const std::vector<double> v = f.to_vector<double>();
  for (int i = 0; i < 24; ++i) EXPECT_EQ(v[i], i);
}

TEST(Npz, StoredAndDeflatedMembers) {
  for (const char* name : {"/xy.npz", "/xy_compressed.npz"}) {
    const auto m = read_npz(kDir + name);
    ASSERT_EQ(m.size(), 2u) << name;
    EXPECT_EQ(m.at("x").shape(), (Shape{2, 3}));
    EXPECT_EQ(m.at("x").to_vector<float>()[5], 1.25f);
    EXPECT_EQ(m.at("y").to_vector<int64_t>(), (std::vector<int64_t>{1, 0}));
  }
}

TEST(Npy, WriteRoundTripsEveryDtypeAndAlignsTheHeader) {
  for (DType t : {DType::f32, DType::f64, DType::f16, DType::i32, DType::i64, DType::u8, DType::boolean}) {
    Tensor x = Tensor::empty({3, 2}, t);
    auto* p = static_cast<uint8_t*>(x.raw_data());
    for (size_t i = 0; i < x.nbytes(); ++i) p[i] = static_cast<uint8_t>(t == DType::boolean ? i % 2 : 7 * i + 1);
    const std::string bytes = npy_bytes(x);
    const size_t header_end = bytes.size() - x.nbytes();
    EXPECT_EQ(header_end % 64, 0u) << dtype_name(t);
    EXPECT_EQ(bytes[header_end - 1], '\n');
    const Tensor y = parse_npy(bytes, "mem");
    EXPECT_EQ(y.dtype(), t);
    EXPECT_EQ(y.shape(), x.shape());
    EXPECT_EQ(std::string(static_cast<const char*>(y.raw_data()), y.nbytes()),
              std::string(static_cast<const char*>(x.raw_data()), x.nbytes()));
  }
  const std::string path = ::testing::TempDir() + "/tern_npy_test.npy";
  write_npy(path, Tensor::from_vector<float>({1, 2, 3}, {3}));
  EXPECT_EQ(read_npy(path).to_vector<float>(), (std::vector<float>{1, 2, 3}));
  EXPECT_THROW(npy_bytes(Tensor::empty({2}, DType::bf16)), ValueError);
}

std::string error_of(const std::string& bytes) {
  try {
    parse_npy(bytes, "x.npy");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Npy, DamagedFilesAreOneLineErrors) {
  const std::string good = read_file(kDir + "/f32_c.npy");
  EXPECT_NE(error_of(good.substr(0, good.size() - 1)).find("truncated"), std::string::npos);
  EXPECT_NE(error_of(good + "x").find("trailing"), std::string::npos);
  EXPECT_NE(error_of("hello").find("not a .npy file"), std::string::npos);
  std::string u8 = good;
  u8.replace(u8.find("<f4"), 3, "<u8");
  EXPECT_NE(error_of(u8).find("'<u8' not supported"), std::string::npos);
  std::string huge = good;
  huge.replace(huge.find("(2, 3)"), 6, "(9999999999, 9999999999)");
  EXPECT_NE(error_of(huge).find("needs more bytes"), std::string::npos);
  // Every truncation and every single-bit flip: an array or a tern::Error, never a crash.
  for (size_t n = 0; n < good.size(); ++n) {
    const std::string e = error_of(good.substr(0, n));
    EXPECT_FALSE(e.empty()) << n;
    EXPECT_EQ(e.find('\n'), std::string::npos) << e;
  }
  for (size_t bit = 0; bit < 8 * good.size(); ++bit) {
    std::string b = good;
    b[bit / 8] ^= char(1 << (bit % 8));
    EXPECT_EQ(error_of(b).find('\n'), std::string::npos);
  }
}

TEST(Npz, DamagedArchivesAreErrors) {
  const std::string good = read_file(kDir + "/xy_compressed.npz");
  for (size_t n = 0; n < good.size(); n += 7) EXPECT_THROW(parse_npz(good.substr(0, n), "x.npz"), IOError) << n;
  for (size_t bit = 0; bit < 8 * good.size(); bit += 3) {
    std::string b = good;
    b[bit / 8] ^= char(1 << (bit % 8));
    try {
      parse_npz(b, "x.npz");
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos);
    }
  }
  EXPECT_THROW(read_npz(kDir + "/missing.npz"), IOError);
}

}  // namespace
}  // namespace tern::data

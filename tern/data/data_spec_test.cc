#include "tern/data/data_spec.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <fstream>
#include <set>

#include <unistd.h>

#include "tern/base/error.h"
#include "tern/data/temp_dir_test.h"
#include "tern/data/feature_dataset.h"
#include "tern/data/npy.h"
#include "tern/data/test_util.h"

namespace tern::data {
namespace {

namespace fs = std::filesystem;

using testing::unique_temp_dir;


std::string error_of(const std::string& spec) {
  try {
    load_data(spec);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

class DataSpecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = unique_temp_dir("tern_data_spec_test");
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& rel) const { return (dir_ / rel).string(); }
  fs::path dir_;
};

TEST(DataSpec, ParsesKindPathAndOptions) {
  const DataSpec s = parse_data_spec("images:some/dir,size=28,gray,test=t");
  EXPECT_EQ(s.kind, "images");
  EXPECT_EQ(s.path, "some/dir");
  EXPECT_EQ(s.options, (std::map<std::string, std::string>{{"size", "28"}, {"gray", ""}, {"test", "t"}}));
  EXPECT_EQ(parse_data_spec("csv:/a/b.csv").options.size(), 0u);
}

TEST(DataSpec, UnknownKindsAndOptionsListTheValidOnes) {
  auto msg = [](const std::string& s) -> std::string {
    try {
      parse_data_spec(s);
    } catch (const ValueError& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_EQ(msg("parquet:x"), "--data 'parquet:x': unknown kind 'parquet' (expected KIND:PATH[,OPTION...] with KIND one "
                              "of cifar10, cifar100, csv, idx, images, npy, npz, tsv)");
  EXPECT_NE(msg("x.csv").find(": no kind (expected KIND:PATH"), std::string::npos);
  EXPECT_EQ(msg("csv:a.csv,lable=x"), "--data csv: unknown option 'lable' (valid: test, holdout, seed, raw, mean, std, label)");
  EXPECT_EQ(msg("csv:a.csv,size=3"), "--data csv: unknown option 'size' (valid: test, holdout, seed, raw, mean, std, label)");
  EXPECT_EQ(msg("images:d,gray=1"), "--data images: option 'gray' is a flag and takes no value");
  EXPECT_EQ(msg("images:d,size"), "--data images: option 'size' needs a value (KEY=VALUE)");
  EXPECT_EQ(msg("csv:a,seed=1,seed=2"), "--data csv: option 'seed' given twice");
  EXPECT_NE(msg("csv:a,test=b,holdout=0.1").find("exclude each other"), std::string::npos);
  EXPECT_EQ(msg("csv:"), "--data 'csv:': no path after 'csv:'");
  EXPECT_EQ(error_of("csv:a.csv,holdout=1.5"), "--data csv option holdout: expected a number in (0, 1], given '1.5'");
  EXPECT_EQ(error_of("images:d,size=0"), "--data images option size: expected an integer in [1, 4096], given '0'");
}

TEST_F(DataSpecTest, CsvHoldoutIsSeededDisjointAndStandardised) {
  std::ofstream f(path("t.csv"));
  f << "a,b,species\n";
  for (int i = 0; i < 50; ++i) f << i << "," << (i % 2 ? 10 : -10) << "," << (i < 25 ? "setosa" : "virginica") << "\n";
  f.close();
  const DataSplits d = load_data("csv:" + path("t.csv") + ",label=species,holdout=0.2,seed=3");
  EXPECT_EQ(d.train->size(), 40);
  EXPECT_EQ(d.test->size(), 10);
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"setosa", "virginica"}));
  EXPECT_EQ(d.train->example_shape(), (Shape{2}));
  EXPECT_EQ(d.test->num_classes(), 2);
  // Standardised by the training rows: their mean is 0 and std 1 per column.
  std::vector<int64_t> all(40);
  for (int i = 0; i < 40; ++i) all[i] = i;
  const std::vector<float> x = d.train->get(all).inputs.to_vector<float>();
  double m0 = 0, s0 = 0;
  for (int i = 0; i < 40; ++i) m0 += x[2 * i], s0 += x[2 * i] * x[2 * i];
  EXPECT_NEAR(m0 / 40, 0, 1e-5);
  EXPECT_NEAR(s0 / 40, 1, 1e-4);
  // Train and test are disjoint and together the whole file (column b is
  // +-10 so column a identifies a row); the same seed gives the same split.
  auto raw_a = [&](const std::string& spec) {
    const DataSplits r = load_data(spec);
    std::multiset<float> a;
    for (const auto& ds : {r.train, r.test}) {
      std::vector<int64_t> idx(ds->size());
      for (int64_t i = 0; i < ds->size(); ++i) idx[i] = i;
      const auto v = ds->get(idx).inputs.to_vector<float>();
      for (int64_t i = 0; i < ds->size(); ++i) a.insert(ds == r.test ? -1 - v[2 * i] : v[2 * i]);
    }
    return a;
  };
  const auto s3 = raw_a("csv:" + path("t.csv") + ",raw,seed=3");
  EXPECT_EQ(s3.size(), 50u);
  std::set<float> uniq;
  for (float v : s3) uniq.insert(v < 0 ? -1 - v : v);
  EXPECT_EQ(uniq.size(), 50u);
  EXPECT_EQ(raw_a("csv:" + path("t.csv") + ",raw,seed=3"), s3);
  EXPECT_NE(raw_a("csv:" + path("t.csv") + ",raw,seed=4"), s3);
}

TEST_F(DataSpecTest, CsvTestFileUsesTheTrainingClassesAndColumns) {
  std::ofstream(path("train.csv")) << "x,y,c\n1,2,b\n3,4,a\n5,6,b\n";
  std::ofstream(path("test.csv")) << "c,y,x\nb,1,1\n";  // other column order, fewer classes
  const DataSplits d = load_data("csv:" + path("train.csv") + ",test=" + path("test.csv") + ",raw");
  EXPECT_EQ(d.test->size(), 1);
  EXPECT_EQ(d.test->num_classes(), 2);
  const Batch b = d.test->get({0});
  EXPECT_EQ(b.labels.to_vector<int64_t>(), (std::vector<int64_t>{1}));
  EXPECT_EQ(b.inputs.to_vector<float>(), (std::vector<float>{1, 1}));  // x, y in the training file's order
  std::ofstream(path("test.csv")) << "c,y,x\nb,7,5\n";
  EXPECT_EQ(load_data("csv:" + path("train.csv") + ",test=" + path("test.csv") + ",raw").test->get({0}).inputs
                .to_vector<float>(),
            (std::vector<float>{5, 7}));
  std::ofstream(path("bad.csv")) << "x,z,c\n1,2,a\n";
  EXPECT_NE(error_of("csv:" + path("train.csv") + ",test=" + path("bad.csv")).find("feature columns x, z differ from"),
            std::string::npos);
  std::ofstream(path("t.tsv")) << "x\tlabel\n1\t0\n2\t1\n3\t1\n";
  EXPECT_EQ(load_data("tsv:" + path("t.tsv") + ",holdout=0.34").test->size(), 1);
  // A malformed line surfaces as the reader's one-line error.
  std::ofstream(path("m.csv")) << "x,label\n1,0\n2\n";
  EXPECT_EQ(error_of("csv:" + path("m.csv")), path("m.csv") + ":3: expected 2 fields like the header, got 1");
}

TEST_F(DataSpecTest, ImagesWithTestFolderAndNormalisation) {
  for (const char* split : {"train", "test"})
    for (const char* cls : {"dark", "light"})
      for (int i = 0; i < 3; ++i) {
        fs::create_directories(dir_ / split / cls);
        const uint8_t v = cls[0] == 'd' ? 20 + i : 220 - i;
        std::ofstream(dir_ / split / cls / (std::to_string(i) + ".png"), std::ios::binary)
            << testing::png_bytes(4, 4, 1, std::vector<uint8_t>(16, v));
      }
  const DataSplits d = load_data("images:" + path("train") + ",size=8,gray,test=" + path("test"));
  EXPECT_EQ(d.train->size(), 6);
  EXPECT_EQ(d.test->size(), 6);
  EXPECT_EQ(d.train->example_shape(), (Shape{1, 8, 8}));
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"dark", "light"}));
  const Batch b = d.train->get({0, 5});
  EXPECT_LT(b.inputs.to_vector<float>()[0], -0.5f);  // dark, below the mean
  EXPECT_GT(b.inputs.to_vector<float>()[64], 0.5f);  // light
  EXPECT_EQ(b.labels.to_vector<int64_t>(), (std::vector<int64_t>{0, 1}));
  // Fixed normalisation: (x - 0.5) / 0.25 of pixels in [0, 1].
  const DataSplits fixed = load_data("images:" + path("train") + ",size=8,gray,mean=0.5,std=0.25,test=" + path("test"));
  EXPECT_NEAR(fixed.test->get({0}).inputs.to_vector<float>()[0], (20 / 255.0 - 0.5) / 0.25, 1e-5);
  EXPECT_NE(error_of("images:" + path("train") + ",std=0").find("option std: expected a number in (0, 1000000], given '0'"),
            std::string::npos)
      << error_of("images:" + path("train") + ",std=0");
  const DataSplits h = load_data("images:" + path("train") + ",size=2,holdout=0.5");
  EXPECT_EQ(h.train->size(), 3);
  EXPECT_EQ(h.test->example_shape(), (Shape{3, 2, 2}));
}

TEST_F(DataSpecTest, CifarIdxAndNpzUseTheirOwnTestSplit) {
  std::string rec(3073, '\0');
  for (int b = 1; b <= 5; ++b) std::ofstream(path("data_batch_" + std::to_string(b) + ".bin"), std::ios::binary) << rec;
  rec[0] = 9;
  std::ofstream(path("test_batch.bin"), std::ios::binary) << rec << rec;
  const DataSplits c = load_data("cifar10:" + path(""));
  EXPECT_EQ(c.train->size(), 5);
  EXPECT_EQ(c.test->size(), 2);
  EXPECT_EQ(c.train->num_classes(), 10);
  EXPECT_EQ(load_data("cifar10:" + path("") + ",holdout=0.4").test->size(), 2);
  EXPECT_NE(error_of("npz:" + std::string(TERN_NPY_TESTDATA) + "/xy.npz").find("has no x_test / y_test arrays"),
            std::string::npos);
  const DataSplits n = load_data("npz:" + std::string(TERN_NPY_TESTDATA) + "/xy.npz,holdout=0.5");
  EXPECT_EQ(n.train->size(), 1);
  EXPECT_EQ(n.test->example_shape(), (Shape{3}));
  EXPECT_NE(error_of("idx:" + path("none")).find("not found"), std::string::npos);
}

TEST_F(DataSpecTest, NpyExamplesAndLabels) {
  std::vector<uint8_t> px(10 * 4 * 4);
  for (size_t i = 0; i < px.size(); ++i) px[i] = static_cast<uint8_t>(i);
  write_npy(path("x.npy"), Tensor::from_vector(px, {10, 4, 4}));
  write_npy(path("y.npy"), Tensor::from_vector<int64_t>({0, 1, 2, 0, 1, 2, 0, 1, 2, 0}, {10}));
  write_npy(path("xt.npy"), Tensor::from_vector(std::vector<uint8_t>(32, 9), {2, 4, 4}));
  write_npy(path("yt.npy"), Tensor::from_vector<int64_t>({1, 1}, {2}));
  const DataSplits d = load_data("npy:" + path("x.npy") + ",y=" + path("y.npy") + ",test=" + path("xt.npy") +
                                 ",test_y=" + path("yt.npy"));
  EXPECT_EQ(d.train->size(), 10);
  EXPECT_EQ(d.test->size(), 2);
  EXPECT_EQ(d.train->example_shape(), (Shape{1, 4, 4}));
  EXPECT_EQ(d.test->num_classes(), 3);
  EXPECT_EQ(load_data("npy:" + path("x.npy") + ",y=" + path("y.npy")).test->size(), 2);  // holdout 0.2
  EXPECT_EQ(error_of("npy:" + path("x.npy")), "--data npy: y=FILE.npy (the labels) is required");
  EXPECT_NE(error_of("npy:" + path("x.npy") + ",y=" + path("yt.npy")).find("x has 10 examples but y has 2 labels"),
            std::string::npos);
}

}  // namespace
}  // namespace tern::data

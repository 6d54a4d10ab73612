// End-to-end on Fashion-MNIST with two real models: softmax regression (the
// accepted "old" model) and a one-hidden-layer MLP (the "new" one), trained
// here by a small SGD helper so the test stays fast and independent of the
// training stack (examples/fashion_mnist.sh uses `tern train`). Their
// predictions on the 10,000 test images feed
//  - the label-saving acceptance: for n - o > 0.02 +/- 0.01 at reliability
//    0.999, the optimised plan (hierarchical d test on the unlabeled
//    predictions, Bennett, active labelling) must need >= 10x fewer labels
//    than plain Hoeffding;
//  - a full `tern ci check` run on the real files.
// Set TERN_MLCI_PREDICTIONS_OUT=DIR to keep softmax.txt and mlp.txt there
// (examples/fashion_mnist.sh falls back to them without `tern train`).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <unistd.h>

#include "tern/base/atomic_file.h"
#include "tern/data/idx.h"
#include "tern/mlci/check.h"
#include "tern/mlci/decide.h"
#include "tern/mlci/estimate.h"
#include "tern/mlci/predictions.h"
#include "tern/mlci/state.h"

namespace tern::mlci {
namespace {

namespace fs = std::filesystem;

struct Split {
  std::vector<float> x;  // rows of 784 pixels in [0, 1]
  std::vector<int64_t> y;
  int64_t rows = 0;
};

Split load(const std::string& images, const std::string& labels, int64_t limit) {
  const auto xi = data::read_idx(std::string(data::kFashionMnistDir) + "/" + images);
  const auto yi = data::read_idx(std::string(data::kFashionMnistDir) + "/" + labels);
  Split s;
  s.rows = std::min<int64_t>(limit, yi.shape[0]);
  s.x.resize(s.rows * 784);
  for (int64_t i = 0; i < s.rows * 784; ++i) s.x[i] = xi.data[i] / 255.0f;
  s.y.assign(yi.data.begin(), yi.data.begin() + s.rows);
  return s;
}

// A dense layer y = W x + b with plain SGD.
struct Dense {
  int in, out;
  std::vector<float> w, b;
  Dense(int in_, int out_, std::mt19937& g) : in(in_), out(out_), w(in_ * out_), b(out_, 0.0f) {
    std::normal_distribution<float> n(0.0f, std::sqrt(2.0f / in_));
    for (auto& v : w) v = n(g) * 0.5f;
  }
  void forward(const float* x, float* y) const {
    for (int o = 0; o < out; ++o) {
      float s = b[o];
      const float* row = &w[o * in];
      for (int i = 0; i < in; ++i) s += row[i] * x[i];
      y[o] = s;
    }
  }
  // Applies the gradient dy (for input x) and writes dx when asked.
  void backward(const float* x, const float* dy, float* dx, float lr) {
    if (dx)
      for (int i = 0; i < in; ++i) dx[i] = 0.0f;
    for (int o = 0; o < out; ++o) {
      float* row = &w[o * in];
      if (dx)
        for (int i = 0; i < in; ++i) dx[i] += row[i] * dy[o];
      for (int i = 0; i < in; ++i) row[i] -= lr * dy[o] * x[i];
      b[o] -= lr * dy[o];
    }
  }
};

void softmax_grad(float* logits, int64_t label) {  // logits -> dL/dlogits
  float m = logits[0];
  for (int k = 1; k < 10; ++k) m = std::max(m, logits[k]);
  float z = 0;
  for (int k = 0; k < 10; ++k) z += logits[k] = std::exp(logits[k] - m);
  for (int k = 0; k < 10; ++k) logits[k] = logits[k] / z - (k == label ? 1.0f : 0.0f);
}

int64_t argmax(const float* v) {
  int64_t best = 0;
  for (int k = 1; k < 10; ++k)
    if (v[k] > v[best]) best = k;
  return best;
}

std::vector<int64_t> train_softmax(const Split& tr, const Split& te) {
  std::mt19937 g(1);
  Dense l(784, 10, g);
  float logits[10];
  for (int64_t i = 0; i < tr.rows; ++i) {
    l.forward(&tr.x[i * 784], logits);
    softmax_grad(logits, tr.y[i]);
    l.backward(&tr.x[i * 784], logits, nullptr, 0.01f);
  }
  std::vector<int64_t> pred(te.rows);
  for (int64_t i = 0; i < te.rows; ++i) {
    l.forward(&te.x[i * 784], logits);
    pred[i] = argmax(logits);
  }
  return pred;
}

std::vector<int64_t> train_mlp(const Split& tr, const Split& te, int hidden) {
  std::mt19937 g(2);
  Dense l1(784, hidden, g), l2(hidden, 10, g);
  std::vector<float> h(hidden), dh(hidden);
  float logits[10];
  for (int epoch = 0; epoch < 3; ++epoch) {
    const float lr = epoch == 0 ? 0.01f : epoch == 1 ? 0.003f : 0.001f;  // decay: SGD's last iterate settles
    for (int64_t i = 0; i < tr.rows; ++i) {
      const float* x = &tr.x[i * 784];
      l1.forward(x, h.data());
      for (auto& v : h) v = std::max(v, 0.0f);
      l2.forward(h.data(), logits);
      softmax_grad(logits, tr.y[i]);
      l2.backward(h.data(), logits, dh.data(), lr);
      for (int k = 0; k < hidden; ++k) dh[k] = h[k] > 0 ? dh[k] : 0.0f;
      l1.backward(x, dh.data(), nullptr, lr);
    }
  }
  std::vector<int64_t> pred(te.rows);
  for (int64_t i = 0; i < te.rows; ++i) {
    l1.forward(&te.x[i * 784], h.data());
    for (auto& v : h) v = std::max(v, 0.0f);
    l2.forward(h.data(), logits);
    pred[i] = argmax(logits);
  }
  return pred;
}

double accuracy(const std::vector<int64_t>& p, const std::vector<int64_t>& y) {
  int64_t ok = 0;
  for (size_t i = 0; i < y.size(); ++i) ok += p[i] == y[i];
  return static_cast<double>(ok) / y.size();
}

TEST(MlciFashionMnist, TwoRealModelsSaveTenfoldLabels) {
  const std::string labels_path = std::string(data::kFashionMnistDir) + "/t10k-labels-idx1-ubyte.gz";
  if (!fs::exists(labels_path)) GTEST_SKIP() << "Debian's dataset-fashion-mnist is not installed";
  const Split tr = load("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", 20000);
  const Split te = load("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", 10000);
  const auto softmax = train_softmax(tr, te);
  const auto mlp = train_mlp(tr, te, 48);
  const auto labels = read_classes(labels_path);  // via tern::data::read_idx
  ASSERT_EQ(labels, te.y);
  const double acc_s = accuracy(softmax, labels), acc_m = accuracy(mlp, labels), d = disagreement(mlp, softmax);
  std::printf("softmax accuracy %.4f, mlp accuracy %.4f, disagreement d = %.4f on %zu test images\n", acc_s, acc_m, d,
              labels.size());
  EXPECT_GT(acc_s, 0.70);
  EXPECT_GT(acc_m, acc_s);
  if (const char* out = std::getenv("TERN_MLCI_PREDICTIONS_OUT")) {
    fs::create_directories(out);
    write_file_atomic(std::string(out) + "/softmax.txt", format_classes(softmax));
    write_file_atomic(std::string(out) + "/mlp.txt", format_classes(mlp));
  }

  // Label savings, for each adaptivity, H = 32.
  for (Adaptivity a : {Adaptivity::kNone, Adaptivity::kFull}) {
    Settings s;
    s.condition = parse_condition("n - o > 0.02 +/- 0.01");
    s.reliability = 0.999;
    s.adaptivity = a;
    s.steps = 32;
    const auto p = hierarchical_d_bound(s, static_cast<int64_t>(labels.size()), d);
    ASSERT_TRUE(p.has_value());
    const Plan base = plan_hoeffding(s), opt = plan_optimised(s, {p});
    std::printf("adaptivity %s: hoeffding %lld labels; optimised (%s, d <= %.4f) %lld examples, %lld labels: %.1fx\n",
                adaptivity_name(a), static_cast<long long>(base.labels), opt.lines.back().bound.c_str(), *p,
                static_cast<long long>(opt.examples), static_cast<long long>(opt.labels),
                static_cast<double>(base.labels) / opt.labels);
    EXPECT_GE(base.labels, 10 * opt.labels);
  }

  // A real check: the MLP against the accepted softmax model, on a condition
  // this 10,000-image test set can carry.
  const std::string dir = (fs::temp_directory_path() / ("tern_mlci_fm_" + std::to_string(::getpid()))).string();
  fs::remove_all(dir);
  set_baseline(dir, softmax, "softmax");
  CheckInput in;
  in.config = parse_config(
      "condition: n - o > 0.01 +/- 0.02\nreliability: 0.99\nmode: fp-free\nadaptivity: full\nsteps: 4\n", "fm.yml");
  in.config.state_dir = dir;
  in.labels = labels;
  in.new_pred = mlp;
  in.commit = "mlp";
  const CheckOutcome r = run_check(in);
  for (const auto& line : r.report) std::printf("  %s\n", line.c_str());
  // fp-free passes iff the measured n - o clears 0.01 + 0.02.
  EXPECT_EQ(r.verdict, acc_m - acc_s > 0.03 ? Verdict::kPass : Verdict::kFail);
  EXPECT_EQ(r.exit_code, acc_m - acc_s > 0.03 ? 0 : 1);
  EXPECT_EQ(load_state(dir).steps_used, 1);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace tern::mlci

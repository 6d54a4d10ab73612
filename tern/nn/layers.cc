#include "tern/nn/layers.h"

#include <cmath>

#include "tern/nn/init.h"

namespace tern::nn {

Linear::Linear(int64_t in, int64_t out, bool with_bias) : Module("Linear") {
  TERN_CHECK(in > 0 && out > 0, "Linear: sizes must be positive, got ", in, " -> ", out);
  weight = register_parameter("weight", Tensor::empty({out, in}));
  set_init("weight", init::default_weight_(weight));
  if (with_bias) {
    bias = register_parameter("bias", Tensor::empty({out}));
    set_init("bias", init::default_bias_(bias, in));
  }
}

Tensor Linear::forward(const Tensor& x) { return linear(x, weight, bias); }

Conv2d::Conv2d(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t padding, bool with_bias, int64_t groups,
               int64_t dilation)
    : Module("Conv2d"), options{stride, stride, padding, padding, dilation, dilation, groups} {
  TERN_CHECK(in > 0 && out > 0 && kernel > 0 && groups > 0 && in % groups == 0 && out % groups == 0,
             "Conv2d: invalid channels ", in, " -> ", out, " with groups ", groups, " and kernel ", kernel);
  weight = register_parameter("weight", Tensor::empty({out, in / groups, kernel, kernel}));
  set_init("weight", init::default_weight_(weight));
  if (with_bias) {
    bias = register_parameter("bias", Tensor::empty({out}));
    set_init("bias", init::default_bias_(bias, in / groups * kernel * kernel));
  }
}

Tensor Conv2d::forward(const Tensor& x) { return conv2d(x, weight, bias, options); }

BatchNorm2d::BatchNorm2d(int64_t c, double momentum, double eps) : Module("BatchNorm2d"), momentum(momentum), eps(eps) {
  weight = register_parameter("weight", ones({c}));
  bias = register_parameter("bias", zeros({c}));
  set_init("weight", {.kind = init::InitSpec::Kind::constant, .a = 1});
  set_init("bias", {.kind = init::InitSpec::Kind::constant, .a = 0});
  running_mean = register_buffer("running_mean", zeros({c}));
  running_var = register_buffer("running_var", ones({c}));
}

Tensor BatchNorm2d::forward(const Tensor& x) {
  return batch_norm(x, weight, bias, running_mean, running_var, is_training(), momentum, eps);
}

LayerNorm::LayerNorm(int64_t features, double eps) : Module("LayerNorm"), eps(eps) {
  weight = register_parameter("weight", ones({features}));
  bias = register_parameter("bias", zeros({features}));
  set_init("weight", {.kind = init::InitSpec::Kind::constant, .a = 1});
  set_init("bias", {.kind = init::InitSpec::Kind::constant, .a = 0});
}

Tensor LayerNorm::forward(const Tensor& x) { return layer_norm(x, 1, weight, bias, eps); }

Tensor ReLU6::forward(const Tensor& x) { return minimum(relu(x), Tensor::scalar(6, x.dtype())); }

Embedding::Embedding(int64_t num, int64_t dim) : Module("Embedding") {
  weight = register_parameter("weight", Tensor::empty({num, dim}));
  set_init("weight", init::normal_(weight, 0, 1));
}

RecurrentBase::RecurrentBase(std::string type, int64_t input, int64_t hidden, int64_t layers, int64_t gates)
    : Module(std::move(type)), input_size(input), hidden_size(hidden), num_layers(layers) {
  TERN_CHECK(input > 0 && hidden > 0 && layers > 0, this->type(), ": sizes must be positive");
  const double bound = 1.0 / std::sqrt(static_cast<double>(hidden));
  for (int64_t l = 0; l < layers; ++l) {
    const std::string s = std::to_string(l);
    const int64_t in = l == 0 ? input : hidden;
    LayerParams p{register_parameter("weight_ih_l" + s, Tensor::empty({gates * hidden, in})),
                  register_parameter("weight_hh_l" + s, Tensor::empty({gates * hidden, hidden})),
                  register_parameter("bias_ih_l" + s, Tensor::empty({gates * hidden})),
                  register_parameter("bias_hh_l" + s, Tensor::empty({gates * hidden}))};
    const std::pair<const char*, Tensor*> named[] = {
        {"weight_ih_l", &p.w_ih}, {"weight_hh_l", &p.w_hh}, {"bias_ih_l", &p.b_ih}, {"bias_hh_l", &p.b_hh}};
    for (auto [prefix, t] : named) set_init(prefix + s, init::uniform_(*t, -bound, bound));
    layers_.push_back(p);
  }
}

void RecurrentBase::check_input(const Tensor& x) const {
  TERN_CHECK(x.dim() == 3 && x.shape()[2] == input_size, type(), ": input must be [batch, time, ", input_size,
             "], got ", shape_str(x.shape()));
}

Tensor LSTM::forward(const Tensor& x) {
  check_input(x);
  const int64_t b = x.shape()[0], steps = x.shape()[1], h = hidden_size;
  Tensor seq = x;
  for (int64_t l = 0; l < num_layers; ++l) {
    const LayerParams& p = layers_[l];
    // Input projections for all steps at once: one GEMM instead of `steps`.
    const Tensor xw = linear(seq, p.w_ih, add(p.b_ih, p.b_hh));  // [b, t, 4h]
    Tensor hs = zeros({b, h}), cs = zeros({b, h});
    std::vector<Tensor> outs;
    for (int64_t t = 0; t < steps; ++t) {
      const Tensor gates = add(reshape(slice(xw, 1, t, t + 1), {b, 4 * h}), linear(hs, p.w_hh));
      const Tensor i = sigmoid(slice(gates, 1, 0, h)), f = sigmoid(slice(gates, 1, h, 2 * h));
      const Tensor g = tanh(slice(gates, 1, 2 * h, 3 * h)), o = sigmoid(slice(gates, 1, 3 * h, 4 * h));
      cs = add(mul(f, cs), mul(i, g));
      hs = mul(o, tanh(cs));
      outs.push_back(hs);
    }
    seq = stack(outs, 1);
    if (l + 1 < num_layers) seq = dropout(seq, dropout_p, is_training());
  }
  return seq;
}

Tensor GRU::forward(const Tensor& x) {
  check_input(x);
  const int64_t b = x.shape()[0], steps = x.shape()[1], h = hidden_size;
  Tensor seq = x;
  for (int64_t l = 0; l < num_layers; ++l) {
    const LayerParams& p = layers_[l];
    const Tensor xw = linear(seq, p.w_ih, p.b_ih);  // [b, t, 3h]
    Tensor hs = zeros({b, h});
    std::vector<Tensor> outs;
    for (int64_t t = 0; t < steps; ++t) {
      const Tensor xi = reshape(slice(xw, 1, t, t + 1), {b, 3 * h});
      const Tensor hh = linear(hs, p.w_hh, p.b_hh);
      const Tensor r = sigmoid(add(slice(xi, 1, 0, h), slice(hh, 1, 0, h)));
      const Tensor z = sigmoid(add(slice(xi, 1, h, 2 * h), slice(hh, 1, h, 2 * h)));
      const Tensor n = tanh(add(slice(xi, 1, 2 * h, 3 * h), mul(r, slice(hh, 1, 2 * h, 3 * h))));
      hs = add(mul(add_scalar(neg(z), 1), n), mul(z, hs));
      outs.push_back(hs);
    }
    seq = stack(outs, 1);
  }
  return seq;
}

MultiheadAttention::MultiheadAttention(int64_t embed, int64_t heads, bool causal)
    : Module("MultiheadAttention"), embed_dim(embed), num_heads(heads), causal(causal) {
  TERN_CHECK(heads > 0 && embed % heads == 0, "MultiheadAttention: embed dim ", embed, " must be divisible by heads ", heads);
  in_proj = register_module("in_proj", std::make_shared<Linear>(embed, 3 * embed));
  out_proj = register_module("out_proj", std::make_shared<Linear>(embed, embed));
}

Tensor MultiheadAttention::forward(const Tensor& x) {
  TERN_CHECK(x.dim() == 3 && x.shape()[2] == embed_dim, "MultiheadAttention: input must be [batch, seq, ", embed_dim,
             "], got ", shape_str(x.shape()));
  const int64_t b = x.shape()[0], s = x.shape()[1], hd = embed_dim / num_heads;
  const Tensor qkv = (*in_proj)(x);  // [b, s, 3e]
  auto heads = [&](int64_t k) {            // -> [b, heads, s, hd]
    return permute(reshape(slice(qkv, 2, k * embed_dim, (k + 1) * embed_dim), {b, s, num_heads, hd}), {0, 2, 1, 3});
  };
  const Tensor q = heads(0), kk = heads(1), v = heads(2);
  Tensor scores = mul_scalar(matmul(q, transpose(kk, -1, -2)), 1.0 / std::sqrt(static_cast<double>(hd)));
  if (causal) {
    const Tensor rows = reshape(arange(0, s, 1, DType::i64), {s, 1}), cols = reshape(arange(0, s, 1, DType::i64), {1, s});
    scores = where(gt(cols, rows), full({}, -1e9, scores.dtype()), scores);
  }
  const Tensor attn = matmul(softmax(scores, -1), v);  // [b, heads, s, hd]
  return (*out_proj)(reshape(contiguous(permute(attn, {0, 2, 1, 3})), {b, s, embed_dim}));
}

}  // namespace tern::nn

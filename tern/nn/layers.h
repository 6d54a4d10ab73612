// Layers. Each is a small Module whose forward() calls public ops.
#pragma once

#include "tern/nn/module.h"
#include "tern/ops/ops.h"

namespace tern::nn {

class Linear : public Module {
 public:
  Linear(int64_t in, int64_t out, bool bias = true);
  Tensor forward(const Tensor& x) override;
  Tensor weight, bias;  // weight: [out, in]
};

class Conv2d : public Module {
 public:
  Conv2d(int64_t in, int64_t out, int64_t kernel, int64_t stride = 1, int64_t padding = 0, bool bias = true,
         int64_t groups = 1, int64_t dilation = 1);
  Tensor forward(const Tensor& x) override;
  Tensor weight, bias;
  Conv2dOptions options;
};

class BatchNorm2d : public Module {
 public:
  explicit BatchNorm2d(int64_t channels, double momentum = 0.1, double eps = 1e-5);
  Tensor forward(const Tensor& x) override;
  Tensor weight, bias, running_mean, running_var;
  double momentum, eps;
};

class LayerNorm : public Module {
 public:
  explicit LayerNorm(int64_t features, double eps = 1e-5);
  Tensor forward(const Tensor& x) override;
  Tensor weight, bias;
  double eps;
};

class Dropout : public Module {
 public:
  explicit Dropout(double p = 0.5) : Module("Dropout"), p(p) {}
  Tensor forward(const Tensor& x) override { return dropout(x, p, is_training()); }
  double p;
};

// Stateless activations and reshapes.
class ReLU : public Module {
 public:
  ReLU() : Module("ReLU") {}
  Tensor forward(const Tensor& x) override { return relu(x); }
};
class ReLU6 : public Module {
 public:
  ReLU6() : Module("ReLU6") {}
  Tensor forward(const Tensor& x) override;
};
class Tanh : public Module {
 public:
  Tanh() : Module("Tanh") {}
  Tensor forward(const Tensor& x) override { return tanh(x); }
};
class Sigmoid : public Module {
 public:
  Sigmoid() : Module("Sigmoid") {}
  Tensor forward(const Tensor& x) override { return sigmoid(x); }
};
class Flatten : public Module {
 public:
  Flatten() : Module("Flatten") {}
  Tensor forward(const Tensor& x) override { return flatten(x, 1); }
};
class MaxPool2d : public Module {
 public:
  MaxPool2d(int64_t kernel, int64_t stride = -1, int64_t padding = 0)
      : Module("MaxPool2d"), kernel(kernel), stride(stride), padding(padding) {}
  Tensor forward(const Tensor& x) override { return max_pool2d(x, kernel, stride, padding); }
  int64_t kernel, stride, padding;
};
class AvgPool2d : public Module {
 public:
  AvgPool2d(int64_t kernel, int64_t stride = -1, int64_t padding = 0)
      : Module("AvgPool2d"), kernel(kernel), stride(stride), padding(padding) {}
  Tensor forward(const Tensor& x) override { return avg_pool2d(x, kernel, stride, padding); }
  int64_t kernel, stride, padding;
};
class AdaptiveAvgPool2d : public Module {
 public:
  AdaptiveAvgPool2d(int64_t h, int64_t w) : Module("AdaptiveAvgPool2d"), h(h), w(w) {}
  Tensor forward(const Tensor& x) override { return adaptive_avg_pool2d(x, h, w); }
  int64_t h, w;
};

class Embedding : public Module {
 public:
  Embedding(int64_t num, int64_t dim);
  Tensor forward(const Tensor& indices) override { return embedding(weight, indices); }
  Tensor weight;
};

// Recurrent layers over [batch, time, features] (batch first), returning the
// top layer's outputs [batch, time, hidden]. Gates follow PyTorch's layout
// (LSTM: i, f, g, o; GRU: r, z, n) and initialisation U(-1/sqrt(h), 1/sqrt(h)).
class RecurrentBase : public Module {
 public:
  RecurrentBase(std::string type, int64_t input, int64_t hidden, int64_t layers, int64_t gates);
  int64_t input_size, hidden_size, num_layers;

 protected:
  struct LayerParams {
    Tensor w_ih, w_hh, b_ih, b_hh;  // [gates*h, in], [gates*h, h], [gates*h], [gates*h]
  };
  std::vector<LayerParams> layers_;
  void check_input(const Tensor& x) const;
};

class LSTM : public RecurrentBase {
 public:
  LSTM(int64_t input, int64_t hidden, int64_t layers = 1, double dropout = 0)
      : RecurrentBase("LSTM", input, hidden, layers, 4), dropout_p(dropout) {}
  Tensor forward(const Tensor& x) override;
  double dropout_p;
};

class GRU : public RecurrentBase {
 public:
  GRU(int64_t input, int64_t hidden, int64_t layers = 1) : RecurrentBase("GRU", input, hidden, layers, 3) {}
  Tensor forward(const Tensor& x) override;
};

// Self-attention over [batch, seq, embed] (query = key = value = x).
class MultiheadAttention : public Module {
 public:
  MultiheadAttention(int64_t embed, int64_t heads, bool causal = false);
  Tensor forward(const Tensor& x) override;
  int64_t embed_dim, num_heads;
  bool causal;
  std::shared_ptr<Linear> in_proj, out_proj;
};

}  // namespace tern::nn

#include "tern/ops/op_db.h"

#include "tern/ops/dispatch.h"

namespace tern::op_db {

Generator& generator() {
  static Generator g(99);
  return g;
}

namespace {

Generator& gen() { return generator(); }
Tensor rn(const Shape& s, DType dt) { return randn(s, gen(), dt); }
Tensor pos(const Shape& s, DType dt) { return add_scalar(rand(s, gen(), dt), 0.5); }
Tensor idx(std::vector<int64_t> v, const Shape& s) { return Tensor::from_vector<int64_t>(v, s); }

}  // namespace

std::vector<OpCase> cases() {
  const auto unary = [](OpKind k, auto fn, bool positive = false) {
    return OpCase{k, [positive](DType dt) { return Inputs{positive ? pos({3, 5}, dt) : rn({3, 5}, dt)}; },
                  [fn](const Inputs& in) { return fn(in[0]); }};
  };
  const auto binary = [](OpKind k, auto fn, bool positive_b = false) {
    return OpCase{k, [positive_b](DType dt) { return Inputs{rn({4, 3}, dt), positive_b ? pos({3}, dt) : rn({1, 3}, dt)}; },
                  [fn](const Inputs& in) { return fn(in[0], in[1]); }};
  };
  const auto compare = [](OpKind k, auto fn) {
    return OpCase{k, [](DType dt) { return Inputs{rn({4, 3}, dt), rn({3}, dt)}; },
                  [fn](const Inputs& in) { return fn(in[0], in[1]); }, false};
  };
  std::vector<OpCase> db = {
      {OpKind::full, [](DType) { return Inputs{}; }, [](const Inputs&) { return full({2, 3}, 1.5); }, false},
      {OpKind::arange, [](DType) { return Inputs{}; }, [](const Inputs&) { return arange(0, 10, 3, DType::f32); }, false},
      {OpKind::rand, [](DType) { return Inputs{}; }, [](const Inputs&) { Generator g(5); return rand({4, 4}, g); }, false},
      {OpKind::randn, [](DType) { return Inputs{}; }, [](const Inputs&) { Generator g(5); return randn({4, 4}, g); }, false},
      {OpKind::contiguous, [](DType dt) { return Inputs{rn({3, 4}, dt)}; },
       [](const Inputs& in) { return contiguous(transpose(in[0], 0, 1)); }},
      {OpKind::cast, [](DType dt) { return Inputs{rn({3, 4}, dt)}; },
       [](const Inputs& in) { return cast(cast(in[0], in[0].dtype() == DType::f32 ? DType::f64 : DType::f32), in[0].dtype()); },
       true, {}, 1e-2},  // the f32 round trip needs a step well above f32 rounding
      unary(OpKind::neg, [](const Tensor& t) { return neg(t); }),
      unary(OpKind::exp, [](const Tensor& t) { return exp(t); }),
      unary(OpKind::log, [](const Tensor& t) { return log(t); }, true),
      unary(OpKind::sqrt, [](const Tensor& t) { return sqrt(t); }, true),
      unary(OpKind::abs, [](const Tensor& t) { return abs(t); }),
      unary(OpKind::tanh, [](const Tensor& t) { return tanh(t); }),
      unary(OpKind::sigmoid, [](const Tensor& t) { return sigmoid(t); }),
      unary(OpKind::relu, [](const Tensor& t) { return relu(t); }),
      unary(OpKind::sin, [](const Tensor& t) { return sin(t); }),
      unary(OpKind::cos, [](const Tensor& t) { return cos(t); }),
      unary(OpKind::add_scalar, [](const Tensor& t) { return add_scalar(t, 2.5); }),
      unary(OpKind::mul_scalar, [](const Tensor& t) { return mul_scalar(t, -1.5); }),
      unary(OpKind::pow_scalar, [](const Tensor& t) { return pow_scalar(t, 1.7); }, true),
      {OpKind::relu_grad, [](DType dt) { return Inputs{rn({3, 4}, dt), rn({3, 4}, dt)}; },
       [](const Inputs& in) { return relu_grad(in[0], in[1]); }, false},
      binary(OpKind::add, [](const Tensor& a, const Tensor& b) { return add(a, b); }),
      binary(OpKind::sub, [](const Tensor& a, const Tensor& b) { return sub(a, b); }),
      binary(OpKind::mul, [](const Tensor& a, const Tensor& b) { return mul(a, b); }),
      binary(OpKind::div, [](const Tensor& a, const Tensor& b) { return div(a, b); }, true),
      binary(OpKind::maximum, [](const Tensor& a, const Tensor& b) { return maximum(a, b); }),
      binary(OpKind::minimum, [](const Tensor& a, const Tensor& b) { return minimum(a, b); }),
      compare(OpKind::eq, [](const Tensor& a, const Tensor& b) { return eq(a, b); }),
      compare(OpKind::ne, [](const Tensor& a, const Tensor& b) { return ne(a, b); }),
      compare(OpKind::lt, [](const Tensor& a, const Tensor& b) { return lt(a, b); }),
      compare(OpKind::le, [](const Tensor& a, const Tensor& b) { return le(a, b); }),
      compare(OpKind::gt, [](const Tensor& a, const Tensor& b) { return gt(a, b); }),
      compare(OpKind::ge, [](const Tensor& a, const Tensor& b) { return ge(a, b); }),
      {OpKind::where, [](DType dt) { return Inputs{rn({4, 3}, dt), rn({4, 3}, dt), rn({3}, dt)}; },
       [](const Inputs& in) { return where(gt(in[0], Tensor::scalar(0, in[0].dtype())), in[1], in[2]); }, true, {0}},
      {OpKind::sum, [](DType dt) { return Inputs{rn({2, 3, 4}, dt)}; }, [](const Inputs& in) { return sum(in[0], {0, 2}); }},
      {OpKind::mean, [](DType dt) { return Inputs{rn({2, 3, 4}, dt)}; }, [](const Inputs& in) { return mean(in[0], {1}, true); }},
      {OpKind::var, [](DType dt) { return Inputs{rn({3, 5}, dt)}; }, [](const Inputs& in) { return var(in[0], {1}); }},
      {OpKind::max, [](DType dt) { return Inputs{rn({3, 5}, dt)}; }, [](const Inputs& in) { return max(in[0], 1); }},
      {OpKind::argmax, [](DType dt) { return Inputs{rn({3, 5}, dt)}; }, [](const Inputs& in) { return argmax(in[0], 0); }, false},
      {OpKind::logsumexp, [](DType dt) { return Inputs{rn({3, 5}, dt)}; }, [](const Inputs& in) { return logsumexp(in[0], -1); }},
      {OpKind::reshape, [](DType dt) { return Inputs{rn({3, 4}, dt)}; },
       [](const Inputs& in) { return reshape(transpose(in[0], 0, 1), {2, -1}); }},
      {OpKind::permute, [](DType dt) { return Inputs{rn({2, 3, 4}, dt)}; }, [](const Inputs& in) { return permute(in[0], {2, 0, 1}); }},
      {OpKind::expand, [](DType dt) { return Inputs{rn({3, 1}, dt)}; }, [](const Inputs& in) { return expand(in[0], {2, 3, 4}); }},
      {OpKind::slice, [](DType dt) { return Inputs{rn({5, 6}, dt)}; },
       [](const Inputs& in) { return slice(slice(in[0], 1, 1, -1, 2), 0, -3, 100); }},
      {OpKind::pad, [](DType dt) { return Inputs{rn({2, 3, 3}, dt)}; }, [](const Inputs& in) { return pad(in[0], {1, 2, 0, 1}, 0.5); }},
      {OpKind::cat, [](DType dt) { return Inputs{rn({2, 3}, dt), rn({2, 2}, dt)}; }, [](const Inputs& in) { return cat({in[0], in[1]}, 1); }},
      {OpKind::gather, [](DType dt) { return Inputs{rn({3, 4}, dt)}; },
       [](const Inputs& in) { return gather(in[0], 1, idx({0, 3, 3, 1, 2, 2}, {3, 2})); }},
      {OpKind::index_select, [](DType dt) { return Inputs{rn({4, 3}, dt)}; },
       [](const Inputs& in) { return index_select(in[0], 0, idx({3, 0, 3}, {3})); }},
      {OpKind::scatter_add, [](DType dt) { return Inputs{rn({3, 4}, dt), rn({3, 2}, dt)}; },
       [](const Inputs& in) { return scatter_add(in[0], 1, idx({0, 3, 3, 3, 2, 1}, {3, 2}), in[1]); }},
      {OpKind::index_add, [](DType dt) { return Inputs{rn({4, 3}, dt), rn({3, 3}, dt)}; },
       [](const Inputs& in) { return index_add(in[0], 0, idx({1, 1, 3}, {3}), in[1]); }},
      {OpKind::matmul, [](DType dt) { return Inputs{rn({2, 3, 4}, dt), rn({4, 5}, dt)}; },
       [](const Inputs& in) { return matmul(in[0], in[1]); }},
      {OpKind::linear, [](DType dt) { return Inputs{rn({2, 3, 4}, dt), rn({5, 4}, dt), rn({5}, dt)}; },
       [](const Inputs& in) { return linear(in[0], in[1], in[2]); }},
      {OpKind::conv2d, [](DType dt) { return Inputs{rn({2, 4, 7, 6}, dt), rn({6, 2, 3, 3}, dt), rn({6}, dt)}; },
       [](const Inputs& in) { return conv2d(in[0], in[1], in[2], Conv2dOptions{2, 1, 1, 2, 1, 2, 2}); }},
      {OpKind::conv2d_grad_input, [](DType dt) { return Inputs{rn({2, 6, 4, 6}, dt), rn({6, 2, 3, 3}, dt)}; },
       [](const Inputs& in) {
         return dispatch1(OpKind::conv2d_grad_input, {in[0], in[1]},
                          Conv2dGradAttrs{{2, 1, 1, 1, 1, 1, 2}, {2, 4, 7, 6}}.to_attrs());
       }, false},
      {OpKind::conv2d_grad_weight, [](DType dt) { return Inputs{rn({2, 6, 4, 6}, dt), rn({2, 4, 7, 6}, dt)}; },
       [](const Inputs& in) {
         return dispatch1(OpKind::conv2d_grad_weight, {in[0], in[1]},
                          Conv2dGradAttrs{{2, 1, 1, 1, 1, 1, 2}, {6, 2, 3, 3}}.to_attrs());
       }, false},
      {OpKind::max_pool2d, [](DType dt) { return Inputs{rn({2, 3, 6, 5}, dt)}; }, [](const Inputs& in) { return max_pool2d(in[0], 3, 2, 1); }},
      {OpKind::max_pool2d, [](DType dt) { return Inputs{rn({2, 3, 7, 6}, dt)}; }, [](const Inputs& in) { return max_pool2d(in[0], 2); }},
      {OpKind::max_pool2d_grad, [](DType dt) { return Inputs{rn({1, 2, 2, 2}, dt)}; },
       [](const Inputs& in) {
         const Tensor positions = Tensor::from_vector<int32_t>({0, 3, 5, 15, 1, 2, 8, 9}, {1, 2, 2, 2});
         return dispatch1(OpKind::max_pool2d_grad, {in[0], positions},
                          Pool2dGradAttrs{{2, 2, 2, 2, 0, 0}, {1, 2, 4, 4}}.to_attrs());
       }, false},
      {OpKind::avg_pool2d, [](DType dt) { return Inputs{rn({2, 3, 6, 5}, dt)}; }, [](const Inputs& in) { return avg_pool2d(in[0], 2, 2, 1); }},
      {OpKind::avg_pool2d_grad, [](DType dt) { return Inputs{rn({1, 2, 2, 2}, dt)}; },
       [](const Inputs& in) {
         return dispatch1(OpKind::avg_pool2d_grad, {in[0]}, Pool2dGradAttrs{{2, 2, 2, 2, 0, 0}, {1, 2, 4, 4}}.to_attrs());
       }, false},
      {OpKind::batch_norm, [](DType dt) { return Inputs{rn({4, 3, 2, 2}, dt), pos({3}, dt), rn({3}, dt)}; },
       [](const Inputs& in) { return batch_norm(in[0], in[1], in[2], Tensor(), Tensor(), true); }},
      {OpKind::batch_norm_grad,
       [](DType dt) { return Inputs{rn({4, 3, 2}, dt), rn({4, 3, 2}, dt), pos({3}, dt), rn({3}, dt), pos({3}, dt)}; },
       [](const Inputs& in) {
         Tensor out[kMaxOutputs];
         dispatch(OpKind::batch_norm_grad, in.data(), 5, Attrs{{1}, {}}, out);
         return out[0];
       }, false},
      {OpKind::layer_norm, [](DType dt) { return Inputs{rn({3, 2, 4}, dt), pos({2, 4}, dt), rn({2, 4}, dt)}; },
       [](const Inputs& in) { return layer_norm(in[0], 2, in[1], in[2]); }},
      {OpKind::layer_norm_grad,
       [](DType dt) { return Inputs{rn({3, 4}, dt), rn({3, 4}, dt), pos({4}, dt), rn({3}, dt), pos({3}, dt)}; },
       [](const Inputs& in) {
         Tensor out[kMaxOutputs];
         dispatch(OpKind::layer_norm_grad, in.data(), 5, Attrs{{1}, {1e-5}}, out);
         return out[0];
       }, false},
      {OpKind::softmax, [](DType dt) { return Inputs{rn({3, 4, 2}, dt)}; }, [](const Inputs& in) { return softmax(in[0], 1); }},
      {OpKind::log_softmax, [](DType dt) { return Inputs{rn({3, 5}, dt)}; }, [](const Inputs& in) { return log_softmax(in[0], -1); }},
      {OpKind::nll_loss, [](DType dt) { return Inputs{rn({4, 5}, dt)}; },
       [](const Inputs& in) { return nll_loss(log_softmax(in[0], 1), idx({0, 4, 2, 2}, {4})); }},
      {OpKind::cross_entropy, [](DType dt) { return Inputs{rn({4, 5}, dt)}; },
       [](const Inputs& in) { return cross_entropy(in[0], idx({0, 4, 2, 2}, {4})); }},
      {OpKind::cross_entropy_grad, [](DType dt) { return Inputs{pos({}, dt), pos({3, 4}, dt)}; },
       [](const Inputs& in) { return dispatch1(OpKind::cross_entropy_grad, {in[0], in[1], idx({1, 0, 3}, {3})}); }, false},
      {OpKind::mse_loss, [](DType dt) { return Inputs{rn({3, 4}, dt), rn({3, 4}, dt)}; },
       [](const Inputs& in) { return mse_loss(in[0], in[1]); }},
      {OpKind::dropout, [](DType dt) { return Inputs{rn({6, 7}, dt)}; },
       [](const Inputs& in) { Generator g(3); return dropout(in[0], 0.3, true, g); }},
      {OpKind::embedding, [](DType dt) { return Inputs{rn({5, 3}, dt)}; },
       [](const Inputs& in) { return embedding(in[0], idx({4, 0, 4, 2}, {2, 2})); }},
  };
  return db;
}

}  // namespace tern::op_db

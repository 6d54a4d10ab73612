#include "tern/nn/models.h"

#include "tern/nn/init.h"
#include "tern/nn/layers.h"

namespace tern::nn {

namespace {

using std::make_shared;

ModulePtr make_softmax(const ModelOptions& o) {
  auto m = make_shared<Sequential>();
  m->add("flatten", make_shared<Flatten>());
  m->add("fc", make_shared<Linear>(o.flat_features(), o.num_classes));
  return m;
}

ModulePtr make_mlp(const ModelOptions& o) {
  auto m = make_shared<Sequential>();
  m->add("flatten", make_shared<Flatten>());
  m->add("fc1", make_shared<Linear>(o.flat_features(), 256));
  m->add("relu1", make_shared<ReLU>());
  m->add("fc2", make_shared<Linear>(256, 256));
  m->add("relu2", make_shared<ReLU>());
  m->add("fc3", make_shared<Linear>(256, o.num_classes));
  return m;
}

// LeNet-300-100 (LeCun et al. 1998), the MLP of the pruning literature.
ModulePtr make_lenet300(const ModelOptions& o) {
  auto m = make_shared<Sequential>();
  m->add("flatten", make_shared<Flatten>());
  m->add("fc1", make_shared<Linear>(o.flat_features(), 300));
  m->add("relu1", make_shared<ReLU>());
  m->add("fc2", make_shared<Linear>(300, 100));
  m->add("relu2", make_shared<ReLU>());
  m->add("fc3", make_shared<Linear>(100, o.num_classes));
  return m;
}

ModulePtr make_lenet5(const ModelOptions& o) {
  auto m = make_shared<Sequential>();
  m->add("conv1", make_shared<Conv2d>(o.in_channels, 6, 5, 1, 2));
  m->add("relu1", make_shared<ReLU>());
  m->add("pool1", make_shared<MaxPool2d>(2));
  m->add("conv2", make_shared<Conv2d>(6, 16, 5));
  m->add("relu2", make_shared<ReLU>());
  m->add("pool2", make_shared<MaxPool2d>(2));
  m->add("flatten", make_shared<Flatten>());
  const int64_t side = (o.image_size / 2 - 4) / 2;
  TERN_CHECK(side > 0, "lenet5: image size ", o.image_size, " is too small (needs at least 12)");
  m->add("fc1", make_shared<Linear>(16 * side * side, 120));
  m->add("relu3", make_shared<ReLU>());
  m->add("fc2", make_shared<Linear>(120, 84));
  m->add("relu4", make_shared<ReLU>());
  m->add("fc3", make_shared<Linear>(84, o.num_classes));
  return m;
}

// --- ResNets ---------------------------------------------------------------

std::shared_ptr<Conv2d> conv_he(int64_t in, int64_t out, int64_t k, int64_t stride, int64_t pad) {
  auto c = make_shared<Conv2d>(in, out, k, stride, pad, /*bias=*/false);
  c->set_init("weight", init::kaiming_normal_(c->weight));
  return c;
}

class BasicBlock : public Module {
 public:
  BasicBlock(int64_t in, int64_t out, int64_t stride) : Module("BasicBlock") {
    conv1 = register_module("conv1", conv_he(in, out, 3, stride, 1));
    bn1 = register_module("bn1", make_shared<BatchNorm2d>(out));
    conv2 = register_module("conv2", conv_he(out, out, 3, 1, 1));
    bn2 = register_module("bn2", make_shared<BatchNorm2d>(out));
    if (stride != 1 || in != out) {  // 1x1 projection shortcut
      auto sc = make_shared<Sequential>();
      sc->add("0", conv_he(in, out, 1, stride, 0));
      sc->add("1", make_shared<BatchNorm2d>(out));
      shortcut = register_module("shortcut", sc);
    }
  }
  Tensor forward(const Tensor& x) override {
    Tensor h = relu((*bn1)((*conv1)(x)));
    h = (*bn2)((*conv2)(h));
    return relu(add(h, shortcut ? (*shortcut)(x) : x));
  }

 private:
  std::shared_ptr<Conv2d> conv1, conv2;
  std::shared_ptr<BatchNorm2d> bn1, bn2;
  std::shared_ptr<Sequential> shortcut;
};

class Bottleneck : public Module {
 public:
  Bottleneck(int64_t in, int64_t mid, int64_t stride) : Module("Bottleneck") {
    const int64_t out = mid * 4;
    conv1 = register_module("conv1", conv_he(in, mid, 1, 1, 0));
    bn1 = register_module("bn1", make_shared<BatchNorm2d>(mid));
    conv2 = register_module("conv2", conv_he(mid, mid, 3, stride, 1));
    bn2 = register_module("bn2", make_shared<BatchNorm2d>(mid));
    conv3 = register_module("conv3", conv_he(mid, out, 1, 1, 0));
    bn3 = register_module("bn3", make_shared<BatchNorm2d>(out));
    if (stride != 1 || in != out) {
      auto sc = make_shared<Sequential>();
      sc->add("0", conv_he(in, out, 1, stride, 0));
      sc->add("1", make_shared<BatchNorm2d>(out));
      shortcut = register_module("shortcut", sc);
    }
  }
  Tensor forward(const Tensor& x) override {
    Tensor h = relu((*bn1)((*conv1)(x)));
    h = relu((*bn2)((*conv2)(h)));
    h = (*bn3)((*conv3)(h));
    return relu(add(h, shortcut ? (*shortcut)(x) : x));
  }

 private:
  std::shared_ptr<Conv2d> conv1, conv2, conv3;
  std::shared_ptr<BatchNorm2d> bn1, bn2, bn3;
  std::shared_ptr<Sequential> shortcut;
};

// CIFAR-style ResNet-(6n+2): 3 stages of n basic blocks, 16/32/64 channels.
ModulePtr make_cifar_resnet(const ModelOptions& o, int64_t depth) {
  const int64_t n = (depth - 2) / 6;
  auto m = make_shared<Sequential>();
  m->add("conv1", conv_he(o.in_channels, 16, 3, 1, 1));
  m->add("bn1", make_shared<BatchNorm2d>(16));
  m->add("relu", make_shared<ReLU>());
  int64_t in = 16;
  const int64_t widths[3] = {16, 32, 64};
  for (int s = 0; s < 3; ++s) {
    auto stage = make_shared<Sequential>();
    for (int64_t b = 0; b < n; ++b) {
      stage->add(make_shared<BasicBlock>(in, widths[s], (s > 0 && b == 0) ? 2 : 1));
      in = widths[s];
    }
    m->add("layer" + std::to_string(s + 1), stage);
  }
  m->add("pool", make_shared<AdaptiveAvgPool2d>(1, 1));
  m->add("flatten", make_shared<Flatten>());
  m->add("fc", make_shared<Linear>(64, o.num_classes));
  return m;
}

// ImageNet-style ResNet (18: basic blocks [2,2,2,2]; 50: bottlenecks [3,4,6,3]).
ModulePtr make_imagenet_resnet(const ModelOptions& o, bool bottleneck, const std::vector<int64_t>& blocks) {
  auto m = make_shared<Sequential>();
  m->add("conv1", conv_he(o.in_channels, 64, 7, 2, 3));
  m->add("bn1", make_shared<BatchNorm2d>(64));
  m->add("relu", make_shared<ReLU>());
  m->add("maxpool", make_shared<MaxPool2d>(3, 2, 1));
  int64_t in = 64;
  for (size_t s = 0; s < blocks.size(); ++s) {
    const int64_t width = 64 << s;
    auto stage = make_shared<Sequential>();
    for (int64_t b = 0; b < blocks[s]; ++b) {
      const int64_t stride = (s > 0 && b == 0) ? 2 : 1;
      if (bottleneck) {
        stage->add(make_shared<Bottleneck>(in, width, stride));
        in = width * 4;
      } else {
        stage->add(make_shared<BasicBlock>(in, width, stride));
        in = width;
      }
    }
    m->add("layer" + std::to_string(s + 1), stage);
  }
  m->add("pool", make_shared<AdaptiveAvgPool2d>(1, 1));
  m->add("flatten", make_shared<Flatten>());
  m->add("fc", make_shared<Linear>(in, o.num_classes));
  return m;
}

ModulePtr make_vgg19(const ModelOptions& o) {
  const int64_t cfg[] = {64, 64, 0, 128, 128, 0, 256, 256, 256, 256, 0, 512, 512, 512, 512, 0, 512, 512, 512, 512, 0};
  auto m = make_shared<Sequential>();
  int64_t in = o.in_channels, side = o.image_size;
  int conv = 0;
  for (int64_t c : cfg) {
    if (c == 0) {
      m->add("pool" + std::to_string(conv), make_shared<MaxPool2d>(2));
      side /= 2;
    } else {
      m->add("conv" + std::to_string(++conv), make_shared<Conv2d>(in, c, 3, 1, 1));
      m->add("relu" + std::to_string(conv), make_shared<ReLU>());
      in = c;
    }
  }
  TERN_CHECK(side > 0, "vgg19: image size ", o.image_size, " is too small (needs at least 32)");
  m->add("flatten", make_shared<Flatten>());
  m->add("fc1", make_shared<Linear>(512 * side * side, 4096));
  m->add("relu_fc1", make_shared<ReLU>());
  m->add("drop1", make_shared<Dropout>(0.5));
  m->add("fc2", make_shared<Linear>(4096, 4096));
  m->add("relu_fc2", make_shared<ReLU>());
  m->add("drop2", make_shared<Dropout>(0.5));
  m->add("fc3", make_shared<Linear>(4096, o.num_classes));
  return m;
}

// --- DenseNet-BC (small): depth 40, growth 12, compression 0.5 ------------------

class DenseLayer : public Module {
 public:
  DenseLayer(int64_t in, int64_t growth) : Module("DenseLayer") {
    bn1 = register_module("bn1", make_shared<BatchNorm2d>(in));
    conv1 = register_module("conv1", conv_he(in, 4 * growth, 1, 1, 0));
    bn2 = register_module("bn2", make_shared<BatchNorm2d>(4 * growth));
    conv2 = register_module("conv2", conv_he(4 * growth, growth, 3, 1, 1));
  }
  Tensor forward(const Tensor& x) override {
    const Tensor h = (*conv2)(relu((*bn2)((*conv1)(relu((*bn1)(x))))));
    return cat({x, h}, 1);
  }

 private:
  std::shared_ptr<BatchNorm2d> bn1, bn2;
  std::shared_ptr<Conv2d> conv1, conv2;
};

ModulePtr make_densenet(const ModelOptions& o) {
  const int64_t growth = 12, per_block = 6;
  auto m = make_shared<Sequential>();
  int64_t c = 2 * growth;
  m->add("conv1", conv_he(o.in_channels, c, 3, 1, 1));
  for (int b = 0; b < 3; ++b) {
    auto block = make_shared<Sequential>();
    for (int64_t l = 0; l < per_block; ++l) {
      block->add(make_shared<DenseLayer>(c, growth));
      c += growth;
    }
    m->add("block" + std::to_string(b + 1), block);
    if (b < 2) {  // transition: BN-ReLU-1x1 conv (compression 0.5) - avg pool
      auto t = make_shared<Sequential>();
      t->add("bn", make_shared<BatchNorm2d>(c));
      t->add("relu", make_shared<ReLU>());
      t->add("conv", conv_he(c, c / 2, 1, 1, 0));
      t->add("pool", make_shared<AvgPool2d>(2));
      c /= 2;
      m->add("trans" + std::to_string(b + 1), t);
    }
  }
  m->add("bn", make_shared<BatchNorm2d>(c));
  m->add("relu", make_shared<ReLU>());
  m->add("pool", make_shared<AdaptiveAvgPool2d>(1, 1));
  m->add("flatten", make_shared<Flatten>());
  m->add("fc", make_shared<Linear>(c, o.num_classes));
  return m;
}

// --- MobileNetV2 (small: width 0.5, stride-1 stem for small images) ----------------

class InvertedResidual : public Module {
 public:
  InvertedResidual(int64_t in, int64_t out, int64_t stride, int64_t expand) : Module("InvertedResidual") {
    const int64_t hidden = in * expand;
    residual_ = stride == 1 && in == out;
    auto body = make_shared<Sequential>();
    if (expand != 1) {
      body->add("expand", conv_he(in, hidden, 1, 1, 0));
      body->add("bn0", make_shared<BatchNorm2d>(hidden));
      body->add("relu0", make_shared<ReLU6>());
    }
    auto dw = make_shared<Conv2d>(hidden, hidden, 3, stride, 1, false, hidden);
    dw->set_init("weight", init::kaiming_normal_(dw->weight));
    body->add("depthwise", dw);
    body->add("bn1", make_shared<BatchNorm2d>(hidden));
    body->add("relu1", make_shared<ReLU6>());
    body->add("project", conv_he(hidden, out, 1, 1, 0));
    body->add("bn2", make_shared<BatchNorm2d>(out));
    body_ = register_module("body", body);
  }
  Tensor forward(const Tensor& x) override {
    const Tensor h = (*body_)(x);
    return residual_ ? add(x, h) : h;
  }

 private:
  bool residual_;
  std::shared_ptr<Sequential> body_;
};

ModulePtr make_mobilenetv2(const ModelOptions& o) {
  struct Cfg {
    int64_t t, c, n, s;
  };
  const Cfg cfg[] = {{1, 16, 1, 1}, {6, 24, 2, 1}, {6, 32, 3, 2}, {6, 64, 4, 2}, {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
  auto width = [](int64_t c) { return std::max<int64_t>(8, (c / 2 + 4) / 8 * 8); };  // x0.5, multiple of 8
  auto m = make_shared<Sequential>();
  int64_t in = width(32);
  m->add("stem", conv_he(o.in_channels, in, 3, 1, 1));
  m->add("stem_bn", make_shared<BatchNorm2d>(in));
  m->add("stem_relu", make_shared<ReLU6>());
  int idx = 0;
  for (const Cfg& c : cfg)
    for (int64_t i = 0; i < c.n; ++i) {
      const int64_t out = width(c.c);
      m->add("block" + std::to_string(idx++), make_shared<InvertedResidual>(in, out, i == 0 ? c.s : 1, c.t));
      in = out;
    }
  m->add("head", conv_he(in, 640, 1, 1, 0));
  m->add("head_bn", make_shared<BatchNorm2d>(640));
  m->add("head_relu", make_shared<ReLU6>());
  m->add("pool", make_shared<AdaptiveAvgPool2d>(1, 1));
  m->add("flatten", make_shared<Flatten>());
  m->add("fc", make_shared<Linear>(640, o.num_classes));
  return m;
}

// --- 2-layer LSTM language model ---------------------------------------------------

class LstmLm : public Module {
 public:
  LstmLm(int64_t vocab, int64_t dim) : Module("LstmLm") {
    embed = register_module("embed", make_shared<Embedding>(vocab, dim));
    lstm = register_module("lstm", make_shared<LSTM>(dim, dim, 2, 0.2));
    decoder = register_module("decoder", make_shared<Linear>(dim, vocab));
  }
  Tensor forward(const Tensor& tokens) override { return (*decoder)((*lstm)((*embed)(tokens))); }

 private:
  std::shared_ptr<Embedding> embed;
  std::shared_ptr<LSTM> lstm;
  std::shared_ptr<Linear> decoder;
};

std::vector<ModelSpec> build_zoo() {
  const ModelOptions mnist{1, 28, 10, 0};
  const ModelOptions imagenet{3, 224, 1000, 0};
  auto resnet = [](int64_t d) { return [d](const ModelOptions& o) { return make_cifar_resnet(o, d); }; };
  return {
      {"softmax", "softmax regression (flatten + one linear layer)", true, mnist, make_softmax, true},
      {"mlp", "MLP 784-256-256-10 with ReLU", true, mnist, make_mlp, true},
      {"lenet300", "LeNet-300-100: MLP 784-300-100-10 with ReLU", true, mnist, make_lenet300, true},
      {"lenet5", "LeNet-5: conv 6@5x5 pad 2, pool, conv 16@5x5, pool, FC 400-120-84-10", true, mnist, make_lenet5},
      {"resnet20", "CIFAR ResNet-20 (3x3 basic blocks, 16/32/64 ch, 1x1 projection shortcuts)", true, mnist, resnet(20)},
      {"resnet32", "CIFAR ResNet-32", true, mnist, resnet(32)},
      {"resnet56", "CIFAR ResNet-56", true, mnist, resnet(56)},
      {"resnet110", "CIFAR ResNet-110", true, mnist, resnet(110)},
      {"densenet", "DenseNet-BC-40, growth 12", true, mnist, make_densenet},
      {"mobilenetv2", "MobileNetV2 x0.5 for small images", true, mnist, make_mobilenetv2},
      {"lstm-lm", "2-layer LSTM language model (embed 200, hidden 200)", false, ModelOptions{1, 35, 0, 10000},
       [](const ModelOptions& o) -> ModulePtr { return make_shared<LstmLm>(o.vocab, 200); }},
      {"resnet18", "ImageNet ResNet-18", true, imagenet, [](const ModelOptions& o) { return make_imagenet_resnet(o, false, {2, 2, 2, 2}); }},
      {"resnet50", "ImageNet ResNet-50", true, imagenet, [](const ModelOptions& o) { return make_imagenet_resnet(o, true, {3, 4, 6, 3}); }},
      {"vgg19", "VGG-19 (ImageNet)", true, imagenet, make_vgg19},
  };
}

}  // namespace

const std::vector<ModelSpec>& model_zoo() {
  static const std::vector<ModelSpec> zoo = build_zoo();
  return zoo;
}

const ModelSpec& find_model(const std::string& name) {
  std::string names;
  for (const ModelSpec& s : model_zoo()) {
    if (s.name == name) return s;
    names += (names.empty() ? "" : ", ") + s.name;
  }
  TERN_FAIL("unknown model '", name, "' (models: ", names, ")");
}

ModulePtr make_model(const std::string& name, const ModelOptions& opt) { return find_model(name).make(opt); }

Shape sample_input_shape(const ModelSpec& spec, const ModelOptions& opt) {
  if (spec.image_model) return {opt.in_channels, opt.image_size, opt.image_size};
  return {opt.image_size};  // tokens per sequence
}

int64_t parameter_count(const ModelSpec& spec) { return spec.make(spec.defaults)->num_parameters(); }

}  // namespace tern::nn

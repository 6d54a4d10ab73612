#include "tern/train/infer.h"

#include "tern/autograd/grad_mode.h"
#include "tern/base/parallel.h"
#include "tern/base/timer.h"
#include "tern/data/npy.h"
#include "tern/nn/models.h"
#include "tern/ops/ops.h"

namespace tern::train {

InferResult infer(const InferOptions& o) {
  TERN_CHECK(o.batch_size > 0, "--batch-size: expected a positive number, given ", o.batch_size);
  TERN_CHECK(o.num_classes >= 0, "--num-classes: expected a positive number, given ", o.num_classes);
  if (o.threads != 0) set_num_threads(o.threads);
  const nn::ModelSpec& spec = nn::find_model(o.model);
  TERN_CHECK(spec.image_model, "tern run: ", o.model, " does not take images; expected an image model (tern models)");
  const Tensor x = data::read_npy(o.input);
  const Shape& s = x.shape();
  TERN_CHECK(x.dtype() == DType::f32 && s.size() == 4 && s[2] == s[3] && s[0] > 0,
             o.input, ": expected a float32 array of square images [N, C, H, H], found ", dtype_name(x.dtype()), " ",
             shape_str(s));
  nn::ModelOptions mo = spec.defaults;
  mo.in_channels = s[1];
  mo.image_size = s[2];
  if (o.num_classes > 0) mo.num_classes = o.num_classes;
  nn::ModulePtr model = nn::make_model(o.model, mo);
  InferResult r;
  r.input_shape = s;
  r.weights = io::load_weights(o.weights, *model, {.expect_model = o.model});
  model->eval();

  NoGradGuard no_grad;
  std::vector<Tensor> outputs;
  Timer timer;
  for (int64_t start = 0; start < s[0]; start += o.batch_size) {
    const Tensor logits = (*model)(contiguous(slice(x, 0, start, std::min(start + o.batch_size, s[0]))));
    outputs.push_back(o.probabilities ? softmax(logits, 1) : logits);
  }
  r.seconds = timer.seconds();
  const Tensor y = outputs.size() == 1 ? contiguous(outputs[0]) : cat(outputs, 0);
  r.output_shape = y.shape();
  data::write_npy(o.output, y);  // atomically
  return r;
}

}  // namespace tern::train

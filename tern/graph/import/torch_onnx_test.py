#!/usr/bin/python3
"""An ONNX model written by PyTorch runs in Tern: a small CNN (convolutions
with and without bias, batch norm with trained-looking statistics, ReLU and
ReLU6, max and average pooling with padding, a view computed from the batch
size, dropout, two linear layers), exported by torch.onnx.export with a
dynamic batch dim, must give PyTorch's outputs in `tern run model.onnx`
within 1e-4, at a batch size other than the traced one.

  torch_onnx_test.py TERN_BINARY
"""
import os
import subprocess
import sys
import tempfile

import numpy as np

try:
    import torch
    from torch import nn
except ImportError:  # python3-torch comes with TERN_BENCH_PEERS=1 scripts/bootstrap.sh
    print("python3-torch not installed: skipped")
    sys.exit(77)


class SmallCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.pool1 = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(8, 16, 3, stride=2, padding=1)
        self.pool2 = nn.AvgPool2d(3, stride=1, padding=1)  # count_include_pad=True: PyTorch's default
        self.conv3 = nn.Conv2d(16, 16, 1)
        self.drop = nn.Dropout(0.3)
        self.fc1 = nn.Linear(16 * 4 * 4, 32)
        self.fc2 = nn.Linear(32, 5)

    def forward(self, x):
        x = self.pool1(torch.relu(self.bn1(self.conv1(x))))
        x = self.pool2(torch.nn.functional.relu6(self.conv2(x)))
        x = torch.sigmoid(self.conv3(x)) * x
        x = x.view(x.size(0), -1)
        return torch.log_softmax(self.fc2(torch.tanh(self.fc1(self.drop(x)))), dim=1)


def main():
    tern = sys.argv[1]
    torch.manual_seed(0)
    model = SmallCnn()
    with torch.no_grad():
        model.bn1.running_mean.normal_(0, 0.3)
        model.bn1.running_var.uniform_(0.5, 2.0)
        model.bn1.weight.uniform_(0.5, 1.5)
    model.eval()
    with tempfile.TemporaryDirectory() as d:
        path, xin, out = (os.path.join(d, n) for n in ("cnn.onnx", "x.npy", "y.npy"))
        torch.onnx.export(model, torch.randn(2, 3, 16, 16), path, input_names=["images"], output_names=["logp"],
                          dynamic_axes={"images": {0: "batch"}, "logp": {0: "batch"}}, opset_version=13,
                          do_constant_folding=False)
        x = torch.randn(5, 3, 16, 16)
        with torch.no_grad():
            want = model(x).numpy()
        np.save(xin, x.numpy())
        subprocess.run([tern, "run", path, "--input", xin, "--output", out], check=True)
        got = np.load(out)
        import onnx
        ops = sorted({n.op_type for n in onnx.load(path).graph.node})
    assert got.shape == want.shape, (got.shape, want.shape)
    err = float(np.abs(got - want).max())
    print(f"torch.onnx.export small CNN ({', '.join(ops)}): max |tern - torch| = {err:.2e}, "
          f"argmax agree {int((got.argmax(1) == want.argmax(1)).sum())}/{len(want)}")
    assert err <= 1e-4, f"outputs differ by {err} > 1e-4"


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""PyTorch-trained weights in Tern: a ResNet-18 with torchvision's module
names (conv1, bn1, layerN.B.{conv1,bn1,conv2,bn2,downsample.0,downsample.1},
fc), randomly initialised with random batch-norm statistics, saved as a
safetensors state dict (num_batches_tracked included), must give the same
logits in `tern run` as in PyTorch, within 1e-4.

torchvision is not a Debian package here, so the network is written out in
plain torch with torchvision's layout (He et al., "Deep Residual Learning",
2016: BasicBlock, stride on the first block of stages 2-4, 1x1 projection).
The safetensors file is written by hand (8-byte header length, JSON header,
raw little-endian data), the format's whole specification.

  torch_resnet18_test.py TERN_BINARY
"""
import json
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


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        h = self.relu(self.bn1(self.conv1(x)))
        h = self.bn2(self.conv2(h))
        return self.relu(h + (x if self.downsample is None else self.downsample(x)))


class ResNet18(nn.Module):
    def __init__(self, num_classes=1000):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        cin = 64
        for stage, width in enumerate([64, 128, 256, 512]):
            blocks = [BasicBlock(cin, width, 2 if stage > 0 else 1), BasicBlock(width, width, 1)]
            setattr(self, f"layer{stage + 1}", nn.Sequential(*blocks))
            cin = width
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(512, num_classes)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


DTYPES = {torch.float32: "F32", torch.int64: "I64"}


def save_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        data = t.detach().contiguous().numpy().tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(len(text).to_bytes(8, "little") + text + b"".join(blobs))


def main():
    tern = sys.argv[1]
    torch.manual_seed(0)
    model = ResNet18()
    with torch.no_grad():  # statistics a fresh model does not have: a wrong mapping shows
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.normal_(0, 0.2)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_(0, 0.1)
                m.num_batches_tracked.fill_(123)
    model.eval()
    state = model.state_dict()
    assert any(".downsample." in k for k in state) and any(k.endswith("num_batches_tracked") for k in state)
    x = torch.randn(3, 3, 96, 96)
    with torch.no_grad():
        want = model(x).numpy()
    with tempfile.TemporaryDirectory() as d:
        weights, xin, out = (os.path.join(d, n) for n in ("resnet18.safetensors", "x.npy", "logits.npy"))
        save_safetensors(weights, state)
        np.save(xin, x.numpy())
        subprocess.run([tern, "run", "--model", "resnet18", "--weights", weights, "--input", xin, "--output", out],
                       check=True)
        got = np.load(out)
    assert got.shape == want.shape, (got.shape, want.shape)
    err = float(np.abs(got - want).max())
    scale = float(np.abs(want).max())
    print(f"resnet18, torchvision names: max |tern - torch| = {err:.2e} (logits up to {scale:.2f}), "
          f"argmax agree {int((got.argmax(1) == want.argmax(1)).sum())}/{len(want)}")
    assert err <= 1e-4, f"logits differ by {err} > 1e-4"
    assert (got.argmax(1) == want.argmax(1)).all()


if __name__ == "__main__":
    main()

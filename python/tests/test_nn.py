import gc

import numpy as np
import pytest

import tern
import tern.nn as nn


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 8)
        self.scale = nn.Parameter(tern.ones([8]))
        self.register_buffer("calls", tern.zeros([1]))
        self.fc2 = nn.Linear(8, 3)
        self.not_a_param = tern.ones([2])  # no requires_grad: a plain attribute

    def forward(self, x):
        return self.fc2(tern.relu(self.fc1(x)) * self.scale)


def test_python_module_registers_parameters_children_and_buffers():
    m = MLP()
    names = [n for n, _ in m.named_parameters()]
    assert names == ["scale", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]
    assert [n for n, _ in m.named_buffers()] == ["calls"]
    assert list(m.state_dict()) == names + ["calls"]
    assert m.num_parameters() == 8 + 4 * 8 + 8 + 8 * 3 + 3
    assert m.fc1.weight.shape == (8, 4)  # C++ module attributes
    assert m.type == "MLP"
    assert m(tern.zeros([2, 4])).shape == (2, 3)


def test_train_eval_reach_children():
    m = MLP()
    m.eval()
    assert not m.training and not m.fc1.training
    m.train()
    assert m.fc2.training


def test_python_module_inside_cpp_sequential_survives_gc():
    seq = nn.Sequential(MLP(), nn.ReLU())
    gc.collect()
    out = seq(tern.randn([5, 4]))
    assert out.shape == (5, 3) and (out.numpy() >= 0).all()
    assert [n for n, _ in seq.named_parameters()][0] == "0.scale"
    assert len(seq) == 2 and isinstance(seq[0], MLP)


def test_gradients_reach_python_and_cpp_parameters():
    m = MLP()
    loss = tern.cross_entropy(m(tern.randn([6, 4])), tern.tensor([0, 1, 2, 0, 1, 2]))
    loss.backward()
    for name, p in m.named_parameters():
        assert p.grad is not None and p.grad.shape == p.shape, name
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())


def test_missing_forward_and_duplicate_registration():
    class NoForward(nn.Module):
        pass
    with pytest.raises(NotImplementedError):
        NoForward()(tern.zeros([1]))
    m = MLP()
    with pytest.raises(ValueError, match="already registered"):
        m.fc1 = nn.Linear(1, 1)


@pytest.mark.parametrize("layer,shape,out", [
    (lambda: nn.Conv2d(3, 4, 3, padding=1), [2, 3, 8, 8], (2, 4, 8, 8)),
    (lambda: nn.BatchNorm2d(3), [2, 3, 4, 4], (2, 3, 4, 4)),
    (lambda: nn.LayerNorm(6), [2, 6], (2, 6)),
    (lambda: nn.MaxPool2d(2), [1, 1, 4, 4], (1, 1, 2, 2)),
    (lambda: nn.AvgPool2d(2), [1, 1, 4, 4], (1, 1, 2, 2)),
    (lambda: nn.AdaptiveAvgPool2d(1, 1), [1, 2, 4, 4], (1, 2, 1, 1)),
    (lambda: nn.Flatten(), [2, 3, 4], (2, 12)),
    (lambda: nn.Dropout(0.5), [4, 4], (4, 4)),
    (lambda: nn.LSTM(5, 7), [2, 3, 5], (2, 3, 7)),
    (lambda: nn.GRU(5, 7, 2), [2, 3, 5], (2, 3, 7)),
    (lambda: nn.MultiheadAttention(8, 2), [2, 3, 8], (2, 3, 8)),
])
def test_cpp_layers(layer, shape, out):
    assert layer()(tern.randn(shape)).shape == out


def test_embedding_and_batchnorm_buffers():
    e = nn.Embedding(10, 4)
    assert e(tern.tensor([[1, 2, 3]])).shape == (1, 3, 4)
    bn = nn.BatchNorm2d(3)
    assert [n for n, _ in bn.named_buffers()] == ["running_mean", "running_var"]
    bn(tern.randn([4, 3, 2, 2]) + 5)
    assert bn.running_mean.numpy().mean() > 0.3  # updated in place


def test_zoo():
    names = nn.model_names()
    assert "lenet5" in names and "resnet18" in names
    m = nn.make_model("lenet5")
    assert m.num_parameters() == 61706
    assert m(tern.zeros([2, 1, 28, 28])).shape == (2, 10)
    assert m.conv1.weight.shape == (6, 1, 5, 5)


def test_state_dict_round_trip_through_safetensors(tmp_path):
    a, b = MLP(), MLP()
    with tern.no_grad():
        a.fc1.weight[...] = 0.25
    path = tmp_path / "mlp.safetensors"
    a.save(path)
    sd = tern.load(path)
    assert sorted(sd) == sorted(a.state_dict())  # the file orders tensors by dtype, then name
    b.load_state_dict(sd)
    np.testing.assert_array_equal(b.fc1.weight.numpy(), np.full((8, 4), 0.25, np.float32))
    x = tern.randn([3, 4])
    np.testing.assert_array_equal(a(x).numpy(), b(x).numpy())
    c = MLP()
    report = c.load(path)
    assert report["loaded"] == 6
    np.testing.assert_array_equal(c(x).numpy(), a(x).numpy())


def test_load_state_dict_errors(tmp_path):
    m = MLP()
    sd = m.state_dict()
    sd["fc1.weight"] = tern.zeros([2, 2])
    with pytest.raises(ValueError, match="fc1.weight"):
        m.load_state_dict(sd)
    del sd["fc1.weight"]
    with pytest.raises(ValueError, match="fc1.weight"):
        m.load_state_dict(sd)
    m.load_state_dict({"fc2.bias": np.ones(3, np.float32)}, strict=False)
    np.testing.assert_array_equal(m.fc2.bias.numpy(), np.ones(3))
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"\x05\x00")
    with pytest.raises(OSError, match="bad.safetensors"):
        tern.load(bad)


def test_module_list_and_functional():
    class Stack(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(3, 3) for _ in range(3)])

        def forward(self, x):
            for layer in self.layers:
                x = nn.F.relu(layer(x))
            return x
    s = Stack()
    assert len([n for n, _ in s.named_parameters()]) == 6
    assert s(tern.zeros([1, 3])).shape == (1, 3)


def test_init_and_describe():
    w = tern.zeros([64, 32])
    nn.init.constant_(w, 0.5)
    assert (w.numpy() == 0.5).all()
    nn.init.uniform_(w, -0.1, 0.1)
    assert abs(w.numpy()).max() <= 0.1 and w.numpy().std() > 0.01
    nn.init.kaiming_normal_(w)
    assert nn.init.fan_in(w) == 32
    d = nn.describe(MLP(), [2, 4])
    assert [layer["type"] for layer in d["layers"]] == ["Linear", "Linear"]
    assert d["layers"][1]["output_shape"] == (2, 3)
    assert d["parameters"] == MLP().num_parameters()
    assert d["flops"] >= 2 * 2 * (4 * 8 + 8 * 3)

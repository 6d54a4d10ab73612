# Bad input raises the Python exception of the matching kind with the C++
# message; nothing crashes the interpreter.
import numpy as np
import pytest

import tern


def test_exception_kinds():
    with pytest.raises(ValueError, match="cannot be broadcast"):
        tern.add(tern.zeros([2, 3]), tern.zeros([4]))
    with pytest.raises(IndexError):
        tern.squeeze(tern.zeros([2]), 3)
    with pytest.raises(TypeError):
        tern.cross_entropy(tern.zeros([2, 3]), tern.zeros([2]))  # target must be i64
    with pytest.raises(OSError, match="nope.safetensors"):
        tern.load("/nonexistent/nope.safetensors")
    with pytest.raises(ValueError, match="unknown|valid"):
        tern.nn.make_model("no-such-model")
    with pytest.raises(TypeError):  # pybind11's argument check
        tern.exp("not a tensor")


def test_bad_shapes_to_layers_raise_not_crash():
    lin = tern.nn.Linear(4, 2)
    with pytest.raises(ValueError):
        lin(tern.zeros([3, 5]))
    conv = tern.nn.Conv2d(3, 4, 3)
    with pytest.raises(ValueError):
        conv(tern.zeros([1, 2, 8, 8]))
    with pytest.raises(ValueError):
        tern.matmul(tern.zeros([2, 3]), tern.zeros([4, 5]))
    with pytest.raises(ValueError):
        tern.reshape(tern.zeros([6]), [4, -1])
    with pytest.raises(ValueError):
        tern.Tensor(np.zeros(2)).item()



# Bad calls found by trying many: each raises a Python exception (the kinds
# a user can catch), none crashes the interpreter. (Huge allocations raise
# MemoryError: not run here, they would page.)
BAD_CALLS = [
    'tern.zeros([-1])',
    'tern.ones([2,-3])',
    'tern.reshape(z([6]),[4,-1])',
    'tern.reshape(z([6]),[-1,-1])',
    'tern.slice(z([5]),0,0,5,0)',
    'tern.slice(z([5]),3,0,5,1)',
    'tern.slice(z([5]),0,0,5,-1)',
    'tern.conv2d(z([1,1,2,2]), z([1,1,3,3]))',
    'tern.conv2d(z([1,1,4,4]), z([1,1,3,3]), stride=0)',
    'tern.conv2d(z([1,2,4,4]), z([2,1,3,3]), groups=0)',
    'tern.cat([],0)',
    'tern.stack([],0)',
    'tern.split(z([4]),0,0)',
    'tern.split(z([4]),-1,0)',
    'tern.index_select(z([3]),0,tern.tensor([5]))',
    'tern.index_select(z([3]),0,tern.tensor([-1]))',
    'tern.gather(z([3]),0,tern.tensor([7]))',
    'tern.embedding(z([4,2]), tern.tensor([9]))',
    'tern.embedding(z([4,2]), tern.tensor([-2]))',
    'tern.cross_entropy(z([2,3]), tern.tensor([5,0]))',
    'tern.cross_entropy(z([2,3]), tern.tensor([-1,0]))',
    'tern.nll_loss(z([2,3]), tern.tensor([3,0]))',
    'tern.arange(0,10,0)',
    'tern.rand([-2])',
    'tern.nn.Linear(-1,2)',
    'tern.nn.Conv2d(0,1,3)',
    'tern.nn.Conv2d(1,1,0)',
    'tern.data.DataLoader(tern.data.TensorDataset(np.zeros((4,2),np.float32),np.zeros(4,np.int64)),batch_size=0)',
    'tern.data.DataLoader(tern.data.TensorDataset(np.zeros((4,2),np.float32),np.zeros(4,np.int64)),workers=100)',
    'tern.max_pool2d(z([1,1,4,4]),0)',
    'tern.avg_pool2d(z([1,1,4,4]),2,0)',
    'tern.pad(z([3]),[-5,0])',
    'tern.pad(z([3]),[1])',
    'tern.expand(z([3]),[2,4])',
    'tern.permute(z([2,3]),[0,0])',
    'tern.permute(z([2,3]),[0,5])',
    'tern.transpose(z([2]),0,3)',
    'tern.adaptive_avg_pool2d(z([1,1,4,4]),0,0)',
    'tern.batch_norm(z([2,3]), tern.ones([4]))',
    'tern.layer_norm(z([2,3]), 5)',
    'tern.softmax(z([2]), 3)',
    'tern.max(z([0]),0)',
    'tern.argmax(z([2,0]),1)',
    'tern.matmul(z([3]),z([3]))',
    'tern.linear(z([2,3]),z([4,5]))',
    'tern.where(tern.ones([2]),z([2]),z([2]))',
    'tern.scatter_add(z([3]),0,tern.tensor([9]),z([1]))',
    'tern.index_add(z([3]),0,tern.tensor([9]),z([1]))',
    'tern.cast(z([2]), 99)',
    'tern.nn.LSTM(3,4)(z([2,3]))',
    'tern.nn.MultiheadAttention(8,3)',
    'tern.nn.Embedding(3,2)(z([2]))',
    "tern.nn.make_model('lenet5', image_size=4)",
    "tern.load('/etc/passwd')",
    "tern.save({'a': z([2])}, '/nonexistent/dir/x.safetensors')",
    "tern.data.fashion_mnist(dir='/tmp')",
    'tern.data.synthetic_images(-5,[1,2,2],3,0)',
    'tern.data.synthetic_images(5,[1,2,2],0,0)',
    'tern.dropout(z([3]), 1.5)',
    'tern.conv2d(z([1,1,4]), z([1,1,3,3]))',
    'tern.sum(z([2]),[5])',
    'tern.squeeze(z([2]),0)',
    'tern.unsqueeze(z([2]),5)',
    'tern.Tensor([[1,2],[3]])',
    'tern.tensor(object())',
    'tern.randn([2], generator=5)',
    'tern.nn.Sequential(5)',
    'tern.nn.Linear(2,2)(5)',
    'tern.cast(z([2]), tern.bfloat16).tolist()',
    'tern.from_numpy(np.zeros(3,dtype=object))',
    'tern.optim.LinearWarmup(None, 5)',
    'tern.optim.StepDecay(0.1, 0)',
]


@pytest.mark.parametrize("call", BAD_CALLS)
def test_bad_calls_raise(call):
    z = tern.zeros  # noqa: F841  (used by the calls)
    with pytest.raises((ValueError, TypeError, IndexError, OSError, NotImplementedError)):
        eval(call)

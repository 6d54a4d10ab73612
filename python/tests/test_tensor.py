import numpy as np
import pytest

import tern


def test_from_numpy_shares_memory_both_ways():
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    t = tern.from_numpy(a)
    assert t.data_ptr == a.ctypes.data
    assert t.shape == (3, 4) and t.dtype == tern.float32
    a[1, 2] = 100
    assert t[1, 2].item() == 100
    back = t.numpy()
    assert back.ctypes.data == a.ctypes.data
    back[0, 0] = -5
    assert a[0, 0] == -5


def test_numpy_array_outlives_tensor_and_tensor_outlives_array():
    t = tern.from_numpy(np.ones((4, 5), dtype=np.float64))
    n = t.numpy()
    del t
    assert n.sum() == 20
    a = np.full((3,), 7, dtype=np.int64)
    t = tern.from_numpy(a)
    del a
    assert t.tolist() == [7, 7, 7]


def test_non_contiguous_arrays_are_shared_as_strided_views():
    a = np.arange(24, dtype=np.float32).reshape(4, 6)
    v = a[::2, 1::2]  # strides of whole elements: shared
    t = tern.from_numpy(v)
    assert t.data_ptr == v.ctypes.data
    assert not t.is_contiguous()
    np.testing.assert_array_equal(t.numpy(), v)
    np.testing.assert_array_equal((t * 2).numpy(), v * 2)
    tt = tern.from_numpy(a.T)
    np.testing.assert_array_equal(tern.contiguous(tt).numpy(), a.T)
    np.testing.assert_array_equal(np.asarray(tt), a.T)


def test_negative_strides_and_read_only_arrays_are_copied_correctly():
    a = np.arange(10, dtype=np.float32)
    r = a[::-1]
    t = tern.from_numpy(r)
    np.testing.assert_array_equal(t.numpy(), r)
    assert t.data_ptr != r.ctypes.data
    ro = np.arange(4, dtype=np.int32)
    ro.flags.writeable = False
    t = tern.from_numpy(ro)
    np.testing.assert_array_equal(t.numpy(), ro)
    assert t.data_ptr != ro.ctypes.data


def test_unaligned_byte_strides_are_copied():
    rec = np.zeros(5, dtype=[("a", np.uint8), ("b", np.float32)])
    rec["b"] = np.arange(5)
    t = tern.from_numpy(rec["b"])  # stride 5 bytes: not whole float32s
    np.testing.assert_array_equal(t.numpy(), np.arange(5, dtype=np.float32))


@pytest.mark.parametrize("np_dtype,dtype", [
    (np.float32, tern.float32), (np.float64, tern.float64), (np.int32, tern.int32), (np.int64, tern.int64),
    (np.uint8, tern.uint8), (np.bool_, tern.bool_), (np.float16, tern.float16)])
def test_dtypes_round_trip(np_dtype, dtype):
    a = (np.arange(6) % 2 if np_dtype is np.bool_ else np.arange(6)).astype(np_dtype)
    t = tern.from_numpy(a)
    assert t.dtype == dtype
    assert t.numpy().dtype == np_dtype
    np.testing.assert_array_equal(t.numpy(), a)


def test_unsupported_dtypes_raise_type_error():
    with pytest.raises(TypeError, match="complex|no Tern dtype"):
        tern.from_numpy(np.zeros(3, dtype=np.complex64))
    with pytest.raises(TypeError, match="bf16"):
        tern.cast(tern.ones([2]), tern.bfloat16).numpy()


def test_buffer_protocol_and_array_interface():
    t = tern.arange(0, 6, 1, tern.float32).reshape(2, 3)
    m = memoryview(t)
    assert m.shape == (2, 3) and m.format == "f"
    a = np.asarray(t)
    assert a.ctypes.data == t.data_ptr
    assert np.array(t, dtype=np.float64).dtype == np.float64


def test_tensor_constructor_defaults_follow_pytorch():
    assert tern.tensor([1.5, 2]).dtype == tern.float32
    assert tern.tensor([1, 2]).dtype == tern.int64
    assert tern.tensor([True]).dtype == tern.bool_
    assert tern.tensor(np.zeros(2)).dtype == tern.float64
    assert tern.tensor(np.zeros(2, np.int16)).dtype == tern.int64
    assert tern.tensor(np.zeros(2, np.uint32)).dtype == tern.int64
    t = tern.tensor([1, 2], dtype=tern.float64, requires_grad=True)
    assert t.dtype == tern.float64 and t.requires_grad
    a = np.ones(3, dtype=np.float32)
    assert tern.tensor(a).data_ptr != a.ctypes.data  # tensor() copies
    assert tern.as_tensor(a).data_ptr == a.ctypes.data  # as_tensor shares


def test_indexing_and_slicing_match_numpy():
    a = np.arange(60, dtype=np.float32).reshape(3, 4, 5)
    t = tern.from_numpy(a)
    for idx in [1, -1, (1, 2), (slice(None), 1), (Ellipsis, 2), (slice(1, None, 2), slice(None, 3)),
                (None, 0), (0, None, slice(1, 4)), (Ellipsis,), (slice(5, 1),), ([2, 0],), (1, [3, 3, 0])]:
        np.testing.assert_array_equal(t[idx].numpy(), a[idx], err_msg=str(idx))
    assert t[1:, ::2].data_ptr == a[1:, ::2].ctypes.data  # slices are views
    idx = tern.tensor([[0, 2], [1, 1]])
    np.testing.assert_array_equal(t[idx].numpy(), a[np.array([[0, 2], [1, 1]])])


def test_index_errors():
    t = tern.zeros([2, 3])
    with pytest.raises(IndexError):
        t[2]
    with pytest.raises(IndexError):
        t[0, 0, 0]
    with pytest.raises(IndexError):
        t[..., ...]
    with pytest.raises(ValueError):
        t[::-1]
    with pytest.raises(TypeError):
        t["a"]
    with pytest.raises(IndexError):
        t[tern.tensor([True, False])]


def test_setitem_writes_through():
    a = np.zeros((3, 3), dtype=np.float32)
    t = tern.from_numpy(a)
    t[1] = 5
    t[:, 2] = tern.tensor([1.0, 2.0, 3.0])
    assert a[1, 0] == 5 and a[2, 2] == 3
    p = tern.zeros([2])
    p.requires_grad = True
    with pytest.raises(RuntimeError):
        p[0] = 1
    with tern.no_grad():
        p[0] = 1
    assert p[0].item() == 1


def test_properties_and_conversions():
    t = tern.ones([2, 3], tern.float64)
    assert (t.ndim, t.numel(), len(t), t.size(), t.size(1), t.strides) == (2, 6, 2, (2, 3), 3, (3, 1))
    assert t.device == "cpu" and t.nbytes == 48
    assert float(tern.tensor(2.5)) == 2.5 and int(tern.tensor(3)) == 3
    assert isinstance(tern.tensor(3).item(), int) and isinstance(tern.tensor(True).item(), bool)
    assert t.float().dtype == tern.float32 and t.long().dtype == tern.int64
    assert t.T.shape == (3, 2) and t.reshape(3, 2).shape == (3, 2) and t.view(-1).shape == (6,)
    assert "f64[2, 3]" in repr(t)
    with pytest.raises(ValueError):
        bool(t)
    with pytest.raises(ValueError):
        t.item()

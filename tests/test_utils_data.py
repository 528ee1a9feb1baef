"""utils.data: TensorDataset, Dataset, DataLoader (epochs, shapes, drop_last, shuffle)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import microgd as mg
from microgd import Tensor
from microgd.utils.data import DataLoader, Dataset, TensorDataset


def _data(n=10):
    X = Tensor(np.arange(2.0 * n).reshape(n, 2))
    y = Tensor(np.arange(float(n)))
    return X, y


def test_tensor_dataset_indexes_every_tensor():
    X, y = _data()
    ds = TensorDataset(X, y)
    assert len(ds) == 10 and ds.tensors == (X, y)
    x3, y3 = ds[3]
    np.testing.assert_array_equal(x3.data, [6.0, 7.0])
    assert y3.item() == 3.0


def test_loader_batches_are_tensors_of_the_right_shapes_again_every_epoch():
    loader = DataLoader(TensorDataset(*_data()), batch_size=4)
    assert len(loader) == 3
    for _ in range(3):                                          # iterable again every epoch
        batches = list(loader)
        assert [(xb.shape, yb.shape) for xb, yb in batches] == [((4, 2), (4,)), ((4, 2), (4,)),
                                                                 ((2, 2), (2,))]
        assert all(isinstance(xb, Tensor) and isinstance(yb, Tensor) for xb, yb in batches)
        assert np.concatenate([yb.data for _, yb in batches]).tolist() == list(range(10))
    dropped = DataLoader(TensorDataset(*_data()), batch_size=4, drop_last=True)
    assert len(dropped) == 2 and [yb.shape for _, yb in dropped] == [(4,), (4,)]
    assert len(DataLoader(TensorDataset(*_data(8)), batch_size=4, drop_last=True)) == 2
    assert len(DataLoader(TensorDataset(*_data()))) == 10       # batch_size=1 by default


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 30), batch_size=st.integers(1, 12), shuffle=st.booleans(),
       drop_last=st.booleans())
def test_an_epoch_visits_each_sample_once_in_len_batches(n, batch_size, shuffle, drop_last):
    loader = DataLoader(TensorDataset(*_data(n)), batch_size, shuffle=shuffle,
                        drop_last=drop_last)
    batches = [yb.data.tolist() for _, yb in loader]
    assert len(batches) == len(loader)
    assert all(len(b) == batch_size for b in batches[:-1] if b)
    seen = [i for b in batches for i in b]
    assert len(seen) == len(set(seen)) and set(seen) <= set(range(n))
    assert len(seen) == (n - n % batch_size if drop_last else n)
    assert shuffle or seen == sorted(seen)


def test_shuffle_draws_a_new_order_each_epoch_reproducible_with_manual_seed():
    loader = DataLoader(TensorDataset(*_data(20)), batch_size=5, shuffle=True)

    def epoch():
        batches = list(loader)
        for xb, yb in batches:
            np.testing.assert_array_equal(xb.data[:, 0], 2 * yb.data)   # rows stay paired
        return np.concatenate([yb.data for _, yb in batches]).tolist()

    mg.manual_seed(0)
    first, second = epoch(), epoch()
    assert sorted(first) == sorted(second) == list(range(20))
    assert first != second and first != list(range(20))
    mg.manual_seed(0)
    assert [epoch(), epoch()] == [first, second]


def test_a_dataset_subclass_is_collated_by_stacking():
    class Squares(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return np.array([i, i ** 2], dtype=np.float32), float(i)

    xb, yb = next(iter(DataLoader(Squares(), batch_size=3)))
    assert xb.shape == (3, 2) and xb.dtype == np.float32 and yb.shape == (3,)
    np.testing.assert_array_equal(xb.data[:, 1], [0.0, 1.0, 4.0])
    batch = next(iter(DataLoader([{"x": np.ones(2)}, {"x": np.zeros(2)}], batch_size=2)))
    assert batch["x"].shape == (2, 2)
    with pytest.raises(NotImplementedError, match="Dataset does not define __getitem__"):
        Dataset()[0]


def test_a_loader_trains_a_model():
    mg.manual_seed(0)
    X = Tensor(np.random.default_rng(0).uniform(-1, 1, size=(64, 1)))
    y = X * 3.0 + 1.0
    model = mg.nn.Linear(1, 1)
    opt = mg.optim.SGD(model.parameters(), lr=0.1)
    loader = DataLoader(TensorDataset(X, y), batch_size=16, shuffle=True)
    for _ in range(60):
        for xb, yb in loader:
            opt.zero_grad()
            mg.nn.functional.mse_loss(model(xb), yb).backward()
            opt.step()
    np.testing.assert_allclose([model.weight.item(), model.bias.item()], [3.0, 1.0], atol=1e-3)


@pytest.mark.parametrize("call,error,match", [
    (lambda: TensorDataset(Tensor(np.ones((3, 2))), Tensor(np.ones(4))), ValueError,
     r"TensorDataset: size mismatch between tensors: first dimensions \[3, 4\]"),
    (lambda: TensorDataset(np.ones(3)), TypeError,
     r"TensorDataset: argument 0 must be a Tensor, got ndarray \(make one with Tensor"),
    (lambda: TensorDataset(Tensor(1.0)), ValueError, "argument 0 is a 0-d Tensor"),
    (lambda: TensorDataset(), ValueError, "give at least one Tensor"),
    (lambda: DataLoader(5), TypeError, "DataLoader: dataset must have __getitem__ and __len__"),
    (lambda: DataLoader([1.0], batch_size=0), ValueError,
     "DataLoader: batch_size must be a positive int, got 0"),
    (lambda: DataLoader([1.0], shuffle=1), TypeError, "DataLoader: shuffle must be a bool"),
    (lambda: DataLoader([1.0], drop_last="no"), TypeError, "drop_last must be a bool"),
    (lambda: list(DataLoader([np.ones(2), np.ones(3)], batch_size=2)), ValueError,
     r"cannot stack samples of different shapes \[\(2,\), \(3,\)\] into one batch"),
])
def test_bad_input_is_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()

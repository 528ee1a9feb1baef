"""Data sets and mini-batch loading, as ``torch.utils.data``.

``DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True)`` gives batches of
Tensors, in a new order each epoch (from microgd's generator: ``mg.manual_seed``), and
can be iterated again every epoch.
"""

import numpy as np

from .._util import boolean, positive_int
from ..ops import data_of
from ..random import generator
from ..tensor import Tensor

__all__ = ["Dataset", "TensorDataset", "DataLoader"]


class Dataset:
    """Base class of data sets indexed by sample, as ``torch.utils.data.Dataset``.

    Subclasses define ``__getitem__(i)`` (sample i: a Tensor, an array, a number, or a
    tuple of them) and ``__len__()`` (the number of samples).
    """

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} does not define __getitem__")


class TensorDataset(Dataset):
    """Samples made of the rows of several Tensors: sample i is (t[i] for each tensor).

    Args:
        *tensors: Tensors with the same size along their first dimension.
    """

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset: give at least one Tensor")
        for i, t in enumerate(tensors):
            if not isinstance(t, Tensor):
                raise TypeError(f"TensorDataset: argument {i} must be a Tensor, got "
                                f"{type(t).__name__} (make one with Tensor(...))")
            if t.ndim == 0:
                raise ValueError(f"TensorDataset: argument {i} is a 0-d Tensor; each tensor "
                                 "needs a first dimension, one row per sample")
        sizes = [t.shape[0] for t in tensors]
        if len(set(sizes)) > 1:
            raise ValueError(f"TensorDataset: size mismatch between tensors: first dimensions "
                             f"{sizes}; each tensor needs one row per sample")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0]


class DataLoader:
    """Mini-batches of a data set, again at every iteration (one pass is one epoch).

    A batch stacks its samples along a new first axis: for samples that are tuples, a
    list with one Tensor per field (``for xb, yb in loader``), as PyTorch's.

    Args:
        dataset: a Dataset, or anything with ``__getitem__`` and ``__len__``.
        batch_size: the samples per batch, a positive int. Default 1.
        shuffle: visit the samples in a new random order each epoch, drawn from
            microgd's generator. Default False.
        drop_last: leave out the last batch when it is smaller than batch_size.
            Default False.
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False):
        if not (hasattr(dataset, "__getitem__") and hasattr(dataset, "__len__")):
            raise TypeError(f"DataLoader: dataset must have __getitem__ and __len__ (a "
                            f"Dataset, e.g. TensorDataset(X, y)), got {type(dataset).__name__}")
        self.dataset = dataset
        self.batch_size = positive_int(batch_size, "batch_size", "DataLoader")
        self.shuffle = boolean(shuffle, "shuffle", "DataLoader")
        self.drop_last = boolean(drop_last, "drop_last", "DataLoader")

    def __iter__(self):
        for index in batch_indices(len(self.dataset), self.batch_size, self.shuffle,
                                   self.drop_last):
            yield self._fetch(index)

    def __len__(self):
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def _fetch(self, index):
        if isinstance(self.dataset, TensorDataset):  # one indexing per tensor, not per sample
            return [t[index] for t in self.dataset.tensors]
        return _collate([self.dataset[int(i)] for i in index])


def batch_indices(n, batch_size, shuffle, drop_last=False, rng=None):
    """The sample indices of each batch of one epoch, as int arrays.

    Args:
        n: the number of samples.
        batch_size: the samples per batch; the last batch may be smaller.
        shuffle: a random order (True) or 0, 1, ..., n - 1 (False).
        drop_last: leave out a last batch smaller than batch_size. Default False.
        rng: the generator for the order. Default None: microgd's, at the time of the call.
    """
    if shuffle:
        order = (generator() if rng is None else rng).permutation(n)
    else:
        order = np.arange(n)
    stop = n - n % batch_size if drop_last else n
    for start in range(0, stop, batch_size):
        yield order[start:start + batch_size]


def _collate(samples):
    """Samples stacked into a batch: one Tensor, or a list (dict) of them for tuples (dicts)."""
    first = samples[0]
    if isinstance(first, (tuple, list)):
        if any(len(s) != len(first) for s in samples):
            raise ValueError(f"DataLoader: samples have different numbers of fields, "
                             f"{sorted({len(s) for s in samples})}")
        return [_collate(list(field)) for field in zip(*samples)]
    if isinstance(first, dict):
        return {key: _collate([s[key] for s in samples]) for key in first}
    arrays = [np.asarray(data_of(s)) for s in samples]
    shapes = {a.shape for a in arrays}
    if len(shapes) > 1:
        raise ValueError(f"DataLoader: cannot stack samples of different shapes "
                         f"{sorted(shapes)} into one batch")
    return Tensor(np.stack(arrays))

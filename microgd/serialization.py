"""``mg.save`` / ``mg.load``: state dicts as .npz files, written atomically, read without pickle.

A checkpoint is an ordinary .npz archive with one array per state-dict entry plus a
``__microgd__`` marker holding the format version, so numpy can read it and microgd can
tell it from a foreign file. Loading uses ``allow_pickle=False``: it never runs code.
"""

import os
import tempfile
import zipfile
from collections.abc import Mapping

import numpy as np
from numpy.lib.npyio import NpzFile

from .ops import data_of

__all__ = ["save", "load"]

_MARKER = "__microgd__"
_VERSION = 1


def save(state_dict, path):
    """Write ``state_dict`` ({name: array}) to ``path`` as an .npz checkpoint, atomically.

    The file is written to a temporary file in the same directory and renamed over
    ``path`` only when complete: a failure leaves any old file intact and no temporary
    file behind. The path is used as given (no ".npz" is appended).

    Args:
        state_dict: a mapping of string names to numeric arrays (or Tensors / Values),
            e.g. ``model.state_dict()``.
        path: the file to write, a str or os.PathLike.
    """
    arrays = _arrays(state_dict)
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.",
                               suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            _write_npz(f, {_MARKER: np.array(_VERSION), **arrays})
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def load(path):
    """Read a checkpoint written by ``save``: {name: numpy array}, in the saved order.

    Args:
        path: the file to read, a str or os.PathLike.

    Raises:
        FileNotFoundError: no file at ``path``.
        ValueError: the file is corrupt, truncated, or not a microgd checkpoint (the
            message names the path).
    """
    path = os.fspath(path)
    with open(path, "rb") as f:
        try:
            archive = np.load(f, allow_pickle=False)
            if not isinstance(archive, NpzFile):
                raise ValueError("a single .npy array, not an .npz archive")
            with archive:
                if _MARKER not in archive.files:
                    raise ValueError("no __microgd__ marker: not written by mg.save")
                version = archive[_MARKER]
                if version.shape != () or int(version) != _VERSION:
                    raise ValueError(f"unsupported checkpoint version {version!r}")
                return {k: archive[k] for k in archive.files if k != _MARKER}
        except Exception as e:  # any failure to parse the file means it is not a checkpoint
            raise ValueError(f"mg.load: {path!r} is not a valid microgd checkpoint (an .npz "
                             f"written by mg.save): {type(e).__name__}: {e}") from None


def _write_npz(f, arrays):
    """The .npz layout numpy reads: a zip with one .npy member per array (any key works,
    unlike np.savez's keyword arguments, where "file" would clash)."""
    with zipfile.ZipFile(f, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        for key, array in arrays.items():
            with zf.open(key + ".npy", mode="w", force_zip64=True) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)


def _arrays(state_dict):
    if not isinstance(state_dict, Mapping):
        raise TypeError(f"mg.save: state_dict must be a mapping of names to arrays, got "
                        f"{type(state_dict).__name__}")
    arrays = {}
    for key, value in state_dict.items():
        if not isinstance(key, str) or not key or key == _MARKER:
            raise ValueError(f"mg.save: keys must be non-empty strings other than "
                             f"{_MARKER!r}, got {key!r}")
        array = np.asarray(data_of(value))
        if array.dtype.kind not in "biuf":
            raise TypeError(f"mg.save: {key!r} must be a numeric array, got dtype "
                            f"{array.dtype} from {type(value).__name__}")
        arrays[key] = array
    return arrays

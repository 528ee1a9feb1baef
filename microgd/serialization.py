"""``mg.save`` / ``mg.load``: checkpoints as .npz files, written atomically, read without pickle.

A checkpoint is an ordinary .npz archive (a zip of .npy files) that numpy reads: one
array per array saved, named by its keys ("model/0.weight"), a ``__microgd__`` marker
holding the format version, and ``__microgd__.json``, the structure around the arrays
(nested dicts with str or int keys, lists, tuples, and the numbers, bools, None and
strings in them). Every key and value loads back exactly, with its type. Loading never
unpickles, so it never runs code from the file.
"""

import errno
import json
import os
import secrets
import stat
import zipfile
from collections.abc import Mapping

import numpy as np

from .ops import data_of
from .tensor import Tensor
from .value import Value

__all__ = ["save", "load"]

_MARKER = "__microgd__"
_STRUCTURE = "__microgd__.json"
_VERSION = 2  # version 1, a flat {name: array} archive without a structure, is still read
_NUMERIC = "biuf"  # bool, int, uint, float
_SCALARS = (bool, int, float, str, type(None))
_PYTORCH = ("it is a PyTorch pickle file (written by torch.save), and microgd never "
            "unpickles. To move the weights across, save them as numpy arrays in PyTorch: "
            "numpy.savez('weights.npz', **{k: v.cpu().numpy() for k, v in "
            "model.state_dict().items()}); then in microgd: "
            "model.load_state_dict(dict(numpy.load('weights.npz')))")


def save(obj, f):
    """Write ``obj`` to ``f`` as a microgd checkpoint, as ``torch.save`` does, without pickle.

    ``obj`` is a dict: a state dict, or a checkpoint such as ``{"model":
    model.state_dict(), "optimizer": opt.state_dict(), "epoch": 3}``. A path is used as
    given (no ".npz" appended) and written through symlinks to their target, with the
    mode a plain ``open()`` gives (the umask's for a new file, the old mode over an
    existing one), atomically: the content goes to a temporary file beside the target,
    renamed over it when complete, so a failure leaves any old file whole and no
    temporary file behind. Devices and pipes (``/dev/null``) are written in place.

    Args:
        obj: a mapping with str or int keys; its values arrays, Tensors, Values (saved
            as arrays), numpy scalars, int, float, bool, None, str, or dicts, lists and
            tuples of them.
        f: a path (str or os.PathLike), or a binary file object open for writing.

    Raises:
        TypeError: a key or value of another type (the message says where it is).
        ValueError: a dict or list that contains itself.
        OSError: ``f`` cannot be written (the message names ``f``).
    """
    if not isinstance(obj, Mapping):
        hint = "; save its state_dict()" if hasattr(obj, "state_dict") else ""
        raise TypeError(f"mg.save: expected a dict (a state dict, or a dict of them and "
                        f"other values), got {type(obj).__name__}{hint}")
    arrays = {}
    structure = json.dumps(_encode(obj, (), arrays, set()), separators=(",", ":"))

    def write(file):
        with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_STORED,
                             allowZip64=True) as archive:
            for name, array in {_MARKER: np.array(_VERSION), **arrays}.items():
                with archive.open(name + ".npy", mode="w", force_zip64=True) as member:
                    np.lib.format.write_array(member, array, allow_pickle=False)
            archive.writestr(_STRUCTURE, structure)

    if hasattr(f, "write"):
        write(f)
    else:
        _write_atomically(os.fspath(f), write)


def load(f, map_location=None, *, weights_only=None):
    """Read a checkpoint written by ``save``: the saved dict, with numpy arrays for arrays.

    Args:
        f: a path (str or os.PathLike), or a binary file object open for reading.
        map_location: None or "cpu" (microgd runs on the CPU); for PyTorch code.
        weights_only: accepted for PyTorch code; loading is always weights-only here.

    Raises:
        FileNotFoundError: no file at ``f``.
        ValueError: ``f`` is corrupt, truncated, a PyTorch pickle file, or not a microgd
            checkpoint (the message names the file and, for PyTorch files, how to move
            the weights across).
    """
    if map_location is not None and str(map_location) != "cpu":
        raise ValueError(f"mg.load: map_location={map_location!r}, but microgd runs on "
                         f"numpy, on the CPU: leave it out or pass 'cpu'")
    if hasattr(f, "read"):
        return _read(f, getattr(f, "name", "the file object"))
    path = os.fspath(f)
    with open(path, "rb") as file:
        return _read(file, path)


class _NotACheckpoint(Exception):
    """Why a readable file is not a microgd checkpoint."""


def _encode(obj, path, arrays, open_containers):
    """The JSON structure of ``obj`` at key ``path``; its arrays go into ``arrays``."""
    where = "mg.save: checkpoint" + "".join(f"[{k!r}]" for k in path)
    if isinstance(obj, (np.ndarray, np.generic, Tensor, Value)):
        array = np.asarray(data_of(obj))
        if array.dtype.kind not in _NUMERIC:
            raise TypeError(f"{where} must be a numeric array, got dtype {array.dtype}")
        name = _member_name(path, arrays)
        arrays[name] = array
        return {"scalar" if isinstance(obj, np.generic) else "array": name}
    if type(obj) in _SCALARS:
        return obj
    if not isinstance(obj, Mapping) and type(obj) not in (list, tuple):
        raise TypeError(f"{where} is a {type(obj).__name__}; a checkpoint holds arrays, "
                        f"Tensors, Values, numbers, bools, None and str, in dicts, lists "
                        f"and tuples")
    if id(obj) in open_containers:
        raise ValueError(f"{where} contains itself")
    open_containers.add(id(obj))
    if isinstance(obj, Mapping):
        for key in obj:
            if type(key) not in (str, int):
                raise TypeError(f"{where} has the key {key!r} of type {type(key).__name__}; "
                                f"keys must be str or int")
        encoded = {"dict": [[k, _encode(v, path + (k,), arrays, open_containers)]
                            for k, v in obj.items()]}
    else:
        encoded = {type(obj).__name__: [_encode(v, path + (i,), arrays, open_containers)
                                        for i, v in enumerate(obj)]}
    open_containers.remove(id(obj))
    return encoded


def _member_name(path, taken):
    """The archive name of the array at ``path``: its keys joined by "/" when numpy and zip
    tools show that name unchanged and unambiguous, else a numbered one (the structure
    holds the exact keys either way)."""
    name = "/".join(map(str, path))
    readable = (name and name.isprintable() and "\\" not in name and name not in taken
                and not name.startswith(("/", _MARKER)) and not name.endswith(".npy")
                and ".." not in name.split("/"))
    return name if readable else f"{_MARKER}/{len(taken)}"


def _write_atomically(path, write):
    """Call ``write(file)`` on a temporary file beside ``path``'s target, then rename it."""
    try:
        existing = os.stat(path)
    except FileNotFoundError:
        existing = None
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        with open(path, "wb") as file:  # a device or pipe: no rename, as open() would
            write(file)
        return
    if existing is not None and not os.access(path, os.W_OK):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), path)
    target = os.path.realpath(path)
    temporary = os.path.join(os.path.dirname(target),  # a short name: beside a long one
                             f".{os.path.basename(target)[:64]}.{secrets.token_hex(4)}.tmp")
    try:  # mode 0o666 less the umask, as open() gives a new file
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                     0o666)
    except OSError as e:
        raise _naming(e, path) from None
    try:
        with os.fdopen(fd, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        if existing is not None:
            os.chmod(temporary, stat.S_IMODE(existing.st_mode))
        os.replace(temporary, target)
    except BaseException as e:
        os.unlink(temporary)
        if isinstance(e, OSError):
            raise _naming(e, path) from None
        raise


def _naming(error, path):
    """``error``, an OSError about the temporary file, as the same error about ``path``."""
    if error.errno is None:
        return type(error)(f"{error}: {path!r}")
    return type(error)(error.errno, error.strerror, path)


def _read(file, name):
    try:
        start = file.tell()
        head = file.read(6)
        file.seek(start)
        if head[:1] == b"\x80":  # the pickle protocol byte that starts torch.save's legacy files
            raise _NotACheckpoint(_PYTORCH)
        if head == b"\x93NUMPY":
            raise _NotACheckpoint("it is a single .npy array (numpy.load reads it)")
        with zipfile.ZipFile(file) as archive:
            return _read_archive(archive)
    except Exception as e:  # any failure to parse the file means it is not a checkpoint
        reason = e if isinstance(e, _NotACheckpoint) else f"{type(e).__name__}: {e}"
        raise ValueError(f"mg.load: {name!r} is not a valid microgd checkpoint (an .npz "
                         f"written by mg.save): {reason}") from None


def _read_archive(archive):
    names = archive.namelist()
    if any(n == "data.pkl" or n.endswith("/data.pkl") for n in names):
        raise _NotACheckpoint(_PYTORCH)
    if _MARKER + ".npy" not in names:
        raise _NotACheckpoint("no __microgd__ marker, so not written by mg.save (a plain "
                              ".npz of arrays loads with dict(numpy.load(path)))")
    version = _array(archive, _MARKER)
    if version.shape != () or version.dtype.kind not in "iu" or version not in (1, _VERSION):
        raise _NotACheckpoint(f"unsupported format version {version.tolist()!r} (this "
                              f"microgd reads versions 1 and {_VERSION})")
    if version == 1:
        return {n[:-4]: _array(archive, n[:-4]) for n in names
                if n.endswith(".npy") and n != _MARKER + ".npy"}
    checkpoint = _decode(json.loads(archive.read(_STRUCTURE)), archive)
    if type(checkpoint) is not dict:
        raise _NotACheckpoint(f"{_STRUCTURE} does not describe a dict")
    return checkpoint


def _decode(node, archive):
    """The object that ``_encode`` turned into ``node``."""
    if type(node) in _SCALARS:
        return node
    if type(node) is dict and len(node) == 1:
        (kind, body), = node.items()
        if kind in ("array", "scalar") and type(body) is str:
            array = _array(archive, body)
            if kind == "array":
                return array
            if array.shape == ():
                return array[()]
        if kind in ("list", "tuple") and type(body) is list:
            items = [_decode(item, archive) for item in body]
            return items if kind == "list" else tuple(items)
        if kind == "dict" and type(body) is list and all(
                type(pair) is list and len(pair) == 2 and type(pair[0]) in (str, int)
                for pair in body):
            return {key: _decode(value, archive) for key, value in body}
    raise _NotACheckpoint(f"{_STRUCTURE} has an entry microgd does not write: {node!r:.80}")


def _array(archive, name):
    with archive.open(name + ".npy") as member:
        array = np.lib.format.read_array(member, allow_pickle=False)
    if array.dtype.kind not in _NUMERIC:
        raise _NotACheckpoint(f"{name!r} holds an array of dtype {array.dtype}, not numbers")
    return array

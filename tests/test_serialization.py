"""mg.save / mg.load: round trips, atomic writes, corrupt and foreign files, no pickle."""

import os
import pickle
import zipfile

import numpy as np
import pytest

import microgd as mg
from microgd import Tensor, Value, nn


def test_round_trip_keeps_keys_order_dtypes_and_values(tmp_path):
    sd = {"layers.0.weight": np.arange(6, dtype=np.float32).reshape(2, 3),
          "layers.0.bias": np.array([1.5, -2.0]), "file": np.array(3), "steps": np.arange(4),
          "a/b": np.ones(1)}
    path = tmp_path / "model.npz"
    mg.save(sd, path)
    loaded = mg.load(path)
    assert list(loaded) == list(sd)
    for key, array in sd.items():
        assert loaded[key].dtype == array.dtype
        np.testing.assert_array_equal(loaded[key], array)
    assert os.listdir(tmp_path) == ["model.npz"]


def test_a_model_checkpoint_loads_back_into_a_model(tmp_path):
    model = nn.MLP(2, [4, 1])
    path = str(tmp_path / "mlp.npz")
    mg.save(model.state_dict(), path)
    other = nn.MLP(2, [4, 1])
    other.load_state_dict(mg.load(path))
    x = np.ones((3, 2))
    np.testing.assert_array_equal(other(x).data, model(x).data)
    with np.load(path) as archive:  # an ordinary .npz that numpy reads
        assert "0.weight" in archive.files


def test_save_accepts_tensors_and_values(tmp_path):
    mg.save({"t": Tensor([1.0, 2.0]), "v": Value(3.0)}, tmp_path / "x.npz")
    loaded = mg.load(tmp_path / "x.npz")
    assert loaded["t"].tolist() == [1.0, 2.0] and loaded["v"] == 3.0


def test_a_failed_save_leaves_the_old_file_and_no_temporary_file(tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    mg.save({"w": np.zeros(3)}, path)

    def fail_half_way(f, array, allow_pickle=True):
        f.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(np.lib.format, "write_array", fail_half_way)
    with pytest.raises(OSError, match="disk full"):
        mg.save({"w": np.ones(3)}, path)
    monkeypatch.undo()
    np.testing.assert_array_equal(mg.load(path)["w"], np.zeros(3))
    assert os.listdir(tmp_path) == ["model.npz"]


def test_a_failed_rename_leaves_no_temporary_file(tmp_path, monkeypatch):
    def fail(src, dst):
        raise PermissionError("read-only")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(PermissionError):
        mg.save({"w": np.ones(2)}, tmp_path / "m.npz")
    assert os.listdir(tmp_path) == []


def _assert_rejected(path):
    with pytest.raises(ValueError, match=f"mg.load: {str(path)!r} is not a valid microgd "
                                         "checkpoint"):
        mg.load(path)


def test_a_text_file_is_rejected_with_its_path(tmp_path):
    path = tmp_path / "notes.npz"
    path.write_text("hello, not a checkpoint\n")
    _assert_rejected(path)


def test_a_truncated_file_is_rejected(tmp_path):
    path = tmp_path / "m.npz"
    mg.save({"w": np.arange(1000.0)}, path)
    blob = path.read_bytes()
    for cut in (len(blob) // 2, 30, len(blob) - 10):
        path.write_bytes(blob[:cut])
        _assert_rejected(path)


def test_a_corrupted_member_is_rejected(tmp_path):
    path = tmp_path / "m.npz"
    mg.save({"w": np.arange(1000.0)}, path)
    blob = bytearray(path.read_bytes())
    start = blob.find(b"\x93NUMPY", blob.find(b"w.npy"))
    blob[start:start + 6] = b"garbag"
    path.write_bytes(bytes(blob))
    _assert_rejected(path)


def test_a_foreign_npz_or_npy_is_rejected(tmp_path):
    np.savez(tmp_path / "plain.npz", w=np.ones(2))
    _assert_rejected(tmp_path / "plain.npz")
    np.save(tmp_path / "single.npy", np.ones(2))
    _assert_rejected(tmp_path / "single.npy")


class _Exploit:
    def __reduce__(self):
        return (os.mkdir, (os.environ["MICROGD_PICKLE_PROBE"],))


def test_loading_never_unpickles(tmp_path, monkeypatch):
    probe = tmp_path / "pickle_ran"
    monkeypatch.setenv("MICROGD_PICKLE_PROBE", str(probe))
    path = tmp_path / "evil.npz"
    with zipfile.ZipFile(path, "w") as zf:
        with zf.open("__microgd__.npy", "w") as f:
            np.lib.format.write_array(f, np.array(1))
        with zf.open("w.npy", "w") as f:
            np.lib.format.write_array(f, np.array([_Exploit()], dtype=object), allow_pickle=True)
    path2 = tmp_path / "evil.pkl"
    path2.write_bytes(pickle.dumps(_Exploit()))
    _assert_rejected(path)
    _assert_rejected(path2)
    assert not probe.exists()


def test_load_of_a_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        mg.load(tmp_path / "nope.npz")


@pytest.mark.parametrize("state_dict,error,match", [
    ([("w", np.ones(2))], TypeError, "state_dict must be a mapping of names to arrays, got list"),
    ({1: np.ones(2)}, ValueError, "keys must be non-empty strings .* got 1"),
    ({"": np.ones(2)}, ValueError, "got ''"),
    ({"__microgd__": np.ones(2)}, ValueError, "other than '__microgd__'"),
    ({"w": np.array([object()])}, TypeError, "'w' must be a numeric array, got dtype object"),
    ({"w": "text"}, TypeError, "'w' must be a numeric array, got dtype <U4 from str"),
])
def test_save_rejects_bad_state_dicts(tmp_path, state_dict, error, match):
    with pytest.raises(error, match=match):
        mg.save(state_dict, tmp_path / "x.npz")
    assert os.listdir(tmp_path) == []

"""mg.save / mg.load: round trips, atomic writes, corrupt and foreign files, no pickle."""

import errno
import io
import os
import pickle
import re
import stat
import threading
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



# --- what a checkpoint holds: every key and value back exactly, with its type ------------

def _assert_identical(loaded, saved):
    """Equal values of equal types, all the way down (arrays: dtype, shape and values)."""
    assert type(loaded) is type(saved), (loaded, saved)
    if isinstance(saved, np.ndarray) or isinstance(saved, np.generic):
        assert loaded.dtype == saved.dtype and loaded.shape == saved.shape
        np.testing.assert_array_equal(loaded, saved)
    elif isinstance(saved, dict):
        assert list(loaded) == list(saved)
        for (k1, v1), (k2, v2) in zip(loaded.items(), saved.items()):
            assert type(k1) is type(k2)
            _assert_identical(v1, v2)
    elif isinstance(saved, (list, tuple)):
        assert len(loaded) == len(saved)
        for a, b in zip(loaded, saved):
            _assert_identical(a, b)
    elif isinstance(saved, float) and np.isnan(saved):
        assert np.isnan(loaded)
    else:
        assert loaded == saved and repr(loaded) == repr(saved)  # repr tells -0.0 from 0.0


def test_keys_numpy_would_confuse_round_trip_exactly(tmp_path):
    keys = ["a.npy", "a", "a\x00b", "", "__microgd__", "__microgd__.json", "x/y", "..",
            "../up", "line\nbreak", "back\\slash", "\ud800", "é", 7, -1]
    sd = {key: np.full(2, float(i)) for i, key in enumerate(keys)}
    mg.save(sd, tmp_path / "m.npz")
    _assert_identical(mg.load(tmp_path / "m.npz"), sd)
    with np.load(tmp_path / "m.npz") as archive:  # plain names stay readable in numpy
        np.testing.assert_array_equal(archive["a"], sd["a"])
        np.testing.assert_array_equal(archive["x/y"], sd["x/y"])
        np.testing.assert_array_equal(archive["7"], sd[7])
        assert "a\x00b" not in archive.files and "a.npy" not in archive.files


def test_a_training_checkpoint_round_trips_exactly_and_resumes(tmp_path):
    def make():
        mg.manual_seed(0)
        model = nn.MLP(2, [3, 1])
        return model, mg.optim.Adam(model.parameters(), lr=0.1)

    def train_step(model, opt):
        opt.zero_grad()
        (model(Tensor([[1.0, -2.0], [0.5, 0.0]])) ** 2).sum().backward()
        opt.step()

    model, opt = make()
    sched = mg.optim.StepLR(opt, step_size=2)
    for _ in range(3):
        train_step(model, opt)
        sched.step()
    checkpoint = {"model": model.state_dict(), "optimizer": opt.state_dict(),
                  "scheduler": sched.state_dict(), "epoch": 3, "best": 0.25, "done": False,
                  "note": None, "name": "run 1", "history": [1.0, float("nan"), -0.0,
                                                             float("inf")],
                  "big": 2 ** 70, "scalars": (np.float32(1.5), np.int64(3), np.bool_(True)),
                  "pytorch layout": {"state": {0: {"step": 3, "buf": np.ones((2, 2))}},
                                     "param_groups": [{"params": [0, 1], "lr": 0.1,
                                                       "betas": (0.9, 0.999)}]},
                  "empty": {"dict": {}, "list": [], "tuple": (), "array": np.zeros((0, 3))}}
    mg.save(checkpoint, tmp_path / "ckpt.pt")
    loaded = mg.load(tmp_path / "ckpt.pt")
    _assert_identical(loaded, checkpoint)

    resumed, resumed_opt = make()
    resumed.load_state_dict(loaded["model"])
    resumed_opt.load_state_dict(loaded["optimizer"])
    train_step(model, opt)
    train_step(resumed, resumed_opt)
    for (name, a), (_, b) in zip(model.state_dict().items(), resumed.state_dict().items()):
        np.testing.assert_array_equal(a, b, err_msg=name)


def test_the_same_list_twice_is_saved_twice(tmp_path):
    shared = [1, 2]
    mg.save({"a": shared, "b": shared}, tmp_path / "m.pt")
    assert mg.load(tmp_path / "m.pt") == {"a": [1, 2], "b": [1, 2]}


@pytest.mark.parametrize("obj,error,match", [
    ([("w", np.ones(2))], TypeError, r"expected a dict \(a state dict, .*\), got list"),
    (nn.Linear(2, 1), TypeError, r"got Linear; save its state_dict\(\)"),
    ({(1, 2): np.ones(2)}, TypeError, r"checkpoint has the key \(1, 2\) of type tuple; "
                                      "keys must be str or int"),
    ({1.5: 1}, TypeError, "the key 1.5 of type float"),
    ({True: 1}, TypeError, "the key True of type bool"),
    ({"a": [{b"k": 1}]}, TypeError, r"checkpoint\['a'\]\[0\] has the key b'k' of type bytes"),
    ({"w": np.array([object()])}, TypeError,
     r"checkpoint\['w'\] must be a numeric array, got dtype object"),
    ({"w": np.array(["text"])}, TypeError, r"checkpoint\['w'\] must be a numeric array, got "
                                           "dtype <U4"),
    ({"w": np.complex128(1j)}, TypeError, "got dtype complex128"),
    ({"s": {1, 2}}, TypeError, r"checkpoint\['s'\] is a set; a checkpoint holds arrays, "
                               "Tensors, Values, numbers, bools, None and str, in dicts, "
                               "lists and tuples"),
    ({"f": len}, TypeError, r"checkpoint\['f'\] is a builtin_function_or_method"),
    ({"c": 1j}, TypeError, r"checkpoint\['c'\] is a complex"),
])
def test_save_rejects_what_cannot_round_trip(tmp_path, obj, error, match):
    with pytest.raises(error, match=match):
        mg.save(obj, tmp_path / "x.pt")
    assert os.listdir(tmp_path) == []


def test_save_rejects_a_dict_or_list_that_contains_itself(tmp_path):
    loop = {"a": 1}
    loop["self"] = {"inner": [loop]}
    with pytest.raises(ValueError, match=r"checkpoint\['self'\]\['inner'\]\[0\] contains "
                                         "itself"):
        mg.save(loop, tmp_path / "x.pt")
    assert os.listdir(tmp_path) == []


# --- file names, file objects, and PyTorch's spelling ------------------------------------

@pytest.mark.parametrize("name", ["model.pt", "checkpoint", "weights.tar", "m.npz.pt"])
def test_any_file_name_is_used_as_given(tmp_path, name):
    sd = nn.MLP(2, [3, 1]).state_dict()
    mg.save(sd, tmp_path / name)  # np.savez would have written name + ".npz"
    assert os.listdir(tmp_path) == [name]
    _assert_identical(mg.load(str(tmp_path / name)), sd)


def test_file_objects_as_torch_save_and_load_take_them():
    buffer = io.BytesIO()
    buffer.write(b"a header")
    mg.save({"w": np.arange(3.0), "epoch": 1}, buffer)
    buffer.seek(len(b"a header"))  # read from where the file is, as torch.load
    _assert_identical(mg.load(buffer), {"w": np.arange(3.0), "epoch": 1})


def test_load_takes_pytorchs_map_location_and_weights_only(tmp_path):
    mg.save({"w": np.ones(2)}, tmp_path / "m.pt")
    loaded = mg.load(tmp_path / "m.pt", map_location="cpu", weights_only=True)
    np.testing.assert_array_equal(loaded["w"], np.ones(2))
    with pytest.raises(ValueError, match="map_location='cuda:0', but microgd runs on numpy, "
                                         "on the CPU: leave it out or pass 'cpu'"):
        mg.load(tmp_path / "m.pt", map_location="cuda:0")


# --- how files are written: mode, symlinks, in place for devices, errors ----------------

@pytest.fixture
def umask():
    """Set the process umask for a test (and restore it)."""
    old = os.umask(0o022)
    yield os.umask
    os.umask(old)


@pytest.mark.parametrize("mask,mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_new_file_gets_the_mode_open_gives(tmp_path, umask, mask, mode):
    umask(mask)
    mg.save({"w": np.ones(2)}, tmp_path / "m.pt")
    (tmp_path / "plain").write_bytes(b"")
    assert stat.S_IMODE(os.stat(tmp_path / "m.pt").st_mode) == mode
    assert stat.S_IMODE(os.stat(tmp_path / "plain").st_mode) == mode


def test_an_existing_file_keeps_its_mode(tmp_path, umask):
    umask(0o077)
    path = tmp_path / "m.pt"
    mg.save({"w": np.zeros(2)}, path)
    os.chmod(path, 0o640)
    mg.save({"w": np.ones(2)}, path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    np.testing.assert_array_equal(mg.load(path)["w"], np.ones(2))


def test_saving_through_a_symlink_writes_its_target(tmp_path):
    (tmp_path / "runs").mkdir()
    target = tmp_path / "runs" / "best.pt"
    mg.save({"w": np.zeros(2)}, target)
    os.chmod(target, 0o604)
    link = tmp_path / "latest.pt"
    link.symlink_to(os.path.join("runs", "best.pt"))
    mg.save({"w": np.ones(2)}, link)
    assert link.is_symlink() and os.readlink(link) == os.path.join("runs", "best.pt")
    np.testing.assert_array_equal(mg.load(target)["w"], np.ones(2))
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o604
    assert sorted(os.listdir(tmp_path)) == ["latest.pt", "runs"]
    assert os.listdir(tmp_path / "runs") == ["best.pt"]


def test_a_dangling_symlink_gets_its_target_created(tmp_path):
    link = tmp_path / "latest.pt"
    link.symlink_to("new.pt")
    mg.save({"w": np.ones(2)}, link)
    assert link.is_symlink()
    np.testing.assert_array_equal(mg.load(tmp_path / "new.pt")["w"], np.ones(2))


def test_a_symlink_loop_is_an_error_naming_the_path(tmp_path):
    loop = tmp_path / "loop.pt"
    loop.symlink_to("loop.pt")
    with pytest.raises(OSError, match="Too many levels of symbolic links: .*loop.pt'"):
        mg.save({"w": np.ones(2)}, loop)
    assert loop.is_symlink() and os.listdir(tmp_path) == ["loop.pt"]


def test_a_pipe_is_written_in_place_not_replaced(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    mg.save({"w": np.arange(3.0)}, fifo)
    reader.join()
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and os.listdir(tmp_path) == ["pipe"]
    _assert_identical(mg.load(io.BytesIO(received[0])), {"w": np.arange(3.0)})


def test_a_read_only_file_is_refused_as_open_would(tmp_path, monkeypatch):
    path = tmp_path / "m.pt"
    mg.save({"w": np.zeros(2)}, path)
    monkeypatch.setattr(os, "access", lambda p, mode: False)  # as for a 0o444 file, non-root
    with pytest.raises(PermissionError, match=f"Permission denied: {str(path)!r}"):
        mg.save({"w": np.ones(2)}, path)
    monkeypatch.undo()
    np.testing.assert_array_equal(mg.load(path)["w"], np.zeros(2))


def test_write_errors_name_the_target_not_the_temporary_file(tmp_path, monkeypatch):
    path = tmp_path / "m.pt"
    mg.save({"w": np.zeros(2)}, path)

    def disk_full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError) as info:
        mg.save({"w": np.ones(2)}, path)
    assert str(info.value) == f"[Errno {errno.ENOSPC}] No space left on device: {str(path)!r}"
    assert info.value.filename == str(path) and ".tmp" not in str(info.value)
    monkeypatch.undo()
    np.testing.assert_array_equal(mg.load(path)["w"], np.zeros(2))
    assert os.listdir(tmp_path) == ["m.pt"]


def test_the_longest_file_name_works(tmp_path):
    path = tmp_path / ("m" * 252 + ".pt")  # 255 bytes, the usual limit
    mg.save({"w": np.ones(2)}, path)
    np.testing.assert_array_equal(mg.load(path)["w"], np.ones(2))
    assert os.listdir(tmp_path) == [path.name]


def test_a_missing_directory_is_named_as_open_would(tmp_path):
    path = str(tmp_path / "missing" / "m.pt")
    with pytest.raises(FileNotFoundError) as info:
        mg.save({"w": np.ones(2)}, path)
    assert str(info.value) == f"[Errno 2] No such file or directory: {path!r}"


# --- what load refuses ------------------------------------------------------------------

def _archive(path, members):
    """A zip of .npy members (arrays) and raw members (bytes), as a forger would write."""
    with zipfile.ZipFile(path, "w") as zf:
        for name, content in members.items():
            with zf.open(name, "w") as f:
                if isinstance(content, bytes):
                    f.write(content)
                else:
                    np.lib.format.write_array(f, content)


@pytest.mark.parametrize("version,shown", [(np.array(1.7), "1.7"), (np.array(True), "True"),
                                           (np.array(3), "3"), (np.array([2]), "[2]"),
                                           (np.array(2.0), "2.0")])
def test_load_rejects_other_format_versions(tmp_path, version, shown):
    path = tmp_path / "m.pt"
    _archive(path, {"__microgd__.npy": version, "__microgd__.json": b'{"dict":[]}'})
    with pytest.raises(ValueError, match=f"mg.load: {str(path)!r} is not a valid microgd "
                                         f"checkpoint .*: unsupported format version "
                                         f"{re.escape(shown)} "):
        mg.load(path)


@pytest.mark.parametrize("array", [np.array(["text"]), np.array([b"bytes"]),
                                   np.zeros(2, dtype=[("a", "f8")]), np.array([1j])])
def test_load_rejects_arrays_that_are_not_numbers(tmp_path, array):
    path = tmp_path / "m.pt"
    _archive(path, {"__microgd__.npy": np.array(2), "w.npy": array,
                    "__microgd__.json": b'{"dict":[["w",{"array":"w"}]]}'})
    with pytest.raises(ValueError, match=f"{re.escape(repr(str(path)))} is not a valid .*: "
                                         f"'w' holds an array of dtype .*, not numbers"):
        mg.load(path)


@pytest.mark.parametrize("structure", [b'[1, 2]', b'{"list":[]}', b'{"set":[]}',
                                       b'{"dict":[["k"]]}', b'{"dict":[[1.5,1]]}',
                                       b'{"array":"missing"}', b'{"scalar":"w"}', b'not json',
                                       b'{"dict":[["a",{"array":"w","list":[]}]]}'])
def test_load_rejects_a_forged_structure(tmp_path, structure):
    path = tmp_path / "m.pt"
    _archive(path, {"__microgd__.npy": np.array(2), "w.npy": np.ones(2),
                    "__microgd__.json": structure})
    _assert_rejected(path)


def test_a_version_1_checkpoint_still_loads(tmp_path):
    path = tmp_path / "old.npz"
    _archive(path, {"__microgd__.npy": np.array(1), "0.weight.npy": np.ones((2, 2)),
                    "0.bias.npy": np.zeros(2)})
    _assert_identical(mg.load(path), {"0.weight": np.ones((2, 2)), "0.bias": np.zeros(2)})


def test_foreign_numpy_files_say_how_to_read_them(tmp_path):
    np.savez(tmp_path / "plain.npz", w=np.ones(2))
    with pytest.raises(ValueError, match=r"no __microgd__ marker, so not written by mg.save "
                                         r"\(a plain .npz of arrays loads with "
                                         r"dict\(numpy.load\(path\)\)\)"):
        mg.load(tmp_path / "plain.npz")
    np.save(tmp_path / "single.npy", np.ones(2))
    with pytest.raises(ValueError, match=r"a single .npy array \(numpy.load reads it\)"):
        mg.load(tmp_path / "single.npy")


_MOVE_WEIGHTS = re.escape(
    "it is a PyTorch pickle file (written by torch.save), and microgd never unpickles. To "
    "move the weights across, save them as numpy arrays in PyTorch: numpy.savez("
    "'weights.npz', **{k: v.cpu().numpy() for k, v in model.state_dict().items()}); then "
    "in microgd: model.load_state_dict(dict(numpy.load('weights.npz')))")


def test_a_pytorch_file_says_how_to_move_the_weights(tmp_path):
    zipped = tmp_path / "model.pt"  # torch.save's layout: a zip with <name>/data.pkl
    with zipfile.ZipFile(zipped, "w") as zf:
        zf.writestr("model/data.pkl", pickle.dumps({"w": 1}))
        zf.writestr("model/version", "3\n")
    legacy = tmp_path / "legacy.pt"  # the old format: pickles from the first byte
    legacy.write_bytes(pickle.dumps({"w": 1}, protocol=2))
    for path in (zipped, legacy):
        with pytest.raises(ValueError, match=f"mg.load: {re.escape(repr(str(path)))} is not "
                                             f"a valid microgd checkpoint .*: {_MOVE_WEIGHTS}"):
            mg.load(path)


def test_a_real_torch_save_file_and_the_advice_that_moves_it(tmp_path):
    torch = pytest.importorskip("torch")
    layer = torch.nn.Linear(3, 2)
    torch.save(layer.state_dict(), tmp_path / "model.pt")
    torch.save(layer.state_dict(), tmp_path / "legacy.pt", _use_new_zipfile_serialization=False)
    for name in ("model.pt", "legacy.pt"):
        with pytest.raises(ValueError, match=_MOVE_WEIGHTS):
            mg.load(tmp_path / name)
    model = layer  # the advice, word for word
    np.savez(tmp_path / "weights.npz", **{k: v.cpu().numpy() for k, v in
                                          model.state_dict().items()})
    mine = nn.Linear(3, 2)
    mine.load_state_dict(dict(np.load(tmp_path / "weights.npz")))
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_allclose(mine(Tensor(x)).data,
                               layer(torch.tensor(x, dtype=torch.float32)).detach().numpy(),
                               rtol=1e-6)

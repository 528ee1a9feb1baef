"""The lessons' data sets and mini-batches: shapes, formulas, seeds, bad input."""

import numpy as np
import pytest

import microgd as mg
from microgd import Tensor, data
from microgd.random import generator


def test_line_is_a_times_x_plus_b():
    x, y = data.line(30, seed=0)
    assert x.shape == y.shape == (30,) and x.dtype == np.float64
    assert np.all((0 <= x) & (x < 1))
    np.testing.assert_allclose(y, 3 * x + 8)
    x, y = data.line(500, a=-2, b=1, noise=0.5, seed=1)
    residual = y - (-2 * x + 1)
    assert 0.4 < residual.std() < 0.6


def test_lesson2_is_x_at_3_2_plus_uniform_noise():
    X, y = data.lesson2(100, seed=0)
    assert X.shape == (100, 2) and y.shape == (100,)
    assert np.all(X[:, 1] == 1) and np.all(np.abs(X[:, 0]) <= 1)
    noise = y - X @ [3.0, 2.0]
    assert np.all((0 <= noise) & (noise < 1))


def test_sin_cubed_is_sin_cubed_plus_noise():
    x, y = data.sin_cubed(100, noise=0.0, seed=0)
    assert x.shape == y.shape == (100,) and np.all((0 <= x) & (x < 10))
    np.testing.assert_allclose(y, np.sin(x) ** 3)
    x, y = data.sin_cubed(2000, seed=0)
    assert 0.08 < (y - np.sin(x) ** 3).std() < 0.12


def test_circle_is_the_distance_from_the_origin():
    X, y = data.circle(1000, noise=0.0, seed=0)
    assert X.shape == (1000, 2) and y.shape == (1000,) and np.all(np.abs(X) <= 1)
    np.testing.assert_allclose(y, np.hypot(X[:, 0], X[:, 1]))


def test_moons_are_two_labelled_half_circles():
    X, y = data.moons(101, noise=0.0, seed=0)
    assert X.shape == (101, 2) and y.shape == (101,)
    assert sorted(set(y.tolist())) == [-1.0, 1.0]
    assert (y == -1).sum() == 50 and (y == 1).sum() == 51
    upper, lower = X[y == -1], X[y == 1]
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0)
    assert np.all(upper[:, 1] >= -1e-12)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0)
    assert np.all(lower[:, 1] <= 0.5 + 1e-12)
    assert not np.all(np.diff(y) >= 0)  # shuffled


@pytest.mark.parametrize("make", [data.line, data.lesson2, data.sin_cubed, data.circle,
                                  data.moons])
def test_seeds_make_data_reproducible(make):
    a, b = make(seed=3), make(seed=3)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(make(seed=4)[0], a[0])
    mg.manual_seed(7)
    first = make()
    mg.manual_seed(7)
    np.testing.assert_array_equal(make()[0], first[0])


def test_a_seed_leaves_the_shared_generator_alone():
    mg.manual_seed(1)
    expected = generator().random()
    mg.manual_seed(1)
    data.circle(seed=5)
    assert generator().random() == expected


def test_batches_cover_every_sample_once():
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10.0)
    got = list(data.batches(X, y, 4, seed=0))
    assert [len(b[1]) for b in got] == [4, 4, 2]
    seen = np.concatenate([b[1] for b in got])
    assert sorted(seen.tolist()) == list(range(10)) and seen.tolist() != list(range(10))
    for xb, yb in got:
        np.testing.assert_array_equal(xb[:, 0], 2 * yb)      # rows stay paired
    in_order = list(data.batches(X, y, 3, shuffle=False))
    assert np.concatenate([b[1] for b in in_order]).tolist() == list(range(10))
    again = list(data.batches(X, y, 4, seed=0))
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(got, again))
    mg.manual_seed(2)
    first = [b[1].tolist() for b in data.batches(X, y, 5)]
    mg.manual_seed(2)
    assert [b[1].tolist() for b in data.batches(X, y, 5)] == first


def test_batches_accept_tensors_and_lists():
    xb, yb = next(iter(data.batches(Tensor(np.ones((3, 2))), [1.0, 2.0, 3.0], 8)))
    assert xb.shape == (3, 2) and yb.shape == (3,)


@pytest.mark.parametrize("call,error,match", [
    (lambda: data.line(0), ValueError, "line: n must be a positive int, got 0"),
    (lambda: data.moons(10.5), TypeError, "moons: n must be an int, got float"),
    (lambda: data.circle(noise=-0.1), ValueError, "circle: noise must be >= 0, got -0.1"),
    (lambda: data.sin_cubed(noise="big"), TypeError, "noise must be a real number, got str"),
    (lambda: data.line(a="3"), TypeError, "line: a must be a real number, got str"),
    (lambda: data.lesson2(seed=-1), ValueError, "seed must be non-negative, got -1"),
    (lambda: data.lesson2(seed=1.5), TypeError, "seed must be an int, got float"),
    (lambda: data.batches(np.ones((4, 2)), np.ones(3), 2), ValueError,
     "X has 4 samples but y has 3"),
    (lambda: data.batches(np.ones(4), np.ones(4), 0), ValueError,
     "batch_size must be a positive int, got 0"),
    (lambda: data.batches(np.ones(4), np.ones(4), 2.0), TypeError,
     "batch_size must be an int, got float"),
    (lambda: data.batches(np.ones(4), np.ones(4), 2, shuffle="yes"), TypeError,
     "shuffle must be a bool, got str"),
    (lambda: data.batches(1.0, np.ones(4), 2), ValueError, "X must have a sample axis"),
    (lambda: mg.manual_seed("0"), TypeError, "manual_seed: the seed must be an int, got str"),
    (lambda: mg.manual_seed(-5), ValueError, "manual_seed: the seed must be non-negative"),
])
def test_bad_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_line_x_range():
    x, y = data.line(50, a=2.0, b=1.0, seed=3, low=-2.0, high=2.0)
    assert x.min() >= -2.0 and x.max() < 2.0 and x.min() < 0 < x.max()
    np.testing.assert_allclose(y, 2.0 * x + 1.0)
    with pytest.raises(ValueError, match="low must be below high, got low=1.0 and high=1.0"):
        data.line(low=1.0, high=1.0)


def test_batches_made_once_give_every_epoch_not_an_empty_second_one():
    X, y = np.arange(20.0).reshape(10, 2), np.arange(10.0)
    mg.manual_seed(4)
    loader = data.batches(X, y, 4)
    assert len(loader) == 3
    epochs = [np.concatenate([yb for _, yb in loader]).tolist() for _ in range(3)]
    assert all(sorted(e) == list(range(10)) for e in epochs)   # never silently empty
    assert epochs[0] != epochs[1]                              # a new order each epoch
    mg.manual_seed(4)
    assert [np.concatenate([yb for _, yb in loader]).tolist() for _ in range(3)] == epochs
    seeded, twin = data.batches(X, y, 4, seed=7), data.batches(X, y, 4, seed=7)
    two_epochs = [[b.tolist() for _, b in s] for s in (seeded, seeded)]
    assert two_epochs == [[b.tolist() for _, b in s] for s in (twin, twin)]
    assert two_epochs[0] != two_epochs[1]
    in_order = data.batches(X, y, 3, shuffle=False)
    assert [len(b) for _, b in in_order] == [3, 3, 3, 1] == [len(b) for _, b in in_order]

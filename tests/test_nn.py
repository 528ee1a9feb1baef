"""Layers: Linear, activations, Sequential, MLP on both engines, training, bad input."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import microgd as mg
from microgd import Tensor, Value, nn, optim


# --- Linear --------------------------------------------------------------------------------

def test_linear_computes_x_at_w_transposed_plus_b():
    layer = nn.Linear(3, 2)
    assert layer.weight.shape == (2, 3) and layer.bias.shape == (2,)
    x = np.arange(12.0).reshape(4, 3)
    np.testing.assert_allclose(layer(x).data, x @ layer.weight.data.T + layer.bias.data)
    assert layer(Tensor(x[0])).shape == (2,)
    assert nn.Linear(3, 2, bias=False).bias is None


def test_linear_init_is_uniform_within_one_over_sqrt_in_and_seeded():
    mg.manual_seed(0)
    a = nn.Linear(400, 50)
    mg.manual_seed(0)
    b = nn.Linear(400, 50)
    assert np.array_equal(a.weight.data, b.weight.data)
    assert np.array_equal(a.bias.data, b.bias.data)
    bound = 1 / np.sqrt(400)
    assert np.abs(a.weight.data).max() <= bound and np.abs(a.bias.data).max() <= bound
    assert np.abs(a.weight.data).max() > 0.9 * bound          # spread over the whole range
    assert abs(a.weight.data.mean()) < 0.1 * bound
    assert not np.array_equal(nn.Linear(400, 50).weight.data, a.weight.data)


def test_linear_keeps_float32():
    layer = nn.Linear(2, 3, dtype=np.float32)
    out = layer(np.ones((4, 2), dtype=np.float32))
    assert layer.weight.dtype == np.float32 and out.dtype == np.float32
    out.sum().backward()
    assert layer.weight.grad.dtype == np.float32


@pytest.mark.parametrize("kwargs,error,match", [
    (dict(in_features=0, out_features=2), ValueError, "in_features must be a positive int, got 0"),
    (dict(in_features=2, out_features=-1), ValueError,
     "out_features must be a positive int, got -1"),
    (dict(in_features="2", out_features=2), TypeError, "in_features must be an int, got str '2'"),
    (dict(in_features=2.0, out_features=2), TypeError, "in_features must be an int, got float"),
    (dict(in_features=True, out_features=2), TypeError, "in_features must be an int, got bool"),
    (dict(in_features=2, out_features=2, bias=1), TypeError, "bias must be a bool, got int 1"),
    (dict(in_features=2, out_features=2, engine="scalar"), ValueError,
     "engine must be 'tensor' or 'value', got 'scalar'"),
    (dict(in_features=2, out_features=2, dtype=np.int32), TypeError,
     "dtype must be a floating dtype .* got int32"),
    (dict(in_features=2, out_features=2, dtype="nonsense"), TypeError,
     "dtype must be a numpy floating dtype, got 'nonsense'"),
    (dict(in_features=2, out_features=2, engine="value", dtype=np.float32), ValueError,
     "dtype=float32 needs engine='tensor'"),
])
def test_linear_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        nn.Linear(**kwargs)


def test_linear_forward_names_the_expected_and_the_got_shape():
    with pytest.raises(ValueError, match=r"expected input of shape \(\.\.\., 3\) "
                                         r"\(in_features=3\), got shape \(5, 2\)"):
        nn.Linear(3, 1)(np.ones((5, 2)))
    with pytest.raises(ValueError, match=r"got shape \(\)"):
        nn.Linear(3, 1)(Tensor(1.0))
    with pytest.raises(ValueError, match=r"expected 3 inputs \(in_features=3\), got 2"):
        nn.Linear(3, 1, engine="value")([1.0, 2.0])
    with pytest.raises(TypeError, match="one sample, a list of floats or Values, got Tensor"):
        nn.Linear(3, 1, engine="value")(Tensor([1.0, 2.0, 3.0]))
    with pytest.raises(TypeError, match="must be a real number, got str"):
        nn.Linear(2, 1, engine="value")(["a", 1.0])


# --- Sequential and MLP ------------------------------------------------------------------------

def test_sequential_indexing_and_names():
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert isinstance(model[0], nn.Linear) and model[-1] is model[2] and len(model) == 3
    assert list(model) == [model[0], model[1], model[2]]
    tail = model[1:]
    assert isinstance(tail, nn.Sequential) and list(tail.state_dict()) == ["2.weight", "2.bias"]
    model.append(nn.Sigmoid())
    assert isinstance(model[3], nn.Sigmoid)
    with pytest.raises(IndexError, match="index 4 is out of range for 4 modules"):
        model[4]
    with pytest.raises(TypeError, match="indices must be ints or slices, got str"):
        model["0"]
    with pytest.raises(TypeError, match="argument 1 must be a Module, got ufunc"):
        nn.Sequential(nn.Linear(1, 1), np.tanh)
    with pytest.raises(ValueError, match="name must be a non-empty string without '.'"):
        model.add_module("a.b", nn.ReLU())
    with pytest.raises(TypeError, match="'x' must be a Module, got int"):
        model.add_module("x", 3)


def test_mlp_is_linear_activation_linear():
    model = nn.MLP(1, [100, 100, 1])
    assert [type(m).__name__ for m in model] == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]
    assert [tuple(v.shape) for v in model.state_dict().values()] == [
        (100, 1), (100,), (100, 100), (100,), (1, 100), (1,)]
    assert isinstance(nn.MLP(2, [4, 1], activation="tanh")[1], nn.Tanh)
    assert isinstance(nn.MLP(2, [4, 1], activation="sigmoid")[1], nn.Sigmoid)
    assert len(nn.MLP(2, [3])) == 1


@pytest.mark.parametrize("args,kwargs,error,match", [
    ((2, []), {}, ValueError, "sizes is empty"),
    ((2, [4, 0]), {}, ValueError, r"sizes\[1\] must be a positive int, got 0"),
    ((2, 4), {}, TypeError, "sizes must be a list of ints, got int"),
    ((0, [4]), {}, ValueError, "MLP: in_features must be a positive int, got 0"),
    ((2, [4]), dict(activation="gelu"), ValueError,
     r"activation must be one of \['relu', 'sigmoid', 'tanh'\], got 'gelu'"),
])
def test_mlp_rejects_bad_arguments(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        nn.MLP(*args, **kwargs)


def test_activations_work_on_tensors_values_and_lists():
    x = np.array([-1.0, 0.5])
    np.testing.assert_allclose(nn.ReLU()(x).data, [0.0, 0.5])
    np.testing.assert_allclose(nn.Tanh()(Tensor(x)).data, np.tanh(x))
    assert [v.data for v in nn.Sigmoid()([Value(0.0), 0.0])] == [0.5, 0.5]
    assert nn.ReLU()(Value(-2.0)).data == 0.0


# --- the scalar engine ---------------------------------------------------------------------------

def _pair(sizes, activation, in_features=2, bias=True):
    """The same MLP on both engines, the Value one loaded from the Tensor one."""
    tensor_model = nn.MLP(in_features, sizes, activation=activation, bias=bias)
    value_model = nn.MLP(in_features, sizes, activation=activation, bias=bias, engine="value")
    value_model.load_state_dict(tensor_model.state_dict())
    return tensor_model, value_model


@pytest.mark.parametrize("sizes,activation", [([16, 16, 1], "relu"), ([5, 4], "tanh"),
                                              ([3, 2], "sigmoid")])
def test_value_and_tensor_models_agree_on_outputs_and_gradients(sizes, activation):
    mg.manual_seed(3)
    tensor_model, value_model = _pair(sizes, activation)
    assert {k: v.shape for k, v in value_model.state_dict().items()} == {
        k: v.shape for k, v in tensor_model.state_dict().items()}
    x = np.random.default_rng(1).normal(size=2)
    out_t = tensor_model(x)
    out_v = value_model(x.tolist())
    out_v = out_v if isinstance(out_v, list) else [out_v]
    np.testing.assert_allclose([v.data for v in out_v], out_t.data, rtol=1e-12, atol=1e-14)
    weights = np.arange(1.0, len(out_v) + 1)   # a loss that uses every output differently
    (out_t * weights).sum().backward()
    loss = out_v[0] * 1.0
    for w, v in zip(weights[1:], out_v[1:]):
        loss = loss + v * float(w)
    loss.backward()
    grads_t = np.concatenate([p.grad.data.ravel() for p in tensor_model.parameters()])
    grads_v = np.array([p.grad for p in value_model.parameters()])
    np.testing.assert_allclose(grads_v, grads_t, rtol=1e-12, atol=1e-14)
    for layer_t, layer_v in zip(tensor_model.modules(), value_model.modules()):
        if isinstance(layer_t, nn.Linear):
            np.testing.assert_allclose(layer_v.weight.grad, layer_t.weight.grad, rtol=1e-12)


@settings(max_examples=15, deadline=None)
@given(sizes=st.lists(st.integers(1, 4), min_size=1, max_size=3), in_features=st.integers(1, 3),
       bias=st.booleans(), seed=st.integers(0, 2 ** 16))
def test_engines_agree_on_random_shapes_including_input_gradients(sizes, in_features, bias, seed):
    mg.manual_seed(seed)
    tensor_model, value_model = _pair(sizes, "tanh", in_features, bias)
    x = np.random.default_rng(seed).normal(size=in_features)
    xt = Tensor(x, requires_grad=True)
    xv = [Value(v) for v in x]
    out_t, out_v = tensor_model(xt), value_model(xv)
    out_v = out_v if isinstance(out_v, list) else [out_v]
    total = out_v[0]
    for v in out_v[1:]:
        total = total + v
    out_t.sum().backward()
    total.backward()
    np.testing.assert_allclose([v.data for v in out_v], out_t.data, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose([v.grad for v in xv], xt.grad, rtol=1e-12, atol=1e-14)


def test_checkpoints_move_between_engines_both_ways():
    value_model = nn.MLP(3, [4, 2], engine="value")
    tensor_model = nn.MLP(3, [4, 2])
    tensor_model.load_state_dict(value_model.state_dict())
    x = [0.1, -0.2, 0.3]
    np.testing.assert_allclose(tensor_model(np.array(x)).data,
                               [v.data for v in value_model(x)], rtol=1e-12)


def test_same_seed_gives_the_same_weights_on_both_engines():
    mg.manual_seed(5)
    tensor_model = nn.MLP(2, [3, 1])
    mg.manual_seed(5)
    value_model = nn.MLP(2, [3, 1], engine="value")
    for name, array in tensor_model.state_dict().items():
        np.testing.assert_array_equal(value_model.state_dict()[name], array)


def test_value_engine_parameters_names_and_outputs():
    layer = nn.Linear(3, 2, engine="value")
    assert isinstance(layer.weight, nn.ValueArray) and layer.weight.shape == (2, 3)
    params = list(layer.parameters())
    assert len(params) == 8 and all(isinstance(p, Value) for p in params)
    names = [n for n, _ in layer.named_parameters()]
    assert names[:4] == ["weight[0,0]", "weight[0,1]", "weight[0,2]", "weight[1,0]"]
    assert names[-2:] == ["bias[0]", "bias[1]"]
    assert layer.weight[1, 0] is params[3] and layer.bias[1] is params[7]
    assert len(layer.weight) == 6 and list(layer.weight) == params[:6]
    assert repr(layer.weight) == "ValueArray(shape=(2, 3))"
    assert layer.weight[-1, -1] is params[5]
    with pytest.raises(IndexError, match=r"shape \(2, 3\): index \(2, 0\) needs one int per axis"):
        layer.weight[2, 0]
    with pytest.raises(IndexError, match=r"index \(1,\)"):
        layer.weight[1]
    out = layer([1.0, Value(2.0), np.float64(3.0)])
    assert isinstance(out, list) and len(out) == 2
    expected = layer.weight.data @ [1.0, 2.0, 3.0] + layer.bias.data
    np.testing.assert_allclose([v.data for v in out], expected, rtol=1e-14)
    single = nn.Linear(1, 1, bias=False, engine="value")
    assert isinstance(single(2.0), Value)
    assert single(np.array([2.0])).data == pytest.approx(2 * single.weight[0, 0].data)


# --- training ---------------------------------------------------------------------------------

def test_relu_mlp_fits_sin_cubed_better_than_any_straight_line():
    x, y = mg.data.sin_cubed(100, seed=0)
    design = np.c_[x, np.ones_like(x)]
    coef = np.linalg.lstsq(design, y, rcond=None)[0]
    line_mse = np.mean((design @ coef - y) ** 2)
    mg.manual_seed(0)
    model = nn.MLP(1, [100, 100, 1])
    opt = optim.Adam(model.parameters(), lr=0.01)
    X, Y = Tensor(((x - 5) / 5).reshape(-1, 1)), y.reshape(-1, 1)  # inputs scaled to [-1, 1]
    for _ in range(150):
        opt.zero_grad()
        loss = nn.MSELoss()(model(X), Y)
        loss.backward()
        opt.step()
    assert loss.item() < line_mse / 5, (loss.item(), line_mse)


def test_value_mlp_learns_the_moons_with_the_hinge_loss():
    X, y = mg.data.moons(24, noise=0.1, seed=0)
    mg.manual_seed(0)
    model = nn.MLP(2, [8, 8, 1], engine="value")
    opt = optim.SGD(model.parameters(), lr=0.5)
    losses = []
    for _ in range(15):
        scores = [model(row) for row in X.tolist()]
        loss = nn.functional.hinge_loss(scores, y, parameters=model.parameters(), alpha=1e-4)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.data)
    assert losses[-1] < 0.5 * losses[0]
    accuracy = np.mean([(s.data > 0) == (label > 0) for s, label in zip(scores, y)])
    assert accuracy >= 0.75


# --- the package's import paths ------------------------------------------------------------

def test_functional_imports_as_pytorch_spells_it():
    import microgd.functional
    import microgd.nn.functional as F
    from microgd.nn import functional
    assert F is functional is nn.functional is mg.functional is microgd.functional
    import microgd.utils.data
    assert mg.utils.data.DataLoader is microgd.utils.data.DataLoader
    assert nn.init.xavier_uniform_ and nn.utils.clip_grad_norm_


# --- ModuleList, Flatten, Identity, Softmax, Dropout ----------------------------------------

def test_module_list_registers_its_modules_for_the_owner():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(2, 3), nn.Linear(3, 1)])

        def forward(self, x):
            for layer in self.layers:
                x = layer(x)
            return x

    net = Net()
    assert [n for n, _ in net.named_parameters()] == [
        "layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"]
    assert net(np.ones((4, 2))).shape == (4, 1)
    layers = net.layers
    assert len(layers) == 2 and layers[-1] is layers[1]
    assert isinstance(layers[:1], nn.ModuleList) and len(layers[:1]) == 1
    assert [n for n, _ in layers[1:].named_parameters()] == ["0.weight", "0.bias"]  # renumbered
    tanh = nn.Tanh()
    layers.insert(1, tanh)
    assert [type(m).__name__ for m in layers] == ["Linear", "Tanh", "Linear"]
    assert net(np.ones((4, 2))).shape == (4, 1)
    assert "layers.2.weight" in dict(net.named_parameters())
    layers.append(nn.ReLU()).extend([nn.Sigmoid()])
    layers[0] = nn.Linear(2, 3, bias=False)
    del layers[1]
    assert [type(m).__name__ for m in layers] == ["Linear", "Linear", "ReLU", "Sigmoid"]
    assert [n for n, _ in net.named_parameters()] == [
        "layers.0.weight", "layers.1.weight", "layers.1.bias"]
    with pytest.raises(NotImplementedError, match="ModuleList does not define forward"):
        layers(1.0)
    with pytest.raises(IndexError, match="ModuleList index 4 is out of range for 4 modules"):
        layers[4]
    with pytest.raises(TypeError, match="ModuleList: argument 0 must be a Module, got int"):
        nn.ModuleList([1])
    with pytest.raises(TypeError, match="ModuleList.insert: module must be a Module, got str"):
        layers.insert(0, "relu")
    assert len(layers) == 4


def test_flatten_merges_the_axes_between_start_and_end_dim():
    x = Tensor(np.arange(120.0).reshape(2, 3, 4, 5), requires_grad=True)
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 1)(x).shape == (6, 4, 5)
    assert nn.Flatten(1, 2)(x).shape == (2, 12, 5)
    assert nn.Flatten(-2)(x).shape == (2, 3, 20)
    np.testing.assert_array_equal(nn.Flatten()(x).data, x.data.reshape(2, 60))
    nn.Flatten()(x).sum().backward()
    np.testing.assert_array_equal(x.grad, np.ones((2, 3, 4, 5)))
    assert repr(nn.Flatten()) == "Flatten(start_dim=1, end_dim=-1)"
    with pytest.raises(IndexError, match=r"expected to be in range of \[-1, 0\], but got "
                       r"start_dim=1, end_dim=-1\) for input of shape \(3,\)"):
        nn.Flatten()(Tensor([1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match="start_dim 2 comes after end_dim 1"):
        nn.Flatten(2, 1)(x)
    with pytest.raises(TypeError, match="Flatten: start_dim must be an int, got float"):
        nn.Flatten(1.0)


def test_identity_and_softmax():
    x = Tensor(np.random.default_rng(0).normal(size=(3, 4)))
    assert nn.Identity(54, unused="argument")(x) is x
    np.testing.assert_allclose(nn.Softmax(dim=1)(x).data.sum(axis=1), 1.0)
    np.testing.assert_allclose(nn.Softmax(dim=0)(x).data.sum(axis=0), 1.0)
    assert repr(nn.Softmax(dim=1)) == "Softmax(dim=1)"


def test_dropout_keeps_the_mean_in_training_and_is_the_identity_in_eval():
    mg.manual_seed(0)
    drop = nn.Dropout(p=0.2)
    x = Tensor(np.ones((200, 500)), requires_grad=True)
    y = drop(x)
    zeroed = (y.data == 0).mean()
    assert abs(zeroed - 0.2) < 0.005            # 100,000 draws: the std of the rate is 0.0013
    assert set(np.unique(y.data)) == {0.0, 1.25}  # kept elements scaled by 1 / (1 - p)
    assert abs(y.data.mean() - 1.0) < 0.01
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, y.data)  # the gradient goes through the same mask
    mg.manual_seed(0)
    np.testing.assert_array_equal(nn.Dropout(p=0.2)(x).data, y.data)  # seeded
    drop.eval()
    assert drop(x) is x
    drop.train()
    assert np.array_equal(nn.Dropout(p=1.0)(x).data, np.zeros((200, 500)))
    assert nn.Dropout(p=0.0)(x) is x
    assert repr(drop) == "Dropout(p=0.2)"
    with pytest.raises(ValueError, match="Dropout: dropout probability has to be between 0 and "
                       "1, but got 1.5"):
        nn.Dropout(1.5)
    with pytest.raises(TypeError, match="Dropout: p must be a real number, got str"):
        nn.Dropout("0.5")


def test_dropout_inside_a_model_follows_train_and_eval():
    model = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5))
    x = Tensor(np.ones((3, 4)))
    model.eval()
    np.testing.assert_array_equal(model(x).data, model[0](x).data)
    model.train()
    assert (model(Tensor(np.ones((100, 4)))).data == 0).any()


# --- loss modules ----------------------------------------------------------------------------

def test_loss_modules_call_their_functions():
    p, t = Tensor([0.2, 0.9, 0.5]), Tensor([0.0, 1.0, 1.0])
    assert nn.L1Loss()(p, t).item() == pytest.approx((0.2 + 0.1 + 0.5) / 3)
    assert nn.L1Loss(reduction="sum")(p, t).item() == pytest.approx(0.8)
    assert nn.BCELoss()(p, t).item() == pytest.approx(
        -(np.log(0.8) + np.log(0.9) + np.log(0.5)) / 3)
    logits = Tensor([-1.0, 2.0, 0.0])
    assert nn.BCEWithLogitsLoss(reduction="sum")(logits, t).item() == pytest.approx(
        np.log1p(np.exp(-1.0)) + np.log1p(np.exp(-2.0)) + np.log(2.0))
    with pytest.raises(ValueError, match="L1Loss: reduction must be 'mean', 'sum' or 'none'"):
        nn.L1Loss(reduction="max")


def test_linear_follows_the_default_dtype():
    mg.set_default_dtype(mg.float32)
    try:
        layer = nn.Linear(2, 1)
        assert layer.weight.dtype == np.float32 and layer.bias.dtype == np.float32
        assert nn.Linear(2, 1, engine="value").weight.data.dtype == np.float64
    finally:
        mg.set_default_dtype(mg.float64)
    assert nn.Linear(2, 1).weight.dtype == np.float64

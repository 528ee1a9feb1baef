"""Module: parameter discovery and names, the tree, repr, train/eval, state dicts."""

import numpy as np
import pytest

from microgd import Tensor, Value, nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(2, 3)
        self.act = nn.Tanh()
        self.scale = Tensor([1.5], requires_grad=True)
        self.constant = Tensor([2.0])           # requires_grad=False: not a parameter
        self.head = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
        self.note = "not registered"

    def forward(self, x):
        return self.head(self.act(self.fc1(x))) * self.scale


# --- discovery, names, tree --------------------------------------------------------------

def test_parameters_are_found_in_definition_order_with_dotted_names():
    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == ["scale", "fc1.weight", "fc1.bias", "head.0.weight", "head.0.bias",
                     "head.2.weight", "head.2.bias"]
    assert [id(p) for p in net.parameters()] == [id(p) for _, p in net.named_parameters()]
    assert list(net.state_dict()) == names
    assert [type(m).__name__ for m in net.children()] == ["Linear", "Tanh", "Sequential"]
    assert [n for n, _ in net.named_modules()] == ["", "fc1", "act", "head", "head.0",
                                                    "head.1", "head.2"]
    assert len(list(net.modules())) == 7


def test_reassigning_and_deleting_attributes_updates_the_registry():
    net = Net()
    net.fc1 = nn.Linear(2, 3, bias=False)
    assert "fc1.bias" not in dict(net.named_parameters())
    net.scale = 3.0
    assert "scale" not in dict(net.named_parameters())
    del net.head
    assert [n for n, _ in net.named_parameters()] == ["fc1.weight"]


def test_shared_parameters_are_listed_once():
    layer = nn.Linear(2, 2)
    model = nn.Sequential(layer, nn.ReLU(), layer)
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "0.bias"]


def test_assigning_before_init_is_a_clear_error():
    class Bad(nn.Module):
        def __init__(self):
            self.w = Tensor([1.0], requires_grad=True)
            super().__init__()

    with pytest.raises(AttributeError, match=r"call super\(\).__init__\(\) first in Bad"):
        Bad()


def test_forward_must_be_defined():
    with pytest.raises(NotImplementedError, match="Module does not define forward"):
        nn.Module()(1.0)


def test_repr_is_a_tree_like_pytorch():
    assert repr(Net()) == (
        "Net(\n"
        "  (fc1): Linear(in_features=2, out_features=3, bias=True)\n"
        "  (act): Tanh()\n"
        "  (head): Sequential(\n"
        "    (0): Linear(in_features=3, out_features=4, bias=True)\n"
        "    (1): ReLU()\n"
        "    (2): Linear(in_features=4, out_features=1, bias=True)\n"
        "  )\n"
        ")")
    assert repr(nn.Linear(2, 1, engine="value")) == (
        "Linear(in_features=2, out_features=1, bias=True, engine='value')")
    assert repr(nn.Linear(2, 1, bias=False, dtype=np.float32)) == (
        "Linear(in_features=2, out_features=1, bias=False, dtype=float32)")
    assert repr(nn.MSELoss()) == "MSELoss()"


def test_train_and_eval_set_the_flag_everywhere():
    net = Net()
    assert all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    with pytest.raises(TypeError, match="mode must be a bool, got str 'no'"):
        net.train("no")


def test_zero_grad_clears_tensor_and_value_grads():
    net = Net()
    net(np.ones((5, 2))).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net(np.ones((5, 2))).sum().backward()
    held = [p.grad for p in net.parameters()]
    net.zero_grad(set_to_none=False)  # in place, as PyTorch: a held grad Tensor sees it
    assert all(p.grad is g and np.array_equal(g, np.zeros_like(p.data))
               for p, g in zip(net.parameters(), held))
    net(np.ones((5, 2))).sum().backward()
    assert all(p.grad is g and np.any(g.data != 0) for p, g in zip(net.parameters(), held))
    vnet = nn.MLP(2, [3, 1], engine="value")
    vnet([1.0, 2.0]).backward()
    vnet.zero_grad()
    assert all(p.grad == 0.0 for p in vnet.parameters())


# --- state dicts -----------------------------------------------------------------------------

def test_state_dict_is_a_copy_and_round_trips():
    net, other = Net(), Net()
    sd = net.state_dict()
    sd["fc1.weight"][...] = 0.0
    assert not np.array_equal(net.fc1.weight.data, 0.0)
    result = other.load_state_dict(net.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    x = np.random.default_rng(0).normal(size=(4, 2))
    np.testing.assert_array_equal(other(x).data, net(x).data)


def test_load_state_dict_reports_every_problem_together_and_changes_nothing():
    net = Net()
    before = net.state_dict()
    sd = net.state_dict()
    del sd["fc1.bias"]
    sd["fc2.weight"] = np.zeros((3, 2))
    sd["head.0.weight"] = np.zeros((2, 2))
    sd["scale"] = np.array(["x"])
    sd["fc1.weight"] = np.zeros((3, 2))          # valid: must not be loaded either
    with pytest.raises(ValueError) as info:
        net.load_state_dict(sd)
    message = str(info.value)
    assert "Error(s) in loading state_dict for Net (nothing was loaded)" in message
    assert "missing key 'fc1.bias'" in message
    assert "unexpected key 'fc2.weight'" in message
    assert ("size mismatch for 'head.0.weight': checkpoint shape (2, 2), model shape (4, 3)"
            in message)
    assert "bad value for 'scale': expected a numeric array, got ndarray" in message
    for name, array in net.state_dict().items():
        np.testing.assert_array_equal(array, before[name])


def test_load_state_dict_non_strict_returns_the_incompatible_keys():
    net = Net()
    sd = net.state_dict()
    del sd["scale"]
    sd["extra"] = np.ones(1)
    sd["fc1.bias"] = np.full(3, 7.0)
    result = net.load_state_dict(sd, strict=False)
    assert result.missing_keys == ["scale"] and result.unexpected_keys == ["extra"]
    np.testing.assert_array_equal(net.fc1.bias.data, 7.0)
    with pytest.raises(ValueError, match="size mismatch for 'fc1.bias'"):
        net.load_state_dict({"fc1.bias": np.ones(2)}, strict=False)
    with pytest.raises(TypeError, match="must be a mapping of names to arrays, got list"):
        net.load_state_dict([("fc1.bias", np.ones(3))])


def test_load_state_dict_keeps_the_parameter_objects_and_dtype():
    layer = nn.Linear(2, 2, dtype=np.float32)
    weight = layer.weight
    layer.load_state_dict({"weight": np.ones((2, 2)), "bias": np.arange(2)})
    assert layer.weight is weight and weight.dtype == np.float32
    np.testing.assert_array_equal(layer.bias.data, [0.0, 1.0])


def test_parameters_are_labelled_with_their_names():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.MLP(2, [3, 1])
            self.head = nn.Linear(1, 1)
            self.head.bias.label = "offset"   # a label the user gives is kept

    net = Net()
    assert [p.label for p in net.parameters()] == [
        "body.0.weight", "body.0.bias", "body.2.weight", "body.2.bias", "head.weight", "offset"]
    scalar = nn.MLP(2, [2, 1], engine="value")
    assert [p.label for p in scalar.parameters()][:3] == ["0.weight[0,0]", "0.weight[0,1]",
                                                          "0.weight[1,0]"]


# --- nn.Parameter and its registration -------------------------------------------------------

def test_parameter_requires_grad_shares_a_tensors_data_and_prints_like_pytorch():
    t = Tensor([-1.0, 1.0])
    a = nn.Parameter(t)
    assert isinstance(a, Tensor) and a.requires_grad and a.is_leaf
    assert a.data is t.data                       # shared, as torch.nn.Parameter(t)
    assert repr(a) == "Parameter containing:\n" + repr(Tensor([-1.0, 1.0], requires_grad=True))
    frozen = nn.Parameter(np.ones(2, dtype=np.float32), requires_grad=False)
    assert not frozen.requires_grad and frozen.dtype == np.float32
    assert nn.Parameter().shape == (0,)
    out = a * 2
    assert type(out) is Tensor                    # ops on a Parameter give plain Tensors
    out.sum().backward()
    np.testing.assert_array_equal(a.grad, [2.0, 2.0])


def test_linear_weights_are_parameters_and_frozen_parameters_still_register():
    layer = nn.Linear(2, 3)
    assert isinstance(layer.weight, nn.Parameter) and isinstance(layer.bias, nn.Parameter)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.frozen = nn.Parameter(Tensor([1.0]), requires_grad=False)

    assert [n for n, _ in Net().named_parameters()] == ["frozen"]


def test_a_tensor_assigned_over_a_parameter_is_a_type_error_naming_it():
    layer = nn.Linear(2, 3)
    weight = layer.weight
    with pytest.raises(TypeError, match=r"cannot assign a Tensor \(requires_grad=False\) as "
                       r"parameter 'weight' \(nn.Parameter or None expected\): wrap it in "
                       r"nn.Parameter\(...\) or assign to weight.data"):
        layer.weight = Tensor(np.zeros((3, 2)))
    with pytest.raises(TypeError, match=r"a Tensor \(the result of an op\) as parameter 'bias'"):
        layer.bias = layer.bias * 2
    assert layer.weight is weight and [n for n, _ in layer.named_parameters()] == [
        "weight", "bias"]
    layer.weight = nn.Parameter(Tensor(np.zeros((3, 2))))       # what the message says works
    layer.bias = None
    assert [n for n, _ in layer.named_parameters()] == ["weight"]
    np.testing.assert_array_equal(layer.state_dict()["weight"], 0.0)
    scalar = nn.Linear(1, 1, engine="value")
    with pytest.raises(TypeError, match=r"a Value \(requires_grad=False\) as parameter "
                       r"'weight'.*: assign to weight.data"):
        scalar.weight = Value(1.0, requires_grad=False)


def test_register_parameter():
    m = nn.Module()
    w = nn.Parameter(Tensor([1.0, 2.0]))
    m.register_parameter("w", w)
    m.register_parameter("b", None)
    assert m.w is w and m.b is None and [n for n, _ in m.named_parameters()] == ["w"]
    m.register_parameter("v", Value(3.0))           # the scalar engine's parameters too
    assert [n for n, _ in m.named_parameters()] == ["w", "v"]
    with pytest.raises(TypeError, match=r"register_parameter: cannot assign a Tensor \(not an "
                       r"nn.Parameter\) as parameter 'x'.*wrap it in nn.Parameter"):
        m.register_parameter("x", Tensor([1.0], requires_grad=True))
    with pytest.raises(TypeError, match="cannot assign float as parameter 'x'"):
        m.register_parameter("x", 1.0)
    m.note = "text"
    with pytest.raises(KeyError, match="attribute 'note' already exists and is not a parameter"):
        m.register_parameter("note", w)
    with pytest.raises(ValueError, match="name must be a non-empty string without '.', got 'a.b'"):
        m.register_parameter("a.b", w)


def test_a_replaced_module_or_parameter_keeps_its_place_in_the_order():
    net = Net()
    net.fc1 = nn.Linear(2, 3)
    net.scale = nn.Parameter(Tensor([2.0]))
    assert [n for n, _ in net.named_parameters()] == ["scale", "fc1.weight", "fc1.bias",
                                                       "head.0.weight", "head.0.bias",
                                                       "head.2.weight", "head.2.bias"]
    assert [n for n, _ in net.named_modules()][:3] == ["", "fc1", "act"]


def test_apply_visits_children_first_then_the_module():
    net = Net()
    seen = []
    assert net.apply(lambda m: seen.append(type(m).__name__)) is net
    assert seen == ["Linear", "Tanh", "Linear", "ReLU", "Linear", "Sequential", "Net"]

    def init_weights(m):
        if isinstance(m, nn.Linear):
            nn.init.ones_(m.weight)

    net.apply(init_weights)
    assert all(np.all(m.weight.data == 1.0) for m in net.modules() if isinstance(m, nn.Linear))

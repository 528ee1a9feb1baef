# %% [markdown]
# # Lesson 4: a curve no line can fit, y = sin(x)^3
#
# A hundred points of y = sin(x)^3 plus a little noise, x in [0, 10). Three models:
#
# 1. a straight line, `nn.Linear(1, 1)`;
# 2. a deep linear net, Linear(1, 10) -> Linear(10, 10) -> Linear(10, 1) with no
#    activation between: a product of linear maps is linear, so it is still a line
#    and ends at the same loss;
# 3. a ReLU MLP 1-100-100-1: the ReLUs bend it, and it follows the curve.
#
# The lesson trains all three with SGD at lr 0.01 and needs 10000 epochs for the MLP
# to reach a loss of 0.028. Adam (lr 0.01) gets the MLP to the noise level (0.01)
# in under 2000 epochs, so the demo uses it there; the lines keep the lesson's SGD.

# %%
import numpy as np

import microgd as mg
from microgd import data, nn, optim, plot

try:
    from demos.common import fit, mse, parse_args, predict, render, saved
except ModuleNotFoundError:  # run as `python demos/nonlinear.py`, or from demos/
    from common import fit, mse, parse_args, predict, render, saved


# %%
def models():
    """The three models of the lesson, freshly initialised: {name: (model, optimizer)}."""
    line = nn.Linear(1, 1)
    deep = nn.Sequential(nn.Linear(1, 10), nn.Linear(10, 10), nn.Linear(10, 1))
    relu = nn.MLP(1, [100, 100, 1])
    return {
        "line (SGD)": (line, optim.SGD(line.parameters(), lr=0.01)),
        "deep linear, no activation (SGD)": (deep, optim.SGD(deep.parameters(), lr=0.01)),
        "ReLU MLP 1-100-100-1 (Adam)": (relu, optim.Adam(relu.parameters(), lr=0.01)),
    }


# %%
def main(argv=None):
    """Fit the three models; print their errors; save the fits, losses and network."""
    args = parse_args(argv, "Lesson 4: a line, a deep linear net and a ReLU MLP on sin(x)^3.")
    mg.manual_seed(0)
    x, y = data.sin_cubed(seed=0)
    X = x.reshape(-1, 1)
    print(f"data: {len(X)} points of y = sin(x)^3 + noise, x in [0, 10)")
    epochs = {"line (SGD)": 300 if args.fast else 1000,
              "deep linear, no activation (SGD)": 300 if args.fast else 1000,
              "ReLU MLP 1-100-100-1 (Adam)": 600 if args.fast else 2000}
    grid = np.linspace(0, 10, 400).reshape(-1, 1)
    losses, curves, errors, trained = {}, {}, {}, {}
    for name, (model, opt) in models().items():
        losses[name] = fit(model, X, y, opt, epochs[name], name)
        errors[name] = mse(model, X, y)
        curves[name] = predict(model, grid)
        trained[name] = model
        print(f"  {name:34s} {epochs[name]:5d} epochs  mean squared error {errors[name]:.4f}")

    line, deep, relu = errors.values()
    for name in list(trained)[:2]:
        b, a_plus_b = predict(trained[name], np.array([[0.0], [1.0]]))
        print(f"  {name} is the line y = {a_plus_b - b:.4f}x {'-' if b < 0 else '+'} "
              f"{abs(b):.4f}")
    print(f"the ReLUs cut the line's error {line / relu:.0f}-fold")

    pictures = []
    path = args.out / "nonlinear.png"
    plot.plot_fit(x, y, curves, grid=grid, path=path, title="Lesson 4: fits to sin(x)^3")
    pictures.append(saved(path, "the three fits"))
    path = args.out / "nonlinear_losses.png"
    plot.plot_losses(losses, path=path, title="Lesson 4: training loss", xlabel="epoch")
    pictures.append(saved(path, "loss curves"))
    network = mg.draw_network(trained["ReLU MLP 1-100-100-1 (Adam)"])
    for suffix in ("svg", "png"):
        pictures.append(render(network, args.out / f"nonlinear_network.{suffix}",
                               "the ReLU MLP's network diagram"))
    return {"line_mse": line, "deep_linear_mse": deep, "relu_mse": relu,
            "pictures": pictures}


# %%
if __name__ == "__main__":
    main()

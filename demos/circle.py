# %% [markdown]
# # Lesson 5: a surface in 3-D, y = |x|
#
# A thousand points x uniform in the square [-1, 1]^2, with target its distance from
# the centre, y = sqrt(x1^2 + x2^2), plus noise: a cone. Two nets of the same shape,
# 2-100-100-1, trained with Adam at lr 0.01: one with linear layers only (it can only
# learn a tilted plane, and stops at the cone's variance around its mean), one with
# ReLUs (it learns the cone, down to the noise).

# %%
import microgd as mg
from microgd import data, nn, optim, plot

try:
    from demos.common import fit, mse, parse_args, predict, saved
except ModuleNotFoundError:  # run as `python demos/circle.py`, or from demos/
    from common import fit, mse, parse_args, predict, saved


# %%
def models():
    """The two nets, freshly initialised: {name: model}."""
    return {
        "linear layers only": nn.Sequential(nn.Linear(2, 100), nn.Linear(100, 100),
                                            nn.Linear(100, 1)),
        "ReLU MLP": nn.MLP(2, [100, 100, 1]),
    }


# %%
def main(argv=None):
    """Fit both nets with Adam; print their errors; save the 3-D pictures and losses."""
    args = parse_args(argv, "Lesson 5: linear layers vs a ReLU MLP on y = |x| in 3-D.")
    mg.manual_seed(0)
    X, y = data.circle(seed=0)
    epochs = 150 if args.fast else 1000
    print(f"data: {len(X)} points x in [-1, 1]^2, y = |x| + noise; Adam lr 0.01, "
          f"{epochs} epochs")
    trained, losses, errors = models(), {}, {}
    for name, model in trained.items():
        losses[name] = fit(model, X, y, optim.Adam(model.parameters(), lr=0.01), epochs, name)
        errors[name] = mse(model, X, y)
        print(f"  {name:20s} mean squared error {errors[name]:.4f}")

    pictures = []
    path = args.out / "circle_predictions.png"
    plot.plot_surface_3d(X, y, predictions={name: predict(model, X)
                                            for name, model in trained.items()},
                         path=path, title="Lesson 5: data and both nets' predictions")
    pictures.append(saved(path, "3-D scatter of data and predictions"))
    path = args.out / "circle_surface.png"
    plot.plot_surface_3d(X, y, surface=lambda grid: predict(trained["ReLU MLP"], grid),
                         path=path, title="Lesson 5: the ReLU MLP's surface")
    pictures.append(saved(path, "the ReLU MLP's predicted surface"))
    path = args.out / "circle_losses.png"
    plot.plot_losses(losses, path=path, title="Lesson 5: training loss", xlabel="epoch")
    pictures.append(saved(path, "loss curves"))
    return {"linear_mse": errors["linear layers only"], "relu_mse": errors["ReLU MLP"],
            "pictures": pictures}


# %%
if __name__ == "__main__":
    main()

# %% [markdown]
# # Quick start: a scalar graph and a line fitted by gradient descent
#
# Runs as a script (`python demos/quickstart.py`) and opens as a notebook.

# %%
import microgd as mg
from microgd import Tensor, Value


def main(argv=None):
    # %% A scalar graph, micrograd-style: every node keeps its data and grad.
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = (a * b + a ** 2).tanh()
    c.backward()
    print(c)                                   # Value(data=-0.964028, grad=1.0)
    print(f"{a.grad:.6f} {b.grad:.6f}")        # 0.070651 0.141302
    # By hand: dc/da = (1 - c^2)(b + 2a), dc/db = (1 - c^2) a
    print(f"{(1 - c.data ** 2) * (b.data + 2 * a.data):.6f} {(1 - c.data ** 2) * a.data:.6f}")
    print(mg.gradcheck(lambda a, b: (a * b + a ** 2).tanh(), [a, b]))   # True

    # %% The lesson's line on Tensors: y = x @ [3, 2] + noise, 100 steps of gradient descent.
    X, y = map(Tensor, mg.data.lesson2(seed=0))   # rows [u, 1]; y = x @ [3, 2] + noise
    w = Tensor([-1.0, 1.0], requires_grad=True)
    for _ in range(100):
        loss = ((X @ w - y) ** 2).mean()
        loss.backward()
        w.data -= 0.1 * w.grad
        w.grad = None
    print(f"loss {loss.item():.4f}, w {w.data.round(2)}")   # loss 0.0842, w [3.12 2.52]
    return w.data


if __name__ == "__main__":
    main()

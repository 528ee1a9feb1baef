# %% [markdown]
# # Quick start: a scalar graph and a line fitted by gradient descent
#
# The README's first example, cell by cell. Runs as a script
# (`python demos/quickstart.py`) and opens as a notebook (`notebooks/quickstart.ipynb`).

# %%
# demos first, before numpy: it sets one BLAS thread, the same numbers everywhere
import demos  # noqa: F401
import microgd as mg
from microgd import Tensor, Value

# %% [markdown]
# ## A scalar graph, micrograd-style
#
# Every node keeps its data and its gradient. By hand, for c = tanh(a b + a²):
# dc/da = (1 - c²)(b + 2a) and dc/db = (1 - c²) a.

# %%
a, b = Value(2.0, label="a"), Value(-3.0, label="b")
c = (a * b + a ** 2).tanh()
c.backward()
print(c)                                   # Value(data=-0.964028, grad=1.0)
print(f"{a.grad:.6f} {b.grad:.6f}")        # 0.070651 0.141302
print(f"{(1 - c.data ** 2) * (b.data + 2 * a.data):.6f} {(1 - c.data ** 2) * a.data:.6f}")
print(mg.gradcheck(lambda a, b: (a * b + a ** 2).tanh(), [a, b]))   # True

# %% [markdown]
# The graph that `backward` walked, each node with its data and gradient:

# %%
mg.draw_graph(c)

# %% [markdown]
# ## The lesson's line on Tensors
#
# y = x @ [3, 2] + noise, each row x = [u, 1]; 100 steps of gradient descent from
# w = (-1, 1) at learning rate 0.1, the update written out by hand.

# %%
X, y = map(Tensor, mg.data.lesson2(seed=0))   # rows [u, 1]; y = x @ [3, 2] + noise
w = Tensor([-1.0, 1.0], requires_grad=True)
for _ in range(100):
    loss = ((X @ w - y) ** 2).mean()
    loss.backward()
    w.data -= 0.1 * w.grad
    w.grad = None
print(f"loss {loss.item():.4f}, w {w.data.round(2)}")   # loss 0.0842, w [3.12 2.52]

# %%
results = {"w": w.data.tolist(), "loss": loss.item()}

# %% [markdown]
# # Lesson 003: SGD, the fast.ai lesson-2 PyTorch code on microgd
#
# Seed lesson 003 (Practical Deep Learning for Coders v3, lesson 2 sgd, a bilingual
# English/Chinese edition; the Chinese text is left out here). Every code cell below is
# the lesson's own, run on microgd: only the import cell changed (it was
# `from fastai.basics import *`). Change it back to `import torch; from torch import nn`
# (with fastai's `tensor`, which takes `tensor(3., 2)`) and the same cells run on PyTorch.
#
# The microgd-native version of this lesson: [lesson2_sgd.ipynb](../lesson2_sgd.ipynb)
# (the same fit, with mini-batches and an animation) and
# [momentum.ipynb](../momentum.ipynb) (optimizers compared).
#
# # Practical Deep Learning for Coders, v3
# # Lesson 2_sgd

# %%
# %matplotlib inline
import microgd as torch
from microgd import tensor, nn
import numpy as np
import matplotlib.pyplot as plt

# %% [markdown]
# In this part of the lecture we will explain Stochastic Gradient Descent (SGD) which is
# an **optimization** method commonly used in neural networks We will ilustrate the
# concepts with concrete examples.
#
# # Linear Regression problem
#
# The goal of linear regression is to fit a line to a set of points.

# %%
n=100

# %%
x = torch.ones(n,2)
x[:,0].uniform_(-1.,1)
x[:5]

# %%
a = tensor(3.,2); a

# %%
y = x@a + torch.rand(n)

# %%
plt.scatter(x[:,0], y);

# %% [markdown]
# You want to find **parameters** (weights) `a` such that you minimize the *error* between
# the points and the line `x@a`. Note that here `a` is unknown. For a regression problem
# the most common *error function* or *loss function* is the **mean squared error**.

# %%
def mse(y_hat, y): return ((y_hat-y)**2).mean()

# %% [markdown]
# Suppose we believe `a = (-1.0,1.0)` then we can compute `y_hat` which is our
# *prediction* and then compute our error.

# %%
a = tensor(-1.,1)

# %%
y_hat = x@a
mse(y_hat, y)

# %%
plt.scatter(x[:,0],y)
plt.scatter(x[:,0],y_hat);

# %% [markdown]
# So far we have specified the *model* (linear regression) and the *evaluation criteria*
# (or *loss function*). Now we need to handle *optimization*; that is, how do we find the
# best values for `a`? How do we find the best *fitting* linear regression.
#
# # Gradient Descent
#
# We would like to find the values of `a` that minimize `mse_loss`.
#
# **Gradient descent** is an algorithm that minimizes functions. Given a function defined
# by a set of parameters, gradient descent starts with an initial set of parameter values
# and iteratively moves toward a set of parameter values that minimize the function. This
# iterative minimization is achieved by taking steps in the negative direction of the
# function gradient.
#
# Here is gradient descent implemented in [PyTorch](http://pytorch.org/) (running on
# microgd).

# %%
a = nn.Parameter(a); a

# %%
def update():
    y_hat = x@a
    loss = mse(y, y_hat)
    if t % 10 == 0: print(loss)
    loss.backward()
    with torch.no_grad():
        a.sub_(lr * a.grad)
        a.grad.zero_()

# %%
lr = 1e-1
for t in range(100): update()

# %% [markdown]
# (On PyTorch this cell and the animation need `(x@a).detach()`: PyTorch refuses to turn
# a tensor that requires grad into a numpy array for matplotlib. microgd draws them as
# written.)

# %%
plt.scatter(x[:,0],y)
plt.scatter(x[:,0],x@a);

# %% [markdown]
# ## Animate it!

# %%
from matplotlib import animation, rc
rc('animation', html='jshtml')

# %%
a = nn.Parameter(tensor(-1.,1))

fig = plt.figure()
plt.scatter(x[:,0], y, c='orange')
line, = plt.plot(x[:,0], x@a)
plt.close()

def animate(i):
    update()
    line.set_ydata(x@a)
    return line,

animation.FuncAnimation(fig, animate, np.arange(0, 100), interval=20)

# %% [markdown]
# In practice, we don't calculate on the whole file at once, but we use *mini-batches*.
#
# ## Vocab
#
# - Learning rate
# - Epoch
# - Minibatch
# - SGD
# - Model / Architecture
# - Parameters
# - Loss function
#
# For classification problems, we use *cross entropy loss*, also known as *negative log
# likelihood loss*. This penalizes incorrect confident predictions, and correct
# unconfident predictions.

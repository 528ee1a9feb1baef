# %% [markdown]
# # Lesson 002: SGD with momentum, the lesson's PyTorch code on microgd
#
# Seed lesson 002 (`lesson2SGD_withmomentum`, a fast.ai lesson-2 notebook with momentum
# added to the update). Every code cell below is the lesson's own, run on microgd: only
# the import cell changed (it was `from fastai.basics import *`). Change it back to
# `import torch; from torch import nn` (with fastai's `tensor`, which takes `tensor(3., 2)`)
# and the same cells run on PyTorch.
#
# The microgd-native version of this lesson: [lesson2_sgd.ipynb](../lesson2_sgd.ipynb)
# (SGD on the same line) and [momentum.ipynb](../momentum.ipynb) (momentum, Adam and
# friends compared).

# %%
# %matplotlib inline
import microgd as torch
from microgd import tensor, nn
import numpy as np
import matplotlib.pyplot as plt

# %% [markdown]
# In this part of the lecture we explain Stochastic Gradient Descent (SGD) which is an
# **optimization** method commonly used in neural networks. We will illustrate the
# concepts with concrete examples.
#
# ## Linear Regression problem
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
# best values for `a`?
#
# ## Gradient Descent
#
# **Gradient descent** is an algorithm that minimizes functions: it starts with an
# initial set of parameter values and iteratively moves toward the values that minimize
# the function, by taking steps in the negative direction of its gradient. Here it is in
# PyTorch (running on microgd).

# %%
a = nn.Parameter(a); a

# %%
#this was the old update function
"""def update():
    y_hat = x@a
    loss = mse(y, y_hat)
    if t % 10 == 0: print(loss)
    loss.backward()
    with torch.no_grad():
        a.sub_(lr * a.grad)
        a.grad.zero_()"""

# %%
last_step = tensor(0.,0.) #creating new tensor to hold value of previous step
set_moms = 0.8 #setting momentum value

# %%
def update():
    global last_step
    y_hat = x@a
    loss = mse(y, y_hat)
    loss.backward()
    with torch.no_grad():
        if t == 0: moms = 0 #for first epoch, set moms to zero (since there is no previous epoch)
        else: moms = set_moms
        step = (moms*last_step) + ((1-moms)*a.grad)
        a.sub_(lr * step)
        last_step = step
        print(f'Epoch {t}', loss, a.grad, last_step) #printing the loss, a.grad, and last_step values to check they're calculating correctly
        a.grad.zero_()

# %%
lr = 1e-1
for t in range(50): update()

# %% [markdown]
# The fitted line. (On PyTorch this cell needs `(x@a).detach()`: PyTorch refuses to turn
# a tensor that requires grad into a numpy array for matplotlib; microgd allows it.)

# %%
plt.scatter(x[:,0],y)
plt.scatter(x[:,0],x@a);

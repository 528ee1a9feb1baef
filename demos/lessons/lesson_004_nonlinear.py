# %% [markdown]
# # Lesson 004: from a line to non-linear functions, the lesson's PyTorch code on microgd
#
# Seed lesson 004 (a deep-learning primer: gradient descent finds y = 3x + 8, then a line,
# a deep linear net and a ReLU net fit sin(x)^3, then a circle in 3D). Every code cell
# below is the lesson's own, run on microgd: only the import lines changed
# (`import torch` became `import microgd as torch`). Change them back and the same cells
# run on PyTorch.
#
# One change for speed, not for the lesson: as written, the ReLU fit of sin(x)^3 trains
# 10,000 epochs and the two circle fits 1,000 each (about a minute in all on microgd);
# with `MICROGD_DEMOS_FAST=1` (the tests, CI) they train 1,000 and 200, so their losses
# stop higher than the lesson's. The data is numpy's,
# unseeded as in the lesson, so each run prints slightly different numbers.
#
# The microgd-native version of this lesson: [linear_regression.ipynb](../linear_regression.ipynb)
# (y = 3x + 8), [nonlinear.ipynb](../nonlinear.ipynb) (sin(x)^3: line, deep line, ReLU)
# and [circle.ipynb](../circle.ipynb) (the circle in 3D).

# %%
import os
FAST = os.environ.get("MICROGD_DEMOS_FAST", "0") not in ("", "0")  # shorter ReLU training

# %%
import numpy as np
x_data = np.random.rand(100) * 10
noise = np.random.normal(0, 2, x_data.shape)
y_data = 3*x_data + 8 + noise

# %% [markdown]
# ## Deep Learning
#
# ### Concept
#
# One of goal of the deep learning algorithm is to find the best function with minimum
# lost value. Rather than manually adjusting the `weight` and `bias` of the function, we
# can use the `gradient descent` algorithm to find the best function.
#
# `y = ax + b`: `a` is the weight and `b` is the bias. In the case of three variables,
# `z = ax + by + c`: `a` and `b` are the weights and `c` is the bias.

# %%
# plot the data
import matplotlib.pyplot as plt
plt.scatter(x_data, y_data)
plt.show()

# %% [markdown]
# Now let's create a simple neural network to automatically find the best function.
# (You may skip the code at this moment, we will explain it in the next section.)

# %%
# solve the equation above using pytorch
import microgd as torch

class MySimpleNeuralNetwork(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(1, 1)

    def forward(self, x):
        return self.linear(x)

def loss(y, y_pred):
    return ((y_pred - y)**2).mean()

model = MySimpleNeuralNetwork()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)

x_tensor = torch.from_numpy(x_data).float().view(-1, 1)
y_tensor = torch.from_numpy(y_data).float().view(-1, 1)

for epoch in range(100):
    y_pred = model(x_tensor)
    l = loss(y_tensor, y_pred)
    optimizer.zero_grad()
    l.backward()
    optimizer.step()

    if epoch % 10 == 0:
        print(f'epoch {epoch+1}, loss {l.item():.4f}, w {model.linear.weight.item():.4f}, b {model.linear.bias.item():.4f}')

# %%
# Plot the result
plt.scatter(x_data, y_data)
plt.plot(x_data, model(x_tensor).detach().numpy(), 'r')
plt.title('y = {:.4f}x + {:.4f}'.format(model.linear.weight.item(), model.linear.bias.item()))

# %% [markdown]
# Let's continue with more epoch

# %%
for epoch in range(200):
    y_pred = model(x_tensor)
    l = loss(y_tensor, y_pred)
    optimizer.zero_grad()
    l.backward()
    optimizer.step()

    if epoch % 10 == 0:
        print(f'epoch {epoch+1}, loss {l.item():.4f}, w {model.linear.weight.item():.4f}, b {model.linear.bias.item():.4f}')

# %%
# Plot the result
plt.scatter(x_data, y_data)
plt.plot(x_data, model(x_tensor).detach().numpy(), 'r')
plt.title('y = {:.4f}x + {:.4f}'.format(model.linear.weight.item(), model.linear.bias.item()))

# %% [markdown]
# The lesson then draws the network with fastbook's graphviz helper (not PyTorch, so
# not run here):
#
# ```python
# from fastbook import *
# #Visualize the neural network, input -> node -> output
# gv('''
# input -> "n1" [label=3]
# bias -> "n1" [label=8]
# "n1" -> output
# ''')
# ```
#
# Experiment more here: https://playground.tensorflow.org/
#
# ## Non Linear Function
#
# Some problems doesn't have linear relationship. In this case, linear function is not
# enough to solve the problem. We need to use non-linear function. Example:

# %%
# create a non linear data with single feature
# y = sin(x) + noise
x_data = np.random.rand(100) * 10
noise = np.random.normal(0, 0.1, x_data.shape)
y_data = np.sin(x_data) ** 3 + noise

# plot the data
plt.scatter(x_data, y_data)
plt.show()

# %%
# solve the equation above using pytorch
import microgd as torch

class MySimpleNeuralNetwork(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(1, 1)

    def forward(self, x):
        return self.linear(x)

def loss(y, y_pred):
    return ((y_pred - y)**2).mean()

model = MySimpleNeuralNetwork()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)

x_tensor = torch.from_numpy(x_data).float().view(-1, 1)
y_tensor = torch.from_numpy(y_data).float().view(-1, 1)

for epoch in range(100):
    y_pred = model(x_tensor)
    l = loss(y_tensor, y_pred)
    optimizer.zero_grad()
    l.backward()
    optimizer.step()

    if epoch % 10 == 0:
        print(f'epoch {epoch+1}, loss {l.item():.4f}, w {model.linear.weight.item():.4f}, b {model.linear.bias.item():.4f}')

# %%
# Plot the model
plt.scatter(x_data, y_data)
plt.scatter(x_data, model(x_tensor).detach().numpy(), s=10, c='r')
plt.show()

# %% [markdown]
# Our linear function is not good enough. How about if we add more layer?

# %%
# solve the equation above using pytorch
import microgd as torch

class MySimpleNeuralNetwork(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.linear_1 = torch.nn.Linear(1, 10)
        self.linear_2 = torch.nn.Linear(10, 10)
        self.linear_3 = torch.nn.Linear(10, 1)

    def forward(self, x):
        return self.linear_3(self.linear_2(self.linear_1(x)))

def loss(y, y_pred):
    return ((y_pred - y)**2).mean()

model = MySimpleNeuralNetwork()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)

x_tensor = torch.from_numpy(x_data).float().view(-1, 1)
y_tensor = torch.from_numpy(y_data).float().view(-1, 1)

for epoch in range(100):
    y_pred = model(x_tensor)
    l = loss(y_tensor, y_pred)
    optimizer.zero_grad()
    l.backward()
    optimizer.step()

    if epoch % 10 == 0:
        print(f'epoch {epoch}, loss {l.item():.4f}')

# %%
# Plot the model
plt.scatter(x_data, y_data)
plt.scatter(x_data, model(x_tensor).detach().numpy(), s=10, c='r')
plt.show()

# %% [markdown]
# Hmm not good enough, we need to add non-linearity to our function.
# (10,000 epochs as the lesson; 1,000 in fast mode.)

# %%
# solve the equation above using pytorch
import microgd as torch

class MySimpleNeuralNetwork(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.linear_1 = torch.nn.Linear(1, 100)
        self.linear_2 = torch.nn.Linear(100, 100)
        self.linear_3 = torch.nn.Linear(100, 1)
        self.relu = torch.nn.ReLU()

    def forward(self, x):
        return self.linear_3(self.relu(self.linear_2(self.relu(self.linear_1(x)))))

def loss(y, y_pred):
    return ((y_pred - y)**2).mean()

model = MySimpleNeuralNetwork()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)

x_tensor = torch.from_numpy(x_data).float().view(-1, 1)
y_tensor = torch.from_numpy(y_data).float().view(-1, 1)

for epoch in range(1000 if FAST else 10000):
    y_pred = model(x_tensor)
    l = loss(y_tensor, y_pred)
    optimizer.zero_grad()
    l.backward()
    optimizer.step()

    if epoch % 1000 == 0:
        print(f'epoch {epoch}, loss {l.item():.4f}')

# %%
plt.scatter(x_data, y_data)
# Plot the model output using scatter plot
plt.scatter(x_data, model(x_tensor).detach().numpy(), s=10, c='r')
plt.show()

# %% [markdown]
# ## Non Linear Function (3D)
#
# How about non linear with two variables? (1,000 epochs each as the lesson; 200 in fast
# mode.)

# %%
import numpy as np
import matplotlib.pyplot as plt
from mpl_toolkits.mplot3d import Axes3D

# Generate circle data set for regression
n_samples = 1000
X = np.random.rand(n_samples, 2) * 2 - 1
y = np.sqrt(X[:, 0]**2 + X[:, 1]**2)
# add noise to y
y += 0.1 * np.random.randn(n_samples)

# Create a 3D scatter plot
fig = plt.figure()
ax = fig.add_subplot(111, projection='3d')
ax.scatter(X[:, 0], X[:, 1], y)

# Set the x, y, and z labels
ax.set_xlabel('X')
ax.set_ylabel('Y')
ax.set_zlabel('Target')

plt.show()

# %%
# solve the equation above using pytorch
import microgd as torch

class MySimpleNeuralNetwork(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.linear_1 = torch.nn.Linear(2, 100)
        self.linear_2 = torch.nn.Linear(100, 100)
        self.linear_3 = torch.nn.Linear(100, 1)
        # self.relu = torch.nn.ReLU()

    def forward(self, x):
        # return self.relu(self.linear_3(self.relu(self.linear_2(self.relu(self.linear_1(x))))))
        return self.linear_3(self.linear_2(self.linear_1(x)))

loss = torch.nn.MSELoss()

model = MySimpleNeuralNetwork()
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)

x_tensor = torch.from_numpy(X).float()
y_tensor = torch.from_numpy(y).float().view(-1, 1)

for epoch in range(200 if FAST else 1000):
    y_pred = model(x_tensor)
    l = loss(y_tensor, y_pred)
    optimizer.zero_grad()
    l.backward()
    optimizer.step()

    if epoch % 100 == 0:
        print(f'epoch {epoch+1}, loss {l.item():.4f}')

# %% [markdown]
# (Drawing this takes a while, on PyTorch too: the model's output has shape (1000, 1),
# which matplotlib broadcasts against the 1,000 x and y values, so the red cloud is
# 1,000,000 points. `.ravel()` after `.numpy()` would draw the 1,000 meant.)

# %%
# Plot the result
# Create a 3D scatter plot
fig = plt.figure()
ax = fig.add_subplot(111, projection='3d')
ax.scatter(X[:, 0], X[:, 1], y)

# Set the x, y, and z labels
ax.set_xlabel('X')
ax.set_ylabel('Y')
ax.set_zlabel('Target')

# draw the model
ax.scatter(X[:, 0], X[:, 1], model(x_tensor).detach().numpy(), c='r')

plt.show()

# %%
# solve the equation above using pytorch
import microgd as torch

class MySimpleNeuralNetwork(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.linear_1 = torch.nn.Linear(2, 100)
        self.linear_2 = torch.nn.Linear(100, 100)
        self.linear_3 = torch.nn.Linear(100, 1)
        self.relu = torch.nn.ReLU()

    def forward(self, x):
        return self.relu(self.linear_3(self.relu(self.linear_2(self.relu(self.linear_1(x))))))

loss = torch.nn.MSELoss()

model = MySimpleNeuralNetwork()
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)

x_tensor = torch.from_numpy(X).float()
y_tensor = torch.from_numpy(y).float().view(-1, 1)

for epoch in range(200 if FAST else 1000):
    y_pred = model(x_tensor)
    l = loss(y_tensor, y_pred)
    optimizer.zero_grad()
    l.backward()
    optimizer.step()

    if epoch % 100 == 0:
        print(f'epoch {epoch+1}, loss {l.item():.4f}')

# %%
# Plot the result
# Create a 3D scatter plot
fig = plt.figure()
ax = fig.add_subplot(111, projection='3d')
ax.scatter(X[:, 0], X[:, 1], y)

# Set the x, y, and z labels
ax.set_xlabel('X')
ax.set_ylabel('Y')
ax.set_zlabel('Target')

# draw the model
ax.scatter(X[:, 0], X[:, 1], model(x_tensor).detach().numpy(), c='r')

plt.show()

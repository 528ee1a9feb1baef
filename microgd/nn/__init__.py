"""Neural-network modules, as ``torch.nn``: layers, containers, losses, init, functional.

Every layer can be built on either engine. ``engine="tensor"`` (the default) keeps a
weight as one Tensor (an ``nn.Parameter``) and runs whole batches; ``engine="value"``
keeps every weight as its own Value, micrograd style, and runs one sample (a list of
floats or Values) at a time, so the graph of individual multiplies can be printed and
drawn. Both engines use the same state_dict names and shapes, so a checkpoint moves
between them.
"""

from . import functional, init, utils
from .containers import MLP, ModuleList, Sequential
from .layers import Dropout, Flatten, Identity, Linear, ReLU, Sigmoid, Softmax, Tanh
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss
from .module import IncompatibleKeys, Module, ValueArray
from .parameter import Parameter

__all__ = ["Module", "Parameter", "ValueArray", "IncompatibleKeys",
           "Linear", "ReLU", "Tanh", "Sigmoid", "Softmax", "Identity", "Flatten", "Dropout",
           "Sequential", "ModuleList", "MLP",
           "MSELoss", "L1Loss", "CrossEntropyLoss", "BCELoss", "BCEWithLogitsLoss",
           "functional", "init", "utils"]

"""Optimizers and learning-rate schedulers, as ``torch.optim``.

``optim.SGD``, ``Adam``, ``AdamW``, ``RMSprop`` and ``Adagrad`` take parameters
(``model.parameters()``) or parameter groups (a list of dicts with options of their
own); their update rules are PyTorch's documented ones, written in each class's
docstring, and every hyperparameter is checked up front ("Invalid learning rate: -1").
The schedulers (StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, LambdaLR) live in
``optim.lr_scheduler``, as in PyTorch; ``optim.StepLR`` and ``optim.CosineAnnealingLR``
work too.
"""

from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .lr_scheduler import CosineAnnealingLR, LRScheduler, StepLR
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "lr_scheduler",
           "LRScheduler", "StepLR", "CosineAnnealingLR"]

"""The lecture's claims, each reproduced as a measured experiment with a figure.

Every experiment runs glassnet's own code (``Network``, ``train``, ``gradient_errors``,
``collapse``, ``gradient_norms``, ``Standardizer``, the optimizers' ``step``) and returns the
numbers it measured together with three summaries:

- ``claim``: the lecture's statement, in one sentence;
- ``measured``: the numbers that test it, in one line;
- ``verdict``: ``True`` when the numbers support the claim, computed from them, never written in.

``run(name)`` runs one experiment, ``figure(name, result, path)`` draws it, and ``report(out_dir)``
runs them all, writes a PNG per experiment and ``report.md``, and prints the table
"claim / what was measured / verdict"; ``write_notebook(path)`` writes the same as a Jupyter
notebook, one claim, its code and its stored outputs at a time. Fixed seeds make every number
reproducible.

Each experiment is one module defining one ``Experiment`` (name, title, claim, run, figure);
``LECTURE`` lists them in the lecture's order and ``EXPERIMENTS`` holds their names:

1. ``backprop``: backprop against centered finite differences, per layer, on a 3-layer
   cat-shaped network (and on one with a planted bug, to show the check catches it).
2. ``output_layer``: dJ/dW[L] = (1/m)(A[L] - Y) A[L-1]^T against the general chain rule
   dL/dA * sigma'(Z) through ``losses.binary_cross_entropy.dA``.
3. ``saturation``: sigma'(z), tanh'(z) and relu'(z) over z in [-10, 10].
4. ``activations``: an identity network equals its collapse W x + B and cannot fit circles or
   XOR; the same network with ReLU can.
5. ``normalization``: raw features of very different scales against standardized ones.
6. ``initialization``: W = 1.5 I and 0.5 I over 10 layers; 20-layer tanh and ReLU networks under
   five initializers.
7. ``minibatch``: full batch against mini-batches of several sizes.
8. ``momentum``: gradient descent against momentum (beta 0.9) on an elongated quadratic bowl and
   on a classification problem.
9. ``optimizers``: gradient descent, momentum, RMSProp and Adam, each at its best learning rate.
"""

from .experiment import Experiment
from .notebook import summary, write_notebook
from .reporting import EXPERIMENTS, LECTURE, figure, find, report, run

__all__ = [
    "EXPERIMENTS", "LECTURE", "Experiment", "figure", "find", "report", "run", "summary",
    "write_notebook",
]  # fmt: skip

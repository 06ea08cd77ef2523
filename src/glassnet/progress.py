"""A progress bar for training: one step per epoch, with the running cost in its postfix.

``ProgressBar`` is a ``gn.train`` callback. After each epoch it advances a tqdm bar by one and
shows J (the epoch's cost, ``history.epoch_costs[-1]``) and, when training has validation data,
the validation accuracy::

    with ProgressBar(epochs=30) as bar:
        gn.train(net, X, y, epochs=30, callbacks=[bar])

tqdm is imported only when a visible bar is made, so ``disable=True`` works without it.
"""

from __future__ import annotations

from typing import IO

from .errors import GlassnetError
from .training import History
from .validation import check_count


class ProgressBar:
    """A tqdm bar over ``epochs`` epochs, advanced by one each time it is called with the History.

    ``desc`` labels the bar; ``file`` is where it is drawn (tqdm's default, stderr, when None);
    ``disable=True`` draws nothing. Use it as a context manager (or call ``close``) so that the
    bar is finished even when training stops early or raises.
    """

    def __init__(
        self, epochs: int, desc: str = "training", disable: bool = False, file: IO | None = None
    ) -> None:
        self.epochs = check_count(epochs, "epochs")
        self.disable = bool(disable)
        self.bar = (
            None
            if self.disable
            else tqdm_module()(total=self.epochs, desc=desc, unit="epoch", file=file, leave=True)
        )

    def __call__(self, history: History) -> None:
        if self.bar is None:
            return
        postfix = {"cost": f"{history.epoch_costs[-1]:.4f}"}
        if history.val_accuracies:
            postfix["val_acc"] = f"{history.val_accuracies[-1]:.3f}"
        self.bar.set_postfix(postfix, refresh=False)
        self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def tqdm_module():
    """tqdm's terminal bar class, or a GlassnetError naming the extra when tqdm is missing."""
    try:
        from tqdm import tqdm
    except ImportError:
        raise GlassnetError(
            'the progress bar needs tqdm, which is not installed: pip install "glassnet[demo]" '
            "(or turn the bar off: disable=True, or --no-progress on the command line)"
        ) from None
    return tqdm

"""The training loop every chapter shares: mini-batch epochs that yield after each one.

A chapter writes ``for epoch, loss in train_epochs(...): snapshots.append(...)``, so the
loop stays visible in the chapter while the batching and seeding live here once.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch
from torch import nn


def tensor(array: np.ndarray, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    return torch.as_tensor(np.asarray(array), dtype=dtype)


def train_epochs(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    loss_fn: nn.Module,
    epochs: int,
    lr: float,
    batch_size: int,
    seed: int,
    optimizer: str = "adam",
) -> Iterator[tuple[int, float]]:
    """Train ``model`` for ``epochs``; after each, yields (epoch number from 1, mean loss)."""
    generator = torch.Generator().manual_seed(seed)
    if optimizer == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=lr)
    elif optimizer == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=lr)
    else:
        raise ValueError(f"optimizer must be 'adam' or 'sgd', not {optimizer!r}")
    for epoch in range(1, epochs + 1):
        model.train()
        order = torch.randperm(len(X), generator=generator)
        total = 0.0
        for start in range(0, len(X), batch_size):
            batch = order[start : start + batch_size]
            opt.zero_grad()
            loss = loss_fn(model(X[batch]), y[batch])
            loss.backward()
            opt.step()
            total += loss.item() * len(batch)
        model.eval()
        yield epoch, total / len(X)


@torch.no_grad()
def predict(model: nn.Module, X: torch.Tensor) -> np.ndarray:
    """The model's outputs for ``X`` as a numpy array."""
    model.eval()
    return model(X).numpy()


def accuracy(logits: np.ndarray, y: np.ndarray) -> float:
    return float((logits.argmax(axis=1) == np.asarray(y)).mean())


def linear_probe_accuracy(features: np.ndarray, y: np.ndarray) -> float:
    """How well a logistic regression separates the classes from ``features`` (training fit)."""
    from sklearn.linear_model import LogisticRegression

    probe = LogisticRegression(max_iter=2000).fit(features, y)
    return float(probe.score(features, y))

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


# --8<-- [start:train-epochs]
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
    """Train ``model`` for ``epochs`` in shuffled mini-batches; after each epoch, yields
    (the epoch's number, counting from 1, and its mean loss)."""
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


# --8<-- [end:train-epochs]


# --8<-- [start:autoencoder]
class Autoencoder(nn.Module):
    """784 pixels → Dense ``hidden``, ReLU → Dense ``latent`` (the code z) → Dense ``hidden``,
    ReLU → 784 pixels. ``forward`` returns the pixels' logits (for ``BCEWithLogitsLoss``);
    ``encode`` gives codes and ``decode`` gives images in [0, 1]. Chapter 4 applies a sigmoid
    to the logits itself and uses MSE."""

    def __init__(self, latent: int, hidden: int):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(784, hidden), nn.ReLU(), nn.Linear(hidden, latent))
        self.decoder = nn.Sequential(nn.Linear(latent, hidden), nn.ReLU(), nn.Linear(hidden, 784))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(x))

    @torch.no_grad()
    def encode(self, images: np.ndarray) -> np.ndarray:
        """Codes (n, latent) of images given as pixel rows (n, 784) in [0, 1]."""
        return self.encoder(tensor(images)).numpy()

    @torch.no_grad()
    def decode(self, codes: np.ndarray) -> np.ndarray:
        """Images (..., 784) in [0, 1] from codes of any leading shape (..., latent)."""
        flat = tensor(codes.reshape(-1, codes.shape[-1]))
        return torch.sigmoid(self.decoder(flat)).numpy().reshape(*codes.shape[:-1], 784)


# --8<-- [end:autoencoder]


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

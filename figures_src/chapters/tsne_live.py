"""Explore the map: the t-SNE map of fashion.py, exported for the page's live version.

The page draws every point of the main map in its class colour, lets the reader pan and
zoom, and, for the point under the pointer (or chosen by keyboard), shows its thumbnail and
lights up its 10 nearest neighbours in the latent space: the neighbourhoods that
``knn_overlap_10`` counts. Nothing is trained here; the export reads the arrays the
autoencoder's run already keeps (the map, the latent vectors, the images, the labels).
"""

from __future__ import annotations

import io
import struct

import numpy as np
from PIL import Image

from figures_src.chapters import fashion  # noqa: F401  (registers fashion.latent_map first)
from figures_src.chapters.tsne import FASHION, dot_colors, island_hearts, nearest
from figures_src.engine import job

K = 10  # the neighbours shown: the k of knn_overlap_10
GREYS = 16  # grey levels of the thumbnails (a 4-bit PNG; 256 levels would not fit 1.5 MB)
QUANT = 65535  # map coordinates as uint16: 0 .. QUANT across the map's longer side

# %% [markdown]
# ## The points: map coordinates, labels and latent neighbours in one binary file
#
# Layout (little-endian), for n points, k neighbours, c classes, a sprite of `columns`:
#
#     uint32[4]    n, k, c, columns
#     uint8[c, 4]  each class's colour, RGBA (the map's colours, tsne.dot_colors)
#     uint16[c]    each class's heart: the point its name is drawn at (tsne.island_hearts)
#     uint16[n]    x, then uint16[n] y: (coordinate - min) / span * 65535, rounded, with one
#                  span (the longer side) for both axes, so the map keeps its shape; y up
#     uint16[n, k] each point's k nearest neighbours in the latent space, nearest first
#     uint8[n]     each point's class


def quantise(embedding: np.ndarray) -> np.ndarray:
    """The map's points as uint16 (n, 2), one scale for both axes; error <= span / 131070."""
    embedding = embedding.astype(np.float64)
    low = embedding.min(axis=0)
    span = (embedding.max(axis=0) - low).max()
    return np.round((embedding - low) / span * QUANT).astype("<u2")


def points_file(run, columns: int) -> bytes:
    """The binary file described above."""
    neighbours = nearest(run.z, K)  # the same neighbours knn_overlap_10 counts
    colors = np.round(dot_colors(np.arange(len(FASHION))) * 255).astype(np.uint8)
    xy = quantise(run.embedding)
    header = struct.pack("<4I", len(run.y), K, len(FASHION), columns)
    hearts = island_hearts(run.embedding, run.y).astype("<u2")
    arrays = [colors, hearts, xy[:, 0], xy[:, 1], neighbours.astype("<u2"), run.y.astype(np.uint8)]
    return header + b"".join(np.ascontiguousarray(a).tobytes() for a in arrays)


# %% [markdown]
# ## The thumbnails: one sprite sheet, point i at row i // columns, column i % columns


def sprite_sheet(images: np.ndarray, columns: int) -> bytes:
    """All images (n, 28, 28) uint8 in one 4-bit PNG, dark on white, in GREYS grey levels."""
    n, h, w = images.shape
    rows = -(-n // columns)
    levels = np.round(images.astype(np.float32) * (GREYS - 1) / 255).astype(np.uint8)
    sheet = np.zeros((rows * h, columns * w), dtype=np.uint8)
    for i, image in enumerate(levels):
        row, column = divmod(i, columns)
        sheet[row * h : (row + 1) * h, column * w : (column + 1) * w] = image
    picture = Image.frombytes("P", (columns * w, rows * h), sheet.tobytes())
    greys = 255 - np.round(np.arange(GREYS) * 255 / (GREYS - 1)).astype(np.uint8)
    picture.putpalette(np.repeat(greys, 3).tolist())
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", optimize=True, bits=4)
    return buffer.getvalue()


def export_map(run, style):
    """The points file and the sprite sheet of the map's thumbnails."""
    columns = int(np.ceil(np.sqrt(len(run.y))))
    return {
        "map.bin": points_file(run, columns),
        "thumbnails.png": sprite_sheet(run.images, columns),
    }


job("fashion.tsne_live", train="fashion.latent_map", render=export_map)

"""Turning drawn frames and figures into files: GIFs, sprite sheets for the player, PNGs.

Chapter code draws (with :mod:`figures_src.drawing`); this module encodes. Every
animation becomes, from one list of frames:

* ``NAME.gif``: one shared palette, identical consecutive frames merged, loops;
* ``NAME.frames.png``: the same quantised frames tiled in a grid, for the web player;
* ``NAME.poster.png``: the last frame, shown instead of motion on request;
* ``NAME.json``: frame size, grid, durations and per-frame labels.
"""

from __future__ import annotations

import io
import json
import math
import statistics
from collections.abc import Sequence
from itertools import pairwise
from typing import Any

import numpy as np
from PIL import Image

from figures_src.drawing import Animation, canvas_rgb, smallest_text_px

MAX_GIF_BYTES = 1_500_000


class MediaError(ValueError):
    """An output cannot be encoded within its limits."""


def shared_palette(frames: Sequence[np.ndarray], colors: int = 256) -> np.ndarray:
    """One palette for a whole animation, fitted to a sample of its frames.

    Median cut gives each colour cluster its *average*, which turns a white background
    into (252, 252, 252) and shifts flat class colours; each entry is therefore snapped
    to the most common true colour of its cluster, so flat areas stay exact.
    """
    picks = np.linspace(0, len(frames) - 1, min(len(frames), 12)).round().astype(int)
    mosaic = np.concatenate([frames[i] for i in sorted(set(picks))], axis=0)
    quantized = Image.fromarray(mosaic).quantize(
        colors=colors, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
    )
    index = np.asarray(quantized).ravel().astype(np.int64)
    packed = packed_rgb(mosaic).ravel().astype(np.int64)
    pairs, counts = np.unique(index << 24 | packed, return_counts=True)
    palette = np.array(quantized.getpalette(), dtype=np.int64).reshape(-1, 3)
    entries = pairs >> 24
    order = np.lexsort((-counts, entries))  # by entry, most common colour first
    top = order[np.r_[True, np.diff(entries[order]) != 0]]
    color = pairs[top] & 0xFFFFFF
    palette[entries[top]] = np.stack([color >> 16, (color >> 8) & 0xFF, color & 0xFF], axis=1)
    return palette.astype(np.uint8)


def packed_rgb(frame: np.ndarray) -> np.ndarray:
    """Each pixel's colour as one 24-bit number, 0xRRGGBB."""
    rgb = frame.astype(np.int32)
    return (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]


def palette_indexer(palette: np.ndarray):
    """A function that turns a frame into a "P" image on ``palette``, each pixel on its
    exactly nearest colour. (Pillow's own mapping is approximate: it can send pure white to
    a light grey.) Frames of one animation share most colours, so each colour's nearest
    entry is found once and remembered in a table of all 2**24 colours."""
    nearest = np.full(1 << 24, -1, dtype=np.int16)
    entries = palette.astype(np.int32)

    def index(frame: np.ndarray) -> Image.Image:
        packed = packed_rgb(frame)
        new = np.unique(packed[nearest[packed] < 0])
        for start in range(0, len(new), 8192):  # bounded memory on noisy frames
            chunk = new[start : start + 8192]
            rgb = np.stack([chunk >> 16, (chunk >> 8) & 0xFF, chunk & 0xFF], axis=1)
            distance = ((rgb[:, None, :] - entries[None, :, :]) ** 2).sum(-1)
            nearest[chunk] = distance.argmin(axis=1)
        image = Image.fromarray(nearest[packed].astype(np.uint8), mode="P")
        image.putpalette(palette.ravel().tolist())
        return image

    return index


def encode_animation(name: str, animation: Animation, palettes: dict) -> dict[str, bytes]:
    """The GIF, sprite sheet, poster and metadata files of one animation. Drawn again in
    another language, it reuses the palette its first drawing put in ``palettes``."""
    if not animation.frames:
        raise MediaError(f"{name}: the animation has no frames")
    frames, labels = animation.frames, animation.labels
    durations = [round(1000 / animation.fps)] * len(frames)
    durations[-1] += round(animation.hold_last_seconds * 1000)
    # Identical consecutive frames become one, shown for as long as they were together.
    keep = [i for i, f in enumerate(frames) if i == 0 or not np.array_equal(f, frames[i - 1])]
    durations = [sum(durations[i:end]) for i, end in pairwise([*keep, len(frames)])]
    frames, labels = [frames[i] for i in keep], [labels[i] for i in keep]
    if name not in palettes:
        palette = shared_palette(frames)
        palettes[name] = palette, palette_indexer(palette)
    palette, index = palettes[name]
    indexed = list(map(index, frames))

    gif = io.BytesIO()
    indexed[0].save(
        gif,
        format="GIF",
        save_all=True,
        append_images=indexed[1:],
        duration=durations,
        loop=0,
        optimize=True,
        disposal=1,
        palette=palette.ravel().tolist(),  # one global palette: no per-frame local tables
    )
    if gif.tell() > MAX_GIF_BYTES:
        raise MediaError(
            f"{name}.gif is {gif.tell() / 1e6:.2f} MB, over the {MAX_GIF_BYTES / 1e6:.1f} MB "
            "limit; draw fewer or smaller frames"
        )

    height, width = frames[0].shape[:2]
    columns = max(1, min(len(frames), math.ceil(math.sqrt(len(frames) * height / width))))
    rows = math.ceil(len(frames) / columns)
    sheet = Image.new("P", (columns * width, rows * height), 0)
    sheet.putpalette(palette.ravel().tolist())
    for i, frame in enumerate(indexed):
        sheet.paste(frame, ((i % columns) * width, (i // columns) * height))

    meta = {"width": width, "height": height, "columns": columns, "frames": len(frames)}
    meta.update(durations_ms=durations, labels=labels)
    return {
        f"{name}.gif": gif.getvalue(),
        f"{name}.frames.png": png_bytes(sheet),
        f"{name}.poster.png": png_bytes(indexed[-1]),
        f"{name}.json": json.dumps(meta, indent=1).encode(),
    }


def png_bytes(image: Image.Image) -> bytes:
    """A PNG with no time stamps or software tags, so equal pixels give equal bytes. (zlib
    level 8: files about 1 % larger than level 9, written in less than half the time.)"""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=8)
    return buffer.getvalue()


def encode_outputs(outputs: dict[str, Any], palettes: dict) -> tuple[dict, dict]:
    """Encode a render step's outputs (``palettes``: see :func:`encode_animation`); returns
    the files and facts about them (frames, draw ms).

    An output that is ``bytes`` is a data file (weights or points for an explorable), stored
    as it is under its own name, which carries its type: ``{"weights.json": data}``."""
    files: dict[str, bytes] = {}
    facts: dict[str, Any] = {}
    for name, output in outputs.items():
        if isinstance(output, Animation):
            files.update(encode_animation(name, output, palettes))
            median = round(statistics.median(output.frame_ms), 2) if output.frame_ms else None
            facts[name] = {"kind": "animation", "frames": len(output.frames)}
            facts[name].update(frame_ms_median=median, min_text_px=output.min_text_px)
        elif hasattr(output, "canvas"):  # a still matplotlib figure, drawn at its own dpi
            files[f"{name}.png"] = png_bytes(Image.fromarray(canvas_rgb(output)))
            facts[name] = {"kind": "figure", "min_text_px": smallest_text_px(output)}
        elif isinstance(output, bytes):
            if "." not in name:
                raise MediaError(f"{name}: a data output is named with its file type, as 'x.json'")
            files[name] = output
            facts[name] = {"kind": "data", "bytes": len(output)}
        else:
            raise MediaError(
                f"{name}: render must return an Animation, a matplotlib Figure or bytes "
                f"(a data file), not {type(output).__name__}"
            )
    return files, facts

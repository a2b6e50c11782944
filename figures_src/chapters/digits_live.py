"""Walk the digit manifold, live: the data the page's explorable decodes in the browser.

The plane runs through the codes of three held-out digits: the 2 and the 0 of the
interpolation figure, and the most typical held-out digit of the class that figure's latent
path passes through. A point of the plane is a mix of the three codes, with weights that sum
to 1 (barycentric weights). The page decodes it with the build's own decoder and reads it with
the build's own classifier, both stored as 8-bit integers, and blends the three images' pixels
with the same weights for contrast. This module exports those weights and measures what the
8-bit storage costs.

Data layout of ``latent-plane.bin`` (little-endian throughout):

- bytes 0-3: the length ``H`` of a JSON header, a uint32;
- bytes 4 to 4 + H: the header, UTF-8, keys sorted, padded with spaces to a multiple of 4.
  ``header["tensors"][name]`` gives each tensor's ``dtype`` (int8, uint8 or float32), ``shape``
  and ``offset`` (in bytes from the first byte after the header, a multiple of 4);
- the tensors. A Dense layer's weight ``W`` (out, in) is stored as int8 ``name`` with one
  float32 scale per output row, ``name + "_scale"``: ``W[r] ≈ scale[r] * q[r]``. Biases, codes
  and scales are float32; the three images are uint8 (pixel value × 255).

``latent-plane-check.json`` is never loaded by the page: it holds the build's float32
decodings of ``TEST_POINTS`` and the classifier's readings there, for the browser test.
"""

from __future__ import annotations

import json
import struct

import numpy as np
import torch

from figures_src import datasets
from figures_src.chapters.digits import digit_classifier, probabilities
from figures_src.engine import job
from figures_src.nn import Autoencoder

GRID_STEPS = 20  # the error bound is measured on a grid of weights in steps of 1/20
TEST_POINTS = (  # barycentric weights (the 2, the 0, the third digit) the browser test decodes
    (1.0, 0.0, 0.0),
    (0.0, 0.0, 1.0),
    (0.5, 0.5, 0.0),
    (1 / 3, 1 / 3, 1 / 3),
    (0.2, 0.3, 0.5),
)


def restore(model: torch.nn.Module, run, name: str) -> torch.nn.Module:
    """``model`` with the weights the train step stored as ``name_...`` arrays."""
    state = {k: torch.as_tensor(getattr(run, f"{name}_{k.replace('.', '_')}"))
             for k in model.state_dict()}  # fmt: skip
    model.load_state_dict(state)
    return model.eval()


def most_typical(codes: np.ndarray, labels: np.ndarray, read_as: np.ndarray, digit: int) -> int:
    """The held-out ``digit`` the classifier reads as ``digit`` whose code lies nearest the
    mean code of all held-out ``digit``s."""
    mine = np.flatnonzero((labels == digit) & (read_as == digit))
    centre = codes[labels == digit].mean(axis=0)
    return int(mine[np.argmin(((codes[mine] - centre) ** 2).sum(axis=1))])


def quantise(weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """int8 rows and one float32 scale per row, symmetric: the largest |w| of a row is 127."""
    scale = (np.abs(weight).max(axis=1) / 127).astype(np.float32)
    scale[scale == 0] = 1
    q = np.clip(np.rint(weight / scale[:, None]), -127, 127).astype(np.int8)
    return q, scale


def dense_layers(model: torch.nn.Module) -> list[tuple[np.ndarray, np.ndarray]]:
    return [(m.weight.detach().numpy(), m.bias.detach().numpy())
            for m in model if isinstance(m, torch.nn.Linear)]  # fmt: skip


def int8_forward(layers, x: np.ndarray, last) -> np.ndarray:
    """What the page computes: int8 weights times their float32 scales, as float32, then
    Dense, ReLU, Dense in float64, and ``last`` on the output."""
    for i, (weight, bias) in enumerate(layers):
        q, scale = quantise(weight)
        x = x @ (q.astype(np.float32) * scale[:, None]).astype(np.float64).T + bias
        x = np.maximum(x, 0) if i < len(layers) - 1 else last(x)
    return x


def softmax(logits: np.ndarray) -> np.ndarray:
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def sigmoid(logits: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-logits))


def barycentric_grid(steps: int) -> np.ndarray:
    """Every (a, b, c) with a + b + c = 1 in steps of 1/steps, (n, 3)."""
    return np.array([(a, b, steps - a - b) for a in range(steps + 1)
                     for b in range(steps + 1 - a)]) / steps  # fmt: skip


def pack(tensors: dict[str, np.ndarray], header: dict) -> bytes:
    """The header and the tensors in the layout the module docstring describes."""
    layout, offset = {}, 0
    for name, array in tensors.items():
        layout[name] = {"dtype": str(array.dtype), "shape": list(array.shape), "offset": offset}
        offset += -(-array.nbytes // 4) * 4  # the next multiple of 4
    text = json.dumps({**header, "tensors": layout}, sort_keys=True, separators=(",", ":"))
    text = (text + " " * (-len(text.encode()) % 4)).encode()
    body = bytearray(offset)
    for name, array in tensors.items():
        at = layout[name]["offset"]
        body[at : at + array.nbytes] = array.astype(array.dtype.newbyteorder("<")).tobytes()
    return struct.pack("<I", len(text)) + text + bytes(body)


def export_latent_plane(run, style):
    """The decoder and the classifier as int8, the three digits and their codes; the check
    file; and what 8-bit weights cost on the plane, added to the job's metrics."""
    p = run.params
    _, x_test, _, y_test = datasets.mnist_5000(p.test_fraction, p.seed)
    autoencoder = restore(Autoencoder(p.latent, p.hidden), run, "autoencoder")
    classifier = restore(digit_classifier(p.hidden), run, "classifier")
    codes = autoencoder.encode(x_test)
    read_as = probabilities(classifier, x_test).argmax(-1)
    third = run.metrics["third_class"]
    chosen = [*map(int, run.pair), most_typical(codes, y_test, read_as, third)]
    corner_codes, images = codes[chosen], x_test[chosen]

    def readings(weights: np.ndarray) -> dict[str, np.ndarray]:
        """Float and int8 decodings and readings at barycentric ``weights`` (n, 3)."""
        decoded = autoencoder.decode((weights @ corner_codes.astype(np.float64)).astype(np.float32))
        blend = weights @ images.astype(np.float64)
        decoder, reader = dense_layers(autoencoder.decoder), dense_layers(classifier)
        int8_decoded = int8_forward(decoder, weights @ corner_codes.astype(np.float64), sigmoid)
        return {
            "decoded": decoded,
            "decoded_probs": probabilities(classifier, decoded),
            "blend_probs": probabilities(classifier, blend.astype(np.float32)),
            "int8_decoded": int8_decoded,
            "int8_decoded_probs": int8_forward(reader, int8_decoded, softmax),
            "int8_blend_probs": int8_forward(reader, blend, softmax),
        }

    grid = np.unique(np.vstack([barycentric_grid(GRID_STEPS), TEST_POINTS]).round(12), axis=0)
    on_grid, at_tests = readings(grid), readings(np.array(TEST_POINTS))
    inner = grid.min(axis=1) > 0  # strictly inside the triangle: a mix of all three
    agree = [on_grid[f"int8_{k}"].argmax(-1) == on_grid[k].argmax(-1)
             for k in ("decoded_probs", "blend_probs")]  # fmt: skip
    bound = float(np.abs(on_grid["int8_decoded"] - on_grid["decoded"]).max())
    if not all(a.all() for a in agree):
        raise ValueError("the int8 classifier disagrees with the float one on the plane")

    tensors = {"codes": corner_codes.astype(np.float32),
               "images": np.rint(images * 255).astype(np.uint8)}  # fmt: skip
    for name, model in (("decoder", autoencoder.decoder), ("classifier", classifier)):
        for i, (weight, bias) in enumerate(dense_layers(model)):
            q, scale = quantise(weight)
            tensors |= {f"{name}{i}_weight": q, f"{name}{i}_weight_scale": scale}
            tensors[f"{name}{i}_bias"] = bias.astype(np.float32)
    labels = [int(y_test[i]) for i in chosen]
    data = pack(tensors, {"labels": labels, "latent": int(p.latent)})
    check = {
        "labels": labels,
        "held_out_indices": chosen,
        "max_pixel_error": bound,
        "points": [list(w) for w in TEST_POINTS],
        "decoded": at_tests["decoded"].astype(np.float32).round(6).tolist(),
        "decoded_class": at_tests["decoded_probs"].argmax(-1).tolist(),
        "decoded_confidence": at_tests["decoded_probs"].max(-1).round(6).tolist(),
        "blend_class": at_tests["blend_probs"].argmax(-1).tolist(),
        "blend_confidence": at_tests["blend_probs"].max(-1).round(6).tolist(),
    }
    decoded, blend = (on_grid[k][inner] for k in ("decoded_probs", "blend_probs"))
    # A data render has no metrics of its own: its measurements join the job's, which the
    # engine stores with the render (run.metrics is read after the render returns).
    run.metrics = run.metrics | {
        "plane_labels": " ".join(map(str, labels)),
        "plane_third_class": labels[2],
        "plane_third_index": chosen[2],
        "plane_from_index": chosen[0],
        "plane_to_index": chosen[1],
        "plane_grid_points": int(len(grid)),
        "plane_inner_points": int(inner.sum()),
        "plane_max_pixel_error": bound,
        "plane_decoded_mean_confidence": float(decoded.max(-1).mean()),
        "plane_blend_mean_confidence": float(blend.max(-1).mean()),
        "plane_decoded_third_share": float((decoded.argmax(-1) == labels[2]).mean()),
        "plane_blend_third_share": float((blend.argmax(-1) == labels[2]).mean()),
        "plane_data_bytes": len(data),
    }
    return {
        "latent-plane.bin": data,
        "latent-plane-check.json": json.dumps(check, sort_keys=True).encode(),
    }


job("digits.latent_plane", train="digits.interpolation", render=export_latent_plane)

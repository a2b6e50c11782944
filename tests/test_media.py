"""GIF encoding: one shared palette, merged repeats, a size limit, identical bytes."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageSequence

from figures_src.engine.media import (
    MAX_GIF_BYTES,
    Animation,
    MediaError,
    encode_animation,
    encode_outputs,
)


def gif_blocks(data: bytes) -> tuple[int, int, bool]:
    """(frames, frames with a local colour table, has a global colour table)."""
    assert data[:6] in (b"GIF87a", b"GIF89a")
    packed, pos = data[10], 13
    if packed & 0x80:
        pos += 3 * 2 ** ((packed & 7) + 1)
    frames = local = 0
    while data[pos] != 0x3B:
        if data[pos] == 0x21:  # extension: label, then sub-blocks
            pos += 2
        else:
            assert data[pos] == 0x2C, f"unexpected block {data[pos]:#x}"
            frames += 1
            flags, pos = data[pos + 9], pos + 10
            if flags & 0x80:
                local += 1
                pos += 3 * 2 ** ((flags & 7) + 1)
            pos += 1  # LZW minimum code size
        while data[pos]:
            pos += data[pos] + 1
        pos += 1
    return frames, local, bool(packed & 0x80)


def gradient_frames(n: int, repeat_last: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    base = rng.integers(0, 255, size=(40, 60, 3), dtype=np.uint8)
    frames = [np.roll(base, i * 3, axis=1) for i in range(n)]
    return frames + [frames[-1]] * repeat_last


def test_one_shared_palette_and_merged_repeats():
    frames = gradient_frames(6, repeat_last=3)
    files = encode_animation("a", Animation(frames, [f"f{i}" for i in range(9)], fps=10), {})
    n_frames, local_tables, global_table = gif_blocks(files["a.gif"])
    assert (n_frames, local_tables, global_table) == (6, 0, True)
    gif = Image.open(io.BytesIO(files["a.gif"]))
    durations = [frame.info["duration"] for frame in ImageSequence.Iterator(gif)]
    assert durations[-1] == 100 * 4 + 2000  # three repeats merged, plus the hold on the last


def test_player_files_match_the_gif():
    frames = gradient_frames(5)
    files = encode_animation("a", Animation(frames, [f"epoch {i}" for i in range(5)]), {})
    import json

    meta = json.loads(files["a.json"])
    assert meta["frames"] == 5 and meta["labels"][-1] == "epoch 4"
    sheet = Image.open(io.BytesIO(files["a.frames.png"])).convert("RGB")
    gif = Image.open(io.BytesIO(files["a.gif"]))
    for i, frame in enumerate(ImageSequence.Iterator(gif)):
        x, y = (i % meta["columns"]) * meta["width"], (i // meta["columns"]) * meta["height"]
        tile = sheet.crop((x, y, x + meta["width"], y + meta["height"]))
        assert np.array_equal(np.asarray(tile), np.asarray(frame.convert("RGB")))


def test_a_drawing_in_another_language_keeps_the_first_palette():
    """The Korean drawing of an animation (same plot, other words) is encoded on the palette
    of the English one: flat colours stay exact, and a colour only the Korean words have
    goes to its nearest entry."""
    palettes = {}
    white = np.full((40, 60, 3), 255, np.uint8)
    english = [white.copy() for _ in range(3)]
    for i, frame in enumerate(english):
        frame[5:10, 5 + 10 * i : 15 + 10 * i] = (0, 114, 178)  # a class colour, moving
        frame[30:35, 5:20] = (34, 34, 34)  # English words in ink
    korean = [frame.copy() for frame in english]
    for frame in korean:
        frame[30:35, 5:20] = 255
        frame[30:35, 40:50] = (60, 60, 60)  # Korean words, anti-aliased to another grey
    first = encode_animation("a", Animation(english, list("abc")), palettes)
    second = encode_animation("a", Animation(korean, list("abc")), palettes)
    palette_of = [Image.open(io.BytesIO(f["a.gif"])).getpalette() for f in (first, second)]
    assert palette_of[0] == palette_of[1] and list(palettes) == ["a"]
    shown = np.asarray(Image.open(io.BytesIO(second["a.poster.png"])).convert("RGB"))
    assert (shown[7, 30] == (0, 114, 178)).all() and (shown[0, 0] == 255).all()
    assert (shown[32, 45] == 34).all()  # the nearest entry: the ink


def test_same_frames_same_bytes():
    frames = gradient_frames(4)
    a = encode_animation("a", Animation(frames, list("abcd")), {})
    b = encode_animation("a", Animation([f.copy() for f in frames], list("abcd")), {})
    assert a == b


def test_oversized_gif_is_refused():
    rng = np.random.default_rng(1)
    noise = [rng.integers(0, 255, size=(400, 400, 3), dtype=np.uint8) for _ in range(12)]
    with pytest.raises(MediaError, match=r"big\.gif is .* MB, over the 1\.5 MB limit"):
        encode_animation("big", Animation(noise, [""] * 12), {})


def test_data_outputs_are_stored_as_they_are():
    files, facts = encode_outputs({"weights.json": b'{"w": [1, 2]}'}, {})
    assert files == {"weights.json": b'{"w": [1, 2]}'}
    assert facts == {"weights.json": {"kind": "data", "bytes": 13}}
    with pytest.raises(MediaError, match="'x.json'"):
        encode_outputs({"weights": b"{}"}, {})
    with pytest.raises(MediaError, match="not str"):
        encode_outputs({"weights.json": "{}"}, {})


def test_the_sites_animations_are_within_the_limits(quick_site):
    """Every GIF the site serves: under the size limit, one global palette, and the same
    frames as its player's sprite sheet and metadata say."""
    import json

    gifs = sorted((quick_site / "figures").glob("*/*.gif"))
    assert len(gifs) >= 10
    for path in gifs:
        data = path.read_bytes()
        assert len(data) <= MAX_GIF_BYTES, f"{path.name}: {len(data)} bytes"
        frames, local_tables, global_table = gif_blocks(data)
        assert (local_tables, global_table) == (0, True), path.name
        meta = json.loads(path.with_name(path.name.replace(".gif", ".json")).read_text())
        assert frames == meta["frames"] == len(meta["labels"]) == len(meta["durations_ms"])

"""The tsne-map explorable ("Explore the map", Latent maps): its export against the build at
the real settings, and the live map in headless Chromium against the quick build's own
arrays (neighbours, classes, the kept count), loading, keyboard, pointer, touch and access."""

from __future__ import annotations

import dataclasses
import json
import struct
from pathlib import Path

import numpy as np
import pytest
from matplotlib.colors import to_rgba_array
from test_browser import AXE, PHONE, WCAG_TAGS

from figures_src import datasets
from figures_src.chapters import tsne, tsne_live

PAGE = "latent-maps/"
WHERE = "[data-explorable='tsne-map']"


# %% Reading what the build made


def read_points(data: bytes) -> dict[str, np.ndarray]:
    """map.bin, read by its documented layout (figures_src/chapters/tsne_live.py)."""
    n, k, c, columns = struct.unpack_from("<4I", data)
    at = 16
    out = {"n": n, "k": k, "columns": columns}
    for name, dtype, count in (
        ("colors", np.uint8, c * 4), ("hearts", "<u2", c), ("x", "<u2", n), ("y", "<u2", n),
        ("neighbours", "<u2", n * k), ("labels", np.uint8, n),
    ):  # fmt: skip
        out[name] = np.frombuffer(data, dtype=dtype, count=count, offset=at)
        at += out[name].nbytes
    assert at == len(data), "map.bin is longer than its layout"
    out["neighbours"] = out["neighbours"].reshape(n, k)
    return out


def map_neighbours(points: dict, k: int) -> np.ndarray:
    """Each point's k nearest others on the quantised map; ties: lower index first (as the page)."""
    xy = np.c_[points["x"], points["y"]].astype(np.int64)
    d = ((xy[:, None] - xy[None]) ** 2).sum(axis=2)
    np.fill_diagonal(d, np.iinfo(np.int64).max)
    return np.argsort(d, axis=1, kind="stable")[:, :k]


def train_arrays(settings) -> dict[str, np.ndarray]:
    """fashion.latent_map's train entry in the settings' cache."""
    from figures_src.engine.cache import Cache
    from figures_src.engine.jobs import all_jobs
    from figures_src.engine.keys import train_key

    model = all_jobs()["fashion.latent_map"]
    params = model.resolve(settings.quick, settings.overrides.get(model.name))
    entry = Cache(settings.cache_dir).read(model.name, "train", train_key(model, params, settings))
    assert entry is not None, "fashion.latent_map is not in the cache"
    with np.load(entry.files["arrays.npz"]) as arrays:
        return {name: arrays[name] for name in ("z", "embedding", "y", "images")}


# %% The export, at the real settings


@pytest.fixture(scope="module")
def real_export():
    from figures_src.engine.config import load_settings
    from figures_src.engine.runner import build

    settings = load_settings()
    assert not settings.quick, "claim tests check the real settings; unset FIGURES_QUICK"
    results = {r.name: r for r in build(settings, only="fashion")}
    files = {Path(p).name: Path(p) for p in results["fashion.tsne_live"].outputs}
    return files, train_arrays(settings), results["fashion.latent_map"].metrics


def test_the_files_keep_to_their_sizes(real_export):
    files, arrays, _ = real_export
    assert files["map.bin"].stat().st_size <= 300_000
    assert files["thumbnails.png"].stat().st_size <= 1_500_000
    assert len(arrays["y"]) == 6000  # "all 6,000 points"


def test_the_points_file_holds_the_build_s_map_and_neighbours(real_export):
    files, arrays, _ = real_export
    points = read_points(files["map.bin"].read_bytes())
    assert points["n"] == len(arrays["y"]) and points["k"] == tsne_live.K == 10
    np.testing.assert_array_equal(points["labels"], arrays["y"])
    np.testing.assert_array_equal(points["neighbours"], tsne.nearest(arrays["z"], 10))
    # One scale for both axes, 0..65535 across the longer side: error <= half a step.
    emb = arrays["embedding"].astype(np.float64)
    span = np.ptp(emb, axis=0).max()
    back = np.c_[points["x"], points["y"]] / 65535 * span + emb.min(axis=0)
    assert np.abs(back - emb).max() <= span / 65535 / 2 * 1.01
    assert max(points["x"].max(), points["y"].max()) == 65535
    expected = np.round(255 * to_rgba_array(tsne.COLORS)[:, :3]).astype(np.uint8)
    np.testing.assert_array_equal(points["colors"].reshape(-1, 4)[:, :3], expected)
    np.testing.assert_array_equal(points["hearts"], tsne.island_hearts(emb, arrays["y"]))


def test_the_sprite_holds_every_thumbnail_in_sixteen_greys(real_export):
    from PIL import Image

    files, arrays, _ = real_export
    points = read_points(files["map.bin"].read_bytes())
    sheet = Image.open(files["thumbnails.png"])
    assert sheet.mode == "P"
    grey = np.asarray(sheet.convert("L")).astype(int)
    columns = points["columns"]
    for i in (0, 1, 2999, len(arrays["y"]) - 1):
        row, column = divmod(i, columns)
        tile = grey[row * 28 : row * 28 + 28, column * 28 : column * 28 + 28]
        # dark on white; 16 levels, so each pixel is within half a level (8.5/255) of the image
        assert np.abs((255 - tile) - arrays["images"][i].astype(int)).max() <= 9


def test_the_page_s_share_is_the_build_s_overlap(real_export):
    """The page counts, per point, its latent neighbours among its 10 nearest on the
    quantised map; averaged, that is knn_overlap_10 (quantising moves it by < 0.002)."""
    files, _, metrics = real_export
    points = read_points(files["map.bin"].read_bytes())
    on_map = map_neighbours(points, 10)
    kept = [len(np.intersect1d(a, b)) for a, b in zip(points["neighbours"], on_map, strict=True)]
    assert abs(np.mean(kept) / 10 - metrics["knn_overlap_10"]) < 0.002


def test_what_to_try_holds(real_export):
    """'several fall just outside the circle' and 'a dot whose lines reach across a gap'."""
    _, arrays, _ = real_export
    emb, width = arrays["embedding"], np.ptp(arrays["embedding"], axis=0).max()
    latent, on_map = tsne.nearest(arrays["z"], 10), tsne.nearest(emb, 10)
    radius = np.linalg.norm(emb[on_map[:, -1]] - emb, axis=1)  # the dashed circle
    distance = np.linalg.norm(emb[latent] - emb[:, None], axis=2)
    outside = distance > radius[:, None] * (1 + 1e-6)
    assert np.median(outside.sum(axis=1)) >= 3  # "several" outside, for the typical dot
    assert np.median((distance / radius[:, None])[outside]) <= 2  # "just outside"
    far = (distance > 0.1 * width).any(axis=1)  # a line over a tenth of the map's width
    assert 0.05 <= far.mean() <= 0.5  # there to find, and not the rule


def test_the_page_names_the_classes_in_the_build_s_order(repo_root):
    strings = page_strings((repo_root / "docs" / "latent-maps.md").read_text())
    assert strings["classes"] == list(datasets.FASHION_CLASSES)


def page_strings(text: str) -> dict:
    block = text.split('data-explorable="tsne-map"', 1)[1].split('class="mx-strings">', 1)[1]
    return json.loads(block.split("</script>", 1)[0])


# %% The page, in headless Chromium, against the quick build


@pytest.fixture(scope="module")
def quick_build(quick_site):
    """The quick build's train arrays and its map.bin, as the page fetches it."""
    from figures_src.engine.config import load_settings

    settings = dataclasses.replace(
        load_settings(), cache_dir=quick_site.parent / "cache", quick=True
    )
    points = read_points((quick_site / "figures" / "fashion.tsne_live" / "map.bin").read_bytes())
    return train_arrays(settings), points


class Watch:
    """Console errors, and the requests for the explorable's files."""

    def __init__(self, page):
        self.errors: list[str] = []
        self.requests: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("request", lambda r: "fashion.tsne_live" in r.url and self.requests.append(r.url))

    def fetched(self, name: str) -> bool:
        return any(url.endswith(name) for url in self.requests)


def open_map(page, base: str):
    """Load the page, scroll to the explorable and wait until it is mounted."""
    page.goto(base + PAGE, wait_until="networkidle")
    explorable = page.locator(WHERE)
    explorable.scroll_into_view_if_needed()
    page.wait_for_function(f"document.querySelector(\"{WHERE}\").dataset.mounted === 'yes'")
    return explorable


def scroll_like_a_reader(page) -> None:
    """Scroll down the page with the wheel, the pointer resting mid-screen, until the map sits
    under the pointer; then wait. The map passes under the pointer and takes wheel events, but
    the reader has not touched it."""
    viewport = page.viewport_size
    rest = (viewport["width"] / 2, viewport["height"] / 2)
    page.mouse.move(*rest)  # far above the map
    canvas = page.locator(f"{WHERE} canvas[role=img]")
    for _ in range(400):
        page.mouse.wheel(0, 100)
        page.wait_for_timeout(30)
        if canvas.count():
            box = canvas.bounding_box()
            if box["y"] + 60 < rest[1] < box["y"] + box["height"] - 60:
                break
    else:
        raise AssertionError("the map never came under the pointer")
    page.wait_for_timeout(800)


def canvas_pixels(explorable) -> bytes:
    return explorable.locator("canvas[role=img]").screenshot()


def colour_pixels(explorable, rgb) -> int:
    """How many of the map's pixels have this colour (within a little antialiasing)."""
    import io

    from PIL import Image

    image = np.asarray(Image.open(io.BytesIO(canvas_pixels(explorable))).convert("RGB"))
    return int((np.abs(image.astype(int) - np.asarray(rgb, int)).max(axis=2) <= 6).sum())


@pytest.mark.browser
def test_twenty_points_show_the_build_s_neighbours(browser, site_url, quick_build):
    arrays, points = quick_build
    latent = tsne.nearest(arrays["z"], 10)
    on_map = map_neighbours(points, 10)
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    watch = Watch(page)
    page.goto(site_url + PAGE, wait_until="networkidle")
    assert not watch.requests, "the explorable's data loaded before the reader scrolled near it"
    scroll_like_a_reader(page)
    explorable = page.locator(WHERE)
    assert explorable.get_attribute("data-mounted") == "yes" and watch.fetched("map.bin")
    assert not watch.fetched("thumbnails.png"), "thumbnails loaded by a page scroll, no interaction"
    assert not explorable.get_attribute("data-selected")  # nothing chosen by scrolling either
    strings = json.loads(explorable.locator("script.mx-strings").text_content())
    box = explorable.locator("canvas[role=img]").bounding_box()
    seen: dict[int, tuple[str, str, str]] = {}
    for fy in np.linspace(0.08, 0.92, 12):
        for fx in np.linspace(0.05, 0.95, 16):
            page.mouse.move(box["x"] + fx * box["width"], box["y"] + fy * box["height"])
            chosen = explorable.get_attribute("data-selected")
            if chosen:
                shown = explorable.get_attribute("data-neighbours")
                name = explorable.locator(".mx-tsne-class").inner_text()
                seen[int(chosen)] = (shown, name, explorable.get_attribute("data-kept"))
        if len(seen) >= 20:
            break
    assert len(seen) >= 20, f"only {len(seen)} points found under the pointer"
    for i, (shown, name, kept) in list(seen.items())[:20]:
        assert [int(j) for j in shown.split(",")] == latent[i].tolist(), f"point {i}"
        assert name == strings["classes"][arrays["y"][i]]
        assert int(kept) == len(np.intersect1d(latent[i], on_map[i]))
    # The first interaction fetched the thumbnails, and the chosen one is drawn.
    page.wait_for_function(f"document.querySelector(\"{WHERE}\").dataset.spriteLoaded === 'yes'")
    assert watch.fetched("thumbnails.png")
    thumb = explorable.locator(".mx-tsne-thumb").screenshot()
    assert len(set(thumb)) > 50  # not a blank square
    assert watch.errors == []
    page.close()


@pytest.mark.browser
def test_keyboard_steps_through_points_and_moves_the_view(browser, site_url, quick_build):
    _, points = quick_build
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    watch = Watch(page)
    explorable = open_map(page, site_url)
    canvas = explorable.locator("canvas[role=img]")
    canvas.focus()
    page.keyboard.press("ArrowRight")
    first = int(explorable.get_attribute("data-selected"))
    page.keyboard.press("ArrowRight")
    right = int(explorable.get_attribute("data-selected"))
    assert points["x"][right] > points["x"][first]
    page.keyboard.press("ArrowUp")
    up = int(explorable.get_attribute("data-selected"))
    assert points["y"][up] > points["y"][right]  # the map's y runs up
    page.keyboard.press("ArrowLeft")
    assert points["x"][int(explorable.get_attribute("data-selected"))] < points["x"][up]
    assert watch.fetched("thumbnails.png")  # focus is an interaction
    before = canvas_pixels(explorable)
    page.keyboard.press("+")
    zoomed = canvas_pixels(explorable)
    assert zoomed != before
    page.keyboard.press("Shift+ArrowLeft")
    assert canvas_pixels(explorable) != zoomed
    page.keyboard.press("0")
    page.keyboard.press("Escape")
    assert explorable.get_attribute("data-selected") == ""
    # One class only: the arrow keys visit only its points.
    explorable.get_by_role("combobox").select_option("1")
    canvas.focus()
    visited = []
    for key in ("ArrowRight", "ArrowRight", "ArrowDown", "ArrowLeft", "ArrowUp"):
        page.keyboard.press(key)
        visited.append(int(explorable.get_attribute("data-selected")))
    assert set(points["labels"][visited].tolist()) == {1}
    # Every control is reachable by Tab and named.
    for button in explorable.get_by_role("button").all():
        assert button.get_attribute("aria-label")
    assert watch.errors == []
    page.close()


@pytest.mark.browser
def test_a_click_zooms_in_until_the_circle_is_clear(browser, site_url):
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    explorable = open_map(page, site_url)
    box = explorable.locator("canvas[role=img]").bounding_box()
    for fx in np.linspace(0.3, 0.7, 20):  # find a dot under the pointer
        page.mouse.move(box["x"] + fx * box["width"], box["y"] + box["height"] / 2)
        if explorable.get_attribute("data-selected"):
            break
    chosen = explorable.get_attribute("data-selected")
    hovered = float(explorable.get_attribute("data-circle"))  # hovering does not zoom
    page.mouse.down()
    page.mouse.up()
    page.wait_for_timeout(600)  # the zoom glides for a third of a second
    assert explorable.get_attribute("data-selected") == chosen
    clicked = float(explorable.get_attribute("data-circle"))
    assert clicked >= 28 * 0.99 and clicked >= hovered
    page.close()


@pytest.mark.browser
def test_the_class_filter_keeps_the_chosen_point_and_its_neighbours_lit(
    browser, site_url, quick_build
):
    _, points = quick_build
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    explorable = open_map(page, site_url)
    explorable.locator("canvas[role=img]").focus()
    page.keyboard.press("ArrowRight")
    chosen = int(explorable.get_attribute("data-selected"))
    neighbours = explorable.get_attribute("data-neighbours")
    lit = {int(points["labels"][j]) for j in [chosen, *map(int, neighbours.split(","))]}
    other = next(c for c in range(10) if c not in lit)
    colour = points["colors"].reshape(-1, 4)[int(points["labels"][chosen]), :3]
    explorable.get_by_role("combobox").select_option(str(other))
    assert explorable.get_attribute("data-selected") == str(chosen)
    assert explorable.get_attribute("data-neighbours") == neighbours
    assert colour_pixels(explorable, colour) > 20  # the chosen dot keeps its class's colour
    explorable.locator("canvas[role=img]").focus()
    page.keyboard.press("Escape")  # let go: now that class is faded like the rest
    assert colour_pixels(explorable, colour) == 0
    page.close()


@pytest.mark.browser
def test_screen_readers_hear_the_class_and_the_neighbours(browser, site_url, quick_build):
    arrays, _ = quick_build
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    explorable = open_map(page, site_url)
    strings = json.loads(explorable.locator("script.mx-strings").text_content())
    # Before a point is chosen: no empty image boxes.
    assert not explorable.locator(".mx-tsne-thumb").is_visible()
    assert not explorable.locator(".mx-tsne-strip").is_visible()
    explorable.locator("canvas[role=img]").focus()
    page.keyboard.press("ArrowDown")
    chosen = int(explorable.get_attribute("data-selected"))
    name = strings["classes"][arrays["y"][chosen]]
    neighbours = [int(j) for j in explorable.get_attribute("data-neighbours").split(",")]
    live = explorable.locator("[aria-live]")
    assert live.count() == 1 and live.get_attribute("aria-atomic") == "true"
    said = live.inner_text()
    assert name in said and explorable.get_attribute("data-kept") in said
    thumb = explorable.locator(".mx-tsne-thumb")
    assert thumb.is_visible() and thumb.get_attribute("aria-label") == strings["image"].format(
        name=name
    )
    names = ", ".join(strings["classes"][arrays["y"][j]] for j in neighbours)
    row = explorable.get_by_role("img", name=strings["rowLabel"].format(k=10, names=names))
    assert row.is_visible()
    assert explorable.get_by_text(strings["row"].format(k=10)).is_visible()
    page.close()


@pytest.mark.browser
def test_pointer_drag_wheel_buttons_and_touch_change_the_view(browser, site_url):
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    watch = Watch(page)
    explorable = open_map(page, site_url)
    canvas = explorable.locator("canvas[role=img]")
    box = canvas.bounding_box()
    middle = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    before = canvas_pixels(explorable)
    explorable.get_by_role("button", name="Zoom in").click()
    zoomed = canvas_pixels(explorable)
    assert zoomed != before
    page.mouse.move(*middle)
    page.mouse.down()
    page.mouse.move(middle[0] + 80, middle[1] + 40, steps=5)
    page.mouse.up()
    dragged = canvas_pixels(explorable)
    assert dragged != zoomed
    page.mouse.wheel(0, -300)  # the map was clicked: the wheel zooms it
    page.wait_for_timeout(100)
    wheeled = canvas_pixels(explorable)
    assert wheeled != dragged
    explorable.get_by_role("button", name="Zoom out").click()
    assert canvas_pixels(explorable) != wheeled
    # Until the map is chosen again, the wheel over it scrolls the page.
    page.mouse.move(*middle)
    before_scroll = page.evaluate("scrollY")
    page.mouse.wheel(0, 200)
    page.wait_for_timeout(300)
    assert page.evaluate("scrollY") > before_scroll
    page.mouse.move(*middle)
    canvas.focus()
    page.keyboard.press("Escape")  # let go of the dot the pointer passed over
    explorable.get_by_role("button", name="Show the whole map").click()
    assert canvas_pixels(explorable) == before
    # Two fingers apart: a pinch zooms in (synthetic touch pointers).
    page.evaluate(
        """where => {
        const canvas = document.querySelector(where + ' canvas[role=img]');
        const box = canvas.getBoundingClientRect();
        const x = box.left + box.width / 2, y = box.top + box.height / 2;
        const send = (type, id, dx) => canvas.dispatchEvent(new PointerEvent(type, {
            pointerId: id, pointerType: 'touch', clientX: x + dx, clientY: y, bubbles: true}));
        send('pointerdown', 11, -20); send('pointerdown', 12, 20);
        for (let d = 20; d <= 80; d += 10) send('pointermove', 12, d);
        send('pointerup', 12, 80); send('pointerup', 11, -20);
        }""",
        WHERE,
    )
    assert canvas_pixels(explorable) != before
    assert watch.errors == []
    page.close()


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", [PHONE, {"width": 1280, "height": 1000}])
def test_access_at_360_px_and_in_both_schemes(browser, site_url, scheme, viewport, tmp_path):
    context = browser.new_context(color_scheme=scheme, viewport=viewport, has_touch=True)
    page = context.new_page()
    watch = Watch(page)
    page.goto(site_url + PAGE, wait_until="networkidle")
    explorable = page.locator(WHERE)
    reserved = explorable.bounding_box()["height"]
    explorable = open_map(page, site_url)
    assert abs(explorable.bounding_box()["height"] - reserved) < 1, "the page shifted"
    box = explorable.locator("canvas[role=img]").bounding_box()
    page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    explorable.locator("canvas[role=img]").focus()
    page.keyboard.press("ArrowDown")
    assert explorable.get_attribute("data-selected")
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    for control in explorable.locator("button, select").all():
        size = control.bounding_box()
        assert size["width"] >= 44 and size["height"] >= 44, size
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "([where, tags]) => axe.run(document.querySelector(where),"
        " {runOnly: {type: 'tag', values: tags}})",
        [WHERE, WCAG_TAGS],
    )
    assert [v["id"] for v in result["violations"]] == []
    explorable.screenshot(path=str(tmp_path / f"tsne-map-{scheme}-{viewport['width']}.png"))
    assert watch.errors == []
    context.close()


@pytest.mark.browser
def test_nothing_moves_by_itself_with_reduced_motion(browser, site_url):
    context = browser.new_context(reduced_motion="reduce")
    page = context.new_page()
    explorable = open_map(page, site_url)
    explorable.locator("canvas[role=img]").focus()
    page.keyboard.press("ArrowRight")
    assert float(explorable.get_attribute("data-circle")) >= 28 * 0.99  # zoomed in, at once
    still = canvas_pixels(explorable)
    page.wait_for_timeout(600)
    assert canvas_pixels(explorable) == still
    context.close()


@pytest.mark.browser
def test_without_javascript_the_note_shows_and_no_space_is_held(page_without_javascript, site_url):
    page = page_without_javascript
    page.goto(site_url + PAGE, wait_until="networkidle")
    explorable = page.locator(WHERE)
    assert "needs JavaScript" in explorable.inner_text()
    assert explorable.bounding_box()["height"] < 200  # no empty space held for it

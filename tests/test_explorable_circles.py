"""Train it yourself (chapter 1): the circles network trained in the page, against the build.

The page's JavaScript (docs/assets/explorables/train-circles.js) must be the same mathematics
as the build's PyTorch: its forward pass on the build's trained weights gives the build's
probabilities, and trained from the build's start, with the build's settings and order of
points, it gives the losses the build recorded. The data come from the quick build's own
export (figures_src/chapters/circles_live.py)."""

from __future__ import annotations

import base64
import json
import math
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from test_browser import AXE, WCAG_TAGS, PageWatch

from benchmarks.screenshots import serve
from figures_src.chapters.circles import BottleneckNet
from figures_src.nn import tensor

pytestmark = pytest.mark.browser

PAGE = "layers-bend-space/"
ROOT = "[data-explorable='train-circles']"
MODULE = "../assets/explorables/train-circles.js"  # from the page's URL
PROBABILITY_TOLERANCE = 1e-5  # absolute, on P(inner ring), final weights
LOSS_TOLERANCE = 1e-3  # relative, on the loss after each epoch
STUCK_EPOCHS = 10  # train-circles.js's STUCK: epochs at ln 2 before the page says so
STUCK_BAND = 0.002  # ... within this of ln 2


@pytest.fixture(scope="module")
def export(quick_site) -> dict:
    return json.loads((quick_site / "figures" / "circles.live" / "circles.json").read_text())


def mounted(browser, site_url, **context):
    """A page with the explorable scrolled to and mounted, and its console watched."""
    page = browser.new_context(**context).new_page()
    watch = PageWatch(page, site_url)
    page.goto(site_url + PAGE, wait_until="networkidle")
    page.locator(ROOT).scroll_into_view_if_needed()
    page.wait_for_function(f"() => document.querySelector(\"{ROOT}\").dataset.mounted === 'yes'")
    return page, watch


def strings(page) -> dict:
    return json.loads(page.locator(f"{ROOT} script.mx-strings").text_content())


def live(page, what: str):
    return page.evaluate(f'() => document.querySelector("{ROOT}").trainCircles.{what}')


# The module's own functions, run in the page on the exported data.
IN_PAGE = """async ([module, src, epochs]) => {
  const tc = await import(new URL(module, location.href));
  const data = await (await fetch(src)).json();
  const prob = tc.probabilities(tc.fromWeights(data.final, 'relu'), data.X);
  const net = tc.fromWeights(data.start, 'relu');
  const opt = tc.adam(net, data.settings);
  const orders = tc.decodeOrders(data.orders, data.X.length);
  const curve = [tc.evaluate(net, data.X, data.y)];
  const t0 = performance.now();
  for (let e = 1; e <= epochs; e++) {
    const order = tc.epochOrder(orders, e, data.X.length);
    tc.trainEpoch(net, opt, data.X, data.y, order, data.settings.batch_size, data.settings.lr);
    curve.push(tc.evaluate(net, data.X, data.y));
  }
  return {prob, curve, ms: (performance.now() - t0) / epochs};
}"""


def run_in_page(page, epochs: int) -> dict:
    src = page.locator(ROOT).get_attribute("data-src")
    return page.evaluate(IN_PAGE, [MODULE, src, epochs])


def compare(result: dict, export: dict) -> None:
    """The truth checks: forward pass within 1e-5, the first 3 epochs' losses within 1e-3
    (relative), every epoch's loss too, and every epoch's accuracy within one point; and, since
    the page says its status line shows the same values as the animations' (status_line in
    circles.py: loss to 3 decimals, accuracy to 0.1 %), the same text at every epoch."""
    gap = np.abs(np.array(result["prob"]) - np.array(export["prob"])).max()
    assert gap <= PROBABILITY_TOLERANCE, f"forward pass differs from the build's by {gap:.2e}"
    losses = np.array([c["loss"] for c in result["curve"]])
    recorded = np.array(export["loss"])
    assert np.abs(losses[:4] / recorded[:4] - 1).max() <= LOSS_TOLERANCE, (losses, recorded)
    assert np.abs(losses / recorded - 1).max() <= LOSS_TOLERANCE, (losses, recorded)
    accuracy = np.array([c["accuracy"] for c in result["curve"]])
    assert np.abs(accuracy - np.array(export["accuracy"])).max() <= 1 / len(export["y"])
    shown = [f"{c['loss']:.3f} {100 * c['accuracy']:.1f}" for c in result["curve"]]
    animated = [
        f"{loss:.3f} {100 * a:.1f}" for loss, a in zip(recorded, export["accuracy"], strict=True)
    ]
    assert shown == animated


def test_export_holds_the_builds_own_training(export):
    """Torch, replaying the exported start and order of points, gives the recorded losses:
    the order is the one the build trained with, not a look-alike."""
    s = export["settings"]
    model = BottleneckNet(s["width"], s["bottleneck"], 2)
    state = {}
    for layer, k in (("layer1", "1"), ("layer2", "2"), ("output", "3")):
        state[f"{layer}.weight"] = tensor(export["start"]["W" + k])
        state[f"{layer}.bias"] = tensor(export["start"]["b" + k])
    model.load_state_dict(state)
    X, y = tensor(export["X"]), tensor(export["y"], torch.int64)
    n = len(X)
    orders = np.frombuffer(base64.b64decode(export["orders"]), "<u2").reshape(-1, n)
    assert orders.shape[0] == s["epochs"]
    assert all(sorted(order) == list(range(n)) for order in orders.tolist())
    opt = torch.optim.Adam(model.parameters(), lr=s["lr"])
    loss_fn = torch.nn.CrossEntropyLoss()
    for epoch in range(1, 4):
        order = torch.from_numpy(orders[epoch - 1].astype(np.int64))
        for start in range(0, n, s["batch_size"]):
            batch = order[start : start + s["batch_size"]]
            opt.zero_grad()
            loss_fn(model(X[batch]), y[batch]).backward()
            opt.step()
        with torch.no_grad():
            assert loss_fn(model(X), y).item() == pytest.approx(export["loss"][epoch], rel=1e-6)


def test_forward_pass_and_training_match_the_build(browser, site_url, export):
    page, watch = mounted(browser, site_url)
    compare(run_in_page(page, export["settings"]["epochs"]), export)
    watch.assert_clean(PAGE)


@pytest.fixture(scope="module")
def real_export() -> bytes:
    """The export of the published build (real settings), built or read from the cache."""
    from dataclasses import replace

    from figures_src.engine.config import load_settings
    from figures_src.engine.runner import build

    (result,) = build(replace(load_settings(), quick=False), only="circles.live", jobs=1)
    return Path(next(p for p in result.outputs if p.endswith("circles.json"))).read_bytes()


def copy_modules(repo_root: Path, folder: Path) -> None:
    """train-circles.js and the module it imports, for a bare page in ``folder``."""
    for name in ("train-circles.js", "dom.js"):
        shutil.copy(repo_root / "docs" / "assets" / "explorables" / name, folder)


def test_the_published_build_is_reproduced_too(browser, real_export, repo_root, tmp_path):
    """The same checks on the real settings' data, all its epochs, in a bare page."""
    copy_modules(repo_root, tmp_path)
    (tmp_path / "circles.json").write_bytes(real_export)
    (tmp_path / "index.html").write_text("<!doctype html><title>train-circles</title>")
    export = json.loads(real_export)
    page = browser.new_page()
    with serve(tmp_path) as base:
        page.goto(base + "index.html")
        result = page.evaluate(
            IN_PAGE, ["train-circles.js", "circles.json", export["settings"]["epochs"]]
        )
    compare(result, export)
    print(f"\ntrain-circles: {result['ms']:.1f} ms per epoch in headless Chromium")
    page.close()


def test_one_epoch_button_trains_the_builds_network(browser, site_url, export):
    """Through the page's own controls: three clicks of the step button give the build's
    losses for epochs 1 to 3, and the status line says so."""
    page, watch = mounted(browser, site_url)
    s = strings(page)
    status = page.locator(f"{ROOT} .tc-status")
    assert status.inner_text().startswith(s["status"].split("{")[0])
    start = live(page, "state()")
    assert start["epoch"] == 0
    assert start["loss"] == pytest.approx(export["loss"][0], rel=LOSS_TOLERANCE)
    for epoch in range(1, 4):
        page.get_by_role("button", name=s["stepLabel"]).click()
        state = live(page, "state()")
        assert state["epoch"] == epoch
        assert state["loss"] == pytest.approx(export["loss"][epoch], rel=LOSS_TOLERANCE)
        assert f"loss {export['loss'][epoch]:.3f}" in status.inner_text()
    page.get_by_role("button", name=s["resetLabel"]).click()
    assert live(page, "state()") == start
    watch.assert_clean(PAGE)


def test_nothing_trains_by_itself_and_play_pauses(browser, site_url):
    page, watch = mounted(browser, site_url, reduced_motion="reduce")
    s = strings(page)
    page.wait_for_timeout(600)
    assert live(page, "state()")["epoch"] == 0
    play = page.get_by_role("button", name=s["playLabel"])
    play.click()
    page.wait_for_function(f'() => document.querySelector("{ROOT}").dataset.epoch >= 3')
    page.get_by_role("button", name=s["pauseLabel"]).click()
    stopped = live(page, "state()")["epoch"]
    page.wait_for_timeout(500)
    assert live(page, "state()")["epoch"] == stopped
    watch.assert_clean(PAGE)


def test_keyboard_and_pointer_change_the_view(browser, site_url):
    page, watch = mounted(browser, site_url)
    s = strings(page)
    left, right = page.locator(f"{ROOT} canvas").nth(0), page.locator(f"{ROOT} canvas").nth(1)
    before = left.screenshot(), right.screenshot()
    # Keyboard only: tab to the step button and press Enter.
    page.get_by_role("button", name=s["playLabel"]).focus()
    page.keyboard.press("Tab")
    assert (
        page.evaluate("() => document.activeElement.getAttribute('aria-label')") == s["stepLabel"]
    )
    page.keyboard.press("Enter")
    assert live(page, "state()")["epoch"] == 1
    assert (left.screenshot(), right.screenshot()) != before
    # A 3-unit second layer by keyboard: the right view becomes a turnable 3-D one.
    page.get_by_label(s["bottleneck"], exact=True).focus()
    page.keyboard.press("ArrowDown")
    page.wait_for_function(f"() => document.querySelector(\"{ROOT}\").dataset.epoch === '0'")
    assert right.get_attribute("aria-label") == s["hiddenLabel3"]
    assert page.locator(f"{ROOT} .tc-note").inner_text() == s["startNew"].format(k=0)
    turned = right.screenshot()
    right.focus()
    page.keyboard.press("ArrowRight")
    assert right.screenshot() != turned
    # By pointer (a drag, as a finger would).
    turned = right.screenshot()
    box = right.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 + 60, box["y"] + box["height"] / 2 + 20, steps=4)
    page.mouse.up()
    assert right.screenshot() != turned
    watch.assert_clean(PAGE)


def test_two_unit_tanh_layers_never_close_the_orange_region(browser, site_url):
    """What the page asks the reader to try: with every hidden layer two units wide and tanh,
    the inner-ring region, wherever it is not empty, runs out to the edge of the picture."""
    page, watch = mounted(browser, site_url)
    s = strings(page)
    page.get_by_label(s["width"], exact=True).select_option("2")
    page.get_by_label(s["activation"], exact=True).select_option("tanh")
    page.get_by_label(s["lr"], exact=True).select_option("0.01")
    step = page.get_by_role("button", name=s["stepLabel"])
    grid = np.linspace(-1.5, 1.5, 61)
    points = [[a, b] for b in grid for a in grid]
    edge = np.zeros((61, 61), bool)
    edge[[0, -1], :] = edge[:, [0, -1]] = True
    check = f"""async (points) => {{
      const tc = await import(new URL('../assets/explorables/train-circles.js', location.href));
      return tc.probabilities(document.querySelector("{ROOT}").trainCircles.net(), points);
    }}"""
    orange_seen = False
    for _ in range(30):
        step.click()
        inner = np.array(page.evaluate(check, points)).reshape(61, 61) > 0.5
        orange_seen |= inner.any()
        assert not inner.any() or inner[edge].any(), "a closed inner-ring region"
    assert orange_seen
    watch.assert_clean(PAGE)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_with_the_explorable_mounted(browser, site_url, scheme):
    page, watch = mounted(browser, site_url, color_scheme=scheme)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "([tags, root]) => axe.run(root, {runOnly: {type: 'tag', values: tags}})",
        [WCAG_TAGS, ROOT],
    )
    found = [f"{v['id']}: {[n['target'] for n in v['nodes'][:3]]}" for v in result["violations"]]
    assert found == [], found
    controls = page.locator(f"{ROOT} button, {ROOT} select")
    for i in range(controls.count()):
        name = controls.nth(i).evaluate(
            "e => e.getAttribute('aria-label') || e.labels?.[0]?.textContent"
        )
        assert name, controls.nth(i).evaluate("e => e.outerHTML")
    watch.assert_clean(PAGE)


def test_works_on_a_phone(browser, site_url):
    page, watch = mounted(
        browser, site_url, viewport={"width": 360, "height": 780}, has_touch=True, is_mobile=True
    )
    s = strings(page)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    for canvas in page.locator(f"{ROOT} canvas").all():
        box = canvas.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360, box
    step = page.get_by_role("button", name=s["stepLabel"])
    box = step.bounding_box()
    assert box["height"] >= 24 and box["width"] >= 24, box
    # The buttons sit above the input plane: Play and the whole plane fit in one screen.
    play = page.get_by_role("button", name=s["playLabel"]).bounding_box()
    plane = page.locator(f"{ROOT} canvas").first.bounding_box()
    assert play["y"] < plane["y"] and plane["y"] + plane["height"] - play["y"] < 780 - 100
    step.tap()
    assert live(page, "state()")["epoch"] == 1
    watch.assert_clean(PAGE)


def test_nothing_loads_before_the_reader_scrolls_near(browser, site_url):
    page = browser.new_page(viewport={"width": 360, "height": 780})
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url))
    page.goto(site_url + PAGE, wait_until="networkidle")
    page.wait_for_timeout(300)
    assert not [u for u in fetched if "train-circles" in u or "circles.json" in u], fetched
    page.close()


@pytest.mark.parametrize("width", [1280, 360])
def test_the_page_reserves_the_explorables_height(browser, site_url, width):
    """Its place is held before it mounts, so the text below hardly moves when it does."""
    page = browser.new_page(viewport={"width": width, "height": 800})
    page.goto(site_url + PAGE, wait_until="networkidle")
    element = page.locator(ROOT)
    reserved = element.bounding_box()["height"]
    element.scroll_into_view_if_needed()
    page.wait_for_function(f"() => document.querySelector(\"{ROOT}\").dataset.mounted === 'yes'")
    mounted = element.bounding_box()["height"]
    assert abs(mounted - reserved) <= 0.1 * mounted, (reserved, mounted)
    page.close()


def note(page) -> str:
    return page.locator(f"{ROOT} .tc-note").inner_text()


def train(page, epochs: int) -> dict:
    """Press the step button ``epochs`` times (in the page, at once); the status after."""
    page.evaluate(
        """([root, label, epochs]) => {
          const step = document.querySelector(`${root} button[aria-label="${label}"]`);
          for (let e = 0; e < epochs; e++) step.click();
        }""",
        [ROOT, strings(page)["stepLabel"], epochs],
    )
    return live(page, "state()")


def start_weights(page) -> list:
    return page.evaluate(
        f'() => document.querySelector("{ROOT}").trainCircles.net().W.map(w => Array.from(w))'
    )


def test_every_setting_equal_to_the_figures_is_marked(browser, site_url, export):
    page, watch = mounted(browser, site_url)
    s = strings(page)
    mark = s["asBuilt"].replace("{value}", "")
    built = export["settings"]
    for name in ("width", "bottleneck", "activation", "lr"):
        options = page.get_by_label(s[name], exact=True).locator("option")
        marked = [o.get_attribute("value") for o in options.all() if mark in o.inner_text()]
        assert marked == [str(built[name])], (name, marked)
    watch.assert_clean(PAGE)


def test_a_dead_start_is_stuck_at_ln2_and_a_new_start_is_the_way_out(browser, site_url):
    """What the page says under "If the loss stops at 0.693": with a 2-unit first layer, ReLU
    and a learning rate of 0.01, start #0 stays at ln 2 and the page says so after ten
    epochs; New start numbers its starts, each the same every time, and one of the next
    five trains."""
    page, watch = mounted(browser, site_url)
    s = strings(page)
    page.get_by_label(s["width"], exact=True).select_option("2")
    page.get_by_label(s["lr"], exact=True).select_option("0.01")
    assert note(page) == s["startNew"].format(k=0)
    first = start_weights(page)
    state = train(page, STUCK_EPOCHS + 20)
    assert abs(state["loss"] - math.log(2)) < STUCK_BAND, state
    before, after = s["stuck"].format(k=0, n="{n}").split("{n}")
    said = note(page)
    assert said.startswith(before) and said.endswith(after), said
    assert STUCK_EPOCHS <= int(said[len(before) : len(said) - len(after)]) <= STUCK_EPOCHS + 20
    again = page.get_by_role("button", name=s["newStartLabel"])
    reset = page.get_by_role("button", name=s["resetLabel"])
    losses, starts = [], [first]
    for k in range(1, 6):
        again.click()
        assert note(page) == s["startNew"].format(k=k)
        assert live(page, "state()")["epoch"] == 0
        starts.append(start_weights(page))
        losses.append(train(page, 30)["loss"])
        reset.click()  # back to start #k, before training
        assert note(page) == s["startNew"].format(k=k) and start_weights(page) == starts[-1]
    assert len({json.dumps(w) for w in starts}) == len(starts)  # six different starts
    assert min(losses) < 0.6, losses
    # Changing a setting goes back to start #0, whose weights are the same as before.
    page.get_by_label(s["activation"], exact=True).select_option("tanh")
    page.get_by_label(s["activation"], exact=True).select_option("relu")
    assert note(page) == s["startNew"].format(k=0) and start_weights(page) == first
    watch.assert_clean(PAGE)


def test_the_published_data_has_the_dead_start_too(browser, real_export, repo_root, tmp_path):
    """The same claim on the real settings' points (the page readers see): start #0 of a
    2-unit ReLU first layer at learning rate 0.01 sits at ln 2 from epoch 10 to 30, and one
    of starts #1 to #5 gets below 0.6."""
    copy_modules(repo_root, tmp_path)
    (tmp_path / "circles.json").write_bytes(real_export)
    (tmp_path / "index.html").write_text("<!doctype html><title>train-circles</title>")
    page = browser.new_page()
    with serve(tmp_path) as base:
        page.goto(base + "index.html")
        curves = page.evaluate(
            """async () => {
              const tc = await import('./train-circles.js');
              const data = await (await fetch('circles.json')).json();
              const orders = tc.decodeOrders(data.orders, data.X.length);
              return [0, 1, 2, 3, 4, 5].map((k) => {
                const net = tc.randomNet(2, 2, 'relu', tc.startSeed(2, 2, 'relu', k));
                const opt = tc.adam(net, data.settings);
                const losses = [];
                for (let e = 1; e <= 30; e++) {
                  const order = tc.epochOrder(orders, e, data.X.length);
                  tc.trainEpoch(net, opt, data.X, data.y, order, data.settings.batch_size, 0.01);
                  losses.push(tc.evaluate(net, data.X, data.y).loss);
                }
                return losses;
              });
            }"""
        )
    dead = np.array(curves[0][STUCK_EPOCHS - 1 :])
    assert np.abs(dead - math.log(2)).max() < STUCK_BAND, curves[0]
    assert min(c[-1] for c in curves[1:]) < 0.6, [c[-1] for c in curves]
    page.close()


def test_the_status_is_spoken_only_on_a_step_or_a_pause(browser, site_url):
    """While playing, the status line changes every epoch but nothing is announced; a step,
    a pause or a new start puts the status in the (hidden) live region once."""
    page, watch = mounted(browser, site_url)
    s = strings(page)
    status = page.locator(f"{ROOT} .tc-status")
    assert status.get_attribute("aria-live") is None
    spoken = page.locator(f"{ROOT} [aria-live]")
    assert spoken.count() == 1 and spoken.get_attribute("aria-live") == "polite"
    assert spoken.text_content() == ""  # nothing at mount
    page.get_by_role("button", name=s["stepLabel"]).click()
    assert spoken.text_content() == status.inner_text() and "epoch 1" in status.inner_text()
    page.evaluate(
        """(root) => {
          const region = document.querySelector(`${root} [aria-live]`);
          window.changes = 0;
          new MutationObserver((m) => (window.changes += m.length)).observe(
            region, {childList: true, characterData: true, subtree: true});
        }""",
        ROOT,
    )
    page.get_by_role("button", name=s["playLabel"]).click()
    page.wait_for_function(f'() => document.querySelector("{ROOT}").dataset.epoch >= 5')
    assert page.evaluate("() => window.changes") == 0
    page.get_by_role("button", name=s["pauseLabel"]).click()
    page.wait_for_timeout(50)
    assert page.evaluate("() => window.changes") >= 1
    assert spoken.text_content() == status.inner_text()
    page.get_by_role("button", name=s["newStartLabel"]).click()
    assert spoken.text_content() == status.inner_text() and "epoch 0" in status.inner_text()
    watch.assert_clean(PAGE)

"""The built site in a real browser: headless Chromium (Debian's), driven by Playwright."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from benchmarks.screenshots import chromium, pages, serve

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def site_url(quick_site):
    with serve(quick_site) as base:
        yield base


class PageWatch:
    """Console errors, failed requests and requests that leave the site, on one page."""

    def __init__(self, page, base: str):
        self.errors: list[str] = []
        self.failed: list[str] = []
        self.offsite: list[str] = []
        host = urlparse(base).netloc
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("requestfailed", lambda r: self.failed.append(r.url))
        page.on(
            "request",
            lambda r: (
                urlparse(r.url).scheme in ("http", "https")
                and urlparse(r.url).netloc != host
                and self.offsite.append(r.url)
            ),
        )

    def assert_clean(self, where: str) -> None:
        assert self.errors == [], f"{where}: console errors {self.errors}"
        assert self.failed == [], f"{where}: failed requests {self.failed}"
        assert self.offsite == [], f"{where}: requests off the site {self.offsite}"


def all_images_loaded(page) -> list[str]:
    return page.eval_on_selector_all(
        "img", "imgs => imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)"
    )


def untypeset_formulas(page) -> list[str]:
    return page.eval_on_selector_all(
        ".arithmatex",
        "els => els.filter(e => !e.querySelector('.katex-mathml math')).map(e => e.textContent)",
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_page_loads_cleanly(browser, site_url, quick_site, scheme):
    context = browser.new_context(color_scheme=scheme)
    page = context.new_page()
    watch = PageWatch(page, site_url)
    for path in pages(quick_site):
        page.goto(site_url + path, wait_until="networkidle")
        for image in page.query_selector_all("img"):
            image.scroll_into_view_if_needed()
        page.wait_for_function("() => [...document.images].every(i => i.complete)")
        assert all_images_loaded(page) == [], f"{path}: images that did not load"
        players = page.query_selector_all(".mx-player")
        for player in players:
            player.scroll_into_view_if_needed()
        page.wait_for_function(
            "() => [...document.querySelectorAll('.mx-player')].every(p => p.dataset.loaded)"
        )
        assert untypeset_formulas(page) == [], f"{path}: formulas KaTeX did not typeset"
        watch.assert_clean(path or "home")
    context.close()


def test_no_page_scrolls_sideways_on_a_phone(browser, site_url, quick_site):
    page = browser.new_page(viewport={"width": 360, "height": 780})
    for path in pages(quick_site):
        page.goto(site_url + path, wait_until="networkidle")
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 360, f"{path or 'home'} is {width} px wide on a 360 px phone"
    page.close()


def test_player_pauses_and_steps(browser, site_url):
    page = browser.new_page()
    watch = PageWatch(page, site_url)
    page.goto(site_url + "layers-bend-space/", wait_until="networkidle")
    player = page.locator(".mx-player").first
    player.scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelector('.mx-player').dataset.loaded")
    assert player.get_attribute("data-playing") == "1"
    player.get_by_role("button", name="Pause animation").click()
    assert player.get_attribute("data-playing") == "0"
    label = player.locator(".mx-label")
    before_frame, before_label = player.get_attribute("data-frame"), label.inner_text()
    canvas = player.locator("canvas")
    before_pixels = canvas.screenshot()
    player.focus()
    page.keyboard.press("ArrowRight")
    after_frame, after_label = player.get_attribute("data-frame"), label.inner_text()
    assert int(after_frame) == (int(before_frame) + 1) % (
        int(player.locator("input").get_attribute("max")) + 1
    )
    assert after_label != before_label and after_label.startswith("epoch ")
    assert canvas.screenshot() != before_pixels
    page.keyboard.press("ArrowLeft")
    assert player.get_attribute("data-frame") == before_frame
    watch.assert_clean("player")
    page.close()


def test_reduced_motion_starts_paused_on_the_last_frame(browser, site_url):
    context = browser.new_context(reduced_motion="reduce")
    page = context.new_page()
    page.goto(site_url + "layers-bend-space/", wait_until="networkidle")
    player = page.locator(".mx-player").first
    assert player.get_attribute("data-playing") == "0"
    assert player.get_attribute("data-frame") == player.locator("input").get_attribute("max")
    context.close()


def test_player_survives_instant_navigation_and_dark_toggle(browser, site_url):
    page = browser.new_page()
    watch = PageWatch(page, site_url)
    page.goto(site_url, wait_until="networkidle")
    page.locator("nav.md-nav--primary a[href*='layers-bend-space']").first.click()
    page.wait_for_url("**/layers-bend-space/")
    page.wait_for_function("() => document.querySelector('.mx-player')?.dataset.ready === '1'")
    # Switch the palette with Material's own toggle.
    page.locator("form[data-md-component=palette] label:visible").first.click()
    assert page.locator("body").get_attribute("data-md-color-scheme") == "slate"
    page.wait_for_function("() => document.querySelector('.mx-player').dataset.loaded")
    controls = page.locator(".mx-player").first.get_by_role("button")
    assert all(controls.nth(i).get_attribute("aria-label") for i in range(controls.count()))
    watch.assert_clean("instant navigation")
    page.close()


def test_math_is_typeset_after_instant_navigation(browser, site_url):
    page = browser.new_page()
    watch = PageWatch(page, site_url)
    katex = []
    page.on("request", lambda r: "/katex/" in r.url and katex.append(r.url))
    page.goto(site_url, wait_until="networkidle")
    assert katex == [], "a page without formulas loaded KaTeX"
    page.locator("nav.md-nav--primary a[href*='nonlinear-regression']").first.click()
    page.wait_for_url("**/nonlinear-regression/")
    page.wait_for_function("() => document.querySelector('.arithmatex')?.dataset.typeset")
    assert page.locator(".arithmatex").count() >= 10
    assert untypeset_formulas(page) == []
    # Displayed formulas are KaTeX display blocks, inline ones are not.
    assert page.locator("div.arithmatex .katex-display").count() >= 3
    assert page.locator("span.arithmatex .katex-display").count() == 0
    page.wait_for_load_state("networkidle")
    assert any(url.endswith("katex.min.js") for url in katex)
    assert any(url.endswith(".woff2") for url in katex)  # its fonts come from the site too
    watch.assert_clean("math after instant navigation")
    page.close()

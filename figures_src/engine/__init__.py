"""The figure engine: jobs, cache keys, the cache, the runner, media encoding and page glue.

Chapter modules use only :func:`job`, :class:`Animation` and :func:`animate`. The last two
are imported on first use, so a warm build, which draws nothing, never loads NumPy or Pillow.
"""

from figures_src.engine.jobs import job

__all__ = ["Animation", "animate", "job"]


def __getattr__(name: str):
    if name in ("Animation", "animate"):
        from figures_src.engine import media

        return getattr(media, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

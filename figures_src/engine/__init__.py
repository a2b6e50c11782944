"""The figure engine: jobs, cache keys, the cache, the runner, media encoding and page glue.

Chapter modules use only :func:`job`, :class:`Animation` and :func:`animate`.
"""

from figures_src.engine.jobs import job
from figures_src.engine.media import Animation, animate

__all__ = ["Animation", "animate", "job"]

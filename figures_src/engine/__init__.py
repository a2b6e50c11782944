"""The figure engine: jobs, cache keys, the cache, the runner, media encoding, the report.

Chapter modules use only :func:`job`; they draw with :mod:`figures_src.drawing`.
"""

from figures_src.engine.jobs import job

__all__ = ["job"]

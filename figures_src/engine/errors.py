"""The errors a maintainer can cause and fix; each carries a one-line message.

Errors inside a job (missing data, a figure that cannot be encoded) are caught in its worker
and arrive here as that job's BuildError. This module stays free of NumPy so that warm
builds are cheap.
"""

from figures_src.engine.cache import CacheError
from figures_src.engine.jobs import ConfigError
from figures_src.engine.pages import PageError
from figures_src.engine.report import BuildError

USER_ERRORS = (BuildError, CacheError, ConfigError, PageError)

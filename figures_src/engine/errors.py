"""The errors a maintainer can cause and fix; each carries a one-line message.

A figure that cannot be encoded (media.MediaError) is raised inside its job and reported as
that job's failure, a BuildError; this module stays free of NumPy so that warm builds are
cheap.
"""

from figures_src.engine.cache import CacheError
from figures_src.engine.jobs import ConfigError
from figures_src.engine.pages import PageError
from figures_src.engine.runner import BuildError

USER_ERRORS = (BuildError, CacheError, ConfigError, PageError)

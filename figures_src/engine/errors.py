"""The errors a maintainer can cause and fix; each carries a one-line message."""

from figures_src.engine.cache import CacheError
from figures_src.engine.jobs import ConfigError
from figures_src.engine.media import MediaError
from figures_src.engine.pages import PageError
from figures_src.engine.runner import BuildError

USER_ERRORS = (BuildError, CacheError, ConfigError, MediaError, PageError)

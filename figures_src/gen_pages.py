"""The mkdocs-gen-files script: build the figures and hand MkDocs the files and filled pages."""

import sys
from pathlib import Path

import mkdocs_gen_files
from mkdocs.exceptions import PluginError

config = mkdocs_gen_files.FilesEditor.current().config
root = str(Path(config.config_file_path).resolve().parent)
if root not in sys.path:  # works from a plain clone, installed or not
    sys.path.insert(0, root)
# `mkdocs serve` runs this script again after every edit: forget the old figures_src
# modules so that the new sources are the ones hashed and run.
for name in [m for m in sys.modules if m == "figures_src" or m.startswith("figures_src.")]:
    del sys.modules[name]

from figures_src.engine.config import load_settings  # noqa: E402
from figures_src.engine.report import USER_ERRORS  # noqa: E402
from figures_src.pages import PageError  # noqa: E402
from figures_src.site import generate  # noqa: E402

try:
    docs = Path(config.docs_dir)
    for path, data in generate(load_settings(), docs, config.use_directory_urls, config.repo_url):
        with mkdocs_gen_files.open(path, "wb") as handle:
            handle.write(data)
except (*USER_ERRORS, PageError) as error:
    raise PluginError(str(error)) from None

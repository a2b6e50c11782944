"""The mkdocs-gen-files script: build the figures and hand MkDocs their files.

It only adds files (every figure, in each language it was drawn in, and copies of the
repository files the pages link); the pages themselves are filled by the hook
overrides/hooks/placeholders.py, from the build this script records (figures_src.site).
mkdocs-static-i18n builds the site once per language and runs this script each time: the
default language's run builds the figures; the others hand over the same build again (the
pages' Markdown links to figure files are checked in each language).
"""

import sys
from pathlib import Path

import mkdocs_gen_files
from mkdocs.exceptions import PluginError

config = mkdocs_gen_files.FilesEditor.current().config
root = str(Path(config.config_file_path).resolve().parent)
if root not in sys.path:  # works from a plain clone, installed or not
    sys.path.insert(0, root)
i18n = config.plugins.get("i18n")
again = i18n is not None and i18n.current_language != i18n.default_language
site = sys.modules.get("figures_src.site")
if not (again and site is not None and site._LAST is not None):
    # `mkdocs serve` runs this script again after every edit: forget the old figures_src
    # modules so that the new sources are the ones hashed and run.
    for name in [m for m in sys.modules if m == "figures_src" or m.startswith("figures_src.")]:
        del sys.modules[name]

from figures_src.engine.config import load_settings  # noqa: E402
from figures_src.engine.report import USER_ERRORS  # noqa: E402
from figures_src.pages import PageError  # noqa: E402
from figures_src.site import generate, last_build, site_files  # noqa: E402

try:
    docs = Path(config.docs_dir)
    if again:  # the same `mkdocs build`, another language: its figures are made already
        made = site_files(last_build(), docs)
    else:
        made = generate(load_settings(), docs, config.use_directory_urls, config.repo_url)
    for path, data in made:
        with mkdocs_gen_files.open(path, "wb") as handle:
            handle.write(data)
except (*USER_ERRORS, PageError) as error:
    raise PluginError(str(error)) from None

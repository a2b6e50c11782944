"""The pages' placeholders filled in, in each language (see figures_src/pages.py).

``{{ circles.hidden.final_accuracy:.1% }}``, ``{{ figure job/output ... }}``,
``{{ source path }}``, ``{{ data job/file }}`` and the build's tables become numbers, figures
and links here, as MkDocs reads each page, from the figure build that
figures_src/gen_pages.py (run by mkdocs-gen-files) made for this `mkdocs build`. A hook, not
the gen-files script, fills them: mkdocs-static-i18n only handles pages that are files of
docs/, so a page that gen-files rewrites is lost to it.

A Korean page (``page.ko.md``) gets the same numbers and the same figure URLs as its English
page; the plugin serves it ``x.ko.png`` as its ``x.png``, so only the sizes and the player's
frame list are read from the Korean files. The build's tables come in Korean words.
"""

from __future__ import annotations

import sys

from mkdocs.exceptions import PluginError


def on_page_markdown(markdown, page, config, files, **kwargs):
    if "{{" not in markdown:
        return markdown
    site = sys.modules.get("figures_src.site")
    if site is None:
        raise PluginError(
            "the pages are filled from the figure build, but none ran: "
            "is figures_src/gen_pages.py listed under gen-files in mkdocs.yml?"
        )
    from figures_src.pages import PageError

    lang = getattr(page.file, "locale_alternate_of", None) or site.LANGUAGES[0]
    try:
        return site.fill_markdown(markdown, page.file.src_uri, lang)
    except PageError as error:
        raise PluginError(str(error)) from None

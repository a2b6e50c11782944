"""The site's languages, and how a file's version in another language is named.

English is the default, at the site's root; each other language has its pages under its
code (``ko/``), and a figure drawn in it is a file beside the English one, with the
language's code before the extension: mkdocs-static-i18n serves ``x.ko.png`` to Korean
pages in place of ``x.png``.
"""

from __future__ import annotations

LANGUAGES = ("en", "ko")


def localized(path: str, lang: str) -> str:
    """Where a file's ``lang`` version is: ``.ko`` before the last suffix
    (``x.frames.png`` -> ``x.frames.ko.png``); the default language's file is ``path``."""
    if lang == LANGUAGES[0]:
        return path
    folder, slash, name = path.rpartition("/")
    stem, dot, suffix = name.rpartition(".")
    return folder + slash + (f"{stem}.{lang}.{suffix}" if dot else f"{name}.{lang}")


def is_localized(path: str) -> bool:
    """Whether ``path`` is another language's version of a file (``x.ko.png``)."""
    parts = path.rpartition("/")[2].split(".")
    return len(parts) >= 3 and parts[-2] in LANGUAGES[1:]

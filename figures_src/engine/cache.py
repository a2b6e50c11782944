"""The figure cache: one directory per (job, step, key), written atomically, verified on read.

Layout under the cache root::

    entries/<job>/<step>-<key>/   the step's files and manifest.json (their sha256s)
    tmp/                          entries being written; renamed into entries/ when complete
    locks/<job>.lock              held while a build computes that job

An entry directory appears only by ``rename`` of a complete temporary directory, so a
reader never sees half an entry, and a killed build leaves only ``tmp/`` litter,
which the next build removes.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"


class CacheError(OSError):
    """The cache directory cannot be written."""


class CorruptEntry(Exception):
    """An entry's files do not match its manifest."""


@dataclass(frozen=True)
class Entry:
    """A verified cache entry: its directory, files by name, and manifest metadata."""

    path: Path
    files: dict[str, Path]
    meta: dict[str, Any]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _cache_error(root: Path, error: OSError) -> CacheError:
    reason = os.strerror(error.errno) if error.errno else str(error)
    hint = {
        errno.ENOSPC: "free some disk space",
        errno.EDQUOT: "free some disk space",
        errno.EROFS: "make it writable",
        errno.EACCES: "make it writable",
        errno.EPERM: "make it writable",
    }.get(error.errno or 0, "check it")
    return CacheError(
        f"cannot write the figure cache {root}: {reason}; {hint}, "
        "or set FIGURES_CACHE_DIR to a writable directory"
    )


class Cache:
    """Entries under one root directory."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def entry_path(self, job: str, step: str, key: str) -> Path:
        return self.root / "entries" / job / f"{step}-{key[:24]}"

    def read(self, job: str, step: str, key: str) -> Entry | None:
        """The entry if present; raises CorruptEntry if its files fail their checksums."""
        path = self.entry_path(job, step, key)
        if not path.is_dir():
            return None
        try:
            manifest = json.loads((path / MANIFEST).read_text())
            files = {name: path / name for name in manifest["files"]}
            if manifest["key"] != key:
                raise CorruptEntry(f"{path}: manifest belongs to another key")
            for name, expected in manifest["files"].items():
                if _sha256(files[name]) != expected:
                    raise CorruptEntry(f"{path / name}: checksum mismatch")
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise CorruptEntry(f"{path}: unreadable manifest or file ({error})") from None
        return Entry(path=path, files=files, meta=manifest.get("meta", {}))

    def discard(self, job: str, step: str, key: str) -> None:
        """Remove a (corrupt) entry, moving it aside first so no reader sees it half gone."""
        path = self.entry_path(job, step, key)
        if path.exists():
            trash = self._tmpdir(f"trash-{job}.{step}.")
            os.replace(path, trash / "entry")
            shutil.rmtree(trash, ignore_errors=True)

    def write(
        self, job: str, step: str, key: str, files: Mapping[str, bytes], meta: Mapping[str, Any]
    ) -> Entry:
        """Store ``files`` as one entry, atomically; returns the entry as read back."""
        final = self.entry_path(job, step, key)
        staging = self._tmpdir(f"{job}.{step}.")
        try:
            sums = {}
            for name, data in files.items():
                (staging / name).write_bytes(data)
                sums[name] = hashlib.sha256(data).hexdigest()
            manifest = {"job": job, "step": step, "key": key, "files": sums, "meta": dict(meta)}
            (staging / MANIFEST).write_text(json.dumps(manifest, sort_keys=True, indent=1))
            staging.chmod(0o755)
            final.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.rename(staging, final)
            except OSError as error:
                # Another build stored the same entry first; keep theirs.
                if error.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                    raise
                shutil.rmtree(staging, ignore_errors=True)
        except OSError as error:
            shutil.rmtree(staging, ignore_errors=True)  # nothing half-written stays behind
            raise _cache_error(self.root, error) from None
        entry = self.read(job, step, key)
        assert entry is not None
        return entry

    def _tmpdir(self, prefix: str) -> Path:
        tmp = self.root / "tmp"
        try:
            tmp.mkdir(parents=True, exist_ok=True)
            return Path(tempfile.mkdtemp(prefix=f"{os.getpid()}-{prefix}", dir=tmp))
        except OSError as error:
            raise _cache_error(self.root, error) from None

    @contextlib.contextmanager
    def lock(self, job: str) -> Iterator[None]:
        """Hold an exclusive lock on ``job`` so two builds do not compute it at once."""
        locks = self.root / "locks"
        try:
            locks.mkdir(parents=True, exist_ok=True)
            handle = open(locks / f"{job}.lock", "a+")
        except OSError as error:
            raise _cache_error(self.root, error) from None
        with handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def remove_litter(self) -> None:
        """Delete temporary directories left by builds that were killed (their pid is gone)."""
        tmp = self.root / "tmp"
        if not tmp.is_dir():
            return
        for child in tmp.iterdir():
            pid = child.name.split("-", 1)[0]
            if not pid.isdigit() or not _alive(int(pid)):
                shutil.rmtree(child, ignore_errors=True)

    def clear(self) -> None:
        """Delete the whole cache."""
        shutil.rmtree(self.root, ignore_errors=True)

    def write_json(self, name: str, value: Any) -> Path:
        """Atomically write a JSON document at the cache root; returns its path."""
        path = self.root / name
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
            with os.fdopen(fd, "w") as handle:
                json.dump(value, handle, indent=1, sort_keys=True)
            os.replace(tmp, path)
        except OSError as error:
            raise _cache_error(self.root, error) from None
        return path

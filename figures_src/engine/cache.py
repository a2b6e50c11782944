"""The figure cache: one directory per (job, step, key), written atomically, verified on read.

Layout under the cache root::

    entries/<job>/<step>-<key>/   the step's files and manifest.json (their sha256s)
    tmp/                          entries being written; renamed into entries/ when complete
    locks/tmp-<owner>.lock        held by the live process that owns tmp/<owner>-* directories
    locks/<job>.lock              held while a build computes that job's model or figure
    stamps/<stamp>.json           the entries a complete build used (see keys.stamp)

An entry directory appears only by ``rename`` of a complete temporary directory, so a
reader never sees half an entry, and a killed build leaves only ``tmp/`` litter,
which the next build removes. Locks are ``filelock`` locks, released by the system when
their process dies.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from filelock import AcquireReturnProxy, FileLock, Timeout

MANIFEST = "manifest.json"
# This process's name in tmp/: its directories are tmp/<OWNER>-*, kept while it holds
# locks/tmp-<OWNER>.lock. Process ids alone could repeat across machines sharing a cache.
OWNER = f"{os.getpid()}.{uuid.uuid4().hex[:8]}"
_held: dict[Path, AcquireReturnProxy] = {}


class CacheError(OSError):
    """The cache directory cannot be written."""


class CorruptEntry(Exception):
    """An entry's files do not match its manifest."""


@dataclass(frozen=True)
class Entry:
    """A verified cache entry: its files by name, and its manifest's metadata."""

    files: dict[str, Path]
    meta: dict[str, Any]


def _cache_error(root: Path, error: OSError) -> CacheError:
    reason = os.strerror(error.errno) if error.errno else str(error)
    full, readonly = (errno.ENOSPC, errno.EDQUOT), (errno.EROFS, errno.EACCES, errno.EPERM)
    hint = "free some disk space" if error.errno in full else "check it"
    hint = "make it writable" if error.errno in readonly else hint
    return CacheError(f"cannot write the figure cache {root}: {reason}; {hint}, "
                      "or set FIGURES_CACHE_DIR to a writable directory")  # fmt: skip


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
                if hashlib.sha256(files[name].read_bytes()).hexdigest() != expected:
                    raise CorruptEntry(f"{path / name}: checksum mismatch")
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise CorruptEntry(f"{path}: unreadable manifest or file ({error})") from None
        return Entry(files=files, meta=manifest.get("meta", {}))

    def discard(self, job: str, step: str, key: str) -> None:
        """Remove a (corrupt) entry, moving it aside first so no reader sees it half gone."""
        path = self.entry_path(job, step, key)
        if path.exists():
            trash = self._tmpdir(f"trash-{job}.{step}.")
            with contextlib.suppress(FileNotFoundError):  # another build moved it away first
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
            except OSError as error:  # another build stored the same entry first: keep theirs
                if error.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                    raise
        except OSError as error:
            raise _cache_error(self.root, error) from None
        finally:
            shutil.rmtree(staging, ignore_errors=True)  # nothing half-written stays behind
        entry = self.read(job, step, key)
        assert entry is not None
        return entry

    def _tmpdir(self, prefix: str) -> Path:
        tmp = self.root / "tmp"
        try:
            tmp.mkdir(parents=True, exist_ok=True)
            if self.root not in _held:  # held until this process ends
                _held[self.root] = self._lock_file(f"tmp-{OWNER}").acquire()
            return Path(tempfile.mkdtemp(prefix=f"{OWNER}-{prefix}", dir=tmp))
        except OSError as error:
            raise _cache_error(self.root, error) from None

    def _lock_file(self, name: str) -> FileLock:
        (self.root / "locks").mkdir(parents=True, exist_ok=True)
        return FileLock(self.root / "locks" / f"{name}.lock")

    def lock(self, job: str) -> AcquireReturnProxy:
        """An exclusive lock on ``job``, so two builds do not compute it at once: taken now,
        released when the ``with`` block ends. Errors inside the block pass through as they are."""
        try:
            return self._lock_file(job).acquire()
        except OSError as error:
            raise _cache_error(self.root, error) from None

    def remove_litter(self) -> None:
        """Delete temporary directories whose owner is gone (its lock is free)."""
        tmp = self.root / "tmp"
        for child in sorted(tmp.iterdir()) if tmp.is_dir() else []:
            owner = self._lock_file(f"tmp-{child.name.split('-', 1)[0]}")
            with contextlib.suppress(Timeout), owner.acquire(timeout=0):  # Timeout: it is alive
                shutil.rmtree(child, ignore_errors=True)

    def read_stamp(self, stamp: str) -> list[tuple[str, Entry]] | None:
        """Each job's render entry, as a complete build recorded them under ``stamp``, if
        they and their train entries are all still there and verify; None otherwise."""
        found = []
        try:
            used = json.loads((self.root / "stamps" / f"{stamp}.json").read_text())["jobs"]
            for name, rkey, trained_by, tkey in used:
                render = self.read(name, "render", rkey)
                if render is None or self.read(trained_by, "train", tkey) is None:
                    return None
                found.append((name, render))
        except (CorruptEntry, ValueError, OSError, KeyError, TypeError):
            return None  # the full build reports and repairs what is wrong
        return found

    def write_stamp(self, stamp: str, quick: bool, only: str | None, used: list) -> None:
        """Record the entries [job, render key, model job, train key] of a complete build."""
        self.write_json(f"stamps/{stamp}.json", {"quick": quick, "only": only, "jobs": used})

    def remove_stale(self) -> list[Path]:
        """Delete every entry that the newest complete build of each mode (full, quick) did
        not use, and the older stamps; returns what was removed."""
        stamps = sorted((self.root / "stamps").glob("*.json"), key=lambda p: p.stat().st_mtime)
        newest: dict[bool, tuple[Path, list]] = {}  # by quick mode: the stamp and its entries
        for path in stamps:
            with contextlib.suppress(OSError, ValueError, AttributeError, KeyError):
                recorded = json.loads(path.read_text())
                if recorded.get("only") is None:
                    newest[bool(recorded.get("quick"))] = path, recorded["jobs"]
        keep = {path for path, _ in newest.values()}
        for _, used in newest.values():
            keep |= {self.entry_path(name, "render", rkey) for name, rkey, _, _ in used}
            keep |= {self.entry_path(model, "train", tkey) for _, _, model, tkey in used}
        entries = sorted((self.root / "entries").glob("*/*-*"))
        removed = [path for path in [*entries, *stamps] if path not in keep]
        for path in (self.root / "locks").glob("tmp-*.lock"):  # of processes that are gone
            with contextlib.suppress(Timeout), FileLock(path).acquire(timeout=0):
                path.unlink()
        for path in removed:
            shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
        return removed

    def write_json(self, name: str, value: Any) -> None:
        """Atomically write a JSON document at the cache root."""
        path = self.root / name
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
            with os.fdopen(fd, "w") as handle:
                json.dump(value, handle, indent=1, sort_keys=True)
            os.replace(tmp, path)
        except OSError as error:
            raise _cache_error(self.root, error) from None

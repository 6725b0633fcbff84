"""The synthesis cache: one database per set of inputs, found again by their hash; kept
under a cap (the least recently used go first), listed and cleared by ``advisor cache``."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from advisor.catalog.profile import Profile, load_profile
from advisor.catalog.schema import load_catalog
from advisor.model.errors import InputError
from advisor.replay.synth.build import synthesize
from advisor.replay.synth.writing import Progress

# Bump whenever the same inputs would give different contents: it is part of the cache key.
SYNTH_VERSION = 1


def default_cache_dir() -> Path:
    """``$ADVISOR_CACHE_DIR/synth``, else ``$XDG_CACHE_HOME/advisor/synth`` or ``~/.cache/...``."""
    configured = os.environ.get("ADVISOR_CACHE_DIR")
    if configured:
        return Path(configured) / "synth"
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "advisor" / "synth"


def cache_key(schema_path: str | os.PathLike[str], profile_path: str | os.PathLike[str],
              seed: int, scale: float) -> str:
    """Hash of all the database depends on: schema, profile, seed, scale and SYNTH_VERSION."""
    digest = hashlib.sha256(f"advisor-synth/{SYNTH_VERSION}/{seed}/{float(scale)!r}".encode())
    for part in (Path(schema_path), Path(profile_path)):
        files = sorted(p for p in part.rglob("*") if p.is_file()) if part.is_dir() else [part]
        for file in files:
            digest.update(b"\0" + file.name.encode() + b"\0")
            try:
                digest.update(file.read_bytes())
            except OSError as exc:
                raise InputError(f"{file}: cannot read it ({exc.strerror or exc})") from exc
    return digest.hexdigest()


def cached_database(schema_path: str | os.PathLike[str], profile_path: str | os.PathLike[str],
                    seed: int | None = None, scale: float = 1.0,
                    cache_dir: str | os.PathLike[str] | None = None,
                    progress: Progress | None = None) -> Path:
    """The synthesised database for these inputs: built once, then found by its hash.

    Builds are deterministic, so a database is reused as long as the schema
    text, profile text, seed, scale and ``SYNTH_VERSION`` are unchanged. Treat
    the file as read-only: replay works on a copy. Reuse marks it used; a new
    build makes room under the cache's cap (:func:`make_room`).
    """
    profile = load_profile(Path(profile_path))
    target = _cache_path(schema_path, profile_path, profile, seed, scale, cache_dir)
    if target.is_file():
        os.utime(target)  # the least recently used go first when room is made
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    synthesize(load_catalog(schema_path), profile, target,
               seed=profile.seed if seed is None else seed, scale=scale, progress=progress)
    make_room(target.parent, keep=target)
    return target


def cache_path(schema_path: str | os.PathLike[str], profile_path: str | os.PathLike[str],
               seed: int | None = None, scale: float = 1.0,
               cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """Where the database for these inputs is (or would be) cached."""
    return _cache_path(schema_path, profile_path, load_profile(Path(profile_path)), seed, scale,
                       cache_dir)


def _cache_path(schema_path: str | os.PathLike[str], profile_path: str | os.PathLike[str],
                profile: Profile, seed: int | None, scale: float,
                cache_dir: str | os.PathLike[str] | None) -> Path:
    """cache_path, the profile at ``profile_path`` loaded already."""
    seed = profile.seed if seed is None else seed
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", profile.name) or "profile"
    return (_folder(cache_dir)
            / f"{name}-{cache_key(schema_path, profile_path, seed, scale)[:24]}.sqlite")


def _folder(cache_dir: str | os.PathLike[str] | None) -> Path:
    return Path(cache_dir) if cache_dir is not None else default_cache_dir()


# --- what the cache holds -------------------------------------------------------------

DEFAULT_MAX_BYTES = 4 << 30  # ADVISOR_CACHE_MAX_BYTES overrides


@dataclass(frozen=True)
class CacheEntry:
    path: Path
    bytes: int
    last_used: float  # seconds since the epoch (the file's modification time)
    partial: bool  # a build that never finished (its process was killed)


def cache_entries(cache_dir: str | os.PathLike[str] | None = None) -> list[CacheEntry]:
    """The files in the cache, the least recently used first."""
    folder = _folder(cache_dir)
    if not folder.is_dir():
        return []
    entries = []
    for path in folder.iterdir():
        partial = path.name.startswith(".") and path.name.endswith(".tmp")
        if path.is_file() and (path.suffix == ".sqlite" or partial):
            found = path.stat()
            entries.append(CacheEntry(path, found.st_size, found.st_mtime, partial))
    return sorted(entries, key=lambda entry: (entry.last_used, entry.path.name))


def clear_cache(cache_dir: str | os.PathLike[str] | None = None) -> list[CacheEntry]:
    """Remove every database (and unfinished build) in the cache; returns what went."""
    removed = []
    for entry in cache_entries(cache_dir):
        with contextlib.suppress(FileNotFoundError):  # another advisor got there first
            entry.path.unlink()
            removed.append(entry)
    return removed


def max_cache_bytes() -> int:
    configured = os.environ.get("ADVISOR_CACHE_MAX_BYTES", "")
    try:
        return int(configured) if configured else DEFAULT_MAX_BYTES
    except ValueError:
        raise InputError(f"ADVISOR_CACHE_MAX_BYTES={configured!r}: write a number of "
                         "bytes") from None


def make_room(folder: Path, keep: Path) -> list[CacheEntry]:
    """Remove the least recently used databases until the cache fits its cap
    (max_cache_bytes); ``keep``, the one just built, stays whatever its size."""
    entries = [entry for entry in cache_entries(folder) if not entry.partial]
    total = sum(entry.bytes for entry in entries)
    removed = []
    for entry in entries:
        if total <= max_cache_bytes():
            break
        if entry.path == keep:
            continue
        with contextlib.suppress(FileNotFoundError):
            entry.path.unlink()
        total -= entry.bytes
        removed.append(entry)
    return removed

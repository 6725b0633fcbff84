"""The synthesis cache: one database per set of inputs, found again by their hash."""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

from advisor.catalog.profile import load_profile
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
    the file as read-only: replay works on a copy.
    """
    profile = load_profile(profile_path)
    seed = profile.seed if seed is None else seed
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", profile.name) or "profile"
    key = cache_key(schema_path, profile_path, seed, scale)
    target = folder / f"{name}-{key[:24]}.sqlite"
    if target.is_file():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    synthesize(load_catalog(schema_path), profile, target, seed=seed, scale=scale,
               progress=progress)
    return target

"""A workload ready for analysis: its digest, schema, statistics and access patterns.

Where each comes from, in order: explicit options (``--schema``, ``--db``,
``--profile``), else files next to the first log (``schema.sql``,
``profile.toml``), else — for statistics only — SQLite's own defaults, stated.
So ``advisor explain workloads/torc/workload.log`` needs no options.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from advisor.analysis.analyze import analyze_all
from advisor.catalog.profile import load_profile
from advisor.catalog.schema import Catalog, SchemaError, catalog_from_database, load_catalog
from advisor.catalog.statistics import Statistics, defaults, from_database, from_profile
from advisor.digest.digest import Digest, DigestOptions, digest_logs
from advisor.model.access import Analysis
from advisor.model.errors import InputError
from advisor.model.frozen import freeze_mappings

SCHEMA_NEXT_TO_LOG = "schema.sql"
PROFILE_NEXT_TO_LOG = "profile.toml"


@dataclass(frozen=True)
class Sources:
    """Where the schema and the statistics were found, for the report to state."""

    schema: str
    statistics: str


@dataclass(frozen=True)
class Workload:
    """What every later stage reads; it holds only frozen values."""

    digest: Digest
    catalog: Catalog
    statistics: Statistics
    analyses: Mapping[str, Analysis]
    sources: Sources

    def __post_init__(self) -> None:
        freeze_mappings(self, "analyses")

    @property
    def analysed_share(self) -> tuple[int, int, float]:
        """(templates analysed, templates, share of statements analysed)."""
        templates = self.digest.templates
        analysed = [t for t in templates if self.analyses[t].ok]
        statements = self.digest.statements
        share = sum(templates[t].count for t in analysed) / statements if statements else 1.0
        return len(analysed), len(templates), share

    def require_analysed(self) -> None:
        """An InputError when templates there are, but not one could be analysed (tables
        the schema lacks, say): there is nothing to choose indexes for."""
        analysed, total, _ = self.analysed_share
        if total and not analysed:
            reasons = {a.unanalysed for a in self.analyses.values() if a.unanalysed}
            raise InputError(f"none of the {total:,} templates could be analysed against "
                             f"the schema {self.sources.schema} ({'; '.join(sorted(reasons)[:3])}"
                             "); advisor explain lists each")

    def left_out(self) -> str | None:
        """The line that tells a user of the templates left out because they could not be
        analysed (a table the schema lacks, SQL that does not parse), the most frequent
        first; None when every one was, or none (``require_analysed``'s error). It was
        said only in the report, where a user whose log names a table the database
        lacks would not look for it."""
        templates = self.digest.templates
        unanalysed = sorted((-templates[t].count, t) for t, a in self.analyses.items()
                            if not a.ok)
        if not unanalysed or len(unanalysed) == len(templates):
            return None
        statements = -sum(count for count, _ in unanalysed)
        reasons = list(dict.fromkeys(self.analyses[t].unanalysed for _, t in unanalysed))
        more = f"; and {len(reasons) - 2} more" if len(reasons) > 2 else ""
        return (f"left out {len(unanalysed):,} of {len(templates):,} templates "
                f"({statements:,} statements) that could not be analysed: "
                f"{'; '.join(str(r) for r in reasons[:2])}{more} (advisor explain lists each)")

    def template_ids(self, prefixes: Sequence[str]) -> list[str]:
        """The ids that start with any of ``prefixes``, or an InputError naming the rest."""
        ids = list(self.digest.templates)
        missing = [p for p in prefixes if not any(t.startswith(p) for t in ids)]
        if missing:
            raise InputError(f"no template with id {', '.join(missing)} in the workload "
                             "(advisor digest lists the ids)")
        return [t for t in ids if any(t.startswith(p) for p in prefixes)]

    def only(self, prefixes: Sequence[str]) -> Workload:
        """This workload cut down to the templates ``prefixes`` name (see template_ids)."""
        keep = self.template_ids(prefixes)
        digest = replace(self.digest, templates={t: self.digest.templates[t] for t in keep})
        return replace(self, digest=digest, analyses={t: self.analyses[t] for t in keep})


def _next_to(logs: list[str], name: str) -> Path | None:
    for log in logs:
        if log == "-":
            continue
        candidate = Path(log).parent / name
        if candidate.is_file():
            return candidate  # as the user named the log: reports stay readable
    return None


def resolve_file(logs: list[str], given: str | None, name: str) -> Path | None:
    """An explicit path, else a file called ``name`` next to the first log that has one."""
    return Path(given) if given else _next_to(logs, name)


def synthesis_inputs(logs: Sequence[str], schema: str | None, profile: str | None
                     ) -> tuple[Path, Path] | None:
    """The schema and profile a database is synthesised from: the options, else the
    schema.sql and profile.toml next to the log; None when either is missing."""
    schema_path, profile_path = _synthesis_files(logs, schema, profile)
    if schema_path is None or profile_path is None:
        return None
    return schema_path, profile_path


def _synthesis_files(logs: Sequence[str], schema: str | None, profile: str | None
                     ) -> tuple[Path | None, Path | None]:
    return (resolve_file(list(logs), schema, SCHEMA_NEXT_TO_LOG),
            resolve_file(list(logs), profile, PROFILE_NEXT_TO_LOG))


def require_synthesis_inputs(logs: Sequence[str], schema: str | None, profile: str | None,
                             needed_by: str) -> tuple[Path, Path]:
    """:func:`synthesis_inputs`, or an InputError saying what needs them (``needed_by``,
    such as "capacity synthesises a database per scale") and how to give them."""
    schema_path, profile_path = _synthesis_files(logs, schema, profile)
    if schema_path is None or profile_path is None:
        # Name only what is missing: one who gave --schema was told to give it again.
        missing = [(option, name) for option, name, path in (
            ("--schema", SCHEMA_NEXT_TO_LOG, schema_path),
            ("--profile", PROFILE_NEXT_TO_LOG, profile_path)) if path is None]
        raise InputError(f"{needed_by}: give {' and '.join(o for o, _ in missing)} (or put "
                         f"{' and '.join(n for _, n in missing)} next to the log)")
    return schema_path, profile_path


def resolve_catalog(logs: list[str], schema: str | None, db: str | None) -> tuple[Catalog, str]:
    if schema:
        return load_catalog(schema), schema
    if db:  # a database, never read as a schema script
        return catalog_from_database(Path(db)), db
    found = _next_to(logs, SCHEMA_NEXT_TO_LOG)
    if found is None:
        raise SchemaError(
            f"no schema: give --schema FILE|FOLDER or --db DATABASE, or put a "
            f"{SCHEMA_NEXT_TO_LOG} next to the log")
    return load_catalog(found), str(found)


def resolve_statistics(catalog: Catalog, logs: list[str], db: str | None,
                       profile: str | None, scale: float = 1.0) -> tuple[Statistics, str]:
    """Statistics from the database, else the profile (at ``scale``), else defaults."""
    if db:
        return from_database(catalog, db), db
    path = profile or _next_to(logs, PROFILE_NEXT_TO_LOG)
    if path is not None:
        loaded = load_profile(path)
        if scale != 1.0:
            return from_profile(catalog, loaded.scaled(scale)), f"{path} at scale {scale:g}"
        return from_profile(catalog, loaded), str(path)
    return defaults(catalog), "defaults"


def load_workload(logs: list[str], schema: str | None = None, db: str | None = None,
                  profile: str | None = None, options: DigestOptions | None = None,
                  digest: Digest | None = None, assume_analyze: bool = False,
                  scale: float = 1.0,
                  progress: Callable[[str, int, int | None], None] | None = None) -> Workload:
    """Digest the logs (unless a digest is given) and analyse every template.

    ``assume_analyze`` plans as after ANALYZE even where the target has no
    sqlite_stat1 (the estimates are the same; what the planner sees differs).
    ``scale`` sizes the profile's statistics as a database synthesised at it is sized.
    ``progress`` follows the analysis (see analyze_all).
    """
    catalog, schema_source = resolve_catalog(logs, schema, db)
    statistics, stats_source = resolve_statistics(catalog, logs, db, profile, scale)
    if assume_analyze and not statistics.planner_has_stats:
        statistics = replace(statistics, planner_has_stats=True,
                             notes=(*statistics.notes, "--assume-analyze: planned as after "
                                    "ANALYZE"))
    if digest is None:
        digest = digest_logs(logs, options or DigestOptions())
    templates = [stats.template for stats in digest.templates.values()]
    samples = {tid: [s.sql for s in stats.samples] for tid, stats in digest.templates.items()}
    analyses = analyze_all(templates, catalog, samples, progress)
    return Workload(digest, catalog, statistics, analyses, Sources(schema_source, stats_source))

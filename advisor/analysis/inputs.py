"""What a command reads, as one value: its logs and how to read them, and where the schema
and statistics come from; read into a Digest or a Workload.

A log without a single statement is an error for every command that works on
statements (all but ``digest``, which reports what it could not read); such a
command goes on past unreadable records but says, in one notice, that it did.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass

from advisor.analysis.workload import Workload, load_workload
from advisor.catalog.database import check_database
from advisor.digest.digest import (
    Digest,
    DigestOptions,
    digest_logs,
    require_readable,
    skipped_unreadable,
    total_input_bytes,
)
from advisor.ingest.sources import DEFAULT_MAX_LINE_BYTES
from advisor.model.errors import InputError
from advisor.model.feedback import QUIET, Feedback
from advisor.model.files import check_named


@dataclass(frozen=True)
class Inputs:
    logs: tuple[str, ...] = ()  # files, or - for standard input
    log_format: str = "auto"
    strict: bool = False  # an unreadable record is an error, not counted and skipped
    workers: int | None = None
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES
    schema: str | None = None  # else schema.sql next to the log, or the database's
    db: str | None = None
    profile: str | None = None  # else profile.toml next to the log

    @property
    def digest_options(self) -> DigestOptions:
        return DigestOptions(log_format=self.log_format, max_line_bytes=self.max_line_bytes,
                             workers=self.workers)


def read_digest(inputs: Inputs, feedback: Feedback = QUIET,
                need_statements: bool = True) -> Digest:
    """The logs digested as one workload, ``strict`` applied; with ``need_statements``, an
    InputError when they hold no statement, and a notice of the unreadable records
    skipped (without it the caller reports them: advisor digest)."""
    paths = list(inputs.logs)
    reading = (feedback.reading(total_input_bytes(paths)) if feedback.reading is not None
               else nullcontext(None))
    with reading as progress:
        digest = digest_logs(paths, inputs.digest_options, progress, note=feedback.step)
    if inputs.strict:
        require_readable(digest)
    if need_statements and not digest.statements:
        unreadable = (f" ({digest.unreadable:,} unreadable records; advisor digest lists "
                      "why)" if digest.unreadable else "")
        raise InputError(f"no statements in {', '.join(paths)}{unreadable}")
    skipped = skipped_unreadable(digest) if need_statements else None
    if skipped is not None and feedback.notice is not None:
        feedback.notice(skipped)
    return digest


def check_named_files(inputs: Inputs) -> None:
    """The database, schema and profile the options name, each there and readable (one
    InputError line saying which is not): checked before the logs, which can take a
    while to read."""
    if inputs.db is not None:
        check_database(inputs.db)
    if inputs.schema is not None:
        check_named(inputs.schema, "schema file or folder", folders=True)
    if inputs.profile is not None:
        check_named(inputs.profile, "profile file")


def read_workload(inputs: Inputs, feedback: Feedback = QUIET, assume_analyze: bool = False,
                  scale: float = 1.0, digest: Digest | None = None) -> Workload:
    """The logs' workload, analysed against the schema and statistics ``inputs`` name (see
    load_workload); ``digest`` stands in for the logs' when given (advisor explain --sql)."""
    check_named_files(inputs)
    if digest is None:
        digest = read_digest(inputs, feedback)
    workload = load_workload(list(inputs.logs), schema=inputs.schema, db=inputs.db,
                             profile=inputs.profile, digest=digest,
                             assume_analyze=assume_analyze, scale=scale,
                             progress=feedback.count)
    left_out = workload.left_out()
    if left_out is not None and feedback.notice is not None:
        feedback.notice(left_out)
    return workload

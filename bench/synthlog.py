"""A synthetic Torc-like query log for the digest benchmark, with its answer key.

Statements come from ~35 templates over the Torc schema (workloads/torc/schema.sql)
with literal values drawn from a seeded generator, grouped into the server's
operations (claim jobs from the ready queue, complete a job, list calls, polls...)
whose mix is skewed the way a busy server's is. Every template knows the text
the digest should make of it, so a digest of the log can be checked line for line.

Each log is written twice: ``sql`` (one statement per line, what
``pt-query-digest --type rawlog`` reads) and ``trace`` (``sql; -- N ns``, the
sqlite3 shell's profile output that advisor's default workload uses).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Draw = Callable[[random.Random], str]


# --- literal slots ----------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    """One literal position: how to draw a value, and what the digest makes of it."""

    draw: Draw
    expected: str = "?"


def integer(lo: int, hi: int, skew: float = 1.0) -> Slot:
    """An integer in [lo, hi]; skew > 1 favours small values (hot rows)."""
    span = hi - lo
    if skew == 1.0:
        return Slot(lambda rng: str(rng.randint(lo, hi)))
    return Slot(lambda rng: str(lo + int(span * rng.random() ** skew)))


def choice(*values: str) -> Slot:
    """One of a few literal spellings (numbers, NULL, negative numbers...)."""
    return Slot(lambda rng: rng.choice(values))


def real(lo: float, hi: float) -> Slot:
    return Slot(lambda rng: f"{rng.uniform(lo, hi):.3f}")


def quote(text: str) -> str:
    """A SQL string literal ('' escapes a quote)."""
    return "'" + text.replace("'", "''") + "'"


def text(make: Callable[[random.Random], str]) -> Slot:
    """A string literal whose content ``make`` draws."""
    return Slot(lambda rng: quote(make(rng)))


def maybe_null(slot: Slot, share: float) -> Slot:
    """NULL a ``share`` of the time (a bound None as the trace writes it), else ``slot``."""
    return Slot(lambda rng: "NULL" if rng.random() < share else slot.draw(rng))


def in_list(item: Slot, most: int) -> Slot:
    """``1, 2, 3``: a list of 1..most values; the digest collapses it to one ``?``."""
    return Slot(lambda rng: ", ".join(item.draw(rng) for _ in range(rng.randint(1, most))))


def rows(shape: str, slots: list[Slot], most: int) -> Slot:
    """``(..), (..)``: 1..most VALUES rows; the digest keeps the first row's shape."""

    def draw(rng: random.Random) -> str:
        return ", ".join(shape.format(*(s.draw(rng) for s in slots))
                         for _ in range(rng.randint(1, most)))

    return Slot(draw, shape.format(*(s.expected for s in slots)))


def timestamp() -> Slot:
    return text(lambda rng: f"2024-05-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:"
                            f"{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}."
                            f"{rng.randint(0, 999):03d}Z")


WORKFLOW = integer(1, 40, skew=2.5)
JOB = integer(1, 400_000)
NODE = integer(1, 3_000)
STATUS = choice("0", "1", "2", "3", "4", "5", "6", "7")
FLAG = choice("0", "1")
MESSAGES = ["job finished", "it's done", "node réservé", "retrying -- attempt 2",
            "canceled by user", "exit code 137 /* OOM */"]


def _job_name(rng: random.Random) -> str:
    return f"job_{rng.randint(1, 400_000):06d}"


def _command(rng: random.Random) -> str:
    n = rng.randint(1, 999)
    return rng.choice([
        f"python run.py --input /data/in_{n}.csv --threads {rng.randint(1, 64)}",
        f"bash -c \"echo 'step {n}' && ./stage.sh --part {n}\"",
        f"julia --project=. sim.jl {n} --seed={rng.randint(0, 1 << 30)}",
    ])


def _hostname(rng: random.Random) -> str:
    return f"r{rng.randint(1, 9)}i{rng.randint(0, 7)}n{rng.randint(0, 35)}"


def _event(rng: random.Random) -> str:
    job = rng.randint(1, 400_000)
    return json.dumps({"category": "job", "type": rng.choice(["start", "complete", "fail"]),
                       "job_id": job, "message": rng.choice(MESSAGES)},
                      ensure_ascii=False, separators=(",", ":"))


def _user_data(rng: random.Random) -> str:
    return json.dumps({"rows": rng.randint(0, 10**6), "path": f"/scratch/out_{rng.randint(1, 99)}",
                       "note": rng.choice(MESSAGES)}, ensure_ascii=False)


# --- templates ----------------------------------------------------------------------


@dataclass(frozen=True)
class Template:
    """A statement shape: ``sql`` with ``{}`` slots; ``variants`` are other spellings
    of it (another client's case and spacing) that must digest to the same template."""

    name: str
    sql: str
    slots: list[Slot] = field(default_factory=list)
    median_us: float = 50.0
    variants: tuple[str, ...] = ()

    @property
    def expected(self) -> str:
        """The template text the digest should report."""
        return self.sql.format(*(s.expected for s in self.slots))

    def draw(self, rng: random.Random) -> str:
        spelling = self.sql
        if self.variants and rng.random() < 0.25:
            spelling = rng.choice(self.variants)
        return spelling.format(*(s.draw(rng) for s in self.slots))


RESULT_ROW = [WORKFLOW, JOB, integer(1, 3), maybe_null(NODE, 0.05),
              choice("0", "0", "0", "0", "1", "-9", "-15", "137"), real(0.01, 600.0),
              timestamp(), STATUS, maybe_null(integer(10**6, 10**10), 0.3),
              maybe_null(integer(10**6, 10**9), 0.3), maybe_null(real(0, 800), 0.3),
              maybe_null(real(0, 100), 0.3)]

TEMPLATES = [
    Template("begin", "BEGIN IMMEDIATE", median_us=5),
    Template("commit", "COMMIT", median_us=400),
    Template("rollback", "ROLLBACK", median_us=20),
    Template(
        "ready_claim",
        "SELECT rq.job_id, j.name, j.command, r.num_cpus, r.num_gpus, r.memory_bytes, "
        "r.runtime_s FROM ready_queue rq JOIN job j ON j.id = rq.job_id JOIN "
        "resource_requirements r ON r.id = rq.resource_requirements_id WHERE rq.workflow_id = {} "
        "AND r.num_cpus <= {} AND r.memory_bytes <= {} AND r.num_gpus <= {} ORDER BY "
        "r.num_gpus DESC, r.runtime_s DESC, r.memory_bytes DESC LIMIT {}",
        [WORKFLOW, integer(1, 128), integer(10**9, 512 * 10**9), choice("0", "1", "2", "4"),
         integer(1, 100)], median_us=900),
    Template("claim_jobs", "UPDATE job SET status = {} WHERE id IN ({})",
             [STATUS, in_list(JOB, 40)], median_us=150),
    Template("dequeue", "DELETE FROM ready_queue WHERE workflow_id = {} AND job_id IN ({})",
             [WORKFLOW, in_list(JOB, 40)], median_us=120),
    Template(
        "insert_result",
        "INSERT INTO result(workflow_id, job_id, run_id, compute_node_id, return_code, "
        "exec_time_minutes, completion_time, status, peak_memory_bytes, avg_memory_bytes, "
        "peak_cpu_percent, avg_cpu_percent) VALUES ({})",
        [Slot(lambda rng: ", ".join(s.draw(rng) for s in RESULT_ROW), ", ".join("?" * 12))],
        median_us=80),
    Template("set_job_status", "UPDATE job SET status = {} WHERE id = {} AND workflow_id = {}",
             [STATUS, JOB, WORKFLOW], median_us=40),
    Template(
        "upsert_workflow_result",
        "INSERT INTO workflow_result(workflow_id, job_id, result_id) VALUES ({}, {}, {}) "
        "ON CONFLICT (workflow_id, job_id) DO UPDATE SET result_id = excluded.result_id",
        [WORKFLOW, JOB, integer(1, 10**6)], median_us=45),
    Template(
        "blocked_reverse",
        "SELECT j.id FROM job_blocked_by b JOIN job j ON j.id = b.job_id "
        "WHERE b.blocked_by_job_id = {} AND b.workflow_id = {} AND j.status = {}",
        [JOB, WORKFLOW, STATUS], median_us=2500),
    Template(
        "unblocked_count",
        "SELECT count(*) FROM job_blocked_by b JOIN job j ON j.id = b.blocked_by_job_id "
        "WHERE b.job_id = {} AND j.status NOT IN ({})",
        [JOB, in_list(STATUS, 5)], median_us=60),
    Template("unblock_jobs", "UPDATE job SET status = {} WHERE id IN ({}) AND status = {}",
             [STATUS, in_list(JOB, 12), STATUS], median_us=90),
    Template(
        "enqueue",
        "INSERT INTO ready_queue(workflow_id, job_id, resource_requirements_id) VALUES {}",
        [rows("({}, {}, {})", [WORKFLOW, JOB, integer(1, 50)], 12)], median_us=70),
    Template("insert_event", "INSERT INTO event(workflow_id, timestamp, data) VALUES ({}, {}, {})",
             [WORKFLOW, timestamp(), text(_event)], median_us=35),
    Template("update_node",
             "UPDATE compute_node SET is_active = {}, duration_seconds = {} WHERE id = {}",
             [FLAG, real(0, 86400), NODE], median_us=30),
    Template(
        "insert_node",
        "INSERT INTO compute_node(workflow_id, hostname, pid, start_time, is_active, num_cpus, "
        "memory_gb, num_gpus, num_nodes, time_limit, scheduler_config_id, compute_node_type, "
        "scheduler) VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {})",
        [WORKFLOW, text(_hostname),
         integer(1000, 4_000_000), timestamp(), FLAG, choice("36", "104", "128"),
         real(64, 512), choice("0", "2", "4"), choice("1"),
         maybe_null(text(lambda rng: f"{rng.randint(1, 48):02d}:00:00"), 0.4),
         integer(1, 20), choice("'local'", "'slurm'"),
         maybe_null(text(lambda rng: json.dumps({"account": "proj", "qos": "normal"})), 0.5)],
        median_us=60),
    Template("list_jobs", "SELECT * FROM job WHERE workflow_id = {} ORDER BY id LIMIT {} OFFSET {}",
             [WORKFLOW, choice("100", "1000", "10000"), integer(0, 400_000)], median_us=3000),
    Template(
        "list_jobs_status",
        "SELECT * FROM job WHERE workflow_id = {} AND status = {} ORDER BY id LIMIT {} OFFSET {}",
        [WORKFLOW, STATUS, choice("100", "1000"), integer(0, 100_000)], median_us=4000),
    Template("list_results",
             "SELECT * FROM result WHERE workflow_id = {} ORDER BY id LIMIT {} OFFSET {}",
             [WORKFLOW, choice("100", "1000", "10000"), integer(0, 400_000)], median_us=2500),
    Template("list_events",
             "SELECT * FROM event WHERE workflow_id = {} AND id > {} ORDER BY id LIMIT {}",
             [WORKFLOW, integer(0, 10**6), choice("100", "1000")], median_us=800),
    Template("list_files",
             "SELECT * FROM file WHERE workflow_id = {} ORDER BY id LIMIT {} OFFSET {}",
             [WORKFLOW, choice("100", "1000"), integer(0, 50_000)], median_us=700),
    Template("count_by_status", "SELECT count(*) FROM job WHERE workflow_id = {} AND status = {}",
             [WORKFLOW, STATUS], median_us=1800),
    Template("status_histogram",
             "SELECT status, count(*) FROM job WHERE workflow_id = {} GROUP BY status",
             [WORKFLOW], median_us=6000),
    Template("get_workflow", "SELECT * FROM workflow WHERE id = {}", [WORKFLOW], median_us=15,
             variants=("SELECT  *  FROM  workflow  WHERE  id={}",)),
    Template(
        "workflow_status",
        "SELECT w.id, s.is_canceled, s.run_id FROM workflow w JOIN workflow_status s "
        "ON s.id = w.status_id WHERE w.id = {}", [WORKFLOW], median_us=20),
    Template("get_job", "SELECT * FROM job WHERE id = {}", [JOB], median_us=15,
             variants=("select * from job where id = {}", "SELECT * FROM Job WHERE ID = {}")),
    Template(
        "job_input_files",
        "SELECT f.id, f.path, f.st_mtime FROM file f JOIN job_input_file i ON i.file_id = f.id "
        "WHERE i.job_id = {}", [JOB], median_us=40),
    Template(
        "job_output_user_data",
        "SELECT u.id, u.name, u.data FROM user_data u JOIN job_output_user_data o "
        "ON o.user_data_id = u.id WHERE o.job_id = {}", [JOB], median_us=40),
    Template("update_file_mtime", "UPDATE file SET st_mtime = {} WHERE id = {}",
             [maybe_null(real(1.7e9, 1.72e9), 0.1), integer(1, 200_000)], median_us=25),
    Template("update_user_data", "UPDATE user_data SET data = {} WHERE id = {}",
             [text(_user_data), integer(1, 100_000)], median_us=30),
    Template(
        "insert_jobs",
        "INSERT INTO job(workflow_id, name, command, resource_requirements_id, status, "
        "cancel_on_blocking_job_failure, supports_termination) VALUES {}",
        [rows("({}, {}, {}, {}, {}, {}, {})",
              [WORKFLOW, text(_job_name), text(_command), integer(1, 50), STATUS, FLAG, FLAG],
              20)], median_us=300),
    Template(
        "insert_blocked_by",
        "INSERT INTO job_blocked_by(job_id, blocked_by_job_id, workflow_id) VALUES {}",
        [rows("({}, {}, {})", [JOB, JOB, WORKFLOW], 30)], median_us=200),
    Template("delete_blocked",
             "DELETE FROM job_blocked_by WHERE blocked_by_job_id = {} AND workflow_id = {}",
             [JOB, WORKFLOW], median_us=3000),
    Template(
        "pending_actions",
        "SELECT * FROM workflow_action WHERE workflow_id = {} AND trigger_type = {} "
        "AND executed = {}",
        [WORKFLOW, choice("'on_jobs_ready'", "'on_jobs_complete'", "'on_workflow_start'"), FLAG],
        median_us=400),
    Template("bump_action",
             "UPDATE workflow_action SET trigger_count = trigger_count + {} WHERE id = {}",
             [choice("1"), integer(1, 500)], median_us=25),
    Template("set_completion_flag",
             "UPDATE workflow_status SET has_detected_need_to_run_completion_script = {} "
             "WHERE id = {}", [FLAG, WORKFLOW], median_us=20),
    Template("jobs_by_name", "SELECT id FROM job WHERE workflow_id = {} AND name IN ({})",
             [WORKFLOW, in_list(text(_job_name), 25)], median_us=5000),
    Template("scheduled_nodes",
             "SELECT * FROM scheduled_compute_node WHERE workflow_id = {} AND status = {}",
             [WORKFLOW, choice("'pending'", "'active'", "'complete'")], median_us=300),
]
BY_NAME = {t.name: t for t in TEMPLATES}

# Operations of the server: (weight, [(template, probability it runs)...]).
OPERATIONS: list[tuple[float, list[tuple[str, float]]]] = [
    (26, [("begin", 1), ("ready_claim", 1), ("claim_jobs", 0.8), ("dequeue", 0.8),
          ("commit", 1)]),
    (18, [("begin", 1), ("insert_result", 1), ("set_job_status", 1),
          ("upsert_workflow_result", 1), ("blocked_reverse", 1), ("unblocked_count", 0.7),
          ("unblock_jobs", 0.4), ("enqueue", 0.4), ("insert_event", 1), ("commit", 1)]),
    (14, [("workflow_status", 1)]),
    (6, [("get_job", 1)]),
    (6, [("count_by_status", 1)]),
    (4, [("get_workflow", 1)]),
    (4, [("list_jobs", 1)]),
    (3, [("list_jobs_status", 1)]),
    (3, [("status_histogram", 1)]),
    (3, [("job_input_files", 1), ("job_output_user_data", 0.5)]),
    (3, [("update_node", 1)]),
    (2, [("list_results", 1)]),
    (2, [("list_events", 1)]),
    (2, [("update_file_mtime", 1)]),
    (1.5, [("pending_actions", 1), ("bump_action", 0.3)]),
    (1, [("list_files", 1)]),
    (1, [("update_user_data", 1)]),
    (1, [("jobs_by_name", 1)]),
    (1, [("scheduled_nodes", 1)]),
    (0.5, [("begin", 1), ("insert_node", 1), ("insert_event", 1), ("commit", 1)]),
    (0.5, [("set_completion_flag", 1)]),
    (0.3, [("begin", 1), ("insert_jobs", 1), ("insert_blocked_by", 1), ("commit", 1)]),
    (0.2, [("begin", 1), ("delete_blocked", 1), ("commit", 1)]),
    (0.2, [("begin", 1), ("ready_claim", 1), ("rollback", 1)]),
]


# --- writing ------------------------------------------------------------------------


@dataclass
class GeneratedLog:
    """The two forms of one generated log and its answer key."""

    sql_path: Path
    trace_path: Path
    labels_path: Path  # one byte per line: the index in TEMPLATES of the line's template
    lines: int
    seed: int
    counts: dict[str, int]  # template name -> statements
    total_ns: dict[str, int]  # template name -> summed trace durations
    cached: bool = False

    def template_of_line(self, line: int) -> str:
        """The name of the template that produced a (1-based) line."""
        with open(self.labels_path, "rb") as handle:
            handle.seek(line - 1)
            return TEMPLATES[handle.read(1)[0]].name


def generate(out_dir: Path, seed: int, lines: int) -> GeneratedLog:
    """Write the log's two forms, or reuse them if this generator wrote them for this
    seed and size (the answer key records a hash of this file)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = out_dir / f"torc-synth-s{seed}-n{lines}"
    manifest = stem.with_suffix(".key.json")
    paths = {"sql": stem.with_suffix(".sql.log"), "trace": stem.with_suffix(".trace.log"),
             "labels": stem.with_suffix(".labels")}
    version = hashlib.sha1(Path(__file__).read_bytes()).hexdigest()[:12]
    key = json.loads(manifest.read_text()) if manifest.exists() else {}
    if key.get("generator") == version and all(p.exists() for p in paths.values()):
        return GeneratedLog(paths["sql"], paths["trace"], paths["labels"], lines, seed,
                            key["counts"], key["total_ns"], cached=True)
    counts = dict.fromkeys(BY_NAME, 0)
    totals = dict.fromkeys(BY_NAME, 0)
    index = {t.name: i for i, t in enumerate(TEMPLATES)}
    sigma = 0.8
    rng = random.Random(seed)
    weights = [w for w, _ in OPERATIONS]
    steps = [s for _, s in OPERATIONS]
    temp = {k: p.with_suffix(p.suffix + ".tmp") for k, p in paths.items()}
    with open(temp["sql"], "w", encoding="utf-8") as sql_out, \
            open(temp["trace"], "w", encoding="utf-8") as trace_out, \
            open(temp["labels"], "wb") as label_out:
        written = 0
        labels = bytearray()
        while written < lines:
            for name, probability in rng.choices(steps, weights)[0]:
                if written == lines:
                    break
                if probability < 1 and rng.random() >= probability:
                    continue
                template = BY_NAME[name]
                statement = template.draw(rng)
                ns = max(1, round(template.median_us * 1000
                                  * math.exp(rng.gauss(0, sigma))))
                sql_out.write(statement + "\n")
                trace_out.write(f"{statement}; -- {ns} ns\n")
                labels.append(index[name])
                counts[name] += 1
                totals[name] += ns
                written += 1
        label_out.write(labels)
    for kind, path in paths.items():
        os.replace(temp[kind], path)
    manifest.write_text(json.dumps({"generator": version, "seed": seed, "lines": lines,
                                    "counts": counts, "total_ns": totals}, indent=1))
    return GeneratedLog(paths["sql"], paths["trace"], paths["labels"], lines, seed,
                        counts, totals)


def expected_templates() -> dict[str, str]:
    """Template name -> the digest text it should have."""
    return {t.name: t.expected for t in TEMPLATES}


def describe() -> dict[str, Any]:
    """How many templates and operations the generator has (for the report)."""
    return {"templates": len(TEMPLATES), "operations": len(OPERATIONS)}

"""The statements a Torc-like server runs, one function per API call.

Every function takes the :class:`~capture.Recorder` (the server's connection)
and issues its statements one at a time, the way a sqlx handler would: explicit
``BEGIN IMMEDIATE`` / ``COMMIT`` where the call writes more than once,
parameterised templates written on one line, a few in ``$1`` / ``?1`` /
``:name`` placeholder styles, IN lists and multi-row VALUES whose length
follows the data.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import IntEnum

from capture import Recorder


class JobStatus(IntEnum):
    """Torc's job status codes, as stored in job.status."""

    UNINITIALIZED = 0
    BLOCKED = 1
    CANCELED = 2
    TERMINATED = 3
    DONE = 4
    READY = 5
    RUNNING = 7
    PENDING = 8
    DISABLED = 9


# ------------------------------------------------------------------ templates
# One line each: the trace log holds one record per line.

INSERT_WORKFLOW_STATUS = (
    "INSERT INTO workflow_status (run_id, has_detected_need_to_run_completion_script, "
    "is_canceled, is_archived) VALUES (0, 0, 0, 0) RETURNING id"
)
INSERT_WORKFLOW = (
    "INSERT INTO workflow (name, description, user, timestamp, is_archived, "
    "compute_node_expiration_buffer_seconds, compute_node_wait_for_new_jobs_seconds, "
    "compute_node_ignore_workflow_completion, compute_node_wait_for_healthy_database_minutes, "
    "jobs_sort_method, status_id, resource_monitor_config) VALUES (:name, :description, :user, "
    ":timestamp, 0, 180, :wait_seconds, 0, 20, :jobs_sort_method, :status_id, :monitor) "
    "RETURNING id"
)
INSERT_LOCAL_SCHEDULER = (
    "INSERT INTO local_scheduler (workflow_id, memory, num_cpus) VALUES (?, ?, ?) RETURNING id"
)
INSERT_EVENT = "INSERT INTO event (workflow_id, timestamp, data) VALUES (?, ?, ?)"

COUNT_JOBS_WITH_STATUS = "SELECT COUNT(*) FROM job WHERE workflow_id = ? AND status = ?"
BLOCK_JOBS = (
    "UPDATE job SET status = 1 WHERE workflow_id = ? AND status = 0 AND id IN "
    "(SELECT job_id FROM job_blocked_by WHERE workflow_id = ?)"
)
READY_JOBS = "UPDATE job SET status = 5 WHERE workflow_id = ? AND status = 0"
FILL_READY_QUEUE = (
    "INSERT INTO ready_queue (workflow_id, job_id, resource_requirements_id) "
    "SELECT workflow_id, id, resource_requirements_id FROM job WHERE workflow_id = ? AND status = 5"
)
BUMP_RUN_ID = "UPDATE workflow_status SET run_id = run_id + 1 WHERE id = ?"

CANCEL_WORKFLOW_JOBS = "UPDATE job SET status = 2 WHERE workflow_id = ? AND status IN (0, 1, 5)"
CLEAR_READY_QUEUE = "DELETE FROM ready_queue WHERE workflow_id = ?"
CANCEL_WORKFLOW_STATUS = "UPDATE workflow_status SET is_canceled = 1 WHERE id = ?"
ARCHIVE_WORKFLOW = "UPDATE workflow SET is_archived = ?1 WHERE id = ?2"
ARCHIVE_WORKFLOW_STATUS = "UPDATE workflow_status SET is_archived = ?1 WHERE id = ?2"

CLAIM_BY_RESOURCES = (
    "SELECT rq.job_id, rq.resource_requirements_id, rr.num_cpus, rr.num_gpus, rr.num_nodes, "
    "rr.memory_bytes, rr.runtime_s, j.name, j.command FROM ready_queue rq "
    "JOIN resource_requirements rr ON rq.resource_requirements_id = rr.id "
    "JOIN job j ON rq.job_id = j.id WHERE rq.workflow_id = ? AND rr.memory_bytes <= ? "
    "AND rr.num_cpus <= ? AND rr.num_gpus <= ? AND rr.num_nodes <= ? AND rr.runtime_s <= ? "
    "AND (j.scheduler_id IS NULL OR j.scheduler_id = ?) "
)
CLAIM_ORDER = {
    "gpus_runtime_memory": "ORDER BY rr.num_gpus DESC, rr.runtime_s DESC, rr.memory_bytes DESC "
    "LIMIT ?",
    "gpus_memory_runtime": "ORDER BY rr.num_gpus DESC, rr.memory_bytes DESC, rr.runtime_s DESC "
    "LIMIT ?",
}
DEQUEUE_JOBS = "DELETE FROM ready_queue WHERE workflow_id = ? AND job_id IN ({ids})"
SET_STATUS_OF_JOBS = "UPDATE job SET status = ? WHERE id IN ({ids})"
SET_STATUS_OF_JOB = "UPDATE job SET status = $1 WHERE id = $2"

INPUT_FILES_OF_JOB = (
    "SELECT f.id, f.name, f.path, f.st_mtime FROM job_input_file jif "
    "JOIN file f ON f.id = jif.file_id WHERE jif.job_id = ?"
)
INPUT_USER_DATA_OF_JOB = (
    "SELECT ud.id, ud.name, ud.data FROM job_input_user_data jiu "
    "JOIN user_data ud ON ud.id = jiu.user_data_id WHERE jiu.job_id = ?"
)

INSERT_RESULT = (
    "INSERT INTO result (workflow_id, job_id, run_id, compute_node_id, return_code, "
    "exec_time_minutes, completion_time, status, peak_memory_bytes, avg_memory_bytes, "
    "peak_cpu_percent, avg_cpu_percent) VALUES (:workflow_id, :job_id, :run_id, "
    ":compute_node_id, :return_code, :exec_time_minutes, :completion_time, :status, "
    ":peak_memory_bytes, :avg_memory_bytes, :peak_cpu_percent, :avg_cpu_percent) RETURNING id"
)
UPSERT_WORKFLOW_RESULT = (
    "INSERT INTO workflow_result (workflow_id, job_id, result_id) VALUES ($1, $2, $3) "
    "ON CONFLICT (workflow_id, job_id) DO UPDATE SET result_id = excluded.result_id"
)
TOUCH_FILES = "UPDATE file SET st_mtime = ? WHERE id IN ({ids})"
STORE_USER_DATA = "UPDATE user_data SET data = ? WHERE id = ?"

JOBS_BLOCKED_BY = "SELECT job_id FROM job_blocked_by WHERE blocked_by_job_id = ?"
CANCELABLE_JOBS = (
    "SELECT id FROM job WHERE id IN ({ids}) AND status = 1 AND cancel_on_blocking_job_failure = 1"
)
UNBLOCKED_JOBS = (
    "SELECT j.id, j.resource_requirements_id FROM job j WHERE j.id IN ({ids}) AND j.status = 1 "
    "AND NOT EXISTS (SELECT 1 FROM job_blocked_by b JOIN job u ON u.id = b.blocked_by_job_id "
    "WHERE b.job_id = j.id AND u.status NOT IN (2, 3, 4))"
)
COUNT_UNFINISHED_BLOCKERS = (
    "SELECT COUNT(*) FROM job_blocked_by b JOIN job u ON u.id = b.blocked_by_job_id "
    "WHERE b.job_id = ? AND u.status NOT IN (2, 3, 4)"
)

INSERT_SCHEDULED_NODE = (
    "INSERT INTO scheduled_compute_node (workflow_id, scheduler_config_id, scheduler_id, "
    "scheduler_type, status) VALUES (?, ?, ?, ?, ?) RETURNING id"
)
SET_SCHEDULED_NODE_STATUS = "UPDATE scheduled_compute_node SET status = ? WHERE id = ?"
INSERT_COMPUTE_NODE = (
    "INSERT INTO compute_node (workflow_id, hostname, pid, start_time, duration_seconds, "
    "is_active, num_cpus, memory_gb, num_gpus, num_nodes, time_limit, scheduler_config_id, "
    "compute_node_type, scheduler) VALUES (?, ?, ?, ?, NULL, 1, ?, ?, ?, ?, ?, ?, ?, ?) "
    "RETURNING id"
)
FINISH_COMPUTE_NODE = "UPDATE compute_node SET is_active = 0, duration_seconds = ? WHERE id = ?"
GET_WORKFLOW = "SELECT * FROM workflow WHERE id = ?"
PENDING_ACTIONS = (
    "SELECT id, action_type, action_config, job_ids FROM workflow_action "
    "WHERE workflow_id = ? AND trigger_type = ? AND executed = 0"
)
EXECUTE_ACTION = (
    "UPDATE workflow_action SET executed = 1, executed_at = ?, executed_by = ? "
    "WHERE id = ? AND executed = 0"
)

COUNT_UNFINISHED_JOBS = "SELECT COUNT(*) FROM job WHERE workflow_id = ? AND status NOT IN (2, 3, 4)"
GET_WORKFLOW_STATUS = "SELECT run_id, is_canceled, is_archived FROM workflow_status WHERE id = ?"
COUNT_JOBS_BY_STATUS = "SELECT status, COUNT(*) FROM job WHERE workflow_id = ? GROUP BY status"
READY_QUEUE_OF_WORKFLOW = "SELECT * FROM ready_queue WHERE workflow_id = ?"

LIST_JOBS = "SELECT * FROM job WHERE workflow_id = ? ORDER BY id LIMIT ? OFFSET ?"
LIST_JOBS_WITH_STATUS = (
    "SELECT * FROM job WHERE workflow_id = ? AND status = ? ORDER BY id LIMIT ? OFFSET ?"
)
GET_JOBS = "SELECT * FROM job WHERE id IN ({ids})"
LIST_RESULTS = "SELECT * FROM result WHERE workflow_id = ? ORDER BY id LIMIT ? OFFSET ?"
LIST_RESULTS_OF_RUN = (
    "SELECT * FROM result WHERE workflow_id = ? AND run_id = ? ORDER BY id LIMIT ? OFFSET ?"
)
RESULTS_OF_JOB = "SELECT * FROM result WHERE workflow_id = ? AND job_id = ?"
LIST_EVENTS = "SELECT * FROM event WHERE workflow_id = ? ORDER BY id DESC LIMIT ? OFFSET ?"
LIST_COMPUTE_NODES = "SELECT * FROM compute_node WHERE workflow_id = ? ORDER BY id LIMIT ? OFFSET ?"
COMPUTE_NODES_BY_ACTIVITY = "SELECT * FROM compute_node WHERE workflow_id = ? AND is_active = ?"
BLOCKERS_OF_JOB = "SELECT blocked_by_job_id FROM job_blocked_by WHERE job_id = ?"
LIST_FILES = "SELECT * FROM file WHERE workflow_id = ? ORDER BY id LIMIT ? OFFSET ?"
CONSUMERS_OF_FILE = "SELECT job_id FROM job_input_file WHERE file_id = ?"
PRODUCERS_OF_FILE = "SELECT job_id FROM job_output_file WHERE file_id = ?"
OUTPUT_FILES_OF_JOB = "SELECT file_id FROM job_output_file WHERE job_id = ?"
LIST_USER_DATA = "SELECT * FROM user_data WHERE workflow_id = ? ORDER BY id LIMIT ? OFFSET ?"
CONSUMERS_OF_USER_DATA = "SELECT job_id FROM job_input_user_data WHERE user_data_id = ?"
PRODUCERS_OF_USER_DATA = "SELECT job_id FROM job_output_user_data WHERE user_data_id = ?"
LIST_WORKFLOWS_OF_USER = (
    "SELECT * FROM workflow WHERE user = :user ORDER BY id LIMIT :limit OFFSET :offset"
)
LIST_WORKFLOWS_OF_USER_BY_ARCHIVED = (
    "SELECT * FROM workflow WHERE user = :user AND is_archived = :is_archived ORDER BY id "
    "LIMIT :limit OFFSET :offset"
)
LIST_WORKFLOWS_BY_ARCHIVED = (
    "SELECT * FROM workflow WHERE is_archived = ? ORDER BY id LIMIT ? OFFSET ?"
)
# The whole-workflow reads of a final report, in the seed analysis's own words.
REPORT_QUERIES = (
    "SELECT * FROM job WHERE workflow_id = ?",
    "SELECT * FROM result WHERE workflow_id = ?",
    "SELECT * FROM event WHERE workflow_id = ?",
    "SELECT * FROM compute_node WHERE workflow_id = ?",
    READY_QUEUE_OF_WORKFLOW,
)
JOBS_WITH_STATUS = "SELECT * FROM job WHERE workflow_id = ? AND status = ?"
RESULTS_OF_RUN = "SELECT * FROM result WHERE workflow_id = ? AND run_id = ?"


# ------------------------------------------------------------------ SQL builders


def placeholders(count: int) -> str:
    """``?, ?, ?`` for an IN list of ``count`` values."""
    return ", ".join("?" * count)


def numbered(*values: object) -> dict[str, object]:
    """Parameters for ``$1``-style templates: Python binds them by name ("1", "2", ...)."""
    return {str(i): value for i, value in enumerate(values, start=1)}


def insert_rows_sql(table: str, columns: Sequence[str], rows: int, returning: bool) -> str:
    """A multi-row INSERT of ``rows`` rows, optionally returning the new ids in order."""
    row = f"({placeholders(len(columns))})"
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([row] * rows)}"
    return f"{sql} RETURNING id" if returning else sql


def in_list(db: Recorder, template: str, ids: Sequence[int], *before: object) -> list[tuple]:
    """Run a template whose ``{ids}`` slot is an IN list, with ``before`` bound ahead of it."""
    return db.run(template.format(ids=placeholders(len(ids))), [*before, *ids])


@contextmanager
def transaction(db: Recorder) -> Iterator[None]:
    """BEGIN IMMEDIATE ... COMMIT, as a server that takes the write lock up front does."""
    db.run("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.run("ROLLBACK")
        raise
    db.run("COMMIT")


# ------------------------------------------------------------------ create


def insert_rows(db: Recorder, table: str, columns: Sequence[str],
                rows: Sequence[Sequence[object]], returning: bool = False) -> list[int]:
    """One multi-row INSERT; returns the new ids when ``returning``."""
    if not rows:
        return []
    sql = insert_rows_sql(table, columns, len(rows), returning)
    found = db.run(sql, [value for row in rows for value in row])
    return [row[0] for row in found]


def create_workflow(db: Recorder, name: str, description: str, user: str, timestamp: str,
                    sort_method: str) -> tuple[int, int]:
    """The workflow's status row and the workflow row; returns (workflow_id, status_id)."""
    with transaction(db):
        status_id = db.run(INSERT_WORKFLOW_STATUS)[0][0]
        workflow_id = db.run(INSERT_WORKFLOW, {
            "name": name, "description": description, "user": user, "timestamp": timestamp,
            "wait_seconds": 60, "jobs_sort_method": sort_method, "status_id": status_id,
            "monitor": json.dumps({"enabled": True, "interval_s": 10}, separators=(",", ":")),
        })[0][0]
    return workflow_id, status_id


def create_local_scheduler(db: Recorder, workflow_id: int, memory: str, num_cpus: int) -> int:
    return db.run(INSERT_LOCAL_SCHEDULER, (workflow_id, memory, num_cpus))[0][0]


def record_event(db: Recorder, workflow_id: int, timestamp: str, data: dict[str, object]) -> None:
    """An event row; its data is one-line JSON so that trace records stay one line."""
    db.run(INSERT_EVENT, (workflow_id, timestamp, json.dumps(data, separators=(",", ":"))))


# ------------------------------------------------------------------ initialize / cancel


def initialize_workflow(db: Recorder, workflow_id: int, status_id: int) -> int:
    """Blocked vs ready, then every ready job into ready_queue; returns jobs made ready."""
    db.run(COUNT_JOBS_WITH_STATUS, (workflow_id, JobStatus.UNINITIALIZED))
    with transaction(db):
        db.run(BLOCK_JOBS, (workflow_id, workflow_id))
        db.run(READY_JOBS, (workflow_id,))
        db.run(FILL_READY_QUEUE, (workflow_id,))
        db.run(BUMP_RUN_ID, (status_id,))
    return db.run(COUNT_JOBS_WITH_STATUS, (workflow_id, JobStatus.READY))[0][0]


def cancel_and_archive(db: Recorder, workflow_id: int, status_id: int) -> None:
    """Cancel every job that has not run, empty the queue, and archive the workflow."""
    with transaction(db):
        db.run(CANCEL_WORKFLOW_JOBS, (workflow_id,))
        db.run(CLEAR_READY_QUEUE, (workflow_id,))
        db.run(CANCEL_WORKFLOW_STATUS, (status_id,))
    with transaction(db):
        db.run(ARCHIVE_WORKFLOW, (1, workflow_id))
        db.run(ARCHIVE_WORKFLOW_STATUS, (1, status_id))


# ------------------------------------------------------------------ claim / run / complete


@dataclass(frozen=True)
class Resources:
    """What a compute node has free, or what a job needs."""

    cpus: int
    gpus: int
    nodes: int
    memory_bytes: int

    def fits(self, need: Resources) -> bool:
        return (need.cpus <= self.cpus and need.gpus <= self.gpus and need.nodes <= self.nodes
                and need.memory_bytes <= self.memory_bytes)

    def __sub__(self, other: Resources) -> Resources:
        return Resources(self.cpus - other.cpus, self.gpus - other.gpus, self.nodes - other.nodes,
                         self.memory_bytes - other.memory_bytes)

    def __add__(self, other: Resources) -> Resources:
        return Resources(self.cpus + other.cpus, self.gpus + other.gpus, self.nodes + other.nodes,
                         self.memory_bytes + other.memory_bytes)


@dataclass(frozen=True)
class ClaimedJob:
    job_id: int
    need: Resources
    runtime_s: int


@dataclass(frozen=True)
class ClaimRequest:
    """A job runner's "give me jobs that fit" call."""

    workflow_id: int
    sort_method: str
    free: Resources
    time_left_s: int
    scheduler_id: int | None
    limit: int


def claim_jobs(db: Recorder, request: ClaimRequest) -> list[ClaimedJob]:
    """Claim ready jobs that fit the runner's free resources, in the workflow's sort order."""
    sql = CLAIM_BY_RESOURCES + CLAIM_ORDER[request.sort_method]
    free = request.free
    with transaction(db):
        rows = db.run(sql, (request.workflow_id, free.memory_bytes, free.cpus, free.gpus,
                            free.nodes, request.time_left_s, request.scheduler_id, request.limit))
        claimed: list[ClaimedJob] = []
        for job_id, _, cpus, gpus, nodes, memory_bytes, runtime_s, _, _ in rows:
            need = Resources(cpus, gpus, nodes, memory_bytes)
            if free.fits(need):
                claimed.append(ClaimedJob(job_id, need, runtime_s))
                free = free - need
        ids = [job.job_id for job in claimed]
        if ids:
            in_list(db, DEQUEUE_JOBS, ids, request.workflow_id)
            in_list(db, SET_STATUS_OF_JOBS, ids, JobStatus.PENDING)
    return claimed


def start_job(db: Recorder, job_id: int, reads_files: bool, reads_user_data: bool) -> None:
    """The runner marks the job running and fetches what it reads."""
    db.run(SET_STATUS_OF_JOB, numbered(JobStatus.RUNNING, job_id))
    if reads_files:
        db.run(INPUT_FILES_OF_JOB, (job_id,))
    if reads_user_data:
        db.run(INPUT_USER_DATA_OF_JOB, (job_id,))


@dataclass(frozen=True)
class Completion:
    """A finished job as the runner reports it."""

    workflow_id: int
    job_id: int
    run_id: int
    compute_node_id: int
    return_code: int
    exec_time_minutes: float
    completion_time: str
    peak_memory_bytes: int
    avg_memory_bytes: int
    peak_cpu_percent: float
    avg_cpu_percent: float
    output_files: tuple[int, ...]
    output_user_data: tuple[int, ...]
    file_mtime: float


def complete_job(db: Recorder, done: Completion) -> list[int]:
    """Result, latest-result upsert, status, event, outputs, then release dependents.

    Returns the ids of jobs canceled because this job (or a job canceled in turn) failed.
    """
    with transaction(db):
        result_id = db.run(INSERT_RESULT, {
            "workflow_id": done.workflow_id, "job_id": done.job_id, "run_id": done.run_id,
            "compute_node_id": done.compute_node_id, "return_code": done.return_code,
            "exec_time_minutes": done.exec_time_minutes, "completion_time": done.completion_time,
            "status": JobStatus.DONE, "peak_memory_bytes": done.peak_memory_bytes,
            "avg_memory_bytes": done.avg_memory_bytes, "peak_cpu_percent": done.peak_cpu_percent,
            "avg_cpu_percent": done.avg_cpu_percent,
        })[0][0]
        db.run(UPSERT_WORKFLOW_RESULT, numbered(done.workflow_id, done.job_id, result_id))
        db.run(SET_STATUS_OF_JOB, numbered(JobStatus.DONE, done.job_id))
        record_event(db, done.workflow_id, done.completion_time, {
            "category": "job", "type": "complete", "job_id": done.job_id,
            "return_code": done.return_code,
        })
        if done.output_files:
            in_list(db, TOUCH_FILES, done.output_files, done.file_mtime)
        for user_data_id in done.output_user_data:
            payload = {"job_id": done.job_id, "return_code": done.return_code}
            db.run(STORE_USER_DATA, (json.dumps(payload, separators=(",", ":")), user_data_id))
        return release_dependents(db, done.workflow_id, done.job_id, done.return_code != 0)


def release_dependents(db: Recorder, workflow_id: int, job_id: int, failed: bool) -> list[int]:
    """Cancel or ready the jobs that ``job_id`` blocked; cancellations cascade.

    A failure cancels dependents that ask for it; any dependent whose blockers
    have all finished becomes ready and enters ready_queue.
    """
    canceled: list[int] = []
    pending = deque([(job_id, failed)])
    while pending:
        finished_id, finished_failed = pending.popleft()
        dependents = [row[0] for row in db.run(JOBS_BLOCKED_BY, (finished_id,))]
        if not dependents:
            continue
        if finished_failed:
            newly = [row[0] for row in in_list(db, CANCELABLE_JOBS, dependents)]
            if newly:
                in_list(db, SET_STATUS_OF_JOBS, newly, JobStatus.CANCELED)
                canceled.extend(newly)
                pending.extend((c, True) for c in newly)
        ready = in_list(db, UNBLOCKED_JOBS, dependents)
        if ready:
            in_list(db, SET_STATUS_OF_JOBS, [row[0] for row in ready], JobStatus.READY)
            insert_rows(db, "ready_queue", ("workflow_id", "job_id", "resource_requirements_id"),
                        [(workflow_id, rid, rr) for rid, rr in ready])
    return canceled


# ------------------------------------------------------------------ compute nodes


@dataclass(frozen=True)
class NodeSpec:
    """A compute node a job runner starts on."""

    workflow_id: int
    hostname: str
    pid: int
    start_time: str
    capacity: Resources
    time_limit: str
    scheduler_type: str
    scheduler_config_id: int


def schedule_node(db: Recorder, workflow_id: int, scheduler_config_id: int,
                  scheduler_job_id: int, scheduler_type: str) -> int:
    """A compute node requested from a scheduler (slurm or local), not yet running."""
    return db.run(INSERT_SCHEDULED_NODE, (workflow_id, scheduler_config_id, scheduler_job_id,
                                          scheduler_type, "pending"))[0][0]


def start_compute_node(db: Recorder, node: NodeSpec, scheduled_id: int) -> int:
    """The runner registers its node, marks its allocation active, reads its workflow."""
    cap = node.capacity
    scheduler = json.dumps({"type": node.scheduler_type, "config_id": node.scheduler_config_id},
                           separators=(",", ":"))
    node_id = db.run(INSERT_COMPUTE_NODE, (
        node.workflow_id, node.hostname, node.pid, node.start_time, cap.cpus,
        round(cap.memory_bytes / 2**30, 1), cap.gpus, cap.nodes, node.time_limit,
        node.scheduler_config_id, node.scheduler_type, scheduler))[0][0]
    db.run(SET_SCHEDULED_NODE_STATUS, ("active", scheduled_id))
    db.run(GET_WORKFLOW, (node.workflow_id,))
    return node_id


def run_start_actions(db: Recorder, workflow_id: int, node_id: int, timestamp: str) -> int:
    """Execute the workflow's not-yet-executed on-node-start actions; returns how many."""
    actions = db.run(PENDING_ACTIONS, (workflow_id, "on_worker_start"))
    for action_id, *_ in actions:
        db.run(EXECUTE_ACTION, (timestamp, node_id, action_id))
    return len(actions)


def stop_compute_node(db: Recorder, node_id: int, scheduled_id: int, seconds: float) -> None:
    with transaction(db):
        db.run(FINISH_COMPUTE_NODE, (round(seconds, 3), node_id))
        db.run(SET_SCHEDULED_NODE_STATUS, ("complete", scheduled_id))


# ------------------------------------------------------------------ polling


def unfinished_jobs(db: Recorder, workflow_id: int) -> int:
    """The "is the workflow complete" poll: jobs not yet done, canceled or terminated."""
    return db.run(COUNT_UNFINISHED_JOBS, (workflow_id,))[0][0]


def workflow_state(db: Recorder, status_id: int) -> tuple[int, int, int]:
    return db.run(GET_WORKFLOW_STATUS, (status_id,))[0]


def status_counts(db: Recorder, workflow_id: int) -> dict[int, int]:
    return dict(db.run(COUNT_JOBS_BY_STATUS, (workflow_id,)))


def ready_queue(db: Recorder, workflow_id: int) -> list[tuple]:
    return db.run(READY_QUEUE_OF_WORKFLOW, (workflow_id,))


def report_workflow(db: Recorder, workflow_id: int, run_id: int) -> int:
    """A finished workflow's report: everything it holds, its canceled jobs, this run's
    results; returns rows read."""
    rows = sum(len(db.run(sql, (workflow_id,))) for sql in REPORT_QUERIES)
    rows += len(db.run(JOBS_WITH_STATUS, (workflow_id, JobStatus.CANCELED)))
    return rows + len(db.run(RESULTS_OF_RUN, (workflow_id, run_id)))

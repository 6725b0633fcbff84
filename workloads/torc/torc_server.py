"""torc-server at revision ff3df9a: one method per API call, issuing the server's statements.

:class:`TorcServer` runs, for each API call the simulation makes, the
statements the real handler runs, in its order, with its parameters bound the
way it binds them (``$1`` placeholders by number, ``?`` by position; LIMIT and
OFFSET written into the text by the query builder). Transactions follow the
server too: ``pool.begin()`` sends a plain ``BEGIN`` (sqlx issues it below its
query logger, so only the trace log records it), while the claim queries send
``BEGIN IMMEDIATE`` as a statement of their own, which both logs record.

The statements are in :mod:`torc_statements`; the clients that call these
methods (job runners, the CLI, the TUI) are in ``job_runners.py``,
``torc_clients.py`` and ``torc_create.py``. A later Torc revision with the same
lifecycle subclasses this class: its ``sql`` (statements module) and ``status`` (status
codes) class attributes are what the methods read, and it overrides the calls whose
flow changed (``workloads/torc-0.10/torc010_server.py``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import IntEnum

import torc_statements
from capture import Recorder, SimClock

_GIB = 2**30
DEFAULT_PAGE = 10_000  # process_pagination_params: limit when the client gives none


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


COMPLETE = (JobStatus.DONE, JobStatus.CANCELED, JobStatus.TERMINATED)


def numbered(*values: object) -> dict[str, object]:
    """Parameters for ``$1``-style statements: SQLite names them "1", "2", ...; sqlx binds
    them by number, and a number used twice is one parameter."""
    return {str(i): value for i, value in enumerate(values, start=1)}


def compact(value: object) -> str:
    """JSON as serde_json writes it: no spaces."""
    return json.dumps(value, separators=(",", ":"))


# ------------------------------------------------------------------ values the clients pass


@dataclass(frozen=True)
class Resources:
    """What a compute node offers, or what a job needs (memory in bytes)."""

    cpus: int
    gpus: int
    nodes: int
    memory_bytes: int

    def __sub__(self, other: Resources) -> Resources:
        return Resources(self.cpus - other.cpus, self.gpus - other.gpus, self.nodes,
                         self.memory_bytes - other.memory_bytes)

    def __add__(self, other: Resources) -> Resources:
        return Resources(self.cpus + other.cpus, self.gpus + other.gpus, self.nodes,
                         self.memory_bytes + other.memory_bytes)

    @property
    def memory_gb(self) -> float:
        return self.memory_bytes / _GIB


@dataclass(frozen=True)
class ClaimedJob:
    job_id: int
    resource_requirements_id: int
    need: Resources
    runtime_s: int


@dataclass(frozen=True)
class JobSpec:
    """One job of a create_jobs batch, as the client sends it."""

    name: str
    command: str
    cancel_on_blocking_job_failure: bool
    supports_termination: bool
    resource_requirements_id: int
    scheduler_id: int | None
    input_files: tuple[int, ...] = ()
    output_files: tuple[int, ...] = ()
    input_user_data: tuple[int, ...] = ()
    output_user_data: tuple[int, ...] = ()
    depends_on: tuple[int, ...] = ()  # ids of its dependencies, when the client sends them


@dataclass(frozen=True)
class WorkflowSpec:
    name: str
    description: str
    user: str
    sort_method: str
    resource_monitor_config: str | None


@dataclass(frozen=True)
class Shape:
    """One resource_requirements row (memory_bytes and runtime_s are the computed copies)."""

    name: str
    num_cpus: int
    num_gpus: int
    num_nodes: int
    memory: str
    runtime: str
    memory_bytes: int
    runtime_s: int


@dataclass(frozen=True)
class Result:
    """What a job runner reports when a job ends (ResultModel)."""

    job_id: int
    workflow_id: int
    run_id: int
    compute_node_id: int
    return_code: int
    exec_time_minutes: float
    completion_time: str
    peak_memory_bytes: int | None = None
    avg_memory_bytes: int | None = None
    peak_cpu_percent: float | None = None
    avg_cpu_percent: float | None = None


@dataclass(frozen=True)
class NodeSpec:
    """A compute node a job runner registers (ComputeNodeModel)."""

    workflow_id: int
    hostname: str
    pid: int
    start_time: str
    capacity: Resources
    compute_node_type: str
    scheduler: str | None = None


@dataclass(frozen=True)
class WorkflowState:
    run_id: int
    is_canceled: bool
    is_archived: bool
    needs_completion_script: bool


@dataclass
class Page:
    """One page of a list call: its rows and the total the count query found."""

    rows: list[tuple] = field(default_factory=list)
    total: int = 0

    @property
    def count(self) -> int:
        return len(self.rows)


# ------------------------------------------------------------------ the server


class TorcServer:
    """The API calls of torc-server at ff3df9a, against the recorder's connection."""

    # What a later revision's subclass replaces: its statements and its status codes.
    sql = torc_statements
    status = JobStatus
    complete_statuses: tuple[int, ...] = COMPLETE
    # Server-side timers the simulation runs (seconds, task); none at ff3df9a.
    background_tasks: tuple[tuple[float, str], ...] = ()
    # Whether the server streams events (SSE): then ``torc events monitor`` does not poll.
    streams_events = False
    # Values a later revision's INSERT INTO workflow_action binds after ``persistent``.
    new_action_flags: tuple[int, ...] = ()

    def __init__(self, db: Recorder, clock: SimClock) -> None:
        self.db = db
        self.clock = clock

    # ------------------------------------------------------------ helpers

    def run(self, statement: str, params: Sequence[object] | Mapping[str, object] = ()
            ) -> list[tuple]:
        return self.db.run(statement, params)

    @contextmanager
    def pool_transaction(self) -> Iterator[None]:
        """``pool.begin()`` … ``commit()``: a deferred BEGIN that sqlx does not log."""
        self.db.run("BEGIN", sqlx=False)
        try:
            yield
        except BaseException:
            self.db.run("ROLLBACK", sqlx=False)
            raise
        self.db.run("COMMIT", sqlx=False)

    @contextmanager
    def immediate_transaction(self) -> Iterator[None]:
        """``sqlx::query("BEGIN IMMEDIATE")`` … ``sqlx::query("COMMIT")``: logged by both."""
        self.db.run("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.run("ROLLBACK")
            raise
        self.db.run("COMMIT")

    def now(self) -> str:
        """``Utc::now()`` as the server formats timestamps: milliseconds and a Z."""
        return self.clock.iso()

    def workflow_exists(self, workflow_id: int) -> bool:
        return bool(self.run(self.sql.WORKFLOW_EXISTS, numbered(workflow_id)))

    def paged(self, query: str, count: str, params: Sequence[object], offset: int, limit: int,
              order_by: str = "id", reverse: bool = False) -> Page:
        """A list endpoint: the page (LIMIT/OFFSET in the text), then the count."""
        rows = self.run(self.sql.page(query, offset, limit, order_by, reverse), params)
        return Page(rows, self.run(count, params)[0][0])

    # ------------------------------------------------------------ workflows

    def create_workflow(self, spec: WorkflowSpec) -> int:
        """The status row and the workflow in one transaction, then its "default" shape."""
        with self.pool_transaction():
            status_id = self.run(self.sql.INSERT_WORKFLOW_STATUS)[0][0]
            workflow_id = self.run(self.sql.INSERT_WORKFLOW,
                                   numbered(*self._workflow_values(spec, status_id)))[0][0]
        self._insert_shape(workflow_id, Shape("default", 1, 0, 1, "1m", "P0DT1M", 2**20, 60))
        return workflow_id

    def _workflow_values(self, spec: WorkflowSpec, status_id: int) -> tuple[object, ...]:
        """INSERT_WORKFLOW's values: the spec's, the server's defaults, the status row."""
        return (spec.name, spec.description, spec.user, self.now(), 60, 0, 0, 20,
                spec.sort_method, spec.resource_monitor_config, status_id)

    def get_workflow(self, workflow_id: int) -> tuple:
        return self.run(self.sql.GET_WORKFLOW, numbered(workflow_id))[0]

    def get_workflow_status(self, workflow_id: int) -> WorkflowState:
        row = self.run(self.sql.GET_WORKFLOW_STATUS, (workflow_id,))[0]
        _, run_id, needs_script, canceled, archived = row
        return WorkflowState(run_id, bool(canceled), bool(archived), bool(needs_script))

    def update_workflow_status(self, workflow_id: int, state: WorkflowState) -> None:
        self.get_workflow_status(workflow_id)
        self.run(self.sql.UPDATE_WORKFLOW_STATUS, (state.run_id, int(state.needs_completion_script),
                                              int(state.is_canceled), int(state.is_archived),
                                              workflow_id))

    def is_workflow_complete(self, workflow_id: int) -> tuple[bool, bool]:
        """(is_complete, is_canceled): a canceled workflow is complete without asking jobs."""
        state = self.get_workflow_status(workflow_id)
        if state.is_canceled:
            return True, True
        found = self.run(self.sql.ANY_INCOMPLETE_JOB, numbered(
            workflow_id, *self.complete_statuses, self.status.DISABLED))
        return not found, False

    def is_workflow_uninitialized(self, workflow_id: int) -> bool:
        return not self.run(self.sql.ANY_INITIALIZED_JOB, numbered(
            workflow_id, self.status.UNINITIALIZED, self.status.DISABLED))

    def cancel_workflow(self, workflow_id: int) -> None:
        state = self.get_workflow_status(workflow_id)
        with self.pool_transaction():
            self.run(self.sql.UPDATE_WORKFLOW_STATUS, (
                state.run_id, int(state.needs_completion_script), 1, int(state.is_archived),
                workflow_id))
            self.run(self.sql.CANCEL_ACTIVE_JOBS, numbered(self.status.CANCELED, workflow_id,
                                                      self.status.RUNNING, self.status.PENDING))

    def reset_workflow_status(self, workflow_id: int) -> None:
        self.get_workflow_status(workflow_id)
        self.run(self.sql.ANY_ACTIVE_JOB, (workflow_id, self.status.RUNNING, self.status.PENDING))
        with self.pool_transaction():
            self.run(self.sql.RESET_WORKFLOW_STATUS, (workflow_id,))

    def list_workflows(self, user: str | None, is_archived: bool | None, offset: int = 0,
                       limit: int = DEFAULT_PAGE) -> Page:
        query, count, order_by = self.sql.list_workflows(user is not None, is_archived)
        return self.paged(query, count, () if user is None else (user,), offset, limit, order_by)

    def list_job_dependencies(self, workflow_id: int, offset: int = 0, limit: int = 100_000
                              ) -> Page:
        rows = self.run(self.sql.LIST_JOB_DEPENDENCIES, (workflow_id, limit, offset))
        return Page(rows, self.run(self.sql.COUNT_JOB_DEPENDENCIES, (workflow_id,))[0][0])

    # ------------------------------------------------------------ creation (the spec's objects)

    def create_file(self, workflow_id: int, name: str, path: str) -> int:
        self.workflow_exists(workflow_id)
        return self.run(self.sql.INSERT_FILE, numbered(workflow_id, name, path, None))[0][0]

    def create_user_data(self, workflow_id: int, name: str, is_ephemeral: bool,
                         data: str | None) -> int:
        self.workflow_exists(workflow_id)
        return self.run(self.sql.INSERT_USER_DATA, numbered(workflow_id, name, int(is_ephemeral),
                                                       data))[0][0]

    def create_resource_requirements(self, workflow_id: int, shape: Shape) -> int:
        self.workflow_exists(workflow_id)
        return self._insert_shape(workflow_id, shape)

    def _insert_shape(self, workflow_id: int, shape: Shape) -> int:
        return self.run(self.sql.INSERT_RESOURCE_REQUIREMENTS, numbered(
            workflow_id, shape.name, shape.num_cpus, shape.num_gpus, shape.num_nodes,
            shape.memory, shape.runtime, shape.memory_bytes, shape.runtime_s))[0][0]

    def create_slurm_scheduler(self, workflow_id: int, values: Sequence[object]) -> int:
        self.workflow_exists(workflow_id)
        return self.run(self.sql.INSERT_SLURM_SCHEDULER, numbered(workflow_id, *values))[0][0]

    def create_workflow_action(self, workflow_id: int, trigger_type: str, action_type: str,
                               config: str, job_ids: Sequence[int] | None,
                               persistent: bool) -> None:
        self.workflow_exists(workflow_id)
        required = len(job_ids) if job_ids and trigger_type in (
            "on_jobs_ready", "on_jobs_complete") else 1
        self.run(self.sql.INSERT_WORKFLOW_ACTION, (
            workflow_id, trigger_type, action_type, config,
            None if job_ids is None else compact(list(job_ids)), 0, required, 0,
            int(persistent), *self.new_action_flags))

    def list_resource_requirements(self, workflow_id: int, name: str | None, offset: int,
                                   limit: int) -> Page:
        query, count = self.sql.list_resource_requirements(name is not None)
        params = (workflow_id,) if name is None else (workflow_id, name)
        return self.paged(query, count, params, offset, limit)

    def create_jobs(self, workflow_id: int, jobs: Sequence[JobSpec]) -> list[int]:
        """The bulk call: every job and its file / user-data links in one transaction.

        The INSERT has no scheduler_id: at this revision a job's scheduler reaches the
        database only through a later update_job.
        """
        self.workflow_exists(workflow_id)
        self.list_resource_requirements(workflow_id, "default", 0, 1)
        ids: list[int] = []
        with self.pool_transaction():
            for job in jobs:
                job_id = self.run(self.sql.INSERT_JOB,
                                  numbered(*self._job_values(workflow_id, job)))[0][0]
                self._insert_job_links(job_id, workflow_id, job)
                ids.append(job_id)
        return ids

    def _job_values(self, workflow_id: int, job: JobSpec) -> tuple[object, ...]:
        return (workflow_id, job.name, job.command, int(job.cancel_on_blocking_job_failure),
                int(job.supports_termination), job.resource_requirements_id, None,
                self.status.UNINITIALIZED)

    def _insert_job_links(self, job_id: int, workflow_id: int, job: JobSpec) -> None:
        for file_id in job.input_files:
            self.run(self.sql.INSERT_JOB_INPUT_FILE, numbered(job_id, file_id, workflow_id))
        for file_id in job.output_files:
            self.run(self.sql.INSERT_JOB_OUTPUT_FILE, numbered(job_id, file_id, workflow_id))
        for item in job.input_user_data:
            self.run(self.sql.INSERT_JOB_INPUT_USER_DATA, numbered(job_id, item))
        for item in job.output_user_data:
            self.run(self.sql.INSERT_JOB_OUTPUT_USER_DATA, numbered(job_id, item))

    def upload_jobs(self, workflow_id: int, specs: Sequence[JobSpec],
                    blockers: Sequence[Sequence[int]], batch: int) -> list[int]:
        """The client's upload of a spec's jobs (``blockers`` by plan index): create_jobs
        in batches, then one update_job per job with blockers."""
        job_ids: list[int] = []
        for start in range(0, len(specs), batch):
            job_ids.extend(self.create_jobs(workflow_id, specs[start:start + batch]))
        for j, of_job in enumerate(blockers):
            if of_job:
                self.update_job_dependencies(job_ids[j], specs[j], workflow_id,
                                             [job_ids[b] for b in of_job])
        return job_ids

    def get_job(self, job_id: int) -> tuple[tuple, list[list[int]]]:
        """get_job_with_relationships: the row, then its five link lists."""
        row = self.run(self.sql.GET_JOB, (job_id,))[0]
        links = [[r[0] for r in self.run(statement, numbered(job_id))]
                 for statement in self.sql.JOB_RELATIONSHIPS]
        return row, links

    def update_job_dependencies(self, job_id: int, job: JobSpec, workflow_id: int,
                                blocked_by: Sequence[int]) -> None:
        """update_job with the client's copy of the created job plus its blockers."""
        self.get_job(job_id)
        self.run(self.sql.UPDATE_JOB, numbered(
            job.name, self.status.UNINITIALIZED, job.command, None,
            int(job.cancel_on_blocking_job_failure), int(job.supports_termination),
            job.resource_requirements_id, job.scheduler_id, job_id))
        with self.pool_transaction():
            self.run(self.sql.DELETE_BLOCKERS_OF_JOB, numbered(job_id))
            for blocker in blocked_by:
                self.run(self.sql.INSERT_BLOCKED_BY, numbered(job_id, blocker, workflow_id))
        self.get_job(job_id)

    # ------------------------------------------------------------ initialize

    def reset_job_status(self, workflow_id: int) -> None:
        self.workflow_exists(workflow_id)
        self.run(self.sql.RESET_JOB_STATUSES, numbered(self.status.UNINITIALIZED, workflow_id))

    def list_required_existing_files(self, workflow_id: int) -> list[int]:
        needed = [r[0] for r in self.run(self.sql.USER_REQUIRED_FILES, numbered(workflow_id))]
        produced = [r[0] for r in self.run(self.sql.JOB_PRODUCED_FILES,
                                           numbered(workflow_id, self.status.DONE))]
        return sorted(set(needed) | set(produced))

    def list_missing_user_data(self, workflow_id: int) -> list[int]:
        missing = [r[0] for r in self.run(self.sql.MISSING_USER_CREATED_DATA,
                                          numbered(workflow_id))]
        missing += [r[0] for r in self.run(self.sql.MISSING_JOB_CREATED_DATA,
                                           numbered(workflow_id, self.status.DONE))]
        return sorted(set(missing))

    def get_file(self, file_id: int) -> tuple:
        return self.run(self.sql.GET_FILE, numbered(file_id))[0]

    def update_file(self, file_id: int, row: tuple, st_mtime: float) -> None:
        self.get_file(file_id)
        _, workflow_id, name, path, _ = row
        self.run(self.sql.UPDATE_FILE, numbered(workflow_id, name, path, st_mtime, file_id))
        self.get_file(file_id)

    def list_files(self, workflow_id: int, produced_by_job: int | None, offset: int,
                   limit: int) -> Page:
        query, count, order_by = self.sql.list_files(produced_by_job is not None)
        params = (workflow_id,) if produced_by_job is None else (workflow_id, produced_by_job)
        return self.paged(query, count, params, offset, limit, order_by)

    def initialize_jobs(self, workflow_id: int, only_uninitialized: bool = False) -> None:
        """Blocked or ready, the ready queue refilled, every job's input hash stored; then
        the start-of-workflow actions triggered."""
        with self.pool_transaction():
            self.run(self.sql.BLOCKERS_FROM_FILES, numbered(workflow_id))
            self.run(self.sql.BLOCKERS_FROM_USER_DATA, numbered(workflow_id))
            self.run(self.sql.UNINITIALIZE_BLOCKED_JOBS, numbered(workflow_id,
                                                             self.status.UNINITIALIZED))
            if only_uninitialized:
                self.run(self.sql.BLOCK_UNINITIALIZED_JOBS, numbered(
                    self.status.BLOCKED, workflow_id, self.status.UNINITIALIZED))
            else:
                self.run(self.sql.BLOCK_JOBS, numbered(self.status.BLOCKED, workflow_id))
            self.run(self.sql.READY_UNBLOCKED_JOBS, numbered(
                self.status.READY, workflow_id, self.status.DISABLED, self.status.BLOCKED,
                self.status.DONE, self.status.CANCELED, self.status.READY))
            self.run(self.sql.DELETE_INCOMPLETE_WORKFLOW_RESULTS, numbered(
                workflow_id, self.status.CANCELED, self.status.TERMINATED, self.status.DONE))
            self.run(self.sql.CLEAR_READY_QUEUE, numbered(workflow_id))
            self.run(self.sql.FILL_READY_QUEUE, numbered(workflow_id, self.status.READY))
            self._store_input_hashes(workflow_id)
        self._trigger_start_actions(workflow_id)

    def _store_input_hashes(self, workflow_id: int) -> None:
        for (job_id,) in self.run(self.sql.JOB_IDS_OF_WORKFLOW, numbered(workflow_id)):
            self.run(self.sql.UPSERT_INPUT_HASH, numbered(job_id, self._input_hash(job_id)))

    def _trigger_start_actions(self, workflow_id: int) -> None:
        self.run(self.sql.RESET_TRIGGER_COUNTS, (workflow_id,))
        self.check_and_trigger_actions(workflow_id, "on_workflow_start")
        for trigger in ("on_worker_start", "on_worker_complete"):
            self.run(self.sql.ACTIVATE_ACTIONS, (workflow_id, trigger))
        self.check_and_trigger_actions(workflow_id, "on_jobs_ready")

    def _input_hash(self, job_id: int) -> str:
        """compute_job_input_hash: the job with its links, its input user data's content."""
        row, links = self.get_job(job_id)
        contents = [self.run(self.sql.USER_DATA_CONTENT, numbered(item))[0]
                    for item in links[3]]
        text = compact({"command": row[3], "invocation_script": row[5], "links": links,
                        "input_user_data_contents": contents})
        return hashlib.sha256(text.encode()).hexdigest()

    # ------------------------------------------------------------ workflow actions

    def check_and_trigger_actions(self, workflow_id: int, trigger_type: str) -> None:
        """Actions of this trigger not yet triggered; workflow and worker triggers count 1.
        Job triggers count only actions naming jobs, and the simulated ones name none."""
        for action_id, _, _, _ in self.run(self.sql.UNTRIGGERED_ACTIONS,
                                           (workflow_id, trigger_type)):
            if trigger_type in ("on_workflow_start", "on_workflow_complete", "on_worker_start",
                                "on_worker_complete"):
                self.run(self.sql.BUMP_TRIGGER_COUNT, (1, action_id))

    def get_pending_actions(self, workflow_id: int, trigger_types: Sequence[str]) -> list[tuple]:
        self.workflow_exists(workflow_id)
        return self.run(self.sql.pending_actions(len(trigger_types)), (workflow_id, *trigger_types))

    def claim_action(self, workflow_id: int, action_id: int, compute_node_id: int) -> bool:
        self.workflow_exists(workflow_id)
        found = self.run(self.sql.ACTION_CLAIM_CHECK, (action_id,))
        if not found or found[0][1]:
            return False
        return bool(self.db.run_count(self.sql.CLAIM_ACTION, (self.clock.rfc3339(), compute_node_id,
                                                         action_id)))

    # ------------------------------------------------------------ compute nodes

    def create_compute_node(self, node: NodeSpec, scheduler_config_id: int | None = None) -> int:
        self.workflow_exists(node.workflow_id)
        cap = node.capacity
        return self.run(self.sql.INSERT_COMPUTE_NODE, numbered(
            node.workflow_id, node.hostname, node.pid, node.start_time, None, None, cap.cpus,
            cap.memory_gb, cap.gpus, cap.nodes, None, scheduler_config_id,
            node.compute_node_type, node.scheduler))[0][0]

    def create_scheduled_compute_node(self, workflow_id: int, slurm_job_id: int,
                                      scheduler_config_id: int) -> int:
        self.workflow_exists(workflow_id)
        return self.run(self.sql.INSERT_SCHEDULED_COMPUTE_NODE, numbered(
            workflow_id, slurm_job_id, scheduler_config_id, "slurm", "pending"))[0][0]

    def list_scheduled_compute_nodes(self, workflow_id: int, slurm_job_id: int | None,
                                     offset: int = 0, limit: int = DEFAULT_PAGE) -> Page:
        query, count = self.sql.list_scheduled_compute_nodes(slurm_job_id is not None)
        params = (workflow_id,) if slurm_job_id is None else (workflow_id, slurm_job_id)
        return self.paged(query, count, params, offset, limit)

    def update_scheduled_compute_node(self, row: tuple, status: str) -> None:
        node_id, workflow_id, slurm_job_id, config_id, kind, _ = row
        self.run(self.sql.GET_SCHEDULED_COMPUTE_NODE, numbered(node_id))
        self.run(self.sql.UPDATE_SCHEDULED_COMPUTE_NODE, numbered(
            workflow_id, slurm_job_id, config_id, kind, status, node_id))
        self.run(self.sql.GET_SCHEDULED_COMPUTE_NODE, numbered(node_id))

    def list_compute_nodes(self, workflow_id: int, offset: int = 0, limit: int = DEFAULT_PAGE
                           ) -> Page:
        query, count = self.sql.list_compute_nodes()
        return self.paged(query, count, (workflow_id,), offset, limit)

    # ------------------------------------------------------------ events

    def create_event(self, workflow_id: int, data: Mapping[str, object],
                     check_workflow: bool = True) -> None:
        """The API's create_event checks the workflow first; handlers that log their own
        events (start_job, complete_job) call the events module directly."""
        if check_workflow:
            self.workflow_exists(workflow_id)
        self.run(self.sql.INSERT_EVENT, numbered(workflow_id, self.event_time(), compact(data)))

    def event_time(self) -> object:
        """An event's timestamp as the server stores it."""
        return self.now()

    def get_latest_event_timestamp(self, workflow_id: int) -> str | None:
        found = self.run(self.sql.LATEST_EVENT_TIMESTAMP, numbered(workflow_id))
        return found[0][0] if found else None

    def list_events(self, workflow_id: int, after: str | None, offset: int = 0,
                    limit: int = DEFAULT_PAGE) -> Page:
        query, count = self.sql.list_events(after is not None)
        params = (workflow_id,) if after is None else (workflow_id, after)
        return self.paged(query, count, params, offset, limit)

    # ------------------------------------------------------------ lists

    def list_jobs(self, workflow_id: int, status: int | None = None,
                  upstream_job: int | None = None, offset: int = 0,
                  limit: int = DEFAULT_PAGE) -> Page:
        query, count = self.sql.list_jobs(status is not None, False, upstream_job is not None)
        params = [workflow_id] + [v for v in (status, upstream_job) if v is not None]
        return self.paged(query, count, params, offset, limit)

    def list_results(self, workflow_id: int, job_id: int | None = None,
                     run_id: int | None = None, return_code: int | None = None,
                     offset: int = 0, limit: int = DEFAULT_PAGE) -> Page:
        query, count = self.sql.list_results(False, job_id is not None, run_id is not None,
                                        return_code is not None)
        params = [workflow_id] + [v for v in (job_id, run_id, return_code) if v is not None]
        return self.paged(query, count, params, offset, limit)

    def list_user_data(self, workflow_id: int, consumer_job: int | None, offset: int,
                       limit: int) -> Page:
        query, count = self.sql.list_user_data(consumer_job is not None, False)
        params = (workflow_id,) if consumer_job is None else (workflow_id, consumer_job)
        return self.paged(query, count, params, offset, limit, "ud.id")

    def get_resource_requirements(self, shape_id: int) -> tuple:
        return self.run(self.sql.GET_RESOURCE_REQUIREMENTS, numbered(shape_id))[0]

    # ------------------------------------------------------------ claim, start, complete

    def claim_jobs_based_on_resources(self, workflow_id: int, free: Resources,
                                      scheduler_config_id: int | None, limit: int,
                                      sort_method: str) -> list[ClaimedJob]:
        """prepare_ready_jobs: the claim query in the workflow's sort order, then the jobs
        whose needs add up within the free resources, each set pending and dequeued."""
        if self.get_workflow_status(workflow_id).is_canceled:
            return []
        claimed: list[ClaimedJob] = []
        with self.immediate_transaction():
            self.run(self.sql.WORKFLOW_EXISTS, numbered(workflow_id))
            rows = self.run(self.sql.claim_by_resources(sort_method), numbered(
                workflow_id, int(free.memory_gb * _GIB), free.cpus, free.gpus, free.nodes,
                self.sql.NO_TIME_LIMIT, scheduler_config_id, limit))
            used = Resources(0, 0, 0, 0)
            dedicated_nodes = 0
            for row in rows:
                job_id, shape_id = row[1], row[8]
                memory, cpus, gpus, nodes, runtime_s = row[9:14]
                multi = nodes > 1
                if (used.memory_bytes + memory <= int(free.memory_gb * _GIB)
                        and used.cpus + cpus <= free.cpus and used.gpus + gpus <= free.gpus
                        and not (multi and dedicated_nodes + nodes > free.nodes)):
                    need = Resources(cpus, gpus, nodes, memory)
                    used = used + need
                    dedicated_nodes += nodes if multi else 0
                    claimed.append(ClaimedJob(job_id, shape_id, need, runtime_s))
            for job in claimed:
                self.run(self.sql.SET_JOB_STATUS, numbered(self.status.PENDING, job.job_id))
            for job in claimed:
                self.run(self.sql.DEQUEUE_JOB, numbered(job.job_id, workflow_id))
        return claimed

    def _manage_job_status_change(self, job_id: int, new_status: JobStatus, run_id: int
                                  ) -> None:
        """Validate the run, fetch the result's return code when the job finishes, set the
        status, and release the jobs it blocked."""
        current, workflow_id = self.run(self.sql.JOB_STATUS_AND_WORKFLOW, (job_id,))[0]
        if current == new_status:
            return
        self.run(self.sql.RUN_ID_OF_WORKFLOW, (workflow_id,))
        finishing = new_status in self.complete_statuses
        return_code = -1
        if finishing:
            return_code = self.run(self.sql.RETURN_CODE_OF_RUN, (job_id, run_id))[0][0]
        self._set_job_status(job_id, new_status, finishing)
        if finishing:
            self._release_dependents(job_id, workflow_id, return_code)

    def _set_job_status(self, job_id: int, new_status: int, finishing: bool) -> None:
        self.run(self.sql.CHANGE_JOB_STATUS, (new_status, job_id))

    def _release_dependents(self, job_id: int, workflow_id: int, return_code: int) -> None:
        """At ff3df9a, right away: the jobs the finished one blocked."""
        self._unblock_jobs_waiting_for(job_id, workflow_id, return_code)

    def _unblock_jobs_waiting_for(self, job_id: int, workflow_id: int, return_code: int) -> None:
        blocked, ready, canceled = self.status.BLOCKED, self.status.READY, self.status.CANCELED
        done = (self.status.DONE, self.status.CANCELED, self.status.TERMINATED)
        readied: list[int] = []
        with self.pool_transaction():
            rows = self.run(self.sql.UNBLOCK_JOBS, (return_code, job_id, workflow_id, blocked,
                                                    job_id, *done, workflow_id, blocked, *done))
            for dependent, should_cancel, shape_id in rows:
                status = canceled if should_cancel else ready
                changed = self.db.run_count(self.sql.UNBLOCK_SET_STATUS,
                                            (status, dependent, workflow_id, blocked))
                if status == ready:
                    self.run(self.sql.ENQUEUE_READY_JOB, (workflow_id, dependent, shape_id))
                    if changed:
                        readied.append(dependent)
        if readied:
            self.check_and_trigger_actions(workflow_id, "on_jobs_ready")

    def start_job(self, job_id: int, run_id: int, compute_node_id: int) -> None:
        row, _ = self.get_job(job_id)
        workflow_id, name = row[1], row[2]
        self._manage_job_status_change(job_id, self.status.RUNNING, run_id)
        self.create_event(workflow_id, {
            "job_id": job_id, "compute_node_id": compute_node_id, "run_id": run_id,
            "message": f"Job with name = {name} started on compute node {compute_node_id}.",
            "category": "job"}, check_workflow=False)

    def complete_job(self, result: Result) -> bool:
        """The result, the workflow's current-result row, the status change (which
        releases dependents), an event; then whether the workflow is now complete."""
        job_id, workflow_id = result.job_id, result.workflow_id
        row, _ = self.get_job(job_id)
        result_id = self.run(self.sql.INSERT_RESULT, numbered(
            job_id, workflow_id, result.run_id, result.compute_node_id, result.return_code,
            result.exec_time_minutes, result.completion_time, self.status.DONE,
            result.peak_memory_bytes, result.avg_memory_bytes, result.peak_cpu_percent,
            result.avg_cpu_percent))[0][0]
        self.run(self.sql.DELETE_WORKFLOW_RESULT, (workflow_id, job_id))
        self.run(self.sql.INSERT_WORKFLOW_RESULT, (workflow_id, job_id, result_id))
        self._manage_job_status_change(job_id, self.status.DONE, result.run_id)
        self.create_event(workflow_id, {
            "job_id": job_id,
            "message": f"Job with name = {row[2]} completed with status = done.",
            "category": "job_completion"}, check_workflow=False)
        self.check_and_trigger_actions(workflow_id, "on_jobs_complete")
        complete, _ = self.is_workflow_complete(workflow_id)
        if complete:
            self.check_and_trigger_actions(workflow_id, "on_workflow_complete")
        return complete

"""torc-server at v0.10.0 (03cbebb): ff3df9a's server with 0.10's statements and flow.

:class:`TorcServer010` is ``workloads/torc``'s :class:`TorcServer` with 0.10's
statements (:mod:`torc010_statements`) and status codes, overriding the calls
whose flow changed:

- the client uploads jobs level by level of the dependency graph, each job with
  its dependencies and scheduler in ``create_jobs`` (no ``update_job``);
- the claim selects ready jobs from ``job`` (no ready queue), retries without the
  scheduler filter when it finds nothing, reads the workflow's job outputs, and
  sets the claimed jobs pending with one ``UPDATE … WHERE id IN (…)``;
- ``start_job`` and ``complete_job`` record the job's compute node in
  ``job_internal`` and write no event rows (0.10 broadcasts them over SSE, which
  is also how ``torc events monitor`` follows a workflow: it no longer polls);
- ``complete_job`` upserts ``workflow_result`` and marks the job for the
  background task instead of releasing its dependents;
- :meth:`process_pending_unblocks`, every 30 s (``completion_check_interval_secs``)
  after a completion, releases the dependents of every finished job: a quick
  EXISTS check, then for a success two bulk UPDATEs (the cancel one only once the
  workflow has seen a failure), for a failure the recursive CTE and one UPDATE
  per job; then marks the jobs processed.

Everything else (lists, files, user data, actions, compute nodes) runs as at
ff3df9a; see README.md for what was checked against 0.10's source.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import replace
from enum import IntEnum

import torc010_statements
from torc_server import (
    _GIB,
    ClaimedJob,
    JobSpec,
    Resources,
    Result,
    TorcServer,
    WorkflowSpec,
    numbered,
)


class JobStatus(IntEnum):
    """Torc 0.10's job status codes. DONE is ``completed``: the name the shared clients use."""

    UNINITIALIZED = 0
    BLOCKED = 1
    READY = 2
    PENDING = 3
    RUNNING = 4
    DONE = 5
    FAILED = 6
    CANCELED = 7
    TERMINATED = 8
    DISABLED = 9
    PENDING_FAILED = 10


COMPLETE = (JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELED, JobStatus.TERMINATED)
UNBLOCK_EVERY_S = 30.0  # completion_check_interval_secs' default


class TorcServer010(TorcServer):
    """The API calls of torc-server at v0.10.0."""

    sql = torc010_statements
    status = JobStatus
    complete_statuses = COMPLETE
    background_tasks = ((UNBLOCK_EVERY_S, "process_pending_unblocks"),)
    streams_events = True
    new_action_flags = (0,)  # is_recovery: only `torc slurm regenerate` creates recovery actions

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self._completed_since_check = False
        self._workflows_with_failures: set[int] = set()

    # ------------------------------------------------------------ creation

    def _workflow_values(self, spec: WorkflowSpec, status_id: int) -> tuple[object, ...]:
        return (spec.name, spec.description, spec.user, self.now(), 60, 0, 0, 20, 300,
                spec.sort_method, spec.resource_monitor_config, None, 0, status_id)

    def _job_values(self, workflow_id: int, job: JobSpec) -> tuple[object, ...]:
        return (*super()._job_values(workflow_id, job), job.scheduler_id, None)

    def _insert_job_links(self, job_id: int, workflow_id: int, job: JobSpec) -> None:
        for dependency in job.depends_on:
            self.run(self.sql.INSERT_BLOCKED_BY, numbered(job_id, dependency, workflow_id))
        super()._insert_job_links(job_id, workflow_id, job)

    def upload_jobs(self, workflow_id: int, specs: Sequence[JobSpec],
                    blockers: Sequence[Sequence[int]], batch: int) -> list[int]:
        """The 0.10 client: jobs in topological levels, a level's jobs in batches, each job
        with the ids of its (already created) dependencies."""
        level = [0] * len(specs)
        for j, of_job in enumerate(blockers):  # blockers come before the jobs they block
            level[j] = 1 + max((level[b] for b in of_job), default=-1)
        job_ids: list[int | None] = [None] * len(specs)
        for depth in range(max(level, default=-1) + 1):
            members = [j for j in range(len(specs)) if level[j] == depth]
            for start in range(0, len(members), batch):
                chunk = members[start:start + batch]
                created = self.create_jobs(workflow_id, [
                    replace(specs[j], depends_on=tuple(job_ids[b] or 0 for b in blockers[j]))
                    for j in chunk])
                for j, job_id in zip(chunk, created, strict=True):
                    job_ids[j] = job_id
        return [job_id or 0 for job_id in job_ids]

    # ------------------------------------------------------------ initialize

    def initialize_jobs(self, workflow_id: int, only_uninitialized: bool = False) -> None:
        """Statuses in one transaction (no ready queue), then the input hashes outside it."""
        self._workflows_with_failures.discard(workflow_id)
        done = COMPLETE
        with self.pool_transaction():
            self.run(self.sql.BLOCKERS_FROM_FILES, numbered(workflow_id))
            self.run(self.sql.BLOCKERS_FROM_USER_DATA, numbered(workflow_id))
            if only_uninitialized:
                self.run(self.sql.UNINITIALIZE_BLOCKED_JOBS,
                         numbered(workflow_id, JobStatus.UNINITIALIZED))
                self.run(self.sql.BLOCK_UNINITIALIZED_JOBS, numbered(
                    JobStatus.BLOCKED, workflow_id, JobStatus.UNINITIALIZED, *done))
            else:
                self.run(self.sql.BLOCK_JOBS, numbered(JobStatus.BLOCKED, workflow_id, *done))
            self.run(self.sql.READY_UNBLOCKED_JOBS, numbered(
                JobStatus.READY, workflow_id, JobStatus.DISABLED, JobStatus.BLOCKED,
                JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELED, JobStatus.READY))
            self.run(self.sql.DELETE_INCOMPLETE_WORKFLOW_RESULTS, numbered(workflow_id, *done))
        self._store_input_hashes(workflow_id)
        self._trigger_start_actions(workflow_id)

    # ------------------------------------------------------------ claim, start, complete

    def claim_jobs_based_on_resources(self, workflow_id: int, free: Resources,
                                      scheduler_config_id: int | None, limit: int,
                                      sort_method: str) -> list[ClaimedJob]:
        if self.get_workflow_status(workflow_id).is_canceled:
            return []
        memory = int(free.memory_gb * _GIB)
        bounds = (workflow_id, JobStatus.READY, memory, free.cpus, free.gpus, free.nodes,
                  self.sql.NO_TIME_LIMIT)
        claimed: list[ClaimedJob] = []
        with self.immediate_transaction():
            self.run(self.sql.WORKFLOW_EXISTS, numbered(workflow_id))
            rows = self.run(self.sql.claim_by_resources(sort_method),
                            numbered(*bounds, scheduler_config_id, limit))
            if not rows:
                rows = self.run(self.sql.claim_by_resources(sort_method, any_scheduler=True),
                                numbered(*bounds, limit))
            used = Resources(0, 0, 0, 0)
            dedicated_nodes = 0
            for row in rows:
                need = Resources(row[12], row[13], row[14], row[11])
                multi = need.nodes > 1
                total = used + need
                if (total.memory_bytes <= memory and total.cpus <= free.cpus
                        and total.gpus <= free.gpus
                        and not (multi and dedicated_nodes + need.nodes > free.nodes)):
                    used = total
                    dedicated_nodes += need.nodes if multi else 0
                    claimed.append(ClaimedJob(row[1], row[10], need, row[15]))
            if claimed:
                self.run(self.sql.OUTPUT_FILES_OF_WORKFLOW, numbered(workflow_id))
                self.run(self.sql.OUTPUT_USER_DATA_OF_WORKFLOW, numbered(workflow_id))
                self.run(self.sql.ids_in(f"UPDATE job SET status = {int(JobStatus.PENDING)}",
                                         [job.job_id for job in claimed]))
        return claimed

    def _validate_run_id(self, workflow_id: int) -> None:
        self.run(self.sql.RUN_ID_OF_WORKFLOW, (workflow_id,))

    def start_job(self, job_id: int, run_id: int, compute_node_id: int) -> None:
        row, _ = self.get_job(job_id)
        self._validate_run_id(row[1])
        self.run(self.sql.SET_ACTIVE_COMPUTE_NODE, (compute_node_id, job_id))
        self._manage_job_status_change(job_id, JobStatus.RUNNING, run_id)

    def complete_job(self, result: Result) -> bool:
        """The job read, its compute node cleared, the result and the workflow's current
        result, the status change (dependents wait for the background task), the
        completion actions; then whether the workflow is now complete."""
        job_id, workflow_id = result.job_id, result.workflow_id
        status = JobStatus.FAILED if result.return_code else JobStatus.DONE
        self.get_job(job_id)
        self.run(self.sql.CLEAR_ACTIVE_COMPUTE_NODE, (job_id,))
        result_id = self.run(self.sql.INSERT_RESULT, numbered(
            job_id, workflow_id, result.run_id, 1, result.compute_node_id, result.return_code,
            result.exec_time_minutes, result.completion_time, status,
            result.peak_memory_bytes, result.avg_memory_bytes, result.peak_cpu_percent,
            result.avg_cpu_percent))[0][0]
        self.run(self.sql.UPSERT_WORKFLOW_RESULT, (workflow_id, job_id, result_id))
        self._manage_job_status_change(job_id, status, result.run_id)
        self.check_and_trigger_actions(workflow_id, "on_jobs_complete")
        complete, _ = self.is_workflow_complete(workflow_id)
        if complete:
            self.check_and_trigger_actions(workflow_id, "on_workflow_complete")
        return complete

    def _set_job_status(self, job_id: int, new_status: int, finishing: bool) -> None:
        if finishing:
            self.run(self.sql.FINISH_JOB_STATUS, (new_status, job_id))
        else:
            super()._set_job_status(job_id, new_status, finishing)

    def _release_dependents(self, job_id: int, workflow_id: int, return_code: int) -> None:
        """Left to the background task, which this completion wakes."""
        self._completed_since_check = True

    def event_time(self) -> object:
        """Milliseconds since the epoch (0.10 stores event times as integers)."""
        moment = dt.datetime.fromisoformat(self.clock.iso().replace("Z", "+00:00"))
        return int(moment.timestamp() * 1000)

    # ------------------------------------------------------------ the background unblock task

    def process_pending_unblocks(self) -> None:
        """One tick of the background task: nothing unless a job finished since the last."""
        if not self._completed_since_check:
            return
        self._completed_since_check = False
        for (workflow_id,) in self.run(self.sql.PENDING_UNBLOCK_WORKFLOWS, COMPLETE):
            self._process_workflow_unblocks(workflow_id)

    def _process_workflow_unblocks(self, workflow_id: int) -> None:
        readied: list[int] = []
        with self.pool_transaction():
            finished = self.run(self.sql.UNPROCESSED_COMPLETIONS, (workflow_id, *COMPLETE))
            if not finished:
                return
            if any(code != 0 for _, code in finished):
                self._workflows_with_failures.add(workflow_id)
            for job_id, return_code in finished:
                readied += self._unblock_after(workflow_id, job_id, return_code)
            self.run(self.sql.ids_in("UPDATE job SET unblocking_processed = 1",
                                     [job_id for job_id, _ in finished]))
        if readied:
            self.check_and_trigger_actions(workflow_id, "on_jobs_ready")

    def _unblock_after(self, workflow_id: int, job_id: int, return_code: int) -> list[int]:
        """unblock_jobs_waiting_for_tx: the jobs this finished one readied."""
        blocked, ready = JobStatus.BLOCKED, JobStatus.READY
        released = (job_id, workflow_id, blocked, job_id, *COMPLETE)
        if not self.run(self.sql.ANY_RELEASED, released)[0][0]:
            return []
        failed = (JobStatus.FAILED, JobStatus.CANCELED, JobStatus.TERMINATED)
        if return_code == 0:
            ids = (job_id, workflow_id, job_id, *COMPLETE)
            if workflow_id in self._workflows_with_failures:
                self.run(self.sql.CANCEL_RELEASED_JOBS, (
                    JobStatus.CANCELED, workflow_id, blocked, *ids, workflow_id, *failed))
            return [row[0] for row in self.run(self.sql.READY_RELEASED_JOBS,
                                               (ready, workflow_id, blocked, *ids))]
        readied = []
        rows = self.run(self.sql.UNBLOCK_JOBS, (workflow_id, *failed, *released, workflow_id,
                                                blocked, *COMPLETE))
        for dependent, should_cancel, _ in rows:
            status = JobStatus.CANCELED if should_cancel else ready
            changed = self.db.run_count(self.sql.UNBLOCK_SET_STATUS,
                                        (status, dependent, workflow_id, blocked))
            if changed and status == ready:
                readied.append(dependent)
        return readied

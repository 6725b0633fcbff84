"""The SQL torc-server runs at v0.10.0 (03cbebb), where it differs from ff3df9a.

Written from the server's sources at that revision (``torc-server/src/server.rs``
and ``src/server/api/*.rs``), in this project's one-line formatting, like
``workloads/torc/torc_statements.py``; every statement this module does not
define is ff3df9a's, run unchanged (the star import below). Three kinds of change:

- ``job_blocked_by`` became ``job_depends_on`` (its column ``blocked_by_job_id``
  ``depends_on_job_id``): the statements that differ only by that name are
  ff3df9a's renamed (:func:`renamed`); each was checked against 0.10's text.
- ``ready_queue`` is gone: the claim reads ready jobs from ``job`` by status, and
  nothing enqueues or dequeues.
- Unblocking moved out of ``complete_job`` into a background task: a finished
  job is marked ``unblocking_processed = 0`` and the task, every 30 s, releases
  the dependents of every such job, then marks them processed.

Status codes changed too (see ``torc010_server.JobStatus``), and failed jobs
have a status of their own (6) instead of done with a non-zero return code.
"""

from __future__ import annotations

from collections.abc import Sequence

import torc_statements as ff3df9a
from torc_statements import *  # noqa: F403  (the statements 0.10 runs as ff3df9a did)


def renamed(statement: str) -> str:
    """ff3df9a's statement on 0.10's dependency table (job_blocked_by -> job_depends_on,
    blocked_by_job_id -> depends_on_job_id, blocked_by_job_name -> depends_on_job_name)."""
    return statement.replace("blocked_by", "depends_on")


def _marks(count: int, first: int = 1) -> str:
    return ", ".join(f"${n}" for n in range(first, first + count))


# ------------------------------------------------------------------ renamed only

INSERT_BLOCKED_BY = renamed(ff3df9a.INSERT_BLOCKED_BY)
DELETE_BLOCKERS_OF_JOB = renamed(ff3df9a.DELETE_BLOCKERS_OF_JOB)
BLOCKERS_FROM_FILES = renamed(ff3df9a.BLOCKERS_FROM_FILES)
BLOCKERS_FROM_USER_DATA = renamed(ff3df9a.BLOCKERS_FROM_USER_DATA)
UNINITIALIZE_BLOCKED_JOBS = renamed(ff3df9a.UNINITIALIZE_BLOCKED_JOBS)
LIST_JOB_DEPENDENCIES = renamed(ff3df9a.LIST_JOB_DEPENDENCIES)
COUNT_JOB_DEPENDENCIES = renamed(ff3df9a.COUNT_JOB_DEPENDENCIES)

# ------------------------------------------------------------------ workflows

INSERT_WORKFLOW = (
    "INSERT INTO workflow (name, description, user, timestamp, "
    "compute_node_expiration_buffer_seconds, compute_node_wait_for_new_jobs_seconds, "
    "compute_node_ignore_workflow_completion, compute_node_wait_for_healthy_database_minutes, "
    "compute_node_min_time_for_new_jobs_seconds, jobs_sort_method, resource_monitor_config, "
    f"slurm_defaults, use_pending_failed, status_id) VALUES ({_marks(14)}) RETURNING rowid"
)
# is_workflow_complete: not completed, failed, canceled, terminated or disabled.
ANY_INCOMPLETE_JOB = (
    f"SELECT 1 AS found FROM job WHERE workflow_id = $1 AND status NOT IN ({_marks(5, 2)}) "
    "LIMIT 1"
)

# ------------------------------------------------------------------ jobs (jobs.rs)

INSERT_JOB = (
    "INSERT INTO job (workflow_id, name, command, cancel_on_blocking_job_failure, "
    "supports_termination, resource_requirements_id, invocation_script, status, scheduler_id, "
    f"failure_handler_id) VALUES ({_marks(10)}) RETURNING rowid"
)
_JOB_COLUMNS = (
    "id, workflow_id, name, command, resource_requirements_id, invocation_script, status, "
    "cancel_on_blocking_job_failure, supports_termination, scheduler_id, failure_handler_id, "
    "attempt_id"
)
GET_JOB = f"SELECT {_JOB_COLUMNS} FROM job WHERE id = ?"
# get_job_with_relationships now sorts each link list.
JOB_RELATIONSHIPS = tuple(
    f"{renamed(statement)} ORDER BY {renamed(statement).split()[1]}"
    for statement in ff3df9a.JOB_RELATIONSHIPS
)
LIST_JOBS_COLUMNS = f"SELECT {_JOB_COLUMNS} FROM job"

# A finished job waits for the background task to release its dependents.
FINISH_JOB_STATUS = "UPDATE job SET status = ?, unblocking_processed = 0 WHERE id = ?"
SET_ACTIVE_COMPUTE_NODE = "UPDATE job_internal SET active_compute_node_id = ? WHERE job_id = ?"
CLEAR_ACTIVE_COMPUTE_NODE = (
    "UPDATE job_internal SET active_compute_node_id = NULL WHERE job_id = ?"
)

# ------------------------------------------------------------------ initialize_jobs (server.rs)

# Blocked: jobs with a dependency not yet finished (completed, failed, canceled, terminated).
_UNFINISHED_DEPENDENCY = (
    "SELECT DISTINCT jbb.job_id FROM job_depends_on jbb JOIN job j ON jbb.depends_on_job_id = j.id "
    "WHERE jbb.workflow_id = $2 AND j.status NOT IN ({})"
)
BLOCK_JOBS = (
    "UPDATE job SET status = $1 WHERE workflow_id = $2 AND id IN "
    f"({_UNFINISHED_DEPENDENCY.format(_marks(4, 3))})"
)
BLOCK_UNINITIALIZED_JOBS = (
    "UPDATE job SET status = $1 WHERE workflow_id = $2 AND status = $3 AND id IN "
    f"({_UNFINISHED_DEPENDENCY.format(_marks(4, 4))})"
)
READY_UNBLOCKED_JOBS = (
    f"UPDATE job SET status = $1 WHERE workflow_id = $2 AND status NOT IN ({_marks(6, 3)})"
)
DELETE_INCOMPLETE_WORKFLOW_RESULTS = (
    "DELETE FROM workflow_result WHERE workflow_id = $1 AND job_id IN (SELECT id FROM job "
    f"WHERE workflow_id = $1 AND status NOT IN ({_marks(4, 2)}))"
)

# ------------------------------------------------------------------ claim (prepare_ready_jobs)

# The ready jobs come from job itself; $2 is the ready status. When the scheduler
# filter finds nothing (and the runner does not ask for a strict match, the
# default) the query runs again without it.
_CLAIM = (
    "SELECT job.workflow_id, job.id AS job_id, job.name, job.command, job.invocation_script, "
    "job.status, job.cancel_on_blocking_job_failure, job.supports_termination, "
    "job.failure_handler_id, job.attempt_id, rr.id AS resource_requirements_id, "
    "rr.memory_bytes, rr.num_cpus, rr.num_gpus, rr.num_nodes, rr.runtime_s FROM job "
    "JOIN resource_requirements rr ON job.resource_requirements_id = rr.id "
    "WHERE job.workflow_id = $1 AND job.status = $2 AND rr.memory_bytes <= $3 "
    "AND rr.num_cpus <= $4 AND rr.num_gpus <= $5 AND rr.num_nodes <= $6 AND rr.runtime_s <= $7 "
)
CLAIM_BY_RESOURCES = (
    _CLAIM + "AND (job.scheduler_id IS NULL OR job.scheduler_id = $8) {order}LIMIT $9"
)
CLAIM_ANY_SCHEDULER = _CLAIM + "{order}LIMIT $8"
# The claimed jobs' outputs, read for the whole workflow and filtered by the server.
OUTPUT_FILES_OF_WORKFLOW = "SELECT job_id, file_id FROM job_output_file WHERE workflow_id = $1"
OUTPUT_USER_DATA_OF_WORKFLOW = (
    "SELECT job_id, user_data_id FROM job_output_user_data "
    "WHERE job_id IN (SELECT id FROM job WHERE workflow_id = $1)"
)

# ------------------------------------------------------------------ results

INSERT_RESULT = (
    "INSERT INTO result (job_id, workflow_id, run_id, attempt_id, compute_node_id, return_code, "
    "exec_time_minutes, completion_time, status, peak_memory_bytes, avg_memory_bytes, "
    f"peak_cpu_percent, avg_cpu_percent) VALUES ({_marks(13)}) RETURNING rowid"
)
UPSERT_WORKFLOW_RESULT = (
    "INSERT OR REPLACE INTO workflow_result (workflow_id, job_id, result_id) VALUES (?, ?, ?)"
)

# ------------------------------------------------------------------ events, actions

INSERT_EVENT = "INSERT INTO event (workflow_id, timestamp, data) VALUES ($1, $2, $3) RETURNING id"
INSERT_WORKFLOW_ACTION = (
    "INSERT INTO workflow_action (workflow_id, trigger_type, action_type, action_config, "
    "job_ids, trigger_count, required_triggers, executed, persistent, is_recovery) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
ACTION_COLUMNS = ff3df9a.ACTION_COLUMNS.replace(" FROM", ", is_recovery FROM")


def pending_actions(trigger_types: int) -> str:
    """ff3df9a's get_pending_actions on 0.10's columns."""
    return ff3df9a.pending_actions(trigger_types).replace(ff3df9a.ACTION_COLUMNS, ACTION_COLUMNS)


# ------------------------------------------------------------------ the background unblock task

PENDING_UNBLOCK_WORKFLOWS = (
    "SELECT DISTINCT workflow_id FROM job WHERE status IN (?, ?, ?, ?) "
    "AND unblocking_processed = 0"
)
UNPROCESSED_COMPLETIONS = (
    "SELECT j.id, r.return_code FROM job j JOIN result r ON j.id = r.job_id "
    "JOIN workflow_status ws ON j.workflow_id = ws.id AND r.run_id = ws.run_id "
    "WHERE j.workflow_id = ? AND j.status IN (?, ?, ?, ?) AND j.unblocking_processed = 0"
)
# A blocked dependent of the finished job whose other dependencies have all finished.
_RELEASED = (
    "FROM job_depends_on jbb JOIN job j ON jbb.job_id = j.id WHERE jbb.depends_on_job_id = ? "
    "AND jbb.workflow_id = ? AND j.status = ? AND NOT EXISTS (SELECT 1 FROM job_depends_on jbb2 "
    "JOIN job j2 ON jbb2.depends_on_job_id = j2.id WHERE jbb2.job_id = jbb.job_id "
    "AND jbb2.depends_on_job_id != ? AND j2.status NOT IN (?, ?, ?, ?))"
)
ANY_RELEASED = f"SELECT EXISTS (SELECT 1 {_RELEASED}) AS has_jobs"
_RELEASED_IDS = (
    "SELECT jbb.job_id FROM job_depends_on jbb WHERE jbb.depends_on_job_id = ? "
    "AND jbb.workflow_id = ? AND NOT EXISTS (SELECT 1 FROM job_depends_on jbb2 "
    "JOIN job j2 ON jbb2.depends_on_job_id = j2.id WHERE jbb2.job_id = jbb.job_id "
    "AND jbb2.depends_on_job_id != ? AND j2.status NOT IN (?, ?, ?, ?))"
)
# A dependency that failed in the current run (failed, canceled or terminated, non-zero code).
_FAILED_DEPENDENCY = (
    "SELECT 1 FROM job_depends_on {d} JOIN job {j} ON {d}.depends_on_job_id = {j}.id "
    "JOIN result {r} ON {j}.id = {r}.job_id "
    "JOIN workflow_status ws ON {j}.workflow_id = ws.id AND {r}.run_id = ws.run_id "
    "WHERE {d}.job_id = {of} AND {d}.workflow_id = ? AND {j}.status IN (?, ?, ?) "
    "AND {r}.return_code != 0"
)
# The fast path (the finished job succeeded): cancel the released jobs that have a
# failed dependency and ask for it (only once the workflow has seen a failure),
# then ready the rest.
CANCEL_RELEASED_JOBS = (
    "UPDATE job SET status = ? WHERE workflow_id = ? AND status = ? "
    f"AND cancel_on_blocking_job_failure = 1 AND id IN ({_RELEASED_IDS}) AND EXISTS ("
    + _FAILED_DEPENDENCY.format(d="jbb_fail", j="j_fail", r="r_fail", of="job.id") + ")"
)
READY_RELEASED_JOBS = (
    f"UPDATE job SET status = ? WHERE workflow_id = ? AND status = ? AND id IN ({_RELEASED_IDS}) "
    "RETURNING id"
)
# The slow path (the finished job failed): ff3df9a's recursive CTE, its base case now
# asking whether any dependency failed rather than binding the return code.
UNBLOCK_JOBS = (
    "WITH RECURSIVE jobs_to_process(job_id, should_cancel, level) AS ("
    "SELECT jbb.job_id, CASE WHEN j.cancel_on_blocking_job_failure != 0 AND EXISTS ("
    + _FAILED_DEPENDENCY.format(d="jbb_dep", j="j_dep", r="r_dep", of="jbb.job_id")
    + ") THEN 1 ELSE 0 END AS should_cancel, 0 AS level " + _RELEASED + " UNION ALL "
    "SELECT jbb.job_id, CASE WHEN jtp.should_cancel = 1 "
    "AND j.cancel_on_blocking_job_failure != 0 THEN 1 ELSE 0 END AS should_cancel, "
    "jtp.level + 1 AS level FROM jobs_to_process jtp "
    "JOIN job_depends_on jbb ON jbb.depends_on_job_id = jtp.job_id "
    "JOIN job j ON jbb.job_id = j.id WHERE jtp.should_cancel = 1 AND jbb.workflow_id = ? "
    "AND j.status = ? AND jtp.level < 100 AND NOT EXISTS (SELECT 1 FROM job_depends_on jbb2 "
    "JOIN job j2 ON jbb2.depends_on_job_id = j2.id WHERE jbb2.job_id = jbb.job_id "
    "AND jbb2.depends_on_job_id != jtp.job_id AND j2.status NOT IN (?, ?, ?, ?))) "
    "SELECT jtp.job_id, jtp.should_cancel, j.resource_requirements_id FROM jobs_to_process jtp "
    "JOIN job j ON jtp.job_id = j.id ORDER BY jtp.level ASC"
)


# ------------------------------------------------------------------ built statements


def ids_in(sql_prefix: str, ids: Sequence[int]) -> str:
    """The statements that write an id list into their text (``WHERE id IN (1,2,3)``)."""
    return f"{sql_prefix} WHERE id IN ({','.join(str(i) for i in ids)})"


def claim_by_resources(sort_method: str, any_scheduler: bool = False) -> str:
    statement = CLAIM_ANY_SCHEDULER if any_scheduler else CLAIM_BY_RESOURCES
    return statement.format(order=ff3df9a.CLAIM_ORDER[sort_method])


def list_jobs(status: bool, needs_file: bool, upstream: bool) -> tuple[str, str]:
    """ff3df9a's list_jobs on 0.10's columns and dependency table."""
    query, count = ff3df9a.list_jobs(status, needs_file, upstream)
    return (renamed(query.replace(ff3df9a.LIST_JOBS_COLUMNS, LIST_JOBS_COLUMNS)),
            renamed(count))

"""The SQL torc-server runs at revision ff3df9a, one constant per statement.

Written from the server's sources (``torc-server/src/server.rs`` and
``src/server/api/*.rs``): the same statements with the same shapes, the same
placeholder style (``$1`` or ``?``) and the same parameters in the same order,
in this project's own one-line formatting (the trace log holds one statement
per line). Statements the server builds at run time (list filters, LIMIT and
OFFSET written into the text, IN lists) are built by the functions at the end,
as the server's ``SqlQueryBuilder`` builds them.
"""

from __future__ import annotations

from collections.abc import Sequence

# ------------------------------------------------------------------ workflows (workflows.rs)

WORKFLOW_EXISTS = "SELECT id FROM workflow WHERE id = $1"
INSERT_WORKFLOW_STATUS = (
    "INSERT INTO workflow_status (run_id, is_archived, is_canceled, "
    "has_detected_need_to_run_completion_script) VALUES (0, 0, 0, 0) RETURNING rowid"
)
INSERT_WORKFLOW = (
    "INSERT INTO workflow (name, description, user, timestamp, "
    "compute_node_expiration_buffer_seconds, compute_node_wait_for_new_jobs_seconds, "
    "compute_node_ignore_workflow_completion, compute_node_wait_for_healthy_database_minutes, "
    "jobs_sort_method, resource_monitor_config, status_id) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING rowid"
)
GET_WORKFLOW = "SELECT * FROM workflow WHERE id = $1"
# get_workflow_status is called with the workflow's id: the server relies on
# workflow_status rows being numbered like their workflows.
GET_WORKFLOW_STATUS = (
    "SELECT id, run_id, has_detected_need_to_run_completion_script, is_canceled, is_archived "
    "FROM workflow_status WHERE id = ?"
)
UPDATE_WORKFLOW_STATUS = (
    "UPDATE workflow_status SET run_id = ?, has_detected_need_to_run_completion_script = ?, "
    "is_canceled = ?, is_archived = ? WHERE id = ?"
)
RESET_WORKFLOW_STATUS = (
    "UPDATE workflow_status SET has_detected_need_to_run_completion_script = 0, "
    "is_canceled = 0, is_archived = 0 WHERE id = ?"
)
CANCEL_ACTIVE_JOBS = (
    "UPDATE job SET status = $1 WHERE workflow_id = $2 AND (status = $3 OR status = $4)"
)
ANY_ACTIVE_JOB = "SELECT id FROM job WHERE workflow_id = ? AND (status = ? OR status = ?) LIMIT 1"
# is_workflow_complete: any job not done, canceled, terminated or disabled?
ANY_INCOMPLETE_JOB = (
    "SELECT 1 AS found FROM job WHERE workflow_id = $1 AND status NOT IN ($2, $3, $4, $5) "
    "LIMIT 1"
)
# is_workflow_uninitialized: any job not uninitialized or disabled?
ANY_INITIALIZED_JOB = (
    "SELECT 1 AS found FROM job WHERE workflow_id = $1 AND status NOT IN ($2, $3) LIMIT 1"
)
LIST_JOB_DEPENDENCIES = (
    "SELECT jb.job_id AS job_id, j1.name AS job_name, jb.blocked_by_job_id AS blocked_by_job_id, "
    "j2.name AS blocked_by_job_name, jb.workflow_id AS workflow_id FROM job_blocked_by jb "
    "INNER JOIN job j1 ON jb.job_id = j1.id INNER JOIN job j2 ON jb.blocked_by_job_id = j2.id "
    "WHERE jb.workflow_id = ? LIMIT ? OFFSET ?"
)
COUNT_JOB_DEPENDENCIES = "SELECT COUNT(*) FROM job_blocked_by WHERE workflow_id = ?"

WORKFLOW_COLUMNS = (
    "id", "name", "user", "description", "timestamp", "compute_node_expiration_buffer_seconds",
    "compute_node_wait_for_new_jobs_seconds", "compute_node_ignore_workflow_completion",
    "compute_node_wait_for_healthy_database_minutes", "jobs_sort_method",
    "resource_monitor_config", "status_id",
)

# ------------------------------------------------------------------ jobs (jobs.rs)

INSERT_JOB = (
    "INSERT INTO job (workflow_id, name, command, cancel_on_blocking_job_failure, "
    "supports_termination, resource_requirements_id, invocation_script, status) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING rowid"
)
INSERT_BLOCKED_BY = (
    "INSERT INTO job_blocked_by (job_id, blocked_by_job_id, workflow_id) VALUES ($1, $2, $3)"
)
INSERT_JOB_INPUT_FILE = (
    "INSERT INTO job_input_file (job_id, file_id, workflow_id) VALUES ($1, $2, $3)"
)
INSERT_JOB_OUTPUT_FILE = (
    "INSERT INTO job_output_file (job_id, file_id, workflow_id) VALUES ($1, $2, $3)"
)
INSERT_JOB_INPUT_USER_DATA = (
    "INSERT INTO job_input_user_data (job_id, user_data_id) VALUES ($1, $2)"
)
INSERT_JOB_OUTPUT_USER_DATA = (
    "INSERT INTO job_output_user_data (job_id, user_data_id) VALUES ($1, $2)"
)
# get_job_with_relationships: the job, then each of its five link lists.
GET_JOB = (
    "SELECT id, workflow_id, name, command, resource_requirements_id, invocation_script, "
    "status, cancel_on_blocking_job_failure, supports_termination, scheduler_id "
    "FROM job WHERE id = ?"
)
BLOCKERS_OF_JOB = "SELECT blocked_by_job_id FROM job_blocked_by WHERE job_id = $1"
INPUT_FILES_OF_JOB = "SELECT file_id FROM job_input_file WHERE job_id = $1"
OUTPUT_FILES_OF_JOB = "SELECT file_id FROM job_output_file WHERE job_id = $1"
INPUT_USER_DATA_OF_JOB = "SELECT user_data_id FROM job_input_user_data WHERE job_id = $1"
OUTPUT_USER_DATA_OF_JOB = "SELECT user_data_id FROM job_output_user_data WHERE job_id = $1"
JOB_RELATIONSHIPS = (BLOCKERS_OF_JOB, INPUT_FILES_OF_JOB, OUTPUT_FILES_OF_JOB,
                     INPUT_USER_DATA_OF_JOB, OUTPUT_USER_DATA_OF_JOB)
# compute_job_input_hash reads each input user data's content (the alias is sqlx's
# type override, kept: it is part of the statement text).
USER_DATA_CONTENT = 'SELECT id, data AS "data: Option<String>" FROM user_data WHERE id = $1'
UPSERT_INPUT_HASH = (
    "INSERT INTO job_internal (job_id, input_hash) VALUES ($1, $2) "
    "ON CONFLICT (job_id) DO UPDATE SET input_hash = excluded.input_hash"
)
UPDATE_JOB = (
    "UPDATE job SET name = COALESCE($1, name), status = COALESCE($2, status), "
    "command = COALESCE($3, command), invocation_script = COALESCE($4, invocation_script), "
    "cancel_on_blocking_job_failure = COALESCE($5, cancel_on_blocking_job_failure), "
    "supports_termination = COALESCE($6, supports_termination), "
    "resource_requirements_id = COALESCE($7, resource_requirements_id), "
    "scheduler_id = COALESCE($8, scheduler_id) WHERE id = $9"
)
DELETE_BLOCKERS_OF_JOB = "DELETE FROM job_blocked_by WHERE job_id = $1"
# update_job_status and the claim queries write "$1 ... $2"; manage_job_status_change "?".
SET_JOB_STATUS = "UPDATE job SET status = $1 WHERE id = $2"
CHANGE_JOB_STATUS = "UPDATE job SET status = ? WHERE id = ?"
JOB_STATUS_AND_WORKFLOW = "SELECT status, workflow_id FROM job WHERE id = ?"
RUN_ID_OF_WORKFLOW = "SELECT run_id FROM workflow_status WHERE id = ?"
RETURN_CODE_OF_RUN = "SELECT return_code FROM result WHERE job_id = ? AND run_id = ?"
RESET_JOB_STATUSES = "UPDATE job SET status = $1 WHERE workflow_id = $2 AND status != $1"
JOB_IDS_OF_WORKFLOW = "SELECT id FROM job WHERE workflow_id = $1 ORDER BY id"

# unblock_jobs_waiting_for: the jobs a finished job released, cancellations cascading
# through jobs that ask for it; 13 positional parameters (see unblock_parameters).
UNBLOCK_JOBS = (
    "WITH RECURSIVE jobs_to_process(job_id, should_cancel, level) AS ("
    "SELECT jbb.job_id, CASE WHEN ? != 0 AND j.cancel_on_blocking_job_failure != 0 THEN 1 "
    "ELSE 0 END AS should_cancel, 0 AS level FROM job_blocked_by jbb "
    "JOIN job j ON jbb.job_id = j.id WHERE jbb.blocked_by_job_id = ? AND jbb.workflow_id = ? "
    "AND j.status = ? AND NOT EXISTS (SELECT 1 FROM job_blocked_by jbb2 "
    "JOIN job j2 ON jbb2.blocked_by_job_id = j2.id WHERE jbb2.job_id = jbb.job_id "
    "AND jbb2.blocked_by_job_id != ? AND j2.status NOT IN (?, ?, ?)) "
    "UNION ALL "
    "SELECT jbb.job_id, CASE WHEN jtp.should_cancel = 1 "
    "AND j.cancel_on_blocking_job_failure != 0 THEN 1 ELSE 0 END AS should_cancel, "
    "jtp.level + 1 AS level FROM jobs_to_process jtp "
    "JOIN job_blocked_by jbb ON jbb.blocked_by_job_id = jtp.job_id "
    "JOIN job j ON jbb.job_id = j.id WHERE jtp.should_cancel = 1 AND jbb.workflow_id = ? "
    "AND j.status = ? AND jtp.level < 100 AND NOT EXISTS (SELECT 1 FROM job_blocked_by jbb2 "
    "JOIN job j2 ON jbb2.blocked_by_job_id = j2.id WHERE jbb2.job_id = jbb.job_id "
    "AND jbb2.blocked_by_job_id != jtp.job_id AND j2.status NOT IN (?, ?, ?))) "
    "SELECT jtp.job_id, jtp.should_cancel, j.resource_requirements_id FROM jobs_to_process jtp "
    "JOIN job j ON jtp.job_id = j.id ORDER BY jtp.level ASC"
)
UNBLOCK_SET_STATUS = "UPDATE job SET status = ? WHERE id = ? AND workflow_id = ? AND status = ?"
ENQUEUE_READY_JOB = (
    "INSERT INTO ready_queue (workflow_id, job_id, resource_requirements_id) VALUES (?, ?, ?)"
)

LIST_JOBS_COLUMNS = (
    "SELECT id, workflow_id, name, command, resource_requirements_id, invocation_script, "
    "status, cancel_on_blocking_job_failure, supports_termination FROM job"
)

# ------------------------------------------------------------------ initialize_jobs (server.rs)

BLOCKERS_FROM_FILES = (
    "INSERT OR IGNORE INTO job_blocked_by (job_id, blocked_by_job_id, workflow_id) "
    "SELECT i.job_id AS job_id, o.job_id AS blocked_by_job_id, i.workflow_id AS workflow_id "
    "FROM job_input_file i JOIN job_output_file o ON i.file_id = o.file_id "
    "WHERE i.workflow_id = $1"
)
BLOCKERS_FROM_USER_DATA = (
    "INSERT OR IGNORE INTO job_blocked_by (job_id, blocked_by_job_id, workflow_id) "
    "SELECT i.job_id AS job_id, o.job_id AS blocked_by_job_id, j.workflow_id AS workflow_id "
    "FROM job_input_user_data i JOIN job_output_user_data o ON i.user_data_id = o.user_data_id "
    "JOIN job j ON i.job_id = j.id WHERE j.workflow_id = $1"
)
UNINITIALIZE_BLOCKED_JOBS = (
    "WITH RECURSIVE jobs_to_uninitialize(job_id) AS (SELECT id FROM job "
    "WHERE workflow_id = $1 AND status = $2 UNION SELECT jbb.job_id FROM job_blocked_by jbb "
    "JOIN jobs_to_uninitialize jtu ON jbb.blocked_by_job_id = jtu.job_id "
    "WHERE jbb.workflow_id = $1) UPDATE job SET status = $2 WHERE workflow_id = $1 "
    "AND id IN (SELECT job_id FROM jobs_to_uninitialize)"
)
BLOCK_JOBS = (
    "UPDATE job SET status = $1 WHERE workflow_id = $2 AND id IN "
    "(SELECT DISTINCT job_id FROM job_blocked_by WHERE workflow_id = $2)"
)
BLOCK_UNINITIALIZED_JOBS = (
    "UPDATE job SET status = $1 WHERE workflow_id = $2 AND status = $3 AND id IN "
    "(SELECT DISTINCT job_id FROM job_blocked_by WHERE workflow_id = $2)"
)
READY_UNBLOCKED_JOBS = (
    "UPDATE job SET status = $1 WHERE workflow_id = $2 AND status NOT IN ($3, $4, $5, $6, $7)"
)
DELETE_INCOMPLETE_WORKFLOW_RESULTS = (
    "DELETE FROM workflow_result WHERE workflow_id = $1 AND job_id IN (SELECT id FROM job "
    "WHERE workflow_id = $1 AND status NOT IN ($2, $3, $4))"
)
CLEAR_READY_QUEUE = "DELETE FROM ready_queue WHERE workflow_id = $1"
FILL_READY_QUEUE = (
    "INSERT INTO ready_queue (workflow_id, job_id, resource_requirements_id) "
    "SELECT workflow_id, id, resource_requirements_id FROM job "
    "WHERE workflow_id = $1 AND status = $2"
)

# ------------------------------------------------------------------ claim (server.rs)

# claim_jobs_based_on_resources / prepare_ready_jobs: the ORDER BY comes from the
# workflow's jobs_sort_method ("none" writes no ORDER BY); the runner's time limit,
# absent, is bound as i64::MAX.
CLAIM_BY_RESOURCES = (
    "SELECT rq.workflow_id, rq.job_id, job.name, job.command, job.invocation_script, "
    "job.status, job.cancel_on_blocking_job_failure, job.supports_termination, "
    "rr.id AS resource_requirements_id, rr.memory_bytes, rr.num_cpus, rr.num_gpus, "
    "rr.num_nodes, rr.runtime_s FROM ready_queue rq "
    "JOIN resource_requirements rr ON rq.resource_requirements_id = rr.id "
    "JOIN job ON rq.job_id = job.id WHERE rq.workflow_id = $1 AND rr.memory_bytes <= $2 "
    "AND rr.num_cpus <= $3 AND rr.num_gpus <= $4 AND rr.num_nodes <= $5 "
    "AND rr.runtime_s <= $6 AND (job.scheduler_id IS NULL OR job.scheduler_id = $7) "
    "{order}LIMIT $8"
)
CLAIM_ORDER = {
    "gpus_runtime_memory": "ORDER BY rr.num_gpus DESC, rr.runtime_s DESC, rr.memory_bytes DESC ",
    "gpus_memory_runtime": "ORDER BY rr.num_gpus DESC, rr.memory_bytes DESC, rr.runtime_s DESC ",
    "none": "",
}
DEQUEUE_JOB = "DELETE FROM ready_queue WHERE job_id = $1 AND workflow_id = $2"
NO_TIME_LIMIT = 2**63 - 1  # i64::MAX

# ------------------------------------------------------------------ results (results.rs)

INSERT_RESULT = (
    "INSERT INTO result (job_id, workflow_id, run_id, compute_node_id, return_code, "
    "exec_time_minutes, completion_time, status, peak_memory_bytes, avg_memory_bytes, "
    "peak_cpu_percent, avg_cpu_percent) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING rowid"
)
DELETE_WORKFLOW_RESULT = "DELETE FROM workflow_result WHERE workflow_id = ? AND job_id = ?"
INSERT_WORKFLOW_RESULT = (
    "INSERT INTO workflow_result (workflow_id, job_id, result_id) VALUES (?, ?, ?)"
)
RESULT_COLUMNS = (
    "id", "job_id", "workflow_id", "run_id", "compute_node_id", "return_code",
    "exec_time_minutes", "completion_time", "status", "peak_memory_bytes", "avg_memory_bytes",
    "peak_cpu_percent", "avg_cpu_percent",
)

# ------------------------------------------------------------------ events (events.rs)

INSERT_EVENT = (
    "INSERT INTO event (workflow_id, timestamp, data) VALUES ($1, $2, $3) RETURNING rowid"
)
LATEST_EVENT_TIMESTAMP = (
    "SELECT timestamp FROM event WHERE workflow_id = $1 ORDER BY id DESC LIMIT 1"
)

# ------------------------------------------------------------------ files, user data

INSERT_FILE = (
    "INSERT INTO file (workflow_id, name, path, st_mtime) VALUES ($1, $2, $3, $4) "
    "RETURNING rowid"
)
GET_FILE = "SELECT id, workflow_id, name, path, st_mtime FROM file WHERE id = $1"
UPDATE_FILE = (
    "UPDATE file SET workflow_id = COALESCE($1, workflow_id), name = COALESCE($2, name), "
    "path = COALESCE($3, path), st_mtime = $4 WHERE id = $5"
)
USER_REQUIRED_FILES = (
    "SELECT DISTINCT jif.file_id FROM job_input_file jif INNER JOIN job j ON jif.job_id = j.id "
    "WHERE j.workflow_id = $1 AND jif.file_id NOT IN (SELECT jof.file_id FROM job_output_file jof)"
)
JOB_PRODUCED_FILES = (
    "SELECT DISTINCT jof.file_id FROM job_output_file jof INNER JOIN job j ON jof.job_id = j.id "
    "WHERE j.workflow_id = $1 AND j.status = $2"
)
INSERT_USER_DATA = (
    "INSERT INTO user_data (workflow_id, name, is_ephemeral, data) VALUES ($1, $2, $3, $4) "
    "RETURNING id"
)
MISSING_USER_CREATED_DATA = (
    "SELECT DISTINCT jiud.user_data_id FROM job_input_user_data jiud "
    "INNER JOIN job j ON jiud.job_id = j.id INNER JOIN user_data ud ON jiud.user_data_id = ud.id "
    "WHERE j.workflow_id = $1 AND ud.data IS NULL AND jiud.user_data_id NOT IN "
    "(SELECT joud.user_data_id FROM job_output_user_data joud)"
)
MISSING_JOB_CREATED_DATA = (
    "SELECT DISTINCT joud.user_data_id FROM job_output_user_data joud "
    "INNER JOIN job j ON joud.job_id = j.id INNER JOIN user_data ud ON joud.user_data_id = ud.id "
    "WHERE j.workflow_id = $1 AND j.status = $2 AND ud.data IS NULL"
)

# ------------------------------------------------------------------ resource requirements

INSERT_RESOURCE_REQUIREMENTS = (
    "INSERT INTO resource_requirements (workflow_id, name, num_cpus, num_gpus, num_nodes, "
    "memory, runtime, memory_bytes, runtime_s) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) "
    "RETURNING rowid"
)
GET_RESOURCE_REQUIREMENTS = (
    "SELECT id, workflow_id, name, num_cpus, num_gpus, num_nodes, memory, runtime "
    "FROM resource_requirements WHERE id = $1"
)

# ------------------------------------------------------------------ compute nodes, schedulers

INSERT_COMPUTE_NODE = (
    "INSERT INTO compute_node (workflow_id, hostname, pid, start_time, duration_seconds, "
    "is_active, num_cpus, memory_gb, num_gpus, num_nodes, time_limit, scheduler_config_id, "
    "compute_node_type, scheduler) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING rowid"
)
INSERT_SLURM_SCHEDULER = (
    "INSERT INTO slurm_scheduler (workflow_id, name, account, gres, mem, nodes, "
    "ntasks_per_node, partition, qos, tmp, walltime, extra) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING rowid"
)
INSERT_SCHEDULED_COMPUTE_NODE = (
    "INSERT INTO scheduled_compute_node (workflow_id, scheduler_id, scheduler_config_id, "
    "scheduler_type, status) VALUES ($1, $2, $3, $4, $5) RETURNING rowid"
)
GET_SCHEDULED_COMPUTE_NODE = (
    "SELECT id, workflow_id, scheduler_id, scheduler_config_id, scheduler_type, status "
    "FROM scheduled_compute_node WHERE id = $1"
)
UPDATE_SCHEDULED_COMPUTE_NODE = (
    "UPDATE scheduled_compute_node SET workflow_id = COALESCE($1, workflow_id), "
    "scheduler_id = COALESCE($2, scheduler_id), "
    "scheduler_config_id = COALESCE($3, scheduler_config_id), "
    "scheduler_type = COALESCE($4, scheduler_type), status = COALESCE($5, status) WHERE id = $6"
)

# ------------------------------------------------------------------ workflow actions

INSERT_WORKFLOW_ACTION = (
    "INSERT INTO workflow_action (workflow_id, trigger_type, action_type, action_config, "
    "job_ids, trigger_count, required_triggers, executed, persistent) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
ACTION_COLUMNS = (
    "SELECT id, workflow_id, trigger_type, action_type, action_config, job_ids, trigger_count, "
    "required_triggers, executed, executed_at, executed_by, persistent FROM workflow_action"
)
UNTRIGGERED_ACTIONS = (
    "SELECT id, job_ids, trigger_count, required_triggers FROM workflow_action "
    "WHERE workflow_id = ? AND trigger_type = ? AND trigger_count < required_triggers"
)
BUMP_TRIGGER_COUNT = "UPDATE workflow_action SET trigger_count = trigger_count + ? WHERE id = ?"
RESET_TRIGGER_COUNTS = "UPDATE workflow_action SET trigger_count = 0 WHERE workflow_id = ?"
ACTIVATE_ACTIONS = (
    "UPDATE workflow_action SET trigger_count = required_triggers "
    "WHERE workflow_id = ? AND trigger_type = ?"
)
ACTION_CLAIM_CHECK = "SELECT workflow_id, executed, persistent FROM workflow_action WHERE id = ?"
CLAIM_ACTION = (
    "UPDATE workflow_action SET executed = 1, executed_at = ?, executed_by = ? "
    "WHERE id = ? AND executed = 0"
)


# ------------------------------------------------------------------ built statements


def pending_actions(trigger_types: int) -> str:
    """get_pending_actions with an IN list of ``trigger_types`` placeholders."""
    marks = ", ".join(["?"] * trigger_types)
    return (f"{ACTION_COLUMNS} WHERE workflow_id = ? AND trigger_count >= required_triggers "
            f"AND executed = 0 AND trigger_type IN ({marks}) ORDER BY id")


def claim_by_resources(sort_method: str) -> str:
    return CLAIM_BY_RESOURCES.format(order=CLAIM_ORDER[sort_method])


def page(sql: str, offset: int, limit: int, order_by: str = "id", reverse: bool = False) -> str:
    """SqlQueryBuilder's tail: ORDER BY, LIMIT written into the text, OFFSET when > 0."""
    text = f"{sql} ORDER BY {order_by} {'DESC' if reverse else 'ASC'} LIMIT {limit}"
    return f"{text} OFFSET {offset}" if offset > 0 else text


def where(base: str, conditions: Sequence[str]) -> str:
    return f"{base} WHERE {' AND '.join(conditions)}" if conditions else base


def list_jobs(status: bool, needs_file: bool, upstream: bool) -> tuple[str, str]:
    """list_jobs's query (without its page tail) and count query, for the filters given."""
    conditions = ["workflow_id = ?"]
    if status:
        conditions.append("status = ?")
    if needs_file:
        conditions.append("id IN (SELECT job_id FROM job_input_file WHERE file_id = ?)")
    if upstream:
        conditions.append("id IN (SELECT job_id FROM job_blocked_by WHERE blocked_by_job_id = ?)")
    return (where(LIST_JOBS_COLUMNS, conditions),
            where("SELECT COUNT(*) as total FROM job", conditions))


def list_results(all_runs: bool, job_id: bool, run_id: bool, return_code: bool
                 ) -> tuple[str, str]:
    """list_results: by default only current results, through workflow_result."""
    columns = ", ".join(RESULT_COLUMNS)
    if all_runs:
        prefix, base = "", f"SELECT {columns} FROM result"
        count = "SELECT COUNT(*) as total FROM result"
    else:
        joined = "FROM result r INNER JOIN workflow_result wr ON r.id = wr.result_id"
        prefix = "r."
        base = f"SELECT {', '.join('r.' + c for c in RESULT_COLUMNS)} {joined}"
        count = f"SELECT COUNT(*) as total {joined}"
    conditions = [f"{prefix}workflow_id = ?"]
    if job_id:
        conditions.append(f"{prefix}job_id = ?")
    if run_id:
        conditions.append(f"{prefix}run_id = ?")
    if return_code:
        conditions.append(f"{prefix}return_code = ?")
    return where(base, conditions), where(count, conditions)


def list_events(after_timestamp: bool) -> tuple[str, str]:
    conditions = ["workflow_id = ?"] + (["timestamp > ?"] if after_timestamp else [])
    return (where("SELECT id, workflow_id, timestamp, data FROM event", conditions),
            where("SELECT COUNT(*) as total FROM event", conditions))


def list_files(produced_by_job: bool) -> tuple[str, str, str]:
    """list_files's query, count query and default sort column."""
    if produced_by_job:
        joined = "FROM file f JOIN job_output_file jof ON f.id = jof.file_id"
        conditions = ["f.workflow_id = ?", "jof.job_id = ?"]
        return (where(f"SELECT DISTINCT f.id, f.workflow_id, f.name, f.path, f.st_mtime "
                      f"{joined}", conditions),
                where(f"SELECT COUNT(DISTINCT f.id) as total {joined}", conditions), "f.id")
    conditions = ["workflow_id = ?"]
    return (where("SELECT id, workflow_id, name, path, st_mtime FROM file", conditions),
            where("SELECT COUNT(*) as total FROM file", conditions), "id")


def list_user_data(consumer: bool, producer: bool) -> tuple[str, str]:
    joins = []
    conditions = ["ud.workflow_id = ?"]
    if consumer:
        joins.append("INNER JOIN job_input_user_data jiud ON ud.id = jiud.user_data_id")
        conditions.append("jiud.job_id = ?")
    if producer:
        joins.append("INNER JOIN job_output_user_data joud ON ud.id = joud.user_data_id")
        conditions.append("joud.job_id = ?")
    tail = "".join(f" {join}" for join in joins)
    return (where("SELECT DISTINCT ud.id, ud.workflow_id, ud.name, ud.is_ephemeral, ud.data "
                  f"FROM user_data ud{tail}", conditions),
            where(f"SELECT COUNT(DISTINCT ud.id) as total FROM user_data ud{tail}", conditions))


def list_compute_nodes() -> tuple[str, str]:
    columns = ("id, workflow_id, hostname, pid, start_time, duration_seconds, is_active, "
               "num_cpus, memory_gb, num_gpus, num_nodes, time_limit, scheduler_config_id, "
               "compute_node_type, scheduler")
    return (f"SELECT {columns} FROM compute_node WHERE workflow_id = ?",
            "SELECT COUNT(*) as total FROM compute_node WHERE workflow_id = ?")


def list_resource_requirements(name: bool) -> tuple[str, str]:
    conditions = ["workflow_id = ?"] + (["name = ?"] if name else [])
    return (where("SELECT id, workflow_id, name, num_cpus, num_gpus, num_nodes, memory, runtime "
                  "FROM resource_requirements", conditions),
            where("SELECT COUNT(*) as total FROM resource_requirements", conditions))


def list_scheduled_compute_nodes(scheduler_id: bool) -> tuple[str, str]:
    conditions = ["workflow_id = ?"] + (["scheduler_id = ?"] if scheduler_id else [])
    return (where("SELECT id, workflow_id, scheduler_id, scheduler_config_id, scheduler_type, "
                  "status FROM scheduled_compute_node", conditions),
            where("SELECT COUNT(*) as total FROM scheduled_compute_node", conditions))


def list_workflows(user: bool, is_archived: bool | None) -> tuple[str, str, str]:
    """list_workflows: joined with workflow_status when filtering on archived; the archived
    test is written into the text, not bound. Returns query, count query, sort column."""
    conditions = []
    if is_archived is None:
        base = f"SELECT {', '.join(WORKFLOW_COLUMNS)} FROM workflow"
        count = "SELECT COUNT(*) as total FROM workflow"
        prefix, sort = "", "id"
    else:
        joined = "FROM workflow w INNER JOIN workflow_status ws ON w.status_id = ws.id"
        base = f"SELECT {', '.join('w.' + c for c in WORKFLOW_COLUMNS)} {joined}"
        count = f"SELECT COUNT(*) as total {joined}"
        prefix, sort = "w.", "w.id"
    if user:
        conditions.append(f"{prefix}user = ?")
    if is_archived is not None:
        conditions.append("ws.is_archived = 1" if is_archived
                          else "(ws.is_archived IS NULL OR ws.is_archived = 0)")
    return where(base, conditions), where(count, conditions), sort

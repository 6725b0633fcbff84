-- torc-server's schema at revision ff3df9a, for advisor's default workload.
--
-- Generated from migrations/ by make_schema.py: edit the migrations, not this
-- file. Each block is one migration's up script, in the order sqlx applies them.
-- Keys and constraints only: every index here is one a PRIMARY KEY or a UNIQUE
-- constraint implies (Torc's first secondary indexes came later, in migration
-- 20251117000000: see torc-indexes.sql).

-- 20250909150910_job_output_file.up.sql
-- Files a job writes.
CREATE TABLE job_output_file (
    job_id      INTEGER NOT NULL,
    file_id     INTEGER NOT NULL,
    workflow_id INTEGER NOT NULL,
    PRIMARY KEY (job_id, file_id),
    FOREIGN KEY (job_id) REFERENCES job (id) ON DELETE CASCADE,
    FOREIGN KEY (file_id) REFERENCES file (id) ON DELETE CASCADE,
    FOREIGN KEY (workflow_id) REFERENCES workflow (id) ON DELETE CASCADE
);

-- 20250909150911_job_output_user_data.up.sql
-- User data a job writes.
CREATE TABLE job_output_user_data (
    job_id       INTEGER NOT NULL,
    user_data_id INTEGER NOT NULL,
    PRIMARY KEY (job_id, user_data_id),
    FOREIGN KEY (job_id) REFERENCES job (id) ON DELETE CASCADE,
    FOREIGN KEY (user_data_id) REFERENCES user_data (id) ON DELETE CASCADE
);

-- 20250909150912_job.up.sql
-- Jobs. The two flags carry no declared type in Torc (so no affinity); their
-- defaults are the keywords true and false, stored as 1 and 0.
CREATE TABLE job (
    id                             INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    workflow_id                    INTEGER NOT NULL,
    name                           TEXT NOT NULL,
    command                        TEXT NOT NULL,
    cancel_on_blocking_job_failure NOT NULL DEFAULT true,
    supports_termination           NOT NULL DEFAULT false,
    resource_requirements_id       INTEGER NULL,
    invocation_script              TEXT NULL,
    status                         INTEGER NOT NULL,
    scheduler_id                   INTEGER NULL,
    scheduler_type                 TEXT NULL,
    schedule_compute_nodes         JSON NULL,
    FOREIGN KEY (workflow_id) REFERENCES workflow (id) ON DELETE CASCADE,
    FOREIGN KEY (resource_requirements_id) REFERENCES resource_requirements (id) ON DELETE CASCADE
);

-- 20250909150913_local_scheduler.up.sql
-- Local (non-Slurm) scheduler settings.
CREATE TABLE local_scheduler (
    id          INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    workflow_id INTEGER NOT NULL,
    memory      TEXT NOT NULL,
    num_cpus    INTEGER NOT NULL,
    FOREIGN KEY (workflow_id) REFERENCES workflow (id) ON DELETE CASCADE
);

-- 20250909150914_resource_requirements.up.sql
-- Resource shapes. memory_bytes and runtime_s are computed copies of memory and
-- runtime, kept for the claim query's filters and sort.
CREATE TABLE resource_requirements (
    id           INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    workflow_id  INTEGER NOT NULL,
    name         TEXT NOT NULL,
    num_cpus     INTEGER NOT NULL DEFAULT 1,
    num_gpus     INTEGER NOT NULL DEFAULT 0,
    num_nodes    INTEGER NOT NULL DEFAULT 1,
    memory       TEXT NOT NULL DEFAULT '1m',
    runtime      TEXT NOT NULL DEFAULT 'P0DT1M',
    memory_bytes INTEGER NOT NULL,
    runtime_s    INTEGER NOT NULL,
    FOREIGN KEY (workflow_id) REFERENCES workflow (id) ON DELETE CASCADE
);

-- 20250909150915_event.up.sql
-- Workflow events; data is JSON text.
CREATE TABLE event (
    id          INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    workflow_id INTEGER NOT NULL,
    timestamp   TEXT NOT NULL,
    data        TEXT NOT NULL,
    FOREIGN KEY (workflow_id) REFERENCES workflow (id) ON DELETE CASCADE
);

-- 20250909150916_file.up.sql
-- Files jobs read and write; st_mtime is set once the file exists.
CREATE TABLE file (
    id          INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    workflow_id INTEGER NOT NULL,
    name        TEXT NOT NULL,
    path        TEXT NOT NULL,
    st_mtime    REAL NULL,
    FOREIGN KEY (workflow_id) REFERENCES workflow (id) ON DELETE CASCADE
);

-- 20250909150917_job_blocked_by.up.sql
-- Dependencies: job_id waits for blocked_by_job_id.
CREATE TABLE job_blocked_by (
    job_id            INTEGER NOT NULL,
    blocked_by_job_id INTEGER NOT NULL,
    workflow_id       INTEGER NOT NULL,
    PRIMARY KEY (job_id, blocked_by_job_id),
    FOREIGN KEY (job_id) REFERENCES job (id) ON DELETE CASCADE,
    FOREIGN KEY (blocked_by_job_id) REFERENCES job (id) ON DELETE CASCADE,
    FOREIGN KEY (workflow_id) REFERENCES workflow (id) ON DELETE CASCADE
);

-- 20250909150918_job_input_file.up.sql
-- Files a job reads.
CREATE TABLE job_input_file (
    job_id      INTEGER NOT NULL,
    file_id     INTEGER NOT NULL,
    workflow_id INTEGER NOT NULL,
    PRIMARY KEY (job_id, file_id),
    FOREIGN KEY (job_id) REFERENCES job (id) ON DELETE CASCADE,
    FOREIGN KEY (file_id) REFERENCES file (id) ON DELETE CASCADE,
    FOREIGN KEY (workflow_id) REFERENCES workflow (id) ON DELETE CASCADE
);

-- 20250909150919_job_input_user_data.up.sql
-- User data a job reads.
CREATE TABLE job_input_user_data (
    job_id       INTEGER NOT NULL,
    user_data_id INTEGER NOT NULL,
    PRIMARY KEY (job_id, user_data_id),
    FOREIGN KEY (job_id) REFERENCES job (id) ON DELETE CASCADE,
    FOREIGN KEY (user_data_id) REFERENCES user_data (id) ON DELETE CASCADE
);

-- 20250909150924_workflow.up.sql
-- Workflows. is_archived here is never written by the server: archiving sets
-- workflow_status.is_archived.
CREATE TABLE workflow (
    id                                             INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    name                                           TEXT NOT NULL,
    description                                    TEXT NULL,
    user                                           TEXT NOT NULL,
    timestamp                                      TEXT NOT NULL,
    is_archived                                    INTEGER NOT NULL DEFAULT 0,
    compute_node_expiration_buffer_seconds         INTEGER NOT NULL DEFAULT 60,
    compute_node_wait_for_new_jobs_seconds         INTEGER NOT NULL DEFAULT 0,
    compute_node_ignore_workflow_completion        INTEGER NOT NULL DEFAULT 0,
    compute_node_wait_for_healthy_database_minutes INTEGER NOT NULL DEFAULT 20,
    jobs_sort_method                               TEXT NOT NULL DEFAULT 'gpus_runtime_memory',
    status_id                                      INTEGER NOT NULL,
    resource_monitor_config                        TEXT NULL,
    FOREIGN KEY (status_id) REFERENCES workflow_status (id)
);

-- 20250909150925_result.up.sql
-- One row per job run; UNIQUE (job_id, run_id) is the table's only index.
CREATE TABLE result (
    id                INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    workflow_id       INTEGER NOT NULL,
    job_id            INTEGER NOT NULL,
    run_id            INTEGER NOT NULL,
    compute_node_id   INTEGER NOT NULL,
    return_code       INTEGER NOT NULL,
    exec_time_minutes REAL NOT NULL,
    completion_time   TEXT NOT NULL,
    status            INTEGER NOT NULL,
    peak_memory_bytes INTEGER NULL,
    avg_memory_bytes  INTEGER NULL,
    peak_cpu_percent  REAL NULL,
    avg_cpu_percent   REAL NULL,
    FOREIGN KEY (workflow_id) REFERENCES workflow (id) ON DELETE CASCADE,
    FOREIGN KEY (job_id) REFERENCES job (id) ON DELETE CASCADE,
    FOREIGN KEY (compute_node_id) REFERENCES compute_node (id) ON DELETE CASCADE,
    UNIQUE (job_id, run_id)
);

-- 20250909150926_slurm_scheduler.up.sql
-- Slurm allocation settings.
CREATE TABLE slurm_scheduler (
    id              INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    workflow_id     INTEGER NOT NULL,
    name            TEXT NOT NULL,
    account         TEXT NOT NULL,
    gres            TEXT NULL,
    mem             TEXT NULL,
    nodes           INTEGER NULL,
    ntasks_per_node INTEGER NULL,
    partition       TEXT NULL,
    qos             TEXT NULL,
    tmp             TEXT NULL,
    walltime        TEXT NOT NULL,
    extra           TEXT NULL,
    FOREIGN KEY (workflow_id) REFERENCES workflow (id) ON DELETE CASCADE
);

-- 20250909150927_user_data.up.sql
-- User data; data is JSON.
CREATE TABLE user_data (
    id           INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    workflow_id  INTEGER NOT NULL,
    name         TEXT NOT NULL,
    is_ephemeral INTEGER NOT NULL,
    data         JSON NULL,
    FOREIGN KEY (workflow_id) REFERENCES workflow (id) ON DELETE CASCADE
);

-- 20250909150929_workflow_status.up.sql
-- A workflow's run state; the server reads it by the workflow's id. run_id's
-- declared type is spelled INTGEGER, as in Torc (still integer affinity).
CREATE TABLE workflow_status (
    id                                         INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    run_id                                     INTGEGER NOT NULL DEFAULT 1,
    has_detected_need_to_run_completion_script INTEGER NOT NULL DEFAULT 0,
    is_canceled                                INTEGER NOT NULL DEFAULT 0,
    is_archived                                INTEGER NOT NULL DEFAULT 0
);

-- 20250914235321_ready_queue.up.sql
-- Jobs ready to claim, with their resource shape for the claim query's join.
CREATE TABLE ready_queue (
    workflow_id              INTEGER NOT NULL,
    job_id                   INTEGER NOT NULL,
    resource_requirements_id INTEGER NOT NULL,
    PRIMARY KEY (workflow_id, job_id),
    FOREIGN KEY (workflow_id) REFERENCES workflow (id) ON DELETE CASCADE,
    FOREIGN KEY (job_id) REFERENCES job (id) ON DELETE CASCADE,
    FOREIGN KEY (resource_requirements_id) REFERENCES resource_requirements (id) ON DELETE CASCADE
);

-- 20250923002245_compute_node.up.sql
-- Compute nodes job runners registered.
CREATE TABLE compute_node (
    id                  INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    workflow_id         INTEGER NOT NULL,
    hostname            TEXT NOT NULL,
    pid                 INTEGER NOT NULL,
    start_time          TEXT NOT NULL,
    duration_seconds    REAL NULL,
    is_active           INTEGER NULL,
    num_cpus            INTEGER NOT NULL,
    memory_gb           REAL NOT NULL,
    num_gpus            INTEGER NOT NULL,
    num_nodes           INTEGER NOT NULL,
    time_limit          TEXT NULL,
    scheduler_config_id INTEGER NULL,
    compute_node_type   TEXT NOT NULL,
    scheduler           TEXT NULL,
    FOREIGN KEY (workflow_id) REFERENCES workflow (id) ON DELETE CASCADE
);

-- 20251004161426_scheduled_compute_node.up.sql
-- Allocations requested from a scheduler, pending until their runner starts.
CREATE TABLE scheduled_compute_node (
    id                  INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    workflow_id         INTEGER NOT NULL,
    scheduler_config_id INTEGER NOT NULL,
    scheduler_id        INTEGER NOT NULL,
    scheduler_type      TEXT NOT NULL,
    status              TEXT NOT NULL,
    FOREIGN KEY (workflow_id) REFERENCES workflow (id) ON DELETE CASCADE
);

-- 20251102012040_workflow_result.up.sql
-- The current result of each job of a workflow.
CREATE TABLE workflow_result (
    workflow_id INTEGER NOT NULL,
    job_id      INTEGER NOT NULL,
    result_id   INTEGER NOT NULL,
    PRIMARY KEY (workflow_id, job_id),
    FOREIGN KEY (workflow_id) REFERENCES workflow (id) ON DELETE CASCADE,
    FOREIGN KEY (job_id) REFERENCES job (id) ON DELETE CASCADE,
    FOREIGN KEY (result_id) REFERENCES result (id) ON DELETE CASCADE
);

-- 20251102175024_job_internal.up.sql
-- Server-side job state: the hash of a job's inputs at initialization.
CREATE TABLE job_internal (
    job_id     INTEGER PRIMARY KEY NOT NULL,
    input_hash TEXT NOT NULL,
    FOREIGN KEY (job_id) REFERENCES job (id) ON DELETE CASCADE
);

-- 20251110051522_workflow_action.up.sql
-- Actions run on triggers (workflow start, worker start, jobs ready or complete).
CREATE TABLE workflow_action (
    id                INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    workflow_id       INTEGER NOT NULL,
    trigger_type      TEXT NOT NULL,
    action_type       TEXT NOT NULL,
    action_config     TEXT NOT NULL,
    job_ids           TEXT NULL,
    trigger_count     INTEGER NOT NULL DEFAULT 0,
    required_triggers INTEGER NOT NULL DEFAULT 1,
    executed          INTEGER NOT NULL DEFAULT 0,
    executed_at       TEXT NULL,
    executed_by       INTEGER NULL,
    persistent        INTEGER NOT NULL DEFAULT 0,
    FOREIGN KEY (workflow_id) REFERENCES workflow (id) ON DELETE CASCADE,
    FOREIGN KEY (executed_by) REFERENCES compute_node (id) ON DELETE SET NULL
);

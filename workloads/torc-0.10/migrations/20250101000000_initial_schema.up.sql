-- Torc 0.10's squashed starting schema: the 21 tables of the earlier migrations
-- less ready_queue, with job_blocked_by renamed job_depends_on, job's
-- unblocking_processed flag for the background unblock task, and Torc's first
-- six secondary indexes (two of them partial).

-- One status row per workflow, inserted first so that its id matches the
-- workflow's. run_id is declared INTGEGER in Torc (integer affinity all the same).
CREATE TABLE workflow_status (
    id                                         INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    run_id                                     INTGEGER NOT NULL DEFAULT 1,
    has_detected_need_to_run_completion_script INTEGER NOT NULL DEFAULT 0,
    is_canceled                                INTEGER NOT NULL DEFAULT 0,
    is_archived                                INTEGER NOT NULL DEFAULT 0
);

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

-- Resource shapes; memory_bytes and runtime_s are computed copies the claim sorts on.
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

-- Jobs. The two flags carry no declared type (no affinity); their defaults are
-- the keywords true and false. unblocking_processed is 0 while a finished job
-- still waits for the background task to release its dependents.
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
    unblocking_processed           INTEGER NOT NULL DEFAULT 0,
    FOREIGN KEY (workflow_id) REFERENCES workflow (id) ON DELETE CASCADE,
    FOREIGN KEY (resource_requirements_id) REFERENCES resource_requirements (id) ON DELETE CASCADE
);

CREATE TABLE job_internal (
    job_id     INTEGER PRIMARY KEY NOT NULL,
    input_hash TEXT NOT NULL,
    FOREIGN KEY (job_id) REFERENCES job (id) ON DELETE CASCADE
);

CREATE TABLE file (
    id          INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    workflow_id INTEGER NOT NULL,
    name        TEXT NOT NULL,
    path        TEXT NOT NULL,
    st_mtime    REAL NULL,
    FOREIGN KEY (workflow_id) REFERENCES workflow (id) ON DELETE CASCADE
);

CREATE TABLE user_data (
    id           INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    workflow_id  INTEGER NOT NULL,
    name         TEXT NOT NULL,
    is_ephemeral INTEGER NOT NULL,
    data         JSON NULL,
    FOREIGN KEY (workflow_id) REFERENCES workflow (id) ON DELETE CASCADE
);

-- A job and each job it waits for (job_blocked_by before 0.10).
CREATE TABLE job_depends_on (
    job_id            INTEGER NOT NULL,
    depends_on_job_id INTEGER NOT NULL,
    workflow_id       INTEGER NOT NULL,
    PRIMARY KEY (job_id, depends_on_job_id),
    FOREIGN KEY (job_id) REFERENCES job (id) ON DELETE CASCADE,
    FOREIGN KEY (depends_on_job_id) REFERENCES job (id) ON DELETE CASCADE,
    FOREIGN KEY (workflow_id) REFERENCES workflow (id) ON DELETE CASCADE
);

CREATE TABLE job_input_file (
    job_id      INTEGER NOT NULL,
    file_id     INTEGER NOT NULL,
    workflow_id INTEGER NOT NULL,
    PRIMARY KEY (job_id, file_id),
    FOREIGN KEY (job_id) REFERENCES job (id) ON DELETE CASCADE,
    FOREIGN KEY (file_id) REFERENCES file (id) ON DELETE CASCADE,
    FOREIGN KEY (workflow_id) REFERENCES workflow (id) ON DELETE CASCADE
);

CREATE TABLE job_output_file (
    job_id      INTEGER NOT NULL,
    file_id     INTEGER NOT NULL,
    workflow_id INTEGER NOT NULL,
    PRIMARY KEY (job_id, file_id),
    FOREIGN KEY (job_id) REFERENCES job (id) ON DELETE CASCADE,
    FOREIGN KEY (file_id) REFERENCES file (id) ON DELETE CASCADE,
    FOREIGN KEY (workflow_id) REFERENCES workflow (id) ON DELETE CASCADE
);

CREATE TABLE job_input_user_data (
    job_id       INTEGER NOT NULL,
    user_data_id INTEGER NOT NULL,
    PRIMARY KEY (job_id, user_data_id),
    FOREIGN KEY (job_id) REFERENCES job (id) ON DELETE CASCADE,
    FOREIGN KEY (user_data_id) REFERENCES user_data (id) ON DELETE CASCADE
);

CREATE TABLE job_output_user_data (
    job_id       INTEGER NOT NULL,
    user_data_id INTEGER NOT NULL,
    PRIMARY KEY (job_id, user_data_id),
    FOREIGN KEY (job_id) REFERENCES job (id) ON DELETE CASCADE,
    FOREIGN KEY (user_data_id) REFERENCES user_data (id) ON DELETE CASCADE
);

CREATE TABLE local_scheduler (
    id          INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    workflow_id INTEGER NOT NULL,
    memory      TEXT NOT NULL,
    num_cpus    INTEGER NOT NULL,
    FOREIGN KEY (workflow_id) REFERENCES workflow (id) ON DELETE CASCADE
);

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

CREATE TABLE scheduled_compute_node (
    id                  INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    workflow_id         INTEGER NOT NULL,
    scheduler_config_id INTEGER NOT NULL,
    scheduler_id        INTEGER NOT NULL,
    scheduler_type      TEXT NOT NULL,
    status              TEXT NOT NULL,
    FOREIGN KEY (workflow_id) REFERENCES workflow (id) ON DELETE CASCADE
);

-- One row per job run; rebuilt with attempt_id by 20260110000000.
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

-- Each job's current result.
CREATE TABLE workflow_result (
    workflow_id INTEGER NOT NULL,
    job_id      INTEGER NOT NULL,
    result_id   INTEGER NOT NULL,
    PRIMARY KEY (workflow_id, job_id),
    FOREIGN KEY (workflow_id) REFERENCES workflow (id) ON DELETE CASCADE,
    FOREIGN KEY (job_id) REFERENCES job (id) ON DELETE CASCADE,
    FOREIGN KEY (result_id) REFERENCES result (id) ON DELETE CASCADE
);

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

-- Rebuilt with an integer timestamp by 20251213000000.
CREATE TABLE event (
    id          INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    workflow_id INTEGER NOT NULL,
    timestamp   TEXT NOT NULL,
    data        TEXT NOT NULL,
    FOREIGN KEY (workflow_id) REFERENCES workflow (id) ON DELETE CASCADE
);

-- Torc's own indexes: dependency lookups both ways round...
CREATE INDEX idx_job_depends_on_depends_on_job_id ON job_depends_on (depends_on_job_id);
CREATE INDEX idx_job_depends_on_workflow_depends_on ON job_depends_on (workflow_id, depends_on_job_id);
-- ...job status, alone and within a workflow...
CREATE INDEX idx_job_status ON job (status);
CREATE INDEX idx_job_workflow_status ON job (workflow_id, status);
-- ...and finished jobs whose dependents the background task has not yet released
-- (6, 7, 8: failed, canceled, terminated; completed is 5).
CREATE INDEX idx_job_unblocking_pending ON job (workflow_id, status, unblocking_processed)
    WHERE status IN (6, 7, 8) AND unblocking_processed = 0;
CREATE INDEX idx_job_workflow_unblocking ON job (workflow_id)
    WHERE status IN (6, 7, 8) AND unblocking_processed = 0;

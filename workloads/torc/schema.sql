-- The schema of a Torc-like workflow server, for advisor's default workload.
--
-- Keys and constraints only: every index here is one that a PRIMARY KEY or a
-- UNIQUE constraint implies. Choosing the secondary indexes is advisor's job.
-- Times are ISO-8601 text; booleans are 0/1 integers; JSON is text.

CREATE TABLE workflow_status (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id INTEGER NOT NULL DEFAULT 0,
    has_detected_need_to_run_completion_script INTEGER NOT NULL DEFAULT 0,
    is_canceled INTEGER NOT NULL DEFAULT 0,
    is_archived INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE workflow (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    description TEXT,
    user TEXT NOT NULL,
    timestamp TEXT NOT NULL,
    is_archived INTEGER NOT NULL DEFAULT 0,
    compute_node_expiration_buffer_seconds INTEGER,
    compute_node_wait_for_new_jobs_seconds INTEGER NOT NULL DEFAULT 0,
    compute_node_ignore_workflow_completion INTEGER NOT NULL DEFAULT 0,
    compute_node_wait_for_healthy_database_minutes INTEGER NOT NULL DEFAULT 20,
    jobs_sort_method TEXT NOT NULL DEFAULT 'gpus_runtime_memory',
    status_id INTEGER NOT NULL REFERENCES workflow_status (id),
    resource_monitor_config TEXT
);

CREATE TABLE resource_requirements (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workflow_id INTEGER NOT NULL REFERENCES workflow (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    num_cpus INTEGER NOT NULL DEFAULT 1,
    num_gpus INTEGER NOT NULL DEFAULT 0,
    num_nodes INTEGER NOT NULL DEFAULT 1,
    memory TEXT NOT NULL DEFAULT '1m',
    runtime TEXT NOT NULL DEFAULT 'P0DT1M',
    memory_bytes INTEGER NOT NULL,
    runtime_s INTEGER NOT NULL
);

CREATE TABLE job (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workflow_id INTEGER NOT NULL REFERENCES workflow (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    command TEXT NOT NULL,
    cancel_on_blocking_job_failure INTEGER NOT NULL DEFAULT 1,
    supports_termination INTEGER NOT NULL DEFAULT 0,
    resource_requirements_id INTEGER REFERENCES resource_requirements (id),
    invocation_script TEXT,
    status INTEGER NOT NULL DEFAULT 0,
    scheduler_id INTEGER,
    scheduler_type TEXT,
    schedule_compute_nodes TEXT
);

CREATE TABLE job_internal (
    job_id INTEGER PRIMARY KEY REFERENCES job (id) ON DELETE CASCADE,
    input_hash TEXT
);

CREATE TABLE file (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workflow_id INTEGER NOT NULL REFERENCES workflow (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    path TEXT NOT NULL,
    st_mtime REAL
);

CREATE TABLE user_data (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workflow_id INTEGER NOT NULL REFERENCES workflow (id) ON DELETE CASCADE,
    name TEXT,
    is_ephemeral INTEGER NOT NULL DEFAULT 0,
    data TEXT
);

CREATE TABLE job_blocked_by (
    job_id INTEGER NOT NULL REFERENCES job (id) ON DELETE CASCADE,
    blocked_by_job_id INTEGER NOT NULL REFERENCES job (id) ON DELETE CASCADE,
    workflow_id INTEGER NOT NULL REFERENCES workflow (id) ON DELETE CASCADE,
    PRIMARY KEY (job_id, blocked_by_job_id)
);

CREATE TABLE job_input_file (
    job_id INTEGER NOT NULL REFERENCES job (id) ON DELETE CASCADE,
    file_id INTEGER NOT NULL REFERENCES file (id) ON DELETE CASCADE,
    workflow_id INTEGER NOT NULL REFERENCES workflow (id) ON DELETE CASCADE,
    PRIMARY KEY (job_id, file_id)
);

CREATE TABLE job_output_file (
    job_id INTEGER NOT NULL REFERENCES job (id) ON DELETE CASCADE,
    file_id INTEGER NOT NULL REFERENCES file (id) ON DELETE CASCADE,
    workflow_id INTEGER NOT NULL REFERENCES workflow (id) ON DELETE CASCADE,
    PRIMARY KEY (job_id, file_id)
);

CREATE TABLE job_input_user_data (
    job_id INTEGER NOT NULL REFERENCES job (id) ON DELETE CASCADE,
    user_data_id INTEGER NOT NULL REFERENCES user_data (id) ON DELETE CASCADE,
    PRIMARY KEY (job_id, user_data_id)
);

CREATE TABLE job_output_user_data (
    job_id INTEGER NOT NULL REFERENCES job (id) ON DELETE CASCADE,
    user_data_id INTEGER NOT NULL REFERENCES user_data (id) ON DELETE CASCADE,
    PRIMARY KEY (job_id, user_data_id)
);

CREATE TABLE local_scheduler (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workflow_id INTEGER NOT NULL REFERENCES workflow (id) ON DELETE CASCADE,
    memory TEXT,
    num_cpus INTEGER
);

CREATE TABLE slurm_scheduler (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workflow_id INTEGER NOT NULL REFERENCES workflow (id) ON DELETE CASCADE,
    name TEXT,
    account TEXT NOT NULL,
    gres TEXT,
    mem TEXT,
    nodes INTEGER NOT NULL DEFAULT 1,
    ntasks_per_node INTEGER,
    partition TEXT,
    qos TEXT,
    tmp TEXT,
    walltime TEXT NOT NULL,
    extra TEXT
);

CREATE TABLE compute_node (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workflow_id INTEGER NOT NULL REFERENCES workflow (id) ON DELETE CASCADE,
    hostname TEXT NOT NULL,
    pid INTEGER NOT NULL,
    start_time TEXT NOT NULL,
    duration_seconds REAL,
    is_active INTEGER NOT NULL DEFAULT 1,
    num_cpus INTEGER NOT NULL,
    memory_gb REAL NOT NULL,
    num_gpus INTEGER NOT NULL DEFAULT 0,
    num_nodes INTEGER NOT NULL DEFAULT 1,
    time_limit TEXT,
    scheduler_config_id INTEGER,
    compute_node_type TEXT NOT NULL,
    scheduler TEXT
);

CREATE TABLE scheduled_compute_node (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workflow_id INTEGER NOT NULL REFERENCES workflow (id) ON DELETE CASCADE,
    scheduler_config_id INTEGER NOT NULL,
    scheduler_id INTEGER NOT NULL,
    scheduler_type TEXT NOT NULL,
    status TEXT NOT NULL
);

CREATE TABLE result (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workflow_id INTEGER NOT NULL REFERENCES workflow (id) ON DELETE CASCADE,
    job_id INTEGER NOT NULL REFERENCES job (id) ON DELETE CASCADE,
    run_id INTEGER NOT NULL,
    compute_node_id INTEGER REFERENCES compute_node (id),
    return_code INTEGER NOT NULL,
    exec_time_minutes REAL NOT NULL,
    completion_time TEXT NOT NULL,
    status INTEGER NOT NULL,
    peak_memory_bytes INTEGER,
    avg_memory_bytes INTEGER,
    peak_cpu_percent REAL,
    avg_cpu_percent REAL,
    UNIQUE (job_id, run_id)
);

CREATE TABLE workflow_result (
    workflow_id INTEGER NOT NULL REFERENCES workflow (id) ON DELETE CASCADE,
    job_id INTEGER NOT NULL REFERENCES job (id) ON DELETE CASCADE,
    result_id INTEGER NOT NULL REFERENCES result (id) ON DELETE CASCADE,
    PRIMARY KEY (workflow_id, job_id)
);

CREATE TABLE workflow_action (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workflow_id INTEGER NOT NULL REFERENCES workflow (id) ON DELETE CASCADE,
    trigger_type TEXT NOT NULL,
    action_type TEXT NOT NULL,
    action_config TEXT NOT NULL,
    job_ids TEXT,
    trigger_count INTEGER NOT NULL DEFAULT 0,
    required_triggers INTEGER NOT NULL DEFAULT 1,
    executed INTEGER NOT NULL DEFAULT 0,
    executed_at TEXT,
    executed_by INTEGER REFERENCES compute_node (id),
    persistent INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE event (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workflow_id INTEGER NOT NULL REFERENCES workflow (id) ON DELETE CASCADE,
    timestamp TEXT NOT NULL,
    data TEXT NOT NULL
);

CREATE TABLE ready_queue (
    workflow_id INTEGER NOT NULL REFERENCES workflow (id) ON DELETE CASCADE,
    job_id INTEGER NOT NULL REFERENCES job (id) ON DELETE CASCADE,
    resource_requirements_id INTEGER NOT NULL REFERENCES resource_requirements (id),
    PRIMARY KEY (workflow_id, job_id)
);

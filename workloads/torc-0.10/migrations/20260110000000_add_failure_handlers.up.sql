-- Failure handlers (retry rules by exit code), a job's handler and attempt, and
-- result rebuilt so that a job's run can hold one result per attempt.
CREATE TABLE failure_handler (
    id          INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    workflow_id INTEGER NOT NULL,
    name        TEXT NOT NULL,
    rules       TEXT NOT NULL,
    FOREIGN KEY (workflow_id) REFERENCES workflow (id) ON DELETE CASCADE
);
CREATE INDEX idx_failure_handler_workflow_id ON failure_handler (workflow_id);

ALTER TABLE job ADD COLUMN failure_handler_id INTEGER
    REFERENCES failure_handler (id) ON DELETE SET NULL;
ALTER TABLE job ADD COLUMN attempt_id INTEGER NOT NULL DEFAULT 1;

CREATE TABLE result_new (
    id                INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    workflow_id       INTEGER NOT NULL,
    job_id            INTEGER NOT NULL,
    run_id            INTEGER NOT NULL,
    attempt_id        INTEGER NOT NULL DEFAULT 1,
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
    UNIQUE (job_id, run_id, attempt_id)
);
INSERT INTO result_new (id, workflow_id, job_id, run_id, attempt_id, compute_node_id,
                        return_code, exec_time_minutes, completion_time, status,
                        peak_memory_bytes, avg_memory_bytes, peak_cpu_percent, avg_cpu_percent)
SELECT id, workflow_id, job_id, run_id, 1, compute_node_id, return_code, exec_time_minutes,
       completion_time, status, peak_memory_bytes, avg_memory_bytes, peak_cpu_percent,
       avg_cpu_percent
FROM result;
DROP TABLE result;
ALTER TABLE result_new RENAME TO result;
CREATE INDEX idx_result_job_id ON result (job_id);
CREATE INDEX idx_result_workflow_id ON result (workflow_id);

-- result back to one row per job run (the first attempt's), without the handlers.
DROP INDEX IF EXISTS idx_result_workflow_id;
DROP INDEX IF EXISTS idx_result_job_id;
CREATE TABLE result_old (
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
INSERT INTO result_old (id, workflow_id, job_id, run_id, compute_node_id, return_code,
                        exec_time_minutes, completion_time, status, peak_memory_bytes,
                        avg_memory_bytes, peak_cpu_percent, avg_cpu_percent)
SELECT id, workflow_id, job_id, run_id, compute_node_id, return_code, exec_time_minutes,
       completion_time, status, peak_memory_bytes, avg_memory_bytes, peak_cpu_percent,
       avg_cpu_percent
FROM result WHERE attempt_id = 1;
DROP TABLE result;
ALTER TABLE result_old RENAME TO result;
ALTER TABLE job DROP COLUMN attempt_id;
ALTER TABLE job DROP COLUMN failure_handler_id;
DROP INDEX IF EXISTS idx_failure_handler_workflow_id;
DROP TABLE IF EXISTS failure_handler;

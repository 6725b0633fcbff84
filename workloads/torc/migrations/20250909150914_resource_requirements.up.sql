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

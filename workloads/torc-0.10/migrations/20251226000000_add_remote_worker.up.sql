-- Remote workers configured per workflow.
CREATE TABLE remote_worker (
    worker      TEXT NOT NULL,
    workflow_id INTEGER NOT NULL,
    PRIMARY KEY (worker, workflow_id),
    FOREIGN KEY (workflow_id) REFERENCES workflow (id) ON DELETE CASCADE
);
CREATE INDEX idx_remote_worker_workflow_id ON remote_worker (workflow_id);

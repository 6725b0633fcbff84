-- The compute node running a job: set by start_job, cleared by complete_job.
-- The index is partial: only running jobs have one.
ALTER TABLE job_internal ADD COLUMN active_compute_node_id INTEGER
    REFERENCES compute_node (id) ON DELETE SET NULL;
CREATE INDEX idx_job_internal_active_compute_node_id ON job_internal (active_compute_node_id)
    WHERE active_compute_node_id IS NOT NULL;

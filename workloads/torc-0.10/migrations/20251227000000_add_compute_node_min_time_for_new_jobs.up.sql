-- Seconds a compute node must have left to ask for new jobs.
ALTER TABLE workflow ADD COLUMN compute_node_min_time_for_new_jobs_seconds INTEGER NOT NULL DEFAULT 300;

DROP INDEX IF EXISTS idx_job_internal_active_compute_node_id;
ALTER TABLE job_internal DROP COLUMN active_compute_node_id;

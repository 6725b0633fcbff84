-- Torc's own first secondary indexes: migration 20251117000000_add_performance_indexes,
-- added three days after ff3df9a (commit 6e78c14, 2025-11-17) and trimmed to these four
-- on 2025-11-23 (c33a721 dropped job_blocked_by(workflow_id), a prefix of the composite
-- one). None of them exists at ff3df9a, the workload's revision.
-- The benchmarks compare them with the seed analysis's thirteen on the ff3df9a workload.
CREATE INDEX idx_job_blocked_by_blocked_by_job_id ON job_blocked_by(blocked_by_job_id);
CREATE INDEX idx_job_blocked_by_workflow_blocked_by ON job_blocked_by(workflow_id, blocked_by_job_id);
CREATE INDEX idx_job_status ON job(status);
CREATE INDEX idx_job_workflow_status ON job(workflow_id, status);

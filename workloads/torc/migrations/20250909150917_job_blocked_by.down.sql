DROP TABLE job_blocked_by;

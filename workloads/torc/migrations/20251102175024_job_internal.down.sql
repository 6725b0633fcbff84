DROP TABLE job_internal;

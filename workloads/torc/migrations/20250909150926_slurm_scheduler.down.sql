DROP TABLE slurm_scheduler;

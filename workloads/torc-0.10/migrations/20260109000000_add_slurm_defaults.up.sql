-- Default Slurm parameters for every scheduler of a workflow, as JSON.
ALTER TABLE workflow ADD COLUMN slurm_defaults TEXT NULL;

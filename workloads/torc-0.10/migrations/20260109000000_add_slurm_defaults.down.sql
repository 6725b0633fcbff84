ALTER TABLE workflow DROP COLUMN slurm_defaults;

ALTER TABLE workflow_action DROP COLUMN is_recovery;

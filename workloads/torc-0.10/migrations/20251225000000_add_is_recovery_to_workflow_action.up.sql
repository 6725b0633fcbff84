-- Actions created by a recovery (deleted when the workflow is reinitialized).
ALTER TABLE workflow_action ADD COLUMN is_recovery INTEGER NOT NULL DEFAULT 0;

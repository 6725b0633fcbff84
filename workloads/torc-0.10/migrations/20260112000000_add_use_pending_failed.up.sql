-- Failed jobs may wait as pending_failed (10) for an assisted recovery.
ALTER TABLE workflow ADD COLUMN use_pending_failed INTEGER NULL DEFAULT 0;

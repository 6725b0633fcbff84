ALTER TABLE workflow DROP COLUMN use_pending_failed;

ALTER TABLE access_group DROP COLUMN is_system;

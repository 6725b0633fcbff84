-- Groups the server manages (such as "admin"), which the API cannot delete.
ALTER TABLE access_group ADD COLUMN is_system INTEGER NOT NULL DEFAULT 0;

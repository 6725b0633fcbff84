-- Team access control: groups, their members, and the workflows shared with them.
CREATE TABLE access_group (
    id          INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL UNIQUE,
    description TEXT NULL,
    created_at  TEXT NOT NULL DEFAULT (datetime('now'))
);

CREATE TABLE user_group_membership (
    id         INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    user_name  TEXT NOT NULL,
    group_id   INTEGER NOT NULL,
    role       TEXT NOT NULL DEFAULT 'member',
    created_at TEXT NOT NULL DEFAULT (datetime('now')),
    FOREIGN KEY (group_id) REFERENCES access_group (id) ON DELETE CASCADE,
    UNIQUE (user_name, group_id)
);

CREATE TABLE workflow_access_group (
    workflow_id INTEGER NOT NULL,
    group_id    INTEGER NOT NULL,
    created_at  TEXT NOT NULL DEFAULT (datetime('now')),
    PRIMARY KEY (workflow_id, group_id),
    FOREIGN KEY (workflow_id) REFERENCES workflow (id) ON DELETE CASCADE,
    FOREIGN KEY (group_id) REFERENCES access_group (id) ON DELETE CASCADE
);

CREATE INDEX idx_user_group_membership_user ON user_group_membership (user_name);
CREATE INDEX idx_user_group_membership_group ON user_group_membership (group_id);
CREATE INDEX idx_workflow_access_group_workflow ON workflow_access_group (workflow_id);
CREATE INDEX idx_workflow_access_group_group ON workflow_access_group (group_id);

-- Back to ISO-8601 text times (millisecond precision kept).
DROP INDEX IF EXISTS idx_event_workflow_timestamp;
CREATE TABLE event_old (
    id          INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    workflow_id INTEGER NOT NULL,
    timestamp   TEXT NOT NULL,
    data        TEXT NOT NULL,
    FOREIGN KEY (workflow_id) REFERENCES workflow (id) ON DELETE CASCADE
);
INSERT INTO event_old (id, workflow_id, timestamp, data)
SELECT id, workflow_id,
       strftime('%Y-%m-%dT%H:%M:%S', timestamp / 1000, 'unixepoch')
       || printf('.%03dZ', timestamp % 1000),
       data
FROM event;
DROP TABLE event;
ALTER TABLE event_old RENAME TO event;

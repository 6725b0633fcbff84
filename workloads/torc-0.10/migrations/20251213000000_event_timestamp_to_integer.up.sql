-- Event times become integers, milliseconds since the epoch: the table is rebuilt
-- (SQLite cannot change a column's type), earlier ISO-8601 texts converted, and
-- the events monitor's (workflow_id, timestamp) lookup indexed.
CREATE TABLE event_new (
    id          INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    workflow_id INTEGER NOT NULL,
    timestamp   INTEGER NOT NULL,
    data        TEXT NOT NULL,
    FOREIGN KEY (workflow_id) REFERENCES workflow (id) ON DELETE CASCADE
);
INSERT INTO event_new (id, workflow_id, timestamp, data)
SELECT id, workflow_id,
       CAST(strftime('%s', substr(timestamp, 1, 19)) AS INTEGER) * 1000
       + CASE WHEN length(timestamp) > 20 AND substr(timestamp, 20, 1) = '.'
              THEN CAST(substr(timestamp, 21, 3) AS INTEGER) ELSE 0 END,
       data
FROM event;
DROP TABLE event;
ALTER TABLE event_new RENAME TO event;
CREATE INDEX idx_event_workflow_timestamp ON event (workflow_id, timestamp);

-- An event-ticketing database in SQLite: a box office selling the seats of
-- many events in many venues. Eight tables with their primary and foreign
-- keys, no secondary index (and no UNIQUE constraint, which would be one).
-- Times are ISO-8601 text, prices integer cents. Every primary key is the rowid.

CREATE TABLE venues (
    id       INTEGER PRIMARY KEY,
    name     TEXT NOT NULL,
    city     TEXT NOT NULL,
    capacity INTEGER NOT NULL
);

CREATE TABLE organizers (
    id    INTEGER PRIMARY KEY,
    name  TEXT NOT NULL,
    email TEXT NOT NULL
);

-- status: draft, onsale, soldout, completed or cancelled.
CREATE TABLE events (
    id           INTEGER PRIMARY KEY,
    venue_id     INTEGER NOT NULL REFERENCES venues (id),
    organizer_id INTEGER NOT NULL REFERENCES organizers (id),
    title        TEXT NOT NULL,
    category     TEXT NOT NULL,
    starts_at    TEXT NOT NULL,
    status       TEXT NOT NULL
);

CREATE TABLE customers (
    id         INTEGER PRIMARY KEY,
    email      TEXT NOT NULL,
    name       TEXT NOT NULL,
    city       TEXT,
    created_at TEXT NOT NULL
);

-- One row per seat of an event, made when the event is: status available, held
-- or sold.
CREATE TABLE seats (
    id          INTEGER PRIMARY KEY,
    event_id    INTEGER NOT NULL REFERENCES events (id),
    section     TEXT NOT NULL,
    row_no      INTEGER NOT NULL,
    seat_no     INTEGER NOT NULL,
    price_cents INTEGER NOT NULL,
    status      TEXT NOT NULL
);

-- A seat kept for a customer during checkout, for fifteen minutes: inserted and
-- deleted all the time.
CREATE TABLE holds (
    id          INTEGER PRIMARY KEY,
    seat_id     INTEGER NOT NULL REFERENCES seats (id),
    event_id    INTEGER NOT NULL REFERENCES events (id),
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL
);

-- status: paid or refunded.
CREATE TABLE orders (
    id          INTEGER PRIMARY KEY,
    customer_id INTEGER NOT NULL REFERENCES customers (id),
    event_id    INTEGER NOT NULL REFERENCES events (id),
    created_at  TEXT NOT NULL,
    status      TEXT NOT NULL,
    total_cents INTEGER NOT NULL
);

CREATE TABLE tickets (
    id         INTEGER PRIMARY KEY,
    order_id   INTEGER NOT NULL REFERENCES orders (id),
    seat_id    INTEGER NOT NULL REFERENCES seats (id),
    event_id   INTEGER NOT NULL REFERENCES events (id),
    barcode    TEXT NOT NULL,
    scanned_at TEXT
);

-- A double-entry accounting ledger in SQLite: a small-business bookkeeping service
-- keeping the books of many companies in one database. Thirteen tables with their
-- primary keys, the UNIQUE constraints the application declares (each is an index
-- SQLite makes itself) and foreign keys, declared but unindexed, as applications ship
-- them: no secondary index. Dates are ISO-8601 text (days 'YYYY-MM-DD', times
-- 'YYYY-MM-DD HH:MM:SS'), money integer cents. Every primary key is the rowid.

CREATE TABLE companies (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    country       TEXT NOT NULL,
    currency      TEXT NOT NULL,
    plan          TEXT NOT NULL,              -- free, starter, pro
    created_at    TEXT NOT NULL
);

-- A user belongs to one company; logs in by email.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    company_id    INTEGER NOT NULL REFERENCES companies (id),
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL,              -- owner, accountant, clerk
    created_at    TEXT NOT NULL
);

-- The chart of accounts, one per company. type: asset, liability, equity, income or
-- expense; header accounts (is_header 1) group others (parent_id) and take no lines.
CREATE TABLE accounts (
    id            INTEGER PRIMARY KEY,
    company_id    INTEGER NOT NULL REFERENCES companies (id),
    code          TEXT NOT NULL,
    name          TEXT NOT NULL,
    type          TEXT NOT NULL,
    parent_id     INTEGER REFERENCES accounts (id),
    is_header     INTEGER NOT NULL DEFAULT 0,
    is_active     INTEGER NOT NULL DEFAULT 1,
    UNIQUE (company_id, code)
);

CREATE TABLE customers (
    id            INTEGER PRIMARY KEY,
    company_id    INTEGER NOT NULL REFERENCES companies (id),
    name          TEXT NOT NULL,
    email         TEXT,
    terms_days    INTEGER NOT NULL,           -- payment terms: 14, 30 or 60 days
    created_at    TEXT NOT NULL
);

CREATE TABLE vendors (
    id            INTEGER PRIMARY KEY,
    company_id    INTEGER NOT NULL REFERENCES companies (id),
    name          TEXT NOT NULL,
    email         TEXT,
    created_at    TEXT NOT NULL
);

-- Accounting periods, a month each: open, or closed (no more postings dated in it).
CREATE TABLE periods (
    id            INTEGER PRIMARY KEY,
    company_id    INTEGER NOT NULL REFERENCES companies (id),
    starts_on     TEXT NOT NULL,
    ends_on       TEXT NOT NULL,
    status        TEXT NOT NULL,              -- open, closed
    closed_at     TEXT,
    closed_by     INTEGER REFERENCES users (id),
    UNIQUE (company_id, starts_on)
);

-- status: draft, posted or void. source: manual, invoice, payment, bank or
-- adjustment. reference: the document it records (INV-1042, PMT-311, BNK-…, JE-77).
CREATE TABLE journal_entries (
    id            INTEGER PRIMARY KEY,
    company_id    INTEGER NOT NULL REFERENCES companies (id),
    entry_date    TEXT NOT NULL,
    status        TEXT NOT NULL,
    source        TEXT NOT NULL,
    reference     TEXT,
    description   TEXT NOT NULL,
    vendor_id     INTEGER REFERENCES vendors (id),
    created_by    INTEGER NOT NULL REFERENCES users (id),
    created_at    TEXT NOT NULL,
    posted_at     TEXT
);

-- An entry's lines: each a debit or a credit (the other 0) on one account; an
-- entry's debits and credits balance.
CREATE TABLE journal_lines (
    id            INTEGER PRIMARY KEY,
    entry_id      INTEGER NOT NULL REFERENCES journal_entries (id),
    account_id    INTEGER NOT NULL REFERENCES accounts (id),
    debit         INTEGER NOT NULL DEFAULT 0,
    credit        INTEGER NOT NULL DEFAULT 0,
    memo          TEXT
);

-- status: draft, sent, partial, paid or void. entry_id: the journal entry that
-- recorded it (receivable debited, income and tax credited).
CREATE TABLE invoices (
    id            INTEGER PRIMARY KEY,
    company_id    INTEGER NOT NULL REFERENCES companies (id),
    customer_id   INTEGER NOT NULL REFERENCES customers (id),
    number        TEXT NOT NULL,
    issue_date    TEXT NOT NULL,
    due_date      TEXT NOT NULL,
    status        TEXT NOT NULL,
    total         INTEGER NOT NULL,
    tax           INTEGER NOT NULL,
    entry_id      INTEGER REFERENCES journal_entries (id),
    created_at    TEXT NOT NULL,
    UNIQUE (company_id, number)
);

CREATE TABLE invoice_lines (
    id            INTEGER PRIMARY KEY,
    invoice_id    INTEGER NOT NULL REFERENCES invoices (id),
    account_id    INTEGER NOT NULL REFERENCES accounts (id),
    description   TEXT NOT NULL,
    quantity      INTEGER NOT NULL,
    unit_price    INTEGER NOT NULL,
    amount        INTEGER NOT NULL
);

-- A payment against an invoice; entry_id: the entry that recorded it (bank debited,
-- receivable credited).
CREATE TABLE payments (
    id            INTEGER PRIMARY KEY,
    company_id    INTEGER NOT NULL REFERENCES companies (id),
    invoice_id    INTEGER NOT NULL REFERENCES invoices (id),
    paid_on       TEXT NOT NULL,
    amount        INTEGER NOT NULL,
    method        TEXT NOT NULL,              -- transfer, card, cash, cheque
    entry_id      INTEGER REFERENCES journal_entries (id),
    created_at    TEXT NOT NULL
);

-- A company's bank account, with the asset account (in its chart) that mirrors it.
CREATE TABLE bank_accounts (
    id            INTEGER PRIMARY KEY,
    company_id    INTEGER NOT NULL REFERENCES companies (id),
    account_id    INTEGER NOT NULL REFERENCES accounts (id),
    name          TEXT NOT NULL,
    last4         TEXT NOT NULL
);

-- The bank's statement lines, imported from its feed (external_id: the bank's own id,
-- so an import is never taken twice). Reconciled when matched to the journal line on
-- the bank's account that records it.
CREATE TABLE bank_transactions (
    id              INTEGER PRIMARY KEY,
    bank_account_id INTEGER NOT NULL REFERENCES bank_accounts (id),
    external_id     TEXT NOT NULL,
    posted_on       TEXT NOT NULL,
    amount          INTEGER NOT NULL,         -- cents, negative for money out
    description     TEXT NOT NULL,
    reconciled      INTEGER NOT NULL DEFAULT 0,
    journal_line_id INTEGER REFERENCES journal_lines (id),
    imported_at     TEXT NOT NULL,
    UNIQUE (bank_account_id, external_id)
);

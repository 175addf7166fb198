-- SPDX-License-Identifier: Apache-2.0
-- Per-day usage counts (issue 17), portable between PostgreSQL and H2 like V6.
--
-- A usage view over a wide window read every raw use in it: 93,000 rows for the busiest secret over 30 days, grouped
-- by version and run context, to show a page of 100 of them. These tables keep, per UTC day, the count and first and
-- last use, written by the lease's own group commit beside its secret_uses row (an upsert that adds 1), so a window
-- is read as raw uses for its partial first and last days and at most one row per group for each whole day between.
-- The counts are exact: the same transaction writes the use and adds it to its day, or neither.
--
-- epoch_day is the UTC day number (seconds since 1970-01-01T00:00:00Z divided by 86,400, rounded down); a row's
-- first_used and last_used lie in that day.

-- Per version and run context: the page of a usage view. The primary key finds a group's days (at most one row per
-- day of the window); secret_use_days_last finds the most recently used groups of a version first, so a page reads
-- only its own groups, not every group of the window.
CREATE TABLE secret_use_days (
    path        varchar(256) NOT NULL,
    version     integer      NOT NULL,
    context_id  varchar(43)  NOT NULL,
    epoch_day   integer      NOT NULL,
    uses        integer      NOT NULL,
    first_used  timestamp with time zone NOT NULL,
    last_used   timestamp with time zone NOT NULL,
    PRIMARY KEY (path, version, context_id, epoch_day)
);
CREATE INDEX secret_use_days_last ON secret_use_days (path, version, last_used, context_id);

-- Per version: the view's totals. Split into 16 stripes by run context (the first character of its id) so that the
-- leases of a busy secret from different pipelines do not all wait on one row per day while their transactions
-- commit; a view sums the stripes.
CREATE TABLE secret_version_days (
    path        varchar(256) NOT NULL,
    epoch_day   integer      NOT NULL,
    version     integer      NOT NULL,
    stripe      integer      NOT NULL,
    uses        integer      NOT NULL,
    first_used  timestamp with time zone NOT NULL,
    last_used   timestamp with time zone NOT NULL,
    PRIMARY KEY (path, epoch_day, version, stripe)
);

-- The uses recorded before this migration (V6_1 filled secret_uses from the audit events); all in stripe 0, which a
-- view sums like any other.
INSERT INTO secret_use_days (path, version, context_id, epoch_day, uses, first_used, last_used)
SELECT path, version, context_id, CAST(FLOOR(EXTRACT(EPOCH FROM occurred_at) / 86400) AS INTEGER), COUNT(*),
       MIN(occurred_at), MAX(occurred_at)
FROM secret_uses
GROUP BY path, version, context_id, CAST(FLOOR(EXTRACT(EPOCH FROM occurred_at) / 86400) AS INTEGER);

INSERT INTO secret_version_days (path, epoch_day, version, stripe, uses, first_used, last_used)
SELECT path, epoch_day, version, 0, SUM(uses), MIN(first_used), MAX(last_used)
FROM secret_use_days
GROUP BY path, epoch_day, version;

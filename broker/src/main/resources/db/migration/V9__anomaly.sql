-- SPDX-License-Identifier: Apache-2.0
-- Anomaly detection and automatic blocking (docs/EXPORTS.md, "Anomaly detection").
--
-- Baselines are updated from the audit outbox with a cursor, like an export sink (V7): the detector reads the linked
-- events after anomaly_cursor.chain_pos and, in ONE transaction holding that row's lock (FOR UPDATE SKIP LOCKED, so
-- one replica at a time), updates the baselines, writes the anomaly.detected events and blocks, and moves the cursor.
-- A crash before the commit leaves everything as it was and the next round redoes it; after it, nothing is redone:
-- no update is lost or counted twice, and the exchange path writes nothing more than its audit event.
CREATE TABLE anomaly_cursor (
    id          integer PRIMARY KEY,
    chain_pos   bigint  NOT NULL,
    updated_at  timestamp with time zone NOT NULL
);

-- One row per identity: role × subject (kind 'subject') or role × repository (kind 'repository'). id is the SHA-256
-- (hex) of kind, role and name, so a 1 KiB subject makes a fixed-width key.
CREATE TABLE anomaly_baselines (
    id                   varchar(64)   PRIMARY KEY,
    kind                 varchar(16)   NOT NULL,
    role                 varchar(128)  NOT NULL,
    name                 varchar(1024) NOT NULL,
    first_seen           timestamp with time zone NOT NULL,
    last_seen            timestamp with time zone NOT NULL,
    -- excessive retrieval: an EWMA of the leases per window over the windows the identity was active in
    rate_ewma            double precision NOT NULL,
    active_windows       integer NOT NULL,
    window_index         bigint  NOT NULL,
    window_count         integer NOT NULL,
    window_alerted       boolean NOT NULL,
    -- off-hours: accesses per hour-of-week (UTC; 168 comma-separated counts, Monday 00:00 first) and their total
    hours                varchar(2048) NOT NULL,
    total                bigint  NOT NULL,
    -- the epoch hour of the last off-hours and outside-window hit: one event per identity and hour, not per access
    off_hours_alerted    bigint  NOT NULL,
    outside_alerted      bigint  NOT NULL
);

-- When the detector first saw a role (the learning period of the unknown-workload rule).
CREATE TABLE anomaly_roles (
    role        varchar(128) PRIMARY KEY,
    first_seen  timestamp with time zone NOT NULL
);

-- The workloads seen per role: repositories (ctx.repository: a GitHub repository, a GitLab project path) and subjects.
CREATE TABLE anomaly_workloads (
    id          varchar(64)   PRIMARY KEY,
    role        varchar(128)  NOT NULL,
    kind        varchar(16)   NOT NULL,
    name        varchar(1024) NOT NULL,
    first_seen  timestamp with time zone NOT NULL
);

-- Fixed-window counters of the burst rules (denials per client IP or subject, role mismatches per issuer).
CREATE TABLE anomaly_counters (
    id            varchar(64)   PRIMARY KEY,
    name          varchar(1200) NOT NULL,
    window_index  bigint  NOT NULL,
    count         integer NOT NULL,
    alerted       boolean NOT NULL
);

-- Automatic blocks (a role's on-anomaly: {action: block}). Every replica reads the active ones into memory each sweep
-- and refuses the subject's exchanges from there, so the exchange path asks the database nothing. revoke_passes counts
-- the revocations of the subject's sessions: one when the block is made, one more once every replica has read it.
CREATE TABLE anomaly_blocks (
    id             varchar(36)   PRIMARY KEY,
    role           varchar(128)  NOT NULL,
    subject        varchar(1024) NOT NULL,
    rule           varchar(32)   NOT NULL,
    risk           varchar(8)    NOT NULL,
    anomaly_id     varchar(36)   NOT NULL,
    created_at     timestamp with time zone NOT NULL,
    until          timestamp with time zone NOT NULL,
    lifted_at      timestamp with time zone,
    revoke_passes  integer NOT NULL
);
CREATE INDEX anomaly_blocks_until ON anomaly_blocks (until);

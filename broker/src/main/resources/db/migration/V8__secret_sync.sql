-- SPDX-License-Identifier: Apache-2.0
-- Secret sync into CI platforms (docs/SYNC.md), portable between PostgreSQL and H2 like V1.
--
-- sync_jobs is the sync's own outbox: a rotation inserts one row per target that maps the path in the rotation's
-- transaction, so the rotate call never waits on a remote API and no rotation is lost when the broker stops. Workers
-- on any replica claim due rows with FOR UPDATE SKIP LOCKED by moving not_before past a claim lease; a finished job
-- is deleted, a failed one gets attempts + 1 and a later not_before (backoff, or the remote's Retry-After). A crashed
-- worker's claim simply expires.
CREATE TABLE sync_jobs (
    id          varchar(36)   PRIMARY KEY,
    target      varchar(63)   NOT NULL,
    -- rotation | schedule | manual | startup; manual forces a rewrite of every mapping, schedule checks drift
    reason      varchar(16)   NOT NULL,
    -- the path that triggered it (rotation), for the audit trail; NULL otherwise
    trigger_ref varchar(300),
    attempts    integer       NOT NULL,
    not_before  timestamp with time zone NOT NULL,
    created_at  timestamp with time zone NOT NULL,
    last_error  varchar(1024)
);
CREATE INDEX sync_jobs_due ON sync_jobs (not_before);

-- One row per target variable the broker manages: what it last wrote (path@version and a keyed fingerprint of the
-- value, never the value), the flags, and the outcome of the last write and drift check.
CREATE TABLE sync_state (
    target            varchar(63)   NOT NULL,
    variable          varchar(255)  NOT NULL,
    environment_scope varchar(255)  NOT NULL,
    path              varchar(256)  NOT NULL,
    version           integer,
    fingerprint       varchar(64),
    flags             varchar(128),
    -- in_sync | drifted | failed | unmapped
    status            varchar(16)   NOT NULL,
    detail            varchar(1024),
    written_at        timestamp with time zone,
    checked_at        timestamp with time zone,
    PRIMARY KEY (target, variable, environment_scope)
);

-- One row per target: the remote's update stamp after the broker's last write (Azure DevOps modifiedOn), the last
-- run and drift check, and the target-wide outcome (ok | failed | drifted) with its detail (e.g. the platform
-- unreachable, or the variable group changed outside the broker).
CREATE TABLE sync_targets (
    target        varchar(63)   PRIMARY KEY,
    remote_stamp  varchar(64),
    last_run_at   timestamp with time zone,
    last_check_at timestamp with time zone,
    status        varchar(16)   NOT NULL,
    detail        varchar(1024)
);

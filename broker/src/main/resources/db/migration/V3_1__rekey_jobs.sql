-- SPDX-License-Identifier: Apache-2.0
-- Master-key rotation jobs (DESIGN §6, README "Rotating the master key"), portable between PostgreSQL and H2 like V1.
-- Numbered 3.1 so that it sorts after any V3 written at the same time on another branch.
--
-- One row per rotation. A broker claims the running job by a conditional UPDATE of worker and claim_expires_at and
-- renews the claim with every page it commits; a page re-wraps up to SEGURA_REKEY_PAGE_SIZE versions and moves the
-- cursor and the count in the same transaction, so a crash loses nothing and a resumed job continues after the last
-- committed page. A claim left by a dead worker expires (SEGURA_REKEY_CLAIM_TTL) and any replica holding the target
-- key may take the job over. A row lock is not used as the claim: it would keep a transaction (and a pooled
-- connection) open for the whole rotation; an advisory lock is not portable to H2 and would also pin a connection.
CREATE TABLE rekey_jobs (
    id                varchar(36)   PRIMARY KEY,
    -- 1 while the job runs (or waits for a worker), NULL once it is done or failed: UNIQUE lets at most one job run,
    -- and both databases let any number of rows hold NULL (a partial unique index would not be portable).
    running_slot      integer       UNIQUE,
    state             varchar(16)   NOT NULL,
    target_kek_id     varchar(64)   NOT NULL,
    -- the key ids the versions to re-wrap were under when the job started (comma-separated)
    from_kek_ids      varchar(1024) NOT NULL,
    total             bigint        NOT NULL,
    rewrapped         bigint        NOT NULL,
    cursor_path       varchar(256)  NOT NULL,
    cursor_version    integer       NOT NULL,
    worker            varchar(160),
    claim_expires_at  timestamp with time zone,
    started_at        timestamp with time zone NOT NULL,
    finished_at       timestamp with time zone,
    error             varchar(1024)
);
CREATE INDEX rekey_jobs_started ON rekey_jobs (started_at);

-- The progress report and the start-up check count versions per key id; the rotation itself pages by primary key.
CREATE INDEX secret_versions_kek ON secret_versions (kek_id);

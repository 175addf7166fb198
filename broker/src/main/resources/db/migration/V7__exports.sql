-- SPDX-License-Identifier: Apache-2.0
-- Exports (DESIGN §8a, docs/EXPORTS.md), portable between PostgreSQL and H2 like V1.
--
-- The outbox is the audit log itself. Every event row is already inserted by the request's own transaction (the
-- group commit's one multi-row INSERT per batch), and the chainer gives committed events a dense, gap-free order
-- (audit_links.chain_pos: only committed events get one, under the chain head's row lock, so positions become visible
-- strictly in order). So enqueuing an event for every sink costs the hot path nothing: a sink's queue is "every linked
-- event after its cursor", and one cursor row per sink is all the state delivery needs. A per-event outbox row would
-- add a second multi-row INSERT to every batch and a delete (or update) per event and sink afterwards, and would still
-- need the chain's order to survive late commits; a cursor is one UPDATE per delivered batch.
--
-- A delivery worker claims a sink's cursor in a short transaction: SELECT … FOR UPDATE SKIP LOCKED, then it writes its
-- name and a claim expiry and commits. It delivers with no connection held (a sink that hangs must not hold pooled
-- connections the hot path needs), then moves the cursor with an UPDATE conditional on still holding the claim. Two
-- replicas never deliver one sink at once; a worker that dies mid-delivery (kill -9) never moved the cursor, so once
-- its claim expires the next worker redelivers that batch: at least once, with the event id for dedupe.
CREATE TABLE export_cursors (
    sink             varchar(128) PRIMARY KEY,
    -- the chain position delivered through (audit_links.chain_pos)
    chain_pos        bigint       NOT NULL,
    -- failed attempts at the event after chain_pos; reset by every success
    attempts         integer      NOT NULL DEFAULT 0,
    next_attempt_at  timestamp with time zone,
    last_error       varchar(512),
    claimed_by       varchar(160),
    claimed_until    timestamp with time zone,
    updated_at       timestamp with time zone NOT NULL
);

-- An event a sink refused max-attempts times; the cursor moved past it. An operator replays (redelivers now) or
-- drops it (GET/POST/DELETE /api/v2/admin/exports/dead-letters).
CREATE TABLE export_dead_letters (
    id          varchar(36)  PRIMARY KEY,
    sink        varchar(128) NOT NULL,
    seq         bigint       NOT NULL,
    chain_pos   bigint       NOT NULL,
    event_id    varchar(36)  NOT NULL,
    attempts    integer      NOT NULL,
    last_error  varchar(512),
    failed_at   timestamp with time zone NOT NULL
);
CREATE INDEX export_dead_letters_sink ON export_dead_letters (sink, chain_pos);

-- Webhook subscriptions (POST /api/v2/a2a/webhooks). The signing secret is a vault secret (sealed like any other,
-- rekeyed with the others) at secret_path; it is shown once, at registration.
CREATE TABLE webhook_subscriptions (
    id           varchar(36)   PRIMARY KEY,
    url          varchar(2048) NOT NULL,
    events       varchar(2048) NOT NULL,
    secret_path  varchar(256)  NOT NULL,
    created_at   timestamp with time zone NOT NULL
);

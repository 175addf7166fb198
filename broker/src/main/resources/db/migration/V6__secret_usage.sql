-- SPDX-License-Identifier: Apache-2.0
-- Usage tracking (DESIGN §5 "Usage", §6a), portable between PostgreSQL and H2 like V1.
--
-- The usage views need, per secret path, who leased which version when. The audit rows hold that, but the path sits
-- in a JSON list (audit_events.secrets) and the run context in JSON text (ctx): neither can be indexed portably, so at
-- 10 million events every view would read the whole table. These tables are the same facts in indexable form,
-- written by the lease's own group commit with its audit event (one multi-row INSERT more per batch, no update, no
-- row another request waits for), so a lease and its usage rows commit or roll back together.
--
-- One row per run context that ever leased: who (role, subject) and where (repository, ref, workflow = ctx.pipeline,
-- environment), as the lease's audit event carries them (strings made to fit by AuditText). Its id is the SHA-256
-- (base64url, 43 characters) of those six fields, computed by the broker, so a lease needs no read to name its
-- context; it is inserted with ON CONFLICT DO NOTHING (no target: H2 accepts only that form). A full hash, not a
-- 64-bit prefix: the ref and subject come from the caller's token (branch names), and a forged prefix collision would
-- let one pipeline's leases be counted as another's.
CREATE TABLE usage_contexts (
    id           varchar(43)   PRIMARY KEY,
    role         varchar(128),
    subject      varchar(1024),
    repository   varchar(1024),
    ref          varchar(1024),
    workflow     varchar(1024),
    environment  varchar(1024),
    first_seen   timestamp with time zone NOT NULL
);

-- One row per secret a lease released. Narrow on purpose: the index below holds every column the views read, so they
-- are answered from the index alone (PostgreSQL index-only scans) without a heap row per use.
--   version:        the version leased
--   latest_version: the secret's current version when it was leased (version < latest_version: pinned to an old one)
CREATE TABLE secret_uses (
    path            varchar(256) NOT NULL,
    occurred_at     timestamp with time zone NOT NULL,
    version         integer      NOT NULL,
    latest_version  integer      NOT NULL,
    context_id      varchar(43)  NOT NULL
);
-- usage of one path in a window (range on occurred_at), last use of each path (the stale view: one backward probe)
CREATE INDEX secret_uses_path_time ON secret_uses (path, occurred_at, version, context_id);

-- The uses of a version that was not the latest when leased (a pipeline pinned @n): rare, so kept apart, where the
-- old-versions view reads them by time without walking every use; a lease of the latest version never writes here.
CREATE TABLE secret_pinned_uses (
    occurred_at     timestamp with time zone NOT NULL,
    path            varchar(256) NOT NULL,
    version         integer      NOT NULL,
    latest_version  integer      NOT NULL,
    context_id      varchar(43)  NOT NULL
);
CREATE INDEX secret_pinned_uses_time ON secret_pinned_uses (occurred_at, path, version, context_id);

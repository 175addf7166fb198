-- Dynamic secrets (DESIGN §6a): one row per credential an engine created, beside its lease (same id). It holds what
-- revoking needs (the engine name and a handle: the user name, never the password) and the revocation's progress:
-- revoked_at stays NULL until the engine confirmed; failed attempts back off through next_attempt_at and are kept
-- with their last error, so a revocation is never forgotten. Portable SQL: it also runs on H2 (dev mode).
CREATE TABLE dynamic_credentials (
    lease_id         varchar(40)   PRIMARY KEY,
    name             varchar(128)  NOT NULL,
    engine           varchar(32)   NOT NULL,
    role             varchar(128)  NOT NULL,
    username         varchar(128)  NOT NULL,
    handle           text          NOT NULL,
    issued_at        timestamp with time zone NOT NULL,
    expires_at       timestamp with time zone NOT NULL,
    revoked_at       timestamp with time zone,
    attempts         integer       NOT NULL,
    next_attempt_at  timestamp with time zone NOT NULL,
    last_error       varchar(1024)
);
-- the sweeper's claim: open credentials whose next attempt is due
CREATE INDEX dynamic_credentials_open ON dynamic_credentials (revoked_at, next_attempt_at);
CREATE INDEX dynamic_credentials_role ON dynamic_credentials (role);

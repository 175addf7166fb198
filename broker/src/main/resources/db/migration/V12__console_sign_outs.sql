-- Console sessions signed out (docs/CONSOLE.md), so that every replica refuses the cookie, not only the one that
-- served the sign-out. The cookie itself is stateless (an HMAC); only the SHA-256 of its nonce is kept, never the
-- cookie, until the cookie would have expired anyway (plus a clock margin), then purged. Portable between PostgreSQL
-- and H2 (MODE=PostgreSQL, the dev mode and the CDS training run), like V1.
CREATE TABLE console_sign_outs (
    session_sha256 varchar(64) PRIMARY KEY,
    expires_at     timestamp with time zone NOT NULL
);
CREATE INDEX console_sign_outs_expires ON console_sign_outs (expires_at);

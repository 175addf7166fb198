-- SPDX-License-Identifier: Apache-2.0
-- The sessions pg-lease.sql and pg-lease-usage.sql count their leases on (100,000 open sessions).
INSERT INTO sessions (token_hash, id, role, issuer, client_id, subject, ctx, claims, created_at, expires_at)
SELECT md5(i::text) || md5((i + 1)::text), 'session-' || i, 'ci', 'bench', NULL,
       'repo/acme/app-7/ref/refs/heads/main', repeat('c', 120), repeat('k', 330), now(), now() + interval '1 day'
FROM generate_series(1, 100000) i;
VACUUM ANALYZE sessions;

-- SPDX-License-Identifier: Apache-2.0
-- The SQL shape of one lease of three secrets WITHOUT the usage rows (the broker before V6), for pgbench; compare with
-- pg-lease-usage.sql (docs/PERFORMANCE.md, "What usage tracking costs a lease"). Filler of the broker's sizes.
-- createdb segura_lt_lease && for f in broker/src/main/resources/db/migration/V*.sql; do psql -q -d segura_lt_lease -f $f; done
-- psql -d segura_lt_lease -f benchmarks/scripts/pg-lease-setup.sql
-- pgbench -n -M prepared -c 16 -j 2 -T 30 -f benchmarks/scripts/pg-lease.sql segura_lt_lease
\set s random(1, 100000)
BEGIN;
INSERT INTO leases (id, session_id, role, issuer, client_id, subject, ctx, secrets, renewable, issued_at, expires_at)
  VALUES (gen_random_uuid()::text, 'session-' || :s, 'ci', 'bench', NULL, 'repo/acme/app-7/ref/refs/heads/main',
          repeat('c', 120), repeat('p', 80), false, now(), now() + interval '5 minutes');
INSERT INTO audit_events (id, occurred_at, type, role, issuer, subject, client_ip, ctx, lease_id, secrets, reason, details)
  VALUES (gen_random_uuid()::text, now(), 'lease.issued', 'ci', 'bench', 'repo/acme/app-7/ref/refs/heads/main',
          '127.0.0.1', repeat('c', 120), gen_random_uuid()::text, repeat('p', 80), NULL, repeat('d', 20));
UPDATE sessions SET lease_count = lease_count + 1 WHERE id = 'session-' || :s AND revoked_at IS NULL;
COMMIT;

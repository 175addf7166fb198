-- SPDX-License-Identifier: Apache-2.0
-- pg-lease.sql plus what V6 adds to a lease of three secrets: its run context (one of 2,000, ON CONFLICT DO NOTHING)
-- and three secret_uses rows. No pinned row (a lease of the latest versions writes none).
-- pgbench -n -M prepared -c 16 -j 2 -T 30 -f benchmarks/scripts/pg-lease-usage.sql segura_lt_lease
\set s random(1, 100000)
\set c random(1, 2000)
\set p random(1, 500)
BEGIN;
INSERT INTO leases (id, session_id, role, issuer, client_id, subject, ctx, secrets, renewable, issued_at, expires_at)
  VALUES (gen_random_uuid()::text, 'session-' || :s, 'ci', 'bench', NULL, 'repo/acme/app-7/ref/refs/heads/main',
          repeat('c', 120), repeat('p', 80), false, now(), now() + interval '5 minutes');
INSERT INTO audit_events (id, occurred_at, type, role, issuer, subject, client_ip, ctx, lease_id, secrets, reason, details)
  VALUES (gen_random_uuid()::text, now(), 'lease.issued', 'ci', 'bench', 'repo/acme/app-7/ref/refs/heads/main',
          '127.0.0.1', repeat('c', 120), gen_random_uuid()::text, repeat('p', 80), NULL, repeat('d', 20));
INSERT INTO usage_contexts (id, role, subject, repository, ref, workflow, environment, first_seen)
  VALUES (rpad('ctx-' || :c, 43, 'x'), 'ci', 'repo/acme/app-7/ref/refs/heads/main', 'acme/app-7', 'refs/heads/main',
          'deploy.yml', 'production', now()) ON CONFLICT DO NOTHING;
INSERT INTO secret_uses (path, occurred_at, version, latest_version, context_id)
  VALUES ('svc/' || :p || '/db/password', now(), 3, 3, rpad('ctx-' || :c, 43, 'x')),
         ('svc/' || :p || '/api/key', now(), 1, 1, rpad('ctx-' || :c, 43, 'x')),
         ('svc/' || :p || '/deploy/token', now(), 2, 2, rpad('ctx-' || :c, 43, 'x'));
UPDATE sessions SET lease_count = lease_count + 1 WHERE id = 'session-' || :s AND revoked_at IS NULL;
COMMIT;

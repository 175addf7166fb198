-- SPDX-License-Identifier: Apache-2.0
-- pg-lease-usage.sql plus what V11 adds to a lease of three secrets: each secret's use added to its day's counts per
-- version and run context (secret_use_days) and per version in the run context's stripe (secret_version_days), as the
-- broker's group commit writes them (INSERT … ON CONFLICT DO UPDATE, keys in sorted order). The stripe is the context
-- number mod 16 here (the broker takes the first character of the context's hash).
-- createdb segura_lt_lease && for f in $(ls broker/src/main/resources/db/migration/V*.sql | sort -V); do
--   psql -q -d segura_lt_lease -f $f; done
-- pgbench -n -M prepared -c 16 -j 2 -T 30 -f benchmarks/scripts/pg-lease-usage-days.sql segura_lt_lease
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
INSERT INTO secret_use_days AS d (path, version, context_id, epoch_day, uses, first_used, last_used)
  VALUES ('svc/' || :p || '/api/key', 1, rpad('ctx-' || :c, 43, 'x'), floor(extract(epoch FROM now()) / 86400)::int,
          1, now(), now()),
         ('svc/' || :p || '/db/password', 3, rpad('ctx-' || :c, 43, 'x'), floor(extract(epoch FROM now()) / 86400)::int,
          1, now(), now()),
         ('svc/' || :p || '/deploy/token', 2, rpad('ctx-' || :c, 43, 'x'),
          floor(extract(epoch FROM now()) / 86400)::int, 1, now(), now())
  ON CONFLICT (path, version, context_id, epoch_day) DO UPDATE SET uses = d.uses + EXCLUDED.uses,
     first_used = LEAST(d.first_used, EXCLUDED.first_used), last_used = GREATEST(d.last_used, EXCLUDED.last_used);
INSERT INTO secret_version_days AS d (path, epoch_day, version, stripe, uses, first_used, last_used)
  VALUES ('svc/' || :p || '/api/key', floor(extract(epoch FROM now()) / 86400)::int, 1, :c % 16, 1, now(), now()),
         ('svc/' || :p || '/db/password', floor(extract(epoch FROM now()) / 86400)::int, 3, :c % 16, 1, now(), now()),
         ('svc/' || :p || '/deploy/token', floor(extract(epoch FROM now()) / 86400)::int, 2, :c % 16, 1, now(), now())
  ON CONFLICT (path, epoch_day, version, stripe) DO UPDATE SET uses = d.uses + EXCLUDED.uses,
     first_used = LEAST(d.first_used, EXCLUDED.first_used), last_used = GREATEST(d.last_used, EXCLUDED.last_used);
UPDATE sessions SET lease_count = lease_count + 1 WHERE id = 'session-' || :s AND revoked_at IS NULL;
COMMIT;

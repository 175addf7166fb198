-- SPDX-License-Identifier: Apache-2.0
-- Variant: jti, session and audit rows in one data-modifying CTE (one statement, one round trip, one commit), for pgbench: PostgreSQL's own ceiling on this machine.
-- Text columns carry filler of the broker's sizes (pgbench would take the colons of JSON literals for variables).
-- createdb segura_lt_pgbench && psql -d segura_lt_pgbench -f broker/src/main/resources/db/migration/V1__core.sql
-- pgbench -n -M prepared -c 20 -j 2 -T 20 -f benchmarks/scripts/pg-exchange-cte.sql segura_lt_pgbench
WITH j AS (
  INSERT INTO jti_replay (issuer, jti, expires_at) VALUES ('bench', gen_random_uuid()::text, now() + interval '1 hour')
), s AS (
  INSERT INTO sessions (token_hash, id, role, issuer, client_id, subject, ctx, claims, created_at, expires_at)
  VALUES (md5(random()::text) || md5(random()::text), gen_random_uuid()::text, 'ci', 'bench', NULL,
          'repo/acme/app-7/ref/refs/heads/main', repeat('c', 120), repeat('k', 330), now(),
          now() + interval '10 minutes')
)
INSERT INTO audit_events (id, occurred_at, type, role, issuer, subject, client_ip, ctx, lease_id, secrets, reason, details)
  VALUES (gen_random_uuid()::text, now(), 'token.exchanged', 'ci', 'bench', 'repo/acme/app-7/ref/refs/heads/main',
          '127.0.0.1', repeat('c', 120), NULL, NULL, NULL, repeat('d', 160));

-- SPDX-License-Identifier: Apache-2.0
-- The SQL one token exchange sends (replay protection on), for pgbench: PostgreSQL's own ceiling on this machine.
-- pgbench -n -M prepared -c 20 -j 2 -T 20 -f benchmarks/scripts/pg-exchange.sql DB   (DB migrated by the broker)
INSERT INTO jti_replay (issuer, jti, expires_at) VALUES ('bench', gen_random_uuid()::text, now() + interval '1 hour');
BEGIN;
INSERT INTO sessions (token_hash, id, role, issuer, client_id, subject, ctx, claims, created_at, expires_at)
  VALUES (md5(random()::text) || md5(random()::text), gen_random_uuid()::text, 'ci', 'bench', NULL,
          'repo:acme/app-7:ref:refs/heads/main',
          '{"repository_id":"74","ref":"refs/heads/main","subject":"repo:acme/app-7:ref:refs/heads/main"}',
          '{"sub":"repo:acme/app-7:ref:refs/heads/main","aud":"https://segura.bench","repository_id":"74","ref":"refs/heads/main","run_id":"123456","iss":"http://127.0.0.1:40000","iat":1764394800,"nbf":1764394800,"exp":1764396600,"jti":"0b6f2a3e-6a0e-4a55-9a53-0c1f1d0b2c3d"}',
          now(), now() + interval '10 minutes');
INSERT INTO audit_events (id, occurred_at, type, role, issuer, subject, client_ip, ctx, lease_id, secrets, reason, details)
  VALUES (gen_random_uuid()::text, now(), 'token.exchanged', 'ci', 'bench', 'repo:acme/app-7:ref:refs/heads/main',
          '127.0.0.1', '{"repository_id":"74","ref":"refs/heads/main"}', NULL, NULL, NULL,
          '{"token_sha256":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08","jti":"0b6f2a3e-6a0e-4a55-9a53-0c1f1d0b2c3d","session_id":"6f1d0b2c-3d0b-4f2a-9e6a-0e4a559a530c"}');
COMMIT;

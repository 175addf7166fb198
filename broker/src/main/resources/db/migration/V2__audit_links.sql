-- SPDX-License-Identifier: Apache-2.0
-- Audit chain links move out of audit_events into an insert-only table (DESIGN §8, §15), portable like V1.
-- Updating each event with its link wrote a second, non-HOT version of every audit row and touched all of its indexes
-- again: the largest PostgreSQL cost under load (docs/PERFORMANCE.md). Now an event row is written once, by the
-- request, and never updated; the chainer only inserts links. The hashes are unchanged (the canonical form never
-- included the chain fields), so a chain linked before this migration verifies after it.
--
-- No foreign key to audit_events: it would cost a primary-key lookup per link and, on PostgreSQL, a FOR KEY SHARE
-- lock on the event row, which writes that row's page again — the write this table exists to avoid. It would not
-- protect anything either: whoever can delete an event can drop a constraint; the verifier reports a link whose event
-- is missing.
CREATE TABLE audit_links (
    chain_pos  bigint      PRIMARY KEY,
    seq        bigint      NOT NULL UNIQUE,
    prev_hash  varchar(64) NOT NULL,
    hash       varchar(64) NOT NULL
);

-- The chainer always set all three chain columns together; a NULL hash can only be tampering, which the copy keeps
-- visible (as '', a mismatch the verifier reports) instead of refusing to migrate, i.e. to start the broker.
INSERT INTO audit_links (chain_pos, seq, prev_hash, hash)
SELECT chain_pos, seq, COALESCE(prev_hash, ''), COALESCE(hash, '') FROM audit_events WHERE chain_pos IS NOT NULL;

DROP INDEX audit_events_unchained;
ALTER TABLE audit_events DROP COLUMN chain_pos;
ALTER TABLE audit_events DROP COLUMN prev_hash;
ALTER TABLE audit_events DROP COLUMN hash;

// SPDX-License-Identifier: Apache-2.0
/**
 * The audit log and its hash chain (DESIGN §8, §15).
 *
 * <p>Write path: {@link io.segura.broker.audit.AuditLog#append} inserts the event without a hash inside the request's
 * own transaction, so no lease commits without its event and no request waits on a chain-wide lock. Link path: one
 * {@link io.segura.broker.audit.AuditChainer} run at a time (the {@code audit_chain_head} row lock, across all
 * replicas) gives committed, unlinked events the next chain positions in {@code seq} order with
 * {@code hash = SHA-256(prev_hash "\n" canonical(row))}, inserted as rows of {@code audit_links}: an event row is
 * written once and never updated. The canonical form is documented on {@code StoredAuditRow#canonical}. Check path:
 * {@link io.segura.broker.audit.AuditVerifier} recomputes the chain.
 *
 * <p>What the chain proves: any edit, deletion or insertion inside the chain is detected, unless the attacker also
 * rewrites every later hash and the head. Publishing the head hash now and then (a log line, a webhook) turns that
 * into detectable tampering as well.
 */
package io.segura.broker.audit;

// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.anomaly;

import java.time.Instant;
import java.util.Objects;

/**
 * An automatic block (a role's {@code on-anomaly: {action: block}}): the subject may not exchange into the role until
 * {@code until}, unless an operator lifts it earlier.
 *
 * @param anomalyId    the {@code anomaly.detected} event that caused it
 * @param liftedAt     when an operator lifted it, or {@code null}
 * @param revokePasses how many times the subject's sessions in the role were revoked for it (0, 1 or 2)
 */
public record Block(String id, String role, String subject, String rule, String risk, String anomalyId,
        Instant createdAt, Instant until, Instant liftedAt, int revokePasses) {

    public Block {
        Objects.requireNonNull(id, "id cannot be null");
        Objects.requireNonNull(role, "role cannot be null");
        Objects.requireNonNull(subject, "subject cannot be null");
        Objects.requireNonNull(rule, "rule cannot be null");
        Objects.requireNonNull(until, "until cannot be null");
    }

    /** In force at {@code now}: not lifted and not yet run out. */
    public boolean activeAt(Instant now) {
        return liftedAt == null && now.isBefore(until);
    }
}

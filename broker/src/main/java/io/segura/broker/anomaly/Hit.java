// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.anomaly;

import io.segura.broker.config.AnomalySpec;
import java.util.Objects;

/**
 * One rule that fired on one event: what an {@code anomaly.detected} event records. Explainable by construction: the
 * observed value, the baseline it was compared with and the threshold that baseline gave.
 *
 * @param rule      {@code excessive-retrieval}, {@code off-hours}, {@code unknown-workload}, {@code role-mismatch},
 *                  {@code denial-burst} or {@code outside-window}
 * @param identity  what the baseline or counter is kept for, e.g. {@code role×subject}, {@code role×repository},
 *                  {@code ip}, {@code subject}, {@code issuer}
 * @param key       that identity's value (a subject, repository, client IP or issuer name)
 * @param role      the role of the triggering event, or {@code null}
 * @param subject   the subject a block would apply to, or {@code null} when the hit is not about one subject
 * @param observed  the value seen (a count, or a name for unknown-workload)
 * @param baseline  what it was compared with (an EWMA, a bucket's share, the seen set's description)
 * @param threshold the limit the baseline gave (or the configured one)
 * @param event     the triggering event (its issuer, client IP and ctx are copied onto the anomaly event)
 */
public record Hit(String rule, AnomalySpec.Risk risk, String identity, String key, String role, String subject,
        Object observed, Object baseline, Object threshold, String explanation, Observed event) {

    public Hit {
        Objects.requireNonNull(rule, "rule cannot be null");
        Objects.requireNonNull(risk, "risk cannot be null");
        Objects.requireNonNull(identity, "identity cannot be null");
        Objects.requireNonNull(explanation, "explanation cannot be null");
        Objects.requireNonNull(event, "event cannot be null");
    }

    public static final String EXCESSIVE_RETRIEVAL = "excessive-retrieval";
    public static final String OFF_HOURS = "off-hours";
    public static final String UNKNOWN_WORKLOAD = "unknown-workload";
    public static final String ROLE_MISMATCH = "role-mismatch";
    public static final String DENIAL_BURST = "denial-burst";
    public static final String OUTSIDE_WINDOW = "outside-window";
}

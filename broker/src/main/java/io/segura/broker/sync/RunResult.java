// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.sync;

import io.segura.broker.config.SyncSpec;
import java.time.Duration;
import java.util.List;

/**
 * What one sync run of a target did, computed off the event loop and then recorded in one transaction: an effect per
 * mapping (and per pruned or unmapped variable), the remote stamp, target-wide drift or failure.
 */
record RunResult(List<Effect> effects, String stamp, String targetDrift, RemoteFailure targetFailure) {

    RunResult {
        effects = List.copyOf(effects);
    }

    static RunResult failed(RemoteFailure failure) {
        return new RunResult(List.of(), null, null, failure);
    }

    /** Any failure that a later attempt may fix (not a masking refusal). */
    boolean retryable() {
        if (targetFailure != null) {
            return !targetFailure.permanent();
        }
        return effects.stream().anyMatch(e -> e.kind() == Effect.Kind.FAILED && e.failure() != null
                && !e.failure().permanent());
    }

    /** The longest {@code Retry-After} any failure asked for, or null. */
    Duration retryAfter() {
        Duration max = targetFailure == null ? null : targetFailure.retryAfter();
        for (Effect e : effects) {
            if (e.failure() != null && e.failure().retryAfter() != null
                    && (max == null || e.failure().retryAfter().compareTo(max) > 0)) {
                max = e.failure().retryAfter();
            }
        }
        return max;
    }

    String firstError() {
        if (targetFailure != null) {
            return targetFailure.getMessage();
        }
        return effects.stream().filter(e -> e.kind() == Effect.Kind.FAILED).map(Effect::detail).findFirst()
                .orElse(null);
    }

    /**
     * One outcome. {@code mapping} is null for a variable no longer mapped ({@code previous} names it);
     * {@code version}/{@code fingerprint}/{@code flags} are what was written (WRITTEN) or attempted (FAILED).
     */
    record Effect(Kind kind, SyncSpec.Mapping mapping, MappingState previous, Integer version, String fingerprint,
            VariableFlags flags, String action, String detail, RemoteFailure failure) {

        enum Kind { WRITTEN, CHECKED, FAILED, DELETED, UNMAPPED }
    }
}

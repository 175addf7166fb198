// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.vault;

import java.time.Instant;
import java.util.List;

/**
 * One master-key rotation as stored in {@code rekey_jobs}: re-wraps every version's data key under
 * {@code targetKeyId}. Carries key ids (public hashes) and counts, never key material.
 *
 * @param state          {@code running} (claimed by {@code worker} until {@code claimExpiresAt}, or waiting for a
 *                       worker), {@code done} or {@code failed} (see {@code error})
 * @param fromKeyIds     the key ids the versions to re-wrap were under when the job started
 * @param total          versions to re-wrap: those found at the start, plus any written under an older key meanwhile
 * @param rewrapped      versions re-wrapped so far (committed)
 */
public record RekeyJob(String id, String state, String targetKeyId, List<String> fromKeyIds, long total,
        long rewrapped, String worker, Instant claimExpiresAt, Instant startedAt, Instant finishedAt, String error) {

    public static final String RUNNING = "running";
    public static final String DONE = "done";
    public static final String FAILED = "failed";

    public RekeyJob {
        fromKeyIds = List.copyOf(fromKeyIds);
    }

    public boolean running() {
        return RUNNING.equals(state);
    }
}

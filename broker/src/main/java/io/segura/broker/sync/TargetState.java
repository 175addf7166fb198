// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.sync;

import java.time.Instant;

/** One row of {@code sync_targets}: the remote stamp after the last write, last run and check, outcome and detail. */
record TargetState(String target, String remoteStamp, Instant lastRunAt, Instant lastCheckAt, String status,
        String detail) {

    static TargetState empty(String target) {
        return new TargetState(target, null, null, null, "pending", null);
    }
}

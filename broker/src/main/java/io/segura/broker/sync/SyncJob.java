// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.sync;

/** One claimed row of {@code sync_jobs}: sync {@code target} because of {@code reason}. */
record SyncJob(String id, String target, Reason reason, String triggerRef, int attempts) {

    /** Why a target is synced; {@link #MANUAL} rewrites every mapping, the others only what changed. */
    enum Reason {
        ROTATION, STARTUP, SCHEDULE, MANUAL;

        String column() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        static Reason of(String column) {
            return valueOf(column.toUpperCase(java.util.Locale.ROOT));
        }
    }
}

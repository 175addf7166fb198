// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.sync;

import java.time.Instant;

/**
 * One row of {@code sync_state}: what the broker last wrote to a target variable (path@version, a keyed fingerprint
 * of the value — never the value — and the flags) and how it stands now.
 */
record MappingState(String target, String variable, String environmentScope, String path, Integer version,
        String fingerprint, String flags, Status status, String detail, Instant writtenAt, Instant checkedAt) {

    enum Status {
        IN_SYNC("in_sync"), DRIFTED("drifted"), FAILED("failed"), UNMAPPED("unmapped");

        private final String column;

        Status(String column) {
            this.column = column;
        }

        String column() {
            return column;
        }

        static Status of(String column) {
            for (Status s : values()) {
                if (s.column.equals(column)) {
                    return s;
                }
            }
            throw new IllegalArgumentException("unknown sync status " + column);
        }
    }

    MappingState with(Status newStatus, String newDetail, Instant checked) {
        return new MappingState(target, variable, environmentScope, path, version, fingerprint, flags, newStatus,
                newDetail, writtenAt, checked);
    }
}

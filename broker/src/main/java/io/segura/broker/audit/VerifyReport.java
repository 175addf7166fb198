// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.audit;

/**
 * Outcome of {@link AuditVerifier#verify()}: {@code chainedThrough} is the last chain position whose hash checked out,
 * {@code pendingUnchained} the committed events not linked yet; on failure {@code brokenAt} is the first bad chain
 * position and {@code problem} says what is wrong there.
 */
public record VerifyReport(boolean ok, long chainedThrough, long pendingUnchained, Long brokenAt, String problem) {

    public VerifyReport {
        if (ok != (brokenAt == null && problem == null)) {
            throw new IllegalArgumentException("a report is ok exactly when it names no problem");
        }
    }

    static VerifyReport ok(long chainedThrough, long pending) {
        return new VerifyReport(true, chainedThrough, pending, null, null);
    }

    static VerifyReport broken(long chainedThrough, long pending, long brokenAt, String problem) {
        return new VerifyReport(false, chainedThrough, pending, brokenAt, problem);
    }
}

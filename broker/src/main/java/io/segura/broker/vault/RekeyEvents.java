// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.vault;

import reactor.core.publisher.Mono;

/**
 * What a master-key rotation reports as it moves (the audit log, in the broker): each callback runs inside the
 * transaction that changes the job's state, so the state change and its record commit together.
 */
public interface RekeyEvents {

    /** A job was created ({@code resumed} false) or a failed one restarted by an operator. */
    Mono<Void> started(RekeyJob job, boolean resumed, String clientIp);

    /** Every version is under the target key. */
    Mono<Void> finished(RekeyJob job);

    /** A version could not be re-wrapped; the job stopped with nothing half-written. */
    Mono<Void> failed(RekeyJob job);
}

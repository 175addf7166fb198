// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.sync;

import reactor.core.publisher.Mono;

/**
 * Told of every new secret version inside the transaction that writes it, so the sync jobs it causes commit (or roll
 * back) with the version. Must not call out of the database.
 */
@FunctionalInterface
public interface SyncTrigger {

    SyncTrigger NONE = path -> Mono.empty();

    Mono<Void> secretChanged(String path);

    /** After the commit: a hint to look at the queue now rather than at the next poll. */
    default void committed() {
    }
}

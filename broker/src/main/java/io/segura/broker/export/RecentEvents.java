// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.export;

import io.segura.broker.audit.AuditEvent;
import io.segura.broker.audit.AuditQuery;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentSkipListMap;
import reactor.core.publisher.Mono;

/**
 * The linked events the sinks read last, by chain position. Sinks that keep up read the same positions within moments
 * of each other, so the second reads them from here instead of reading and decoding the rows again. A linked event
 * never changes at its position (positions are given once, in order, under the chain head's lock), so what is kept is
 * never stale; a position not kept is read from the database.
 */
final class RecentEvents {

    private final AuditQuery events;
    private final int capacity;
    private final ConcurrentSkipListMap<Long, AuditEvent> byPosition = new ConcurrentSkipListMap<>();

    RecentEvents(AuditQuery events, int capacity) {
        this.events = Objects.requireNonNull(events, "events cannot be null");
        this.capacity = capacity;
    }

    /** Up to {@code limit} linked events after {@code chainPos}, in chain order. */
    Mono<List<AuditEvent>> after(long chainPos, int limit) {
        List<AuditEvent> kept = new ArrayList<>(limit);
        for (long p = chainPos + 1; kept.size() < limit; p++) {
            AuditEvent e = byPosition.get(p);
            if (e == null) {
                break;
            }
            kept.add(e);
        }
        if (kept.size() == limit) {
            return Mono.just(kept);
        }
        return events.linkedAfter(chainPos + kept.size(), limit - kept.size()).collectList().map(read -> {
            for (AuditEvent e : read) {
                byPosition.put(e.chainPos(), e);
            }
            // positions are dense: keeping those within capacity of the newest bounds the size (size() would walk it)
            if (!byPosition.isEmpty()) {
                byPosition.headMap(byPosition.lastKey() - capacity, true).clear();
            }
            kept.addAll(read);
            return kept;
        });
    }
}

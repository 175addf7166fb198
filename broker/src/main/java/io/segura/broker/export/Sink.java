// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.export;

import io.segura.broker.audit.AuditEvent;
import java.util.List;

/**
 * Where the outbox delivers audit events (DESIGN §8a): a syslog receiver or a webhook subscription. Delivery is
 * blocking and runs off the request threads; a sink is used by one worker at a time.
 */
public interface Sink extends AutoCloseable {

    /** The key of this sink's cursor: {@code syslog:NAME} or {@code webhook:ID}. */
    String id();

    /** Whether this sink wants events of that kind; the others are passed over (the cursor moves past them). */
    boolean accepts(AuditEvent event);

    /**
     * Hands the events over in order, stopping early (between events) once {@code deadline} has passed: the worker's
     * claim on the sink ends soon after.
     *
     * @return how many of {@code events} were delivered (all of them unless the deadline passed)
     * @throws DeliveryFailure naming how many of {@code events} were delivered before the failure
     */
    int deliver(List<AuditEvent> events, java.time.Instant deadline) throws DeliveryFailure;

    @Override
    void close();
}

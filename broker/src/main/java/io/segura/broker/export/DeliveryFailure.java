// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.export;

/**
 * A sink refused or could not take an event. {@code delivered} events before it were handed over; the message
 * describes the failure without anything of the event or a response body (a receiver's error page could echo what
 * it was sent).
 */
public final class DeliveryFailure extends Exception {

    private final int delivered;

    public DeliveryFailure(int delivered, String message, Throwable cause) {
        super(message, cause, false, false);
        this.delivered = delivered;
    }

    public DeliveryFailure(int delivered, String message) {
        this(delivered, message, null);
    }

    public int delivered() {
        return delivered;
    }
}

// SPDX-License-Identifier: Apache-2.0
package io.segura.testkit.platform;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;

/**
 * Canned failures a platform simulator answers before serving normally: the next {@code n} requests get a status
 * (e.g. 429 with {@code Retry-After}, or 503), or every request does while the platform is "down".
 */
final class Faults {

    private final Deque<LoopbackServer.Response> next = new ArrayDeque<>();
    private volatile LoopbackServer.Response always;

    synchronized void add(int times, LoopbackServer.Response response) {
        for (int i = 0; i < times; i++) {
            next.add(response);
        }
    }

    void always(LoopbackServer.Response response) {
        always = response;
    }

    synchronized LoopbackServer.Response poll() {
        LoopbackServer.Response a = always;
        if (a != null) {
            return a;
        }
        return next.poll();
    }

    synchronized int remaining() {
        return next.size();
    }

    static LoopbackServer.Response of(int status, Map<String, String> headers, String body) {
        java.util.Map<String, String> h = new java.util.LinkedHashMap<>(headers);
        h.putIfAbsent("Content-Type", "application/json; charset=utf-8");
        return new LoopbackServer.Response(status, h, body);
    }
}

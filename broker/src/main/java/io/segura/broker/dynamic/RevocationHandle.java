// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.dynamic;

import java.util.Map;

/**
 * What an engine needs to revoke a credential it issued (a user name, a certificate serial), stored with the lease
 * as JSON. Never a secret: it is kept in plain text and shown in the admin list of pending revocations.
 */
public record RevocationHandle(Map<String, String> values) {

    public RevocationHandle {
        values = Map.copyOf(values);
    }

    public String get(String key) {
        String v = values.get(key);
        if (v == null) {
            throw new IllegalStateException("revocation handle has no " + key);
        }
        return v;
    }
}

// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.dynamic;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A credential an engine just created: the fields answered to the job once (they may hold a password; never
 * stored, logged or audited) and the handle that revokes it.
 *
 * @param principal who the credential is (a database user name, a certificate's serial); audited and listed
 * @param fields    the response's {@code credential} object, in order
 * @param audit     what the {@code dynamic.issued} event records beyond name, engine and principal (e.g. an SSH
 *                  certificate's serial and key fingerprint); never a secret or key material
 */
public record IssuedCredential(String principal, Map<String, Object> fields, RevocationHandle handle,
        Map<String, Object> audit) {

    public IssuedCredential {
        Objects.requireNonNull(principal, "principal cannot be null");
        Objects.requireNonNull(handle, "handle cannot be null");
        fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
        audit = audit == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(audit));
    }

    /** A credential whose event records nothing beyond name, engine and principal. */
    public IssuedCredential(String principal, Map<String, Object> fields, RevocationHandle handle) {
        this(principal, fields, handle, Map.of());
    }

    /** Names the principal only: the fields may hold a password. */
    @Override
    public String toString() {
        return "IssuedCredential[" + principal + "]";
    }
}

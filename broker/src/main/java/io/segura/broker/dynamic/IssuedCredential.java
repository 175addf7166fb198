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
 * @param principal who the credential is (a database user name, a certificate's key id); audited and listed
 * @param fields    the response's {@code credential} object, in order
 */
public record IssuedCredential(String principal, Map<String, Object> fields, RevocationHandle handle) {

    public IssuedCredential {
        Objects.requireNonNull(principal, "principal cannot be null");
        Objects.requireNonNull(handle, "handle cannot be null");
        fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }

    /** Names the principal only: the fields may hold a password. */
    @Override
    public String toString() {
        return "IssuedCredential[" + principal + "]";
    }
}

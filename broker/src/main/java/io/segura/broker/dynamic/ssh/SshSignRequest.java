// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.dynamic.ssh;

import io.segura.broker.federation.RunContext;
import java.time.Instant;
import java.util.Objects;

/**
 * A request to certify a caller's public key: what {@code POST /api/v2/a2a/dynamic-secrets}
 * {@code {"name": "ssh/deploy", "public_key": "ssh-ed25519 …"}} becomes once the session, role and lease are known.
 *
 * @param name        the engine, e.g. {@code ssh/deploy}
 * @param publicKey   the caller's {@code authorized_keys}-style public key line (untrusted input)
 * @param ctx         the session's run context, which fills the principal templates
 * @param leaseId     the lease the certificate belongs to (its revocation marks the certificate revoked)
 * @param role        the trust role, for the key id
 * @param validBefore the lease's expiry: the certificate's {@code valid-before}
 */
public record SshSignRequest(String name, String publicKey, RunContext ctx, String leaseId, String role,
        Instant validBefore) {

    public SshSignRequest {
        Objects.requireNonNull(name, "name cannot be null");
        Objects.requireNonNull(ctx, "ctx cannot be null");
        Objects.requireNonNull(validBefore, "validBefore cannot be null");
    }
}

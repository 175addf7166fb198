// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.dynamic.ssh;

import io.segura.broker.Refusal;
import io.segura.broker.config.SshEngineSpec;
import io.segura.broker.dynamic.DynamicEngine;
import io.segura.broker.dynamic.DynamicRequest;
import io.segura.broker.dynamic.IssuedCredential;
import io.segura.broker.dynamic.RevocationHandle;
import io.segura.broker.federation.RunContext;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import reactor.core.publisher.Mono;

/**
 * One {@code ssh} engine as a {@link DynamicEngine}: {@code POST /api/v2/a2a/dynamic-secrets}
 * {@code {"name": "ssh/deploy", "public_key": "ssh-ed25519 …"}} signs the caller's key through the
 * {@link SshCertificateAuthority}, with the lease's id in the key id and the lease's expiry as {@code valid-before};
 * the lease and its {@code dynamic.issued} event are recorded by the shared path, like a database user's.
 *
 * <p>Revoking puts the certificate's serial into the CA's KRL (once: marking an already revoked serial changes
 * nothing). That is all revocation can do for a certificate: a host that does not load the KRL accepts it until its
 * {@code valid-before}, so the TTL is the guarantee. The revoker calls {@link #revoke} inside the transaction that
 * claims the credential, so the serial enters the KRL in the same commit as {@code dynamic.revoked}.
 */
public final class SshEngine implements DynamicEngine {

    /** The one request field this engine takes beyond {@code name} and {@code ttl}. */
    public static final String PUBLIC_KEY = "public_key";
    /** The lease TTL when a request names none (or {@code max-ttl}, if lower), as for the database engines. */
    static final Duration DEFAULT_TTL = Duration.ofMinutes(15);

    private final SshEngineSpec spec;
    private final SshCertificateAuthority authority;

    public SshEngine(SshEngineSpec spec, SshCertificateAuthority authority) {
        this.spec = Objects.requireNonNull(spec, "spec cannot be null");
        this.authority = Objects.requireNonNull(authority, "authority cannot be null");
    }

    @Override
    public String name() {
        return spec.name();
    }

    @Override
    public String kind() {
        return "ssh";
    }

    @Override
    public Duration defaultTtl() {
        return DEFAULT_TTL.compareTo(spec.maxTtl()) <= 0 ? DEFAULT_TTL : spec.maxTtl();
    }

    @Override
    public Duration maxTtl() {
        return spec.maxTtl();
    }

    @Override
    public Mono<IssuedCredential> issue(DynamicRequest request) {
        return Mono.defer(() -> {
            Map<String, String> parameters = new LinkedHashMap<>(request.parameters());
            String publicKey = parameters.remove(PUBLIC_KEY);
            if (!parameters.isEmpty()) {
                throw Refusal.invalid("unknown-field", "an ssh engine takes only name, ttl and public_key, got "
                        + new TreeSet<>(parameters.keySet()));
            }
            if (publicKey == null) {
                throw Refusal.invalid("invalid-dynamic-request", "public_key is required: the OpenSSH public key to "
                        + "certify, e.g. the content of ~/.ssh/id_ed25519.pub");
            }
            return authority.sign(new SshSignRequest(spec.name(), publicKey, RunContext.fromMap(request.ctx()),
                    request.leaseId(), request.role(), request.expiresAt()));
        }).map(SshEngine::credential);
    }

    static IssuedCredential credential(SignedCertificate c) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("certificate", c.certificate());
        fields.put("serial", c.serial());
        fields.put("key_id", c.keyId());
        fields.put("principals", c.principals());
        fields.put("valid_after", c.validAfter().toString());
        fields.put("valid_before", c.validBefore().toString());
        fields.put("public_key_fingerprint", c.publicKeyFingerprint());
        fields.put("ca_fingerprint", c.caFingerprint());
        // Fingerprints and the serial only: the audit record never holds key material, public or private.
        Map<String, Object> audit = new LinkedHashMap<>();
        audit.put("serial", c.serial());
        audit.put("public_key_fingerprint", c.publicKeyFingerprint());
        audit.put("ca_fingerprint", c.caFingerprint());
        audit.put("principals", c.principals());
        audit.put("valid_before", c.validBefore().toString());
        return new IssuedCredential("serial " + c.serial(), fields,
                new RevocationHandle(Map.of("serial", Long.toString(c.serial()))), audit);
    }

    @Override
    public Mono<Void> revoke(RevocationHandle handle) {
        long serial = Long.parseLong(handle.get("serial"));
        return authority.revoke(spec.name(), serial).then();
    }
}

// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.dynamic.ssh;

import io.segura.broker.Refusal;
import io.segura.broker.audit.AuditEvent;
import io.segura.broker.audit.AuditEventType;
import io.segura.broker.audit.AuditLog;
import io.segura.broker.config.SshEngineSpec;
import io.segura.broker.vault.SecretNotFoundException;
import io.segura.broker.vault.SecretStore;
import io.segura.broker.vault.SecretValue;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Mono;

/**
 * The CA keys of the {@code ssh} engines, kept in the vault store like any secret (sealed under a per-version DEK)
 * at each engine's {@code ca-key-secret}. An absent key is generated on first use, written as version 1 with a
 * {@code secret.written} audit event; an operator may instead import one made by {@code ssh-keygen} (an unencrypted
 * OpenSSH private key written with {@code PUT /api/v2/admin/secrets/PATH}), and a later version replaces the CA
 * key. The current version is read on every use, so every replica signs with the same key.
 *
 * <p>Only fingerprints and paths are logged; the parsed key is cached per {@code path@version}.
 */
final class SshCaKeys {

    private static final Logger log = LoggerFactory.getLogger(SshCaKeys.class);
    private static final String BROKER = "broker";

    private final SecretStore store;
    private final AuditLog audit;
    private final TransactionalOperator tx;
    private final SecureRandom random;
    private final Map<String, Parsed> parsed = new ConcurrentHashMap<>();

    private record Parsed(int version, CaKey key) {
    }

    SshCaKeys(SecretStore store, AuditLog audit, TransactionalOperator tx, SecureRandom random) {
        this.store = Objects.requireNonNull(store, "store cannot be null");
        this.audit = Objects.requireNonNull(audit, "audit cannot be null");
        this.tx = Objects.requireNonNull(tx, "tx cannot be null");
        this.random = Objects.requireNonNull(random, "random cannot be null");
    }

    /** The engine's current CA key, generated into the vault first if its path holds none. */
    Mono<CaKey> key(SshEngineSpec engine) {
        String path = engine.caKeySecret();
        return store.read(path, null)
                .onErrorResume(SecretNotFoundException.class, absent -> generate(engine).then(store.read(path, null)))
                .map(value -> parse(engine, value));
    }

    private Mono<Void> generate(SshEngineSpec engine) {
        SshKeyType type = SshKeyType.byWireName(engine.caKeyType()).orElseThrow();
        CaKey[] generated = new CaKey[1];
        return store.writeIfAbsent(engine.caKeySecret(), () -> {
                    generated[0] = CaKey.generate(type, random);
                    return generated[0].toOpenSsh("segura " + engine.name(), random);
                })
                .flatMap(version -> audit.append(AuditEvent.builder(AuditEventType.SECRET_WRITTEN).subject(BROKER)
                                .secrets(List.of(version.ref()))
                                .details(Map.of("generated", true, "engine", engine.name(),
                                        "ssh_ca_fingerprint", generated[0].fingerprint())))
                        .doOnSuccess(done -> log.info("generated the SSH CA key of {} into the vault at {} ({} {})",
                                engine.name(), version.ref(), type.wireName(), generated[0].fingerprint())))
                .as(tx::transactional)
                .then();
    }

    private CaKey parse(SshEngineSpec engine, SecretValue value) {
        Parsed cached = parsed.get(value.path());
        if (cached != null && cached.version() == value.version()) {
            return cached.key();
        }
        try {
            CaKey key = CaKey.fromOpenSsh(value.value());
            parsed.put(value.path(), new Parsed(value.version(), key));
            return key;
        } catch (MalformedKeyException e) {
            // The message describes the structure only; the value never reaches a log or an answer.
            log.error("the SSH CA key of {} at {}@{} cannot be used: it {}", engine.name(), value.path(),
                    value.version(), e.getMessage());
            throw Refusal.internal("ssh-ca-key-invalid", "the CA key of " + engine.name() + " in the vault cannot be "
                    + "used; the operator has been told in the broker log");
        }
    }
}

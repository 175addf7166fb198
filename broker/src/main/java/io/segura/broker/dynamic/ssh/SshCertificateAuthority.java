// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.dynamic.ssh;

import io.segura.broker.Refusal;
import io.segura.broker.audit.AuditLog;
import io.segura.broker.config.Durations;
import io.segura.broker.config.PrincipalTemplate;
import io.segura.broker.config.SshEngineSpec;
import io.segura.broker.federation.Quote;
import io.segura.broker.federation.RunContext;
import io.segura.broker.vault.SecretStore;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.springframework.transaction.reactive.TransactionalOperator;
import reactor.core.publisher.Mono;

/**
 * The SSH user-certificate authority of the {@code ssh} dynamic-secret engines (DESIGN §6a): signs a caller's public
 * key as an OpenSSH user certificate (PROTOCOL.certkeys) whose principals come from the engine's templates filled
 * with the run context, whose {@code valid-before} is the lease's expiry and whose critical options and extensions
 * are the engine's; publishes each CA's public key and its KRL (PROTOCOL.krl) of revoked serials.
 *
 * <p>A certificate cannot be revoked early on a host that does not load the KRL: its validity is the guarantee,
 * which is why {@code max-ttl} caps it. {@link #revoke} marks a certificate for the KRL ({@link SshEngine} calls it
 * when the certificate's lease ends).
 */
public final class SshCertificateAuthority {

    /** Revoked certificates stay in the KRL this long after they expire, for hosts whose clock runs behind. */
    static final Duration KRL_EXPIRED_GRACE = Duration.ofHours(1);
    static final int NONCE_BYTES = 32;
    private static final int MAX_KEY_ID_VALUE = 128;

    private final Map<String, SshEngineSpec> byName;
    private final Map<String, SshEngineSpec> byCa;
    private final SshCaKeys keys;
    private final SshCertificateStore store;
    private final Clock clock;
    private final SecureRandom random;

    public SshCertificateAuthority(List<SshEngineSpec> engines, SecretStore secrets, AuditLog audit,
            TransactionalOperator tx, SshCertificateStore store, Clock clock, SecureRandom random) {
        this.byName = new LinkedHashMap<>();
        this.byCa = new LinkedHashMap<>();
        for (SshEngineSpec e : engines) {
            byName.put(e.name(), e);
            byCa.put(e.ca(), e);
        }
        this.keys = new SshCaKeys(secrets, audit, tx, random);
        this.store = Objects.requireNonNull(store, "store cannot be null");
        this.clock = Objects.requireNonNull(clock, "clock cannot be null");
        this.random = Objects.requireNonNull(random, "random cannot be null");
    }

    /** The engine named {@code name} ({@code ssh/deploy}), e.g. for its {@code max-ttl} when capping a lease. */
    public Optional<SshEngineSpec> engine(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /** Signs the request's public key; the certificate row is written on the caller's transaction if there is one. */
    public Mono<SignedCertificate> sign(SshSignRequest request) {
        return Mono.defer(() -> {
            SshEngineSpec engine = byName.get(request.name());
            if (engine == null) {
                throw Refusal.notFound("unknown-dynamic-secret", "no SSH engine is named "
                        + Quote.value(request.name()));
            }
            UserPublicKey key = callerKey(request.publicKey());
            if (!engine.keyTypes().contains(key.type().wireName())) {
                throw Refusal.invalid("key-type-not-allowed", engine.name() + " does not sign "
                        + key.type().wireName() + " keys; it signs " + String.join(", ",
                        new TreeSet<>(engine.keyTypes())));
            }
            Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
            Instant validBefore = request.validBefore().truncatedTo(ChronoUnit.SECONDS);
            if (!validBefore.isAfter(now)) {
                throw Refusal.invalid("ttl-invalid", "the certificate's valid-before (the lease's expiry) is not in "
                        + "the future");
            }
            Duration ttl = Duration.between(now, validBefore);
            if (ttl.compareTo(engine.maxTtl()) > 0) {
                throw Refusal.invalid("ttl-over-cap", "a certificate of " + engine.name() + " lives at most "
                        + Durations.format(engine.maxTtl()) + ", asked for " + Durations.format(ttl));
            }
            List<String> principals = principals(engine, request.ctx());
            String keyId = keyId(engine, request);
            Instant validAfter = now.minus(engine.backdate());
            byte[] nonce = new byte[NONCE_BYTES];
            random.nextBytes(nonce);
            return keys.key(engine).flatMap(ca -> store.nextSerial().flatMap(serial -> {
                UserCertificate contents = new UserCertificate(key, nonce, serial, keyId, principals, validAfter,
                        validBefore, engine.criticalOptions(), engine.extensions());
                byte[] blob = contents.sign(ca);
                SignedCertificate signed = new SignedCertificate(engine.name(), serial, keyId, principals, validAfter,
                        validBefore, UserCertificate.line(key.type(), blob, engine.name()), key.fingerprint(),
                        ca.fingerprint());
                return store.record(signed, ca.publicKeyLine(null), request.leaseId(), clock.instant())
                        .thenReturn(signed);
            }));
        });
    }

    /** {@code TYPE BASE64 segura ssh/<ca>}: the line for a host's {@code TrustedUserCAKeys} file. */
    public Mono<String> publicKey(String ca) {
        return Mono.defer(() -> {
            SshEngineSpec engine = byCa(ca);
            return keys.key(engine).map(k -> k.publicKeyLine("segura " + engine.name()));
        });
    }

    /**
     * The CA's KRL: the serials of its revoked certificates that have not been expired for
     * {@link #KRL_EXPIRED_GRACE} yet, one section per CA key that signed them. Its version is the time of the
     * latest revocation in it (milliseconds), so it grows with every revocation.
     */
    public Mono<byte[]> krl(String ca) {
        return Mono.defer(() -> {
            SshEngineSpec engine = byCa(ca);
            Instant now = clock.instant();
            return store.revoked(engine.name(), now.minus(KRL_EXPIRED_GRACE)).collectList().map(rows -> {
                Map<String, SortedSet<Long>> byKey = rows.stream().collect(Collectors.groupingBy(
                        SshCertificateStore.Row::caKey, LinkedHashMap::new,
                        Collectors.mapping(SshCertificateStore.Row::serial, Collectors.toCollection(TreeSet::new))));
                List<KeyRevocationList.RevokedBy> sections = new ArrayList<>();
                byKey.forEach((line, serials) -> sections.add(new KeyRevocationList.RevokedBy(
                        Base64.getDecoder().decode(line.split(" ")[1]), serials)));
                long version = rows.stream().mapToLong(r -> r.revokedAt().toEpochMilli()).max().orElse(0);
                return new KeyRevocationList(version, now, "segura " + engine.name(), sections).encode();
            });
        });
    }

    /** Marks every certificate of {@code leaseId} revoked (for the KRL), e.g. by hand after a lost revocation. */
    public Mono<Long> revokeLease(String leaseId) {
        return store.revokeLease(leaseId, clock.instant());
    }

    /** Marks one certificate of {@code engine} revoked; false when it is unknown or already revoked. */
    public Mono<Boolean> revoke(String engine, long serial) {
        return store.revoke(engine, serial, clock.instant());
    }

    private SshEngineSpec byCa(String ca) {
        SshEngineSpec engine = byCa.get(ca);
        if (engine == null) {
            throw Refusal.notFound("unknown-ssh-ca", "no SSH certificate authority is named " + Quote.value(ca)
                    + "; the name is an ssh engine's name without ssh/");
        }
        return engine;
    }

    private static UserPublicKey callerKey(String line) {
        try {
            return UserPublicKey.parse(line);
        } catch (MalformedKeyException e) {
            throw Refusal.invalid("invalid-public-key", "public_key " + e.getMessage());
        }
    }

    /** The engine's principal templates filled with {@code ctx}, in order, without duplicates. */
    static List<String> principals(SshEngineSpec engine, RunContext ctx) {
        Map<String, Object> values = ctx.asMap();
        Set<String> out = new LinkedHashSet<>();
        for (PrincipalTemplate template : engine.principals()) {
            StringBuilder principal = new StringBuilder();
            for (PrincipalTemplate.Part part : template.parts()) {
                if (part.text() != null) {
                    principal.append(part.text());
                    continue;
                }
                Object value = values.get(part.field());
                if (value == null || value.toString().isEmpty()) {
                    throw Refusal.invalid("principal-unavailable", engine.name() + " names its principals after "
                            + "ctx." + part.field() + ", which this run's identity does not carry");
                }
                if (!PrincipalTemplate.PRINCIPAL.matcher(value.toString()).matches()) {
                    throw Refusal.invalid("principal-invalid", "ctx." + part.field() + " " + Quote.value(
                            value.toString()) + " cannot be part of an SSH principal (only A-Z a-z 0-9 . _ @ / + : = "
                            + "-, at most 255)");
                }
                principal.append(value);
            }
            if (!PrincipalTemplate.PRINCIPAL.matcher(principal).matches()) {
                throw Refusal.invalid("principal-invalid", "a principal of " + engine.name() + " filled with this "
                        + "run's context is longer than 255 characters");
            }
            out.add(principal.toString());
        }
        return List.copyOf(out);
    }

    /**
     * The key id sshd logs with every login ({@code ID "…" (serial N) CA …}): the lease, engine, role and the run,
     * each value reduced to printable characters so a log line cannot be forged through it.
     */
    static String keyId(SshEngineSpec engine, SshSignRequest request) {
        StringBuilder id = new StringBuilder("segura");
        append(id, "lease", request.leaseId());
        append(id, "engine", engine.name());
        append(id, "role", request.role());
        append(id, "repository", request.ctx().repository());
        append(id, "ref", request.ctx().ref());
        append(id, "run", request.ctx().runId());
        return id.toString();
    }

    private static void append(StringBuilder id, String name, String value) {
        if (value == null || value.isEmpty()) {
            return;
        }
        String clean = value.replaceAll("[^\\x21-\\x7e]", "_").replace('"', '_');
        id.append(' ').append(name).append('=')
                .append(clean.length() <= MAX_KEY_ID_VALUE ? clean : clean.substring(0, MAX_KEY_ID_VALUE));
    }
}

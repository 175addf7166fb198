// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.exchange;

import io.segura.broker.Refusal;
import io.segura.broker.anomaly.AnomalyBlocks;
import io.segura.broker.audit.AuditEvent;
import io.segura.broker.audit.AuditEventType;
import io.segura.broker.audit.AuditLog;
import io.segura.broker.config.ClientSpec;
import io.segura.broker.federation.Quote;
import io.segura.broker.session.SessionIssuer;
import io.segura.broker.session.SessionToken;
import io.segura.broker.trust.Admission;
import io.segura.broker.trust.Applicant;
import io.segura.broker.trust.TrustRole;
import io.segura.broker.tls.ClientCertificateCheck;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Collectors;
import javax.security.auth.x500.X500Principal;
import reactor.core.publisher.Mono;

/**
 * The OAuth 2.0 client-credentials grant for platforms without job OIDC (Bamboo, Jenkins without oidc-provider):
 * a client authenticated by its secret (stored as SHA-256 in the config) or by its mTLS certificate subject is
 * admitted ({@link Admission}) into a role that lists it.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6749#section-4.4">RFC 6749 §4.4</a>
 */
public final class ClientCredentialsService {

    /** Compared against when the client id is unknown, so timing does not tell known ids from unknown ones. */
    private static final byte[] UNKNOWN_CLIENT_DIGEST = new byte[32];

    private final Map<String, ClientSpec> clients;
    private final Admission admission;
    private final SessionIssuer sessions;
    private final AuditLog audit;
    private final RateLimiter perIp;
    private final ExchangeMetrics metrics;
    private final ClientCertificateCheck certificateCheck;
    private final AnomalyBlocks blocks;

    public ClientCredentialsService(List<ClientSpec> clients, Admission admission, SessionIssuer sessions,
            AuditLog audit, RateLimiter perIp, ExchangeMetrics metrics, ClientCertificateCheck certificateCheck) {
        this(clients, admission, sessions, audit, perIp, metrics, certificateCheck, null);
    }

    /** @param blocks the anomaly blocks in force (a client's subject is {@code client:ID}); {@code null}: none */
    public ClientCredentialsService(List<ClientSpec> clients, Admission admission, SessionIssuer sessions,
            AuditLog audit, RateLimiter perIp, ExchangeMetrics metrics, ClientCertificateCheck certificateCheck,
            AnomalyBlocks blocks) {
        this.blocks = blocks;
        this.clients = clients.stream().collect(Collectors.toUnmodifiableMap(ClientSpec::id, Function.identity()));
        this.admission = Objects.requireNonNull(admission, "admission cannot be null");
        this.sessions = Objects.requireNonNull(sessions, "sessions cannot be null");
        this.audit = Objects.requireNonNull(audit, "audit cannot be null");
        this.perIp = Objects.requireNonNull(perIp, "perIp cannot be null");
        this.metrics = Objects.requireNonNull(metrics, "metrics cannot be null");
        this.certificateCheck = Objects.requireNonNull(certificateCheck, "certificateCheck cannot be null");
    }

    public Mono<SessionIssuer.Issued> issue(ClientCredentialsRequest request) {
        long started = System.nanoTime();
        var wait = perIp.acquire("ip:" + request.clientIp());
        if (wait.isPresent()) {
            metrics.denied("rate-limited-ip");
            return Mono.error(Refusal.throttled("rate-limited", "too many token requests from "
                    + request.clientIp(), wait.get()));
        }
        return Mono.fromCallable(() -> authenticate(request))
                .flatMap(client -> {
                    Applicant applicant = Applicant.client(client.id());
                    TrustRole role = admission.admit(applicant, request.role());
                    var block = blocks == null ? java.util.Optional.<io.segura.broker.anomaly.Block>empty()
                            : blocks.blocking(role.name(), applicant.subject());
                    if (block.isPresent()) {
                        return Mono.error(AnomalyBlocks.refusal(block.get()));
                    }
                    return sessions.issue(role, applicant, null, AuditEvent.builder(AuditEventType.TOKEN_EXCHANGED)
                                    .role(role.name()).subject(applicant.subject()).clientIp(request.clientIp())
                                    .ctx(applicant.ctx()),
                            Map.of("grant", "client_credentials", "client_id", client.id()));
                })
                .doOnSuccess(s -> metrics.exchanged(s.role(), System.nanoTime() - started))
                .onErrorResume(Refusal.class, e -> {
                    metrics.denied(e.reason());
                    AuditEvent.Builder entry = AuditEvent.builder(AuditEventType.TOKEN_REJECTED).role(request.role())
                            .subject(request.clientId() == null ? null : "client:" + request.clientId())
                            .clientIp(request.clientIp()).reason(e.reason() + ": " + e.getMessage())
                            .details(Map.of("grant", "client_credentials"));
                    return audit.appendRefusal(entry, request.requestId()).then(Mono.error(e));
                });
    }

    private ClientSpec authenticate(ClientCredentialsRequest request) {
        if (!request.certificates().isEmpty() && request.clientSecret() == null) {
            // dates, key usage and CA first: a subject only means something in a certificate the broker trusts
            certificateCheck.verify(request.certificates());
            X500Principal presented = request.certificates().get(0).getSubjectX500Principal();
            return clients.values().stream()
                    .filter(c -> c.mtlsSubject() != null)
                    .filter(c -> new X500Principal(c.mtlsSubject()).equals(presented))
                    .filter(c -> request.clientId() == null || c.id().equals(request.clientId()))
                    .findFirst()
                    .orElseThrow(() -> Refusal.unauthenticated("client-certificate-unknown-subject",
                            "client certificate subject " + Quote.value(presented.getName()) + " (serial "
                                    + request.certificates().get(0).getSerialNumber().toString(16) + ")"
                                    + (request.clientId() == null ? "" : " with client_id "
                                    + Quote.value(request.clientId()))
                                    + " is not a registered client (trust YAML clients[].mtls-subject)"));
        }
        if (request.clientId() == null || request.clientSecret() == null) {
            throw Refusal.unauthenticated("invalid-client", "client authentication is required (HTTP Basic "
                    + "client_id:secret, or an mTLS client certificate)");
        }
        ClientSpec client = clients.get(request.clientId());
        byte[] expected = client == null || client.secretSha256() == null
                ? UNKNOWN_CLIENT_DIGEST : HexFormat.of().parseHex(client.secretSha256());
        byte[] presented = HexFormat.of().parseHex(SessionToken.sha256Hex(request.clientSecret()));
        boolean ok = MessageDigest.isEqual(expected, presented);
        if (client == null || client.secretSha256() == null || !ok) {
            throw Refusal.unauthenticated("invalid-client", "client " + Quote.value(request.clientId())
                    + " failed authentication");
        }
        return client;
    }
}

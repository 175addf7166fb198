// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.exchange;

import io.segura.broker.audit.AuditEvent;
import io.segura.broker.audit.AuditEventType;
import io.segura.broker.audit.AuditLog;
import io.segura.broker.config.ClientSpec;
import io.segura.broker.federation.RunContext;
import io.segura.broker.policy.DeploymentGate;
import io.segura.broker.session.SessionToken;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import javax.security.auth.x500.X500Principal;
import reactor.core.publisher.Mono;

/**
 * The OAuth 2.0 client-credentials grant for platforms without job OIDC (Bamboo, Jenkins without oidc-provider):
 * a client authenticated by its secret (stored as SHA-256 in the config) or by its mTLS certificate subject is
 * admitted into a role that lists it.
 *
 * @see <a href="https://www.rfc-editor.org/rfc/rfc6749#section-4.4">RFC 6749 §4.4</a>
 */
public final class ClientCredentialsService {

    /** Compared against when the client id is unknown, so timing does not tell known ids from unknown ones. */
    private static final byte[] UNKNOWN_CLIENT_DIGEST = new byte[32];

    private final Map<String, ClientSpec> clients;
    private final TrustRoles roles;
    private final TokenExchangeService.SessionIssuer sessions;
    private final AuditLog audit;
    private final RateLimiter perIp;
    private final ExchangeMetrics metrics;
    private final DeploymentGate gate;

    public ClientCredentialsService(List<ClientSpec> clients, TrustRoles roles,
            TokenExchangeService.SessionIssuer sessions, AuditLog audit, RateLimiter perIp,
            ExchangeMetrics metrics, DeploymentGate gate) {
        this.clients = clients.stream().collect(Collectors.toUnmodifiableMap(ClientSpec::id, Function.identity()));
        this.roles = Objects.requireNonNull(roles, "roles cannot be null");
        this.sessions = Objects.requireNonNull(sessions, "sessions cannot be null");
        this.audit = Objects.requireNonNull(audit, "audit cannot be null");
        this.perIp = Objects.requireNonNull(perIp, "perIp cannot be null");
        this.metrics = Objects.requireNonNull(metrics, "metrics cannot be null");
        this.gate = Objects.requireNonNull(gate, "gate cannot be null");
    }

    public Mono<IssuedSession> issue(ClientCredentialsRequest request) {
        long started = System.nanoTime();
        var wait = perIp.acquire("ip:" + request.clientIp());
        if (wait.isPresent()) {
            metrics.denied("rate-limited-ip");
            return Mono.error(OAuthException.rateLimited("too many token requests from " + request.clientIp(),
                    wait.get()));
        }
        return Mono.fromCallable(() -> authenticate(request))
                .flatMap(client -> {
                    TrustRole role = chooseRole(client, request.role());
                    String subject = "client:" + client.id();
                    Map<String, Object> ctx = RunContext.none("oauth-client").asMap();
                    // A client role's condition sees claims = {client_id} and an empty ctx.
                    TokenExchangeService.requireCondition(gate, role, Map.of("client_id", client.id()), ctx,
                            request.role());
                    return sessions.issue(role, null, client.id(), subject, ctx, Map.of("client_id", client.id()),
                            AuditEvent.builder(AuditEventType.TOKEN_EXCHANGED).role(role.name()).subject(subject)
                                    .clientIp(request.clientIp()).ctx(ctx),
                            Map.of("grant", "client_credentials", "client_id", client.id()), Optional.empty());
                })
                .doOnSuccess(s -> metrics.exchanged(s.role(), System.nanoTime() - started))
                .onErrorResume(OAuthException.class, e -> {
                    metrics.denied(e.reason());
                    AuditEvent.Builder entry = AuditEvent.builder(AuditEventType.TOKEN_REJECTED).role(request.role())
                            .subject(request.clientId() == null ? null : "client:" + request.clientId())
                            .clientIp(request.clientIp()).reason(e.reason() + ": " + e.getMessage());
                    return audit.append(entry).onErrorResume(x -> Mono.empty()).then(Mono.error(e));
                });
    }

    private ClientSpec authenticate(ClientCredentialsRequest request) {
        if (request.certificateSubject() != null && request.clientSecret() == null) {
            X500Principal presented = new X500Principal(request.certificateSubject());
            return clients.values().stream()
                    .filter(c -> c.mtlsSubject() != null)
                    .filter(c -> new X500Principal(c.mtlsSubject()).equals(presented))
                    .filter(c -> request.clientId() == null || c.id().equals(request.clientId()))
                    .findFirst()
                    .orElseThrow(() -> OAuthException.invalidClient(
                            "client certificate subject \"" + presented.getName() + "\" is not a known client"));
        }
        if (request.clientId() == null || request.clientSecret() == null) {
            throw OAuthException.invalidClient("client authentication is required (HTTP Basic client_id:secret,"
                    + " or an mTLS client certificate)");
        }
        ClientSpec client = clients.get(request.clientId());
        byte[] expected = client == null || client.secretSha256() == null
                ? UNKNOWN_CLIENT_DIGEST : HexFormat.of().parseHex(client.secretSha256());
        byte[] presented = HexFormat.of().parseHex(SessionToken.sha256Hex(request.clientSecret()));
        boolean ok = MessageDigest.isEqual(expected, presented);
        if (client == null || client.secretSha256() == null || !ok) {
            throw OAuthException.invalidClient("client \"" + request.clientId() + "\" failed authentication");
        }
        return client;
    }

    private TrustRole chooseRole(ClientSpec client, String requested) {
        if (requested != null) {
            return roles.byName(requested)
                    .filter(r -> r.trustsClient(client.id()))
                    .orElseThrow(() -> OAuthException.invalidScope("role \"" + requested
                            + "\" does not exist or does not accept client \"" + client.id() + "\""));
        }
        List<TrustRole> candidates = roles.forClient(client.id());
        if (candidates.size() == 1) {
            return candidates.get(0);
        }
        if (candidates.isEmpty()) {
            throw OAuthException.invalidScope("no role accepts client \"" + client.id() + "\"");
        }
        throw OAuthException.invalidScope("client \"" + client.id() + "\" may use several roles ("
                + candidates.stream().map(TrustRole::name).collect(Collectors.joining(", "))
                + "); choose one with scope=role:NAME");
    }

}

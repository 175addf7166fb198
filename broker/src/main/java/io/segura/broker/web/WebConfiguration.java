// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.web;

import static org.springframework.web.reactive.function.server.RequestPredicates.DELETE;
import static org.springframework.web.reactive.function.server.RequestPredicates.GET;
import static org.springframework.web.reactive.function.server.RequestPredicates.POST;
import static org.springframework.web.reactive.function.server.RequestPredicates.PUT;

import io.segura.broker.BrokerSettings;
import io.segura.broker.admin.MasterKeyRotation;
import io.segura.broker.admin.SecretAdministration;
import io.segura.broker.admin.WebhookReplayCache;
import io.segura.broker.admin.WebhookSignature;
import io.segura.broker.audit.AuditLog;
import io.segura.broker.audit.AuditQuery;
import io.segura.broker.audit.AuditVerifier;
import io.segura.broker.dev.DevIssuer;
import io.segura.broker.dynamic.DynamicRevoker;
import io.segura.broker.dynamic.DynamicSecrets;
import io.segura.broker.dynamic.ssh.SshCertificateAuthority;
import io.segura.broker.exchange.ClientCredentialsService;
import io.segura.broker.exchange.RateLimiter;
import io.segura.broker.exchange.TokenExchangeService;
import io.segura.broker.anomaly.AnomalyBlocks;
import io.segura.broker.export.Exports;
import io.segura.broker.lease.LeaseExplainer;
import io.segura.broker.lease.LeaseService;
import io.segura.broker.lease.SessionAdmission;
import io.segura.broker.lease.SessionRevocations;
import io.segura.broker.usage.UsageQuery;
import io.segura.broker.sync.SyncService;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;
import tools.jackson.databind.json.JsonMapper;

/** The HTTP surface of DESIGN §5 as functional routes over the capability services. */
@Configuration(proxyBeanMethods = false)
public class WebConfiguration {

    /**
     * {@code GET /api/v2/admin/secrets/{path}/usage} (DESIGN §5). A path pattern cannot continue after a catch-all, so
     * the suffix is recognised here: the metadata of a secret whose last segment is {@code usage} is therefore not
     * reachable by {@code GET …/secrets/{path}} (it is listed by {@code GET …/secrets?prefix=}).
     */
    private static final String USAGE = "/usage";

    /** Static: a post-processor must exist before the beans it processes. */
    @Bean
    static BeanPostProcessor codecListCache() {
        return new BeanPostProcessor() {
            @Override
            public Object postProcessAfterInitialization(Object bean, String beanName) {
                return bean instanceof ServerCodecConfigurer codecs && !(bean instanceof CodecListCache)
                        ? new CodecListCache(codecs) : bean;
            }
        };
    }

    @Bean
    RequestIdFilter requestIdFilter() {
        return new RequestIdFilter();
    }

    @Bean
    ClientAddressFilter clientAddressFilter(org.springframework.core.env.Environment env) {
        return new ClientAddressFilter(TrustedProxies.parse(env.getProperty("segura.trusted-proxies")),
                ClientAddressHeader.parse(env.getProperty("segura.client-address-header")));
    }

    /** {@code SEGURA_PROXY_PROTOCOL=true}: PROXY headers from trusted proxies ({@link ProxyProtocol}); off by default. */
    @Bean
    org.springframework.boot.reactor.netty.NettyServerCustomizer proxyProtocol(
            org.springframework.core.env.Environment env) {
        String setting = env.getProperty("segura.proxy-protocol", "false").trim();
        if (setting.equalsIgnoreCase("false")) {
            return server -> server;
        }
        if (!setting.equalsIgnoreCase("true")) {
            throw new IllegalArgumentException("SEGURA_PROXY_PROTOCOL: '" + setting + "' is neither true nor false");
        }
        return new ProxyProtocol(TrustedProxies.parse(env.getProperty("segura.trusted-proxies")));
    }

    @Bean
    RequestDeadlineFilter requestDeadlineFilter(BrokerSettings settings) {
        return new RequestDeadlineFilter(settings.requestTimeout());
    }

    @Bean
    ProblemHandler problemHandler(JsonMapper json) {
        return new ProblemHandler(json);
    }

    @Bean
    RouterFunction<ServerResponse> routes(BrokerSettings settings, TokenExchangeService exchange,
            ClientCredentialsService clientCredentials, LeaseService leases, SessionAdmission admission,
            SecretAdministration secrets, AuditQuery auditQuery, AuditVerifier auditVerifier, JsonMapper json,
            Clock clock, ObjectProvider<DevIssuer> devIssuer, LeaseExplainer explainer, AuditLog audit,
            MasterKeyRotation rekey, DynamicSecrets dynamicSecrets, DynamicRevoker dynamicRevoker,
            SyncService sync, Exports exports, UsageQuery usageQuery, SessionRevocations sessionRevocations,
            AnomalyBlocks anomalyBlocks) {
        TokenEndpoint token = new TokenEndpoint(exchange, clientCredentials, leases, audit);
        LeaseHandler lease = new LeaseHandler(admission, leases, json);
        AdminHandler admin = new AdminHandler(secrets, leases, sessionRevocations, auditQuery, auditVerifier, json);
        UsageHandler usage = new UsageHandler(usageQuery, clock);
        RekeyHandler rekeyHandler = new RekeyHandler(rekey, json);
        DynamicSecretHandler dynamic = new DynamicSecretHandler(admission, dynamicSecrets, dynamicRevoker, json);
        SyncHandler syncHandler = new SyncHandler(sync);
        ExportHandler exportHandler = new ExportHandler(exports, audit, json);
        BlockHandler blockHandler = new BlockHandler(anomalyBlocks);
        AdminAuthentication adminAuth = new AdminAuthentication(settings.adminToken(), audit);
        PolicyHandler policy = new PolicyHandler(explainer, admission, adminAuth, json);
        String webhookSecret = settings.exposureWebhookSecret();
        ExposureWebhookHandler exposures = new ExposureWebhookHandler(webhookSecret == null || webhookSecret.isEmpty()
                ? null : new WebhookSignature(webhookSecret, clock), new WebhookReplayCache(clock),
                new RateLimiter(settings.exposureWebhookRatePerIp(), settings.exposureWebhookRatePerIp() * 2, clock),
                secrets, json, audit);

        RouterFunction<ServerResponse> adminRoutes = RouterFunctions.route()
                .PUT("/api/v2/admin/secrets/{*path}", admin::write)
                .POST("/api/v2/admin/secrets/{*path}", admin::action)
                .GET("/api/v2/admin/secrets/{*path}", request -> request.pathVariable("path").length() <= 1
                        ? admin.list(request) : request.pathVariable("path").endsWith(USAGE)
                        ? usage.secretUsage(request, AdminHandler.path(request).substring(0,
                                AdminHandler.path(request).length() - USAGE.length()))
                        : admin.metadata(request))
                .GET("/api/v2/admin/usage/stale", usage::stale)
                .GET("/api/v2/admin/usage/old-versions", usage::oldVersions)
                .DELETE("/api/v2/admin/sessions", admin::revokeSessions)
                .GET("/api/v2/admin/secrets", admin::list)
                .GET("/api/v2/admin/leases", admin::leases)
                .DELETE("/api/v2/admin/leases", admin::revokeLeases)
                .DELETE("/api/v2/admin/leases/{id}", admin::revokeLease)
                .GET("/api/v2/admin/audit/verify", admin::verify)
                .GET("/api/v2/admin/dynamic-secrets/revocations", dynamic::revocations)
                .POST("/api/v2/admin/rekey", rekeyHandler::start)
                .GET("/api/v2/admin/rekey", rekeyHandler::status)
                .GET("/api/v2/admin/sync", syncHandler::status)
                .POST("/api/v2/admin/sync/run", syncHandler::run)
                .GET("/api/v2/a2a/events", admin::events)
                .POST("/api/v2/a2a/webhooks", exportHandler::register)
                .GET("/api/v2/a2a/webhooks", exportHandler::list)
                .DELETE("/api/v2/a2a/webhooks/{id}", exportHandler::delete)
                .GET("/api/v2/admin/exports/dead-letters", exportHandler::deadLetters)
                .POST("/api/v2/admin/exports/dead-letters/{id}/replay", exportHandler::replay)
                .DELETE("/api/v2/admin/exports/dead-letters/{id}", exportHandler::drop)
                .GET("/api/v2/admin/blocks", blockHandler::list)
                .DELETE("/api/v2/admin/blocks/{id}", blockHandler::lift)
                .filter(adminAuth)
                .build();

        RouterFunctions.Builder builder = RouterFunctions.route()
                .POST("/oauth2/token", token::token)
                .POST("/oauth2/revoke", token::revoke)
                .POST("/api/v2/a2a/leases", lease::create)
                .POST("/api/v2/a2a/leases/{id}/renew", lease::renew)
                .DELETE("/api/v2/a2a/leases/{id}", lease::revoke)
                .GET("/api/v2/a2a/secrets/{*path}", lease::secret)
                .POST("/api/v2/a2a/dynamic-secrets", dynamic::create)
                .POST("/api/v2/policy/evaluate", policy::evaluate)
                .POST("/api/v2/webhooks/exposures", exposures::receive)
                .GET("/.well-known/segura", request -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON)
                        .bodyValue(wellKnown(settings, adminAuth.enabled())))
                .add(adminRoutes);
        DevIssuer dev = devIssuer.getIfAvailable();
        if (dev != null) {
            DevIssuerHandler devHandler = new DevIssuerHandler(dev);
            builder.GET("/dev/oidc/.well-known/openid-configuration", devHandler::discovery)
                    .GET("/dev/oidc/jwks", devHandler::jwks)
                    .POST("/dev/oidc/token", devHandler::token);
        }
        return builder.build();
    }

    /**
     * The SSH CAs' public routes ({@link SshCaHandler}), a router of their own so the dynamic-secrets request route
     * can be added to {@link #routes} without touching these.
     */
    @Bean
    RouterFunction<ServerResponse> sshCaRoutes(SshCertificateAuthority authority) {
        SshCaHandler ssh = new SshCaHandler(authority);
        return RouterFunctions.route()
                .GET("/api/v2/ssh/{ca}/public-key", ssh::publicKey)
                .GET("/api/v2/ssh/{ca}/krl", ssh::krl)
                .build();
    }

    private static Map<String, Object> wellKnown(BrokerSettings settings, boolean adminEnabled) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("service", "segura-broker");
        body.put("version", WebConfiguration.class.getPackage().getImplementationVersion() == null ? "dev"
                : WebConfiguration.class.getPackage().getImplementationVersion());
        body.put("token_endpoint", "/oauth2/token");
        body.put("revocation_endpoint", "/oauth2/revoke");
        body.put("grant_types_supported", List.of(TokenEndpoint.TOKEN_EXCHANGE, TokenEndpoint.CLIENT_CREDENTIALS));
        body.put("subject_token_types_supported", TokenEndpoint.SUBJECT_TOKEN_TYPES);
        Map<String, Object> features = new LinkedHashMap<>();
        features.put("token_exchange", true);
        features.put("client_credentials", true);
        features.put("leases", true);
        features.put("audit_chain", true);
        features.put("admin_api", adminEnabled);
        features.put("dev_mode", settings.dev());
        features.put("policies", true);
        features.put("conditions", true);
        features.put("policy_evaluate", true);
        features.put("exposure_webhook", settings.exposureWebhookSecret() != null
                && !settings.exposureWebhookSecret().isEmpty());
        features.put("dynamic_secrets", true);
        features.put("webhooks", true);
        features.put("exports", true);
        body.put("features", features);
        return body;
    }
}

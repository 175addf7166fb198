// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.web;

import io.segura.broker.Refusal;
import io.segura.broker.trust.RoleCheck;
import io.segura.broker.lease.Explanation;
import io.segura.broker.lease.LeaseExplainer;
import io.segura.broker.lease.LeaseRequest;
import io.segura.broker.policy.Decision;
import io.segura.broker.lease.SessionAdmission;
import io.segura.broker.vault.SecretRef;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /api/v2/policy/evaluate}, the dry run: with the admin token, any identity ({@code claims} or a
 * {@code subject_token}) against any {@code role}, expected values and expressions shown; with a CI session token,
 * the session's own role, without them. Nothing is written and no jti is consumed (a refused session token is
 * audited, as on every session-token endpoint).
 */
final class PolicyHandler {

    private static final Set<String> ADMIN_FIELDS = Set.of("claims", "subject_token", "issuer", "role", "secrets",
            "ttl");
    private static final Set<String> SESSION_FIELDS = Set.of("role", "secrets", "ttl");

    private final LeaseExplainer explainer;
    private final SessionAdmission admission;
    private final AdminAuthentication admin;
    private final JsonMapper json;

    PolicyHandler(LeaseExplainer explainer, SessionAdmission admission, AdminAuthentication admin, JsonMapper json) {
        this.explainer = Objects.requireNonNull(explainer, "explainer cannot be null");
        this.admission = Objects.requireNonNull(admission, "admission cannot be null");
        this.admin = Objects.requireNonNull(admin, "admin cannot be null");
        this.json = Objects.requireNonNull(json, "json cannot be null");
    }

    Mono<ServerResponse> evaluate(ServerRequest request) {
        String authorization = request.headers().firstHeader(HttpHeaders.AUTHORIZATION);
        boolean console = AdminAuthentication.consoleSession(request);
        if (!console && (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7))) {
            return Mono.error(Refusal.unauthenticated("the admin token or a session token is required: "
                    + "Authorization: Bearer …"));
        }
        String bearer = console ? null : authorization.substring(7).trim();
        SessionAdmission.Attempt attempt = LeaseHandler.attempt("evaluate", request);
        Mono<Explanation> explanation = console || admin.accepts(bearer)
                ? Bodies.json(request, json, Bodies.MAX_BODY).flatMap(this::forAdmin)
                : admission.admit(authorization, attempt).flatMap(session -> Bodies.json(request, json,
                        Bodies.MAX_BODY).flatMap(body -> {
                            LeaseHandler.unknownFields(body, SESSION_FIELDS);
                            JsonNode role = body.get("role");
                            if (role != null && !role.isNull()
                                    && !session.role().equals(LeaseHandler.text(role, "role"))) {
                                throw Refusal.forbidden("not-your-role", "a session may only evaluate its own "
                                        + "role \"" + session.role() + "\"");
                            }
                            return explainer.forSession(session, refs(body), ttl(body));
                        }).onErrorResume(Refusal.class, r -> admission.refused(session, r, attempt)));
        return explanation.flatMap(e -> ServerResponse.ok().contentType(MediaType.APPLICATION_JSON)
                .cacheControl(CacheControl.noStore()).bodyValue(view(e)));
    }

    private Mono<Explanation> forAdmin(JsonNode body) {
        LeaseHandler.unknownFields(body, ADMIN_FIELDS);
        // role (OPTIONAL): what the job would send as scope=role:NAME; absent = the role implied when it sends none
        JsonNode roleNode = body.get("role");
        String role = roleNode == null || roleNode.isNull() ? null : LeaseHandler.text(roleNode, "role");
        JsonNode claims = body.get("claims");
        JsonNode token = body.get("subject_token");
        if ((claims == null) == (token == null)) {
            throw Refusal.invalid("invalid-evaluate-request", "give exactly one of claims or subject_token");
        }
        if (token != null) {
            if (body.has("issuer")) {
                throw Refusal.invalid("invalid-evaluate-request", "issuer applies to claims only; a subject "
                        + "token names its own");
            }
            return explainer.forToken(LeaseHandler.text(token, "subject_token"), role, refs(body), ttl(body));
        }
        if (!claims.isObject()) {
            throw Refusal.invalid("invalid-evaluate-request", "claims must be a JSON object");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> claimMap = json.treeToValue(claims, Map.class);
        JsonNode issuer = body.get("issuer");
        return explainer.forClaims(claimMap, issuer == null || issuer.isNull() ? null
                : LeaseHandler.text(issuer, "issuer"), role, refs(body), ttl(body));
    }

    private static List<SecretRef> refs(JsonNode body) {
        JsonNode secrets = body.get("secrets");
        if (secrets == null || secrets.isNull()) {
            return List.of();
        }
        if (!secrets.isArray() || secrets.size() > LeaseRequest.MAX_SECRETS) {
            throw Refusal.invalid("invalid-evaluate-request", "secrets must be a list of at most "
                    + LeaseRequest.MAX_SECRETS + " paths");
        }
        List<SecretRef> refs = new ArrayList<>();
        for (JsonNode s : secrets) {
            refs.add(LeaseHandler.ref(LeaseHandler.text(s, "secrets[]")));
        }
        return refs;
    }

    private static Duration ttl(JsonNode body) {
        JsonNode ttl = body.get("ttl");
        return ttl == null || ttl.isNull() ? null : LeaseHandler.duration(LeaseHandler.text(ttl, "ttl"));
    }

    static Map<String, Object> view(Explanation e) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("decision", e.decision());
        body.put("role", e.role());
        body.put("scope", e.named() ? "role:" + e.role() : null);
        body.put("issuer_trusted", e.issuerTrusted());
        if (e.admission() != null) {
            Map<String, Object> admission = new LinkedHashMap<>();
            admission.put("reason", e.admission().reason());
            admission.put("claim", e.admission().claim());
            admission.put("detail", e.admission().getMessage());
            body.put("refused", admission);
        }
        List<Map<String, Object>> checks = new ArrayList<>();
        for (RoleCheck c : e.roleChecks()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("claim", c.claim());
            if (e.forAdmin()) {
                m.put("expected", c.expected());
            }
            m.put("actual", c.actual());
            m.put("ok", c.ok());
            checks.add(m);
        }
        body.put("role_checks", checks);
        Map<String, Object> condition = new LinkedHashMap<>();
        condition.put("present", e.hasCondition());
        if (e.forAdmin() && e.conditionSource() != null) {
            condition.put("expr", e.conditionSource());
        }
        if (e.condition() != null) {
            condition.put("ok", !e.condition().failed() && e.condition().value());
            condition.put("error", e.condition().error());
        }
        body.put("condition", condition);
        body.put("not_allowed", e.notAllowed());
        body.put("violations", Decision.maps(e.violations()));
        body.put("warnings", Decision.maps(e.warnings()));
        return body;
    }
}

// SPDX-License-Identifier: Apache-2.0
package io.segura.testkit.platform;

import com.nimbusds.jose.util.JSONObjectUtils;
import io.segura.testkit.oidc.IssuerSimulator;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * The GitHub Actions runner's OIDC token endpoint as a job sees it (PLATFORMS.md §1.1): the job gets
 * {@code ACTIONS_ID_TOKEN_REQUEST_URL} (already carrying {@code ?api-version=2.0}) and
 * {@code ACTIONS_ID_TOKEN_REQUEST_TOKEN}; a GET of that URL plus {@code &audience=X} with
 * {@code Authorization: bearer <request token>} answers {@code {"count": n, "value": "<JWT>"}}. Tokens are real
 * RS256 JWTs of the given {@link IssuerSimulator} carrying the given claims and the requested {@code aud} (without
 * {@code audience}, GitHub's default: the owner's URL). Wrong method 405, no {@code api-version} 400, wrong or
 * missing bearer 401.
 */
public final class GitHubTokenEndpoint implements AutoCloseable {

    private final IssuerSimulator issuer;
    private final Map<String, Object> claims;
    private final String requestToken;
    private final String path;
    private final LoopbackServer server;

    private GitHubTokenEndpoint(IssuerSimulator issuer, Map<String, ?> claims) {
        this.issuer = Objects.requireNonNull(issuer, "issuer cannot be null");
        this.claims = new LinkedHashMap<>(claims);
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        this.requestToken = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        this.path = "/Fa1b2c3/00000000-0000-0000-0000-000000000000/_apis/distributedtask/hubs/Actions/plans/"
                + UUID.randomUUID() + "/jobs/" + UUID.randomUUID() + "/idtoken";
        this.server = new LoopbackServer("github-token-endpoint", this::handle);
    }

    /** Serves tokens with {@code claims} (e.g. {@code Fixtures.claims("github-actions")}) signed by {@code issuer}. */
    public static GitHubTokenEndpoint start(IssuerSimulator issuer, Map<String, ?> claims) {
        return new GitHubTokenEndpoint(issuer, claims);
    }

    /** The value of {@code ACTIONS_ID_TOKEN_REQUEST_URL}. */
    public String requestUrl() {
        return server.origin() + path + "?api-version=2.0";
    }

    /** The value of {@code ACTIONS_ID_TOKEN_REQUEST_TOKEN}. */
    public String requestToken() {
        return requestToken;
    }

    public List<RecordedRequest> requests() {
        return server.requests();
    }

    private LoopbackServer.Response handle(RecordedRequest request) {
        if (!request.path().equals(path)) {
            return LoopbackServer.Response.json(404, "{\"message\":\"not found\"}");
        }
        if (!"GET".equals(request.method())) {
            return LoopbackServer.Response.json(405, "{\"message\":\"method not allowed\"}");
        }
        Map<String, String> query = request.query();
        if (!query.containsKey("api-version")) {
            return LoopbackServer.Response.json(400, "{\"message\":\"api-version is required\"}");
        }
        String auth = request.header("Authorization");
        if (auth == null || !auth.regionMatches(true, 0, "bearer ", 0, 7)
                || !auth.substring(7).equals(requestToken)) {
            return LoopbackServer.Response.json(401, "{\"message\":\"unauthorized\"}");
        }
        Map<String, Object> tokenClaims = new LinkedHashMap<>(claims);
        String audience = query.get("audience");
        tokenClaims.put("aud", audience != null ? audience : "https://github.com/" + claims.get("repository_owner"));
        tokenClaims.put("iss", issuer.issuer());
        tokenClaims.put("jti", UUID.randomUUID().toString());
        // Real tokens live 5 minutes; the fixture's fixed times would already have expired.
        tokenClaims.remove("iat");
        tokenClaims.remove("nbf");
        tokenClaims.remove("exp");
        String jwt = issuer.mint(tokenClaims);
        return LoopbackServer.Response.json(200, JSONObjectUtils.toJSONString(Map.of("count", jwt.length(),
                "value", jwt)));
    }

    @Override
    public void close() {
        server.close();
    }
}

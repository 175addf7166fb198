// SPDX-License-Identifier: Apache-2.0
package io.segura.testkit.platform;

import com.nimbusds.jose.util.JSONObjectUtils;
import io.segura.testkit.oidc.IssuerSimulator;
import java.security.SecureRandom;
import java.text.ParseException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * The Azure DevOps job OIDC endpoint behind {@code SYSTEM_OIDCREQUESTURI} (PLATFORMS.md §4.1): POST with
 * {@code ?api-version=…} (400 without), {@code Authorization: Bearer <System.AccessToken>} and a JSON body answers
 * {@code {"oidcToken": "<JWT>"}} whose {@code aud} is always {@code api://AzureADTokenExchange} (an audience in the
 * body is ignored). An unauthenticated request is redirected to sign-in (302) unless it carries
 * {@code X-TFS-FedAuthRedirect: Suppress}, which turns that into 401. Tokens are real RS256 JWTs of the given
 * {@link IssuerSimulator}.
 */
public final class AzureOidcEndpoint implements AutoCloseable {

    public static final String AUDIENCE = "api://AzureADTokenExchange";

    private final IssuerSimulator issuer;
    private final Map<String, Object> claims;
    private final String accessToken;
    private final String path;
    private final LoopbackServer server;

    private AzureOidcEndpoint(IssuerSimulator issuer, Map<String, ?> claims) {
        this.issuer = Objects.requireNonNull(issuer, "issuer cannot be null");
        this.claims = new LinkedHashMap<>(claims);
        byte[] random = new byte[40];
        new SecureRandom().nextBytes(random);
        this.accessToken = "eyJ0eXAiOiJKV1QifQ." + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        this.path = "/contoso/" + this.claims.getOrDefault("prj_id", UUID.randomUUID().toString())
                + "/_apis/distributedtask/hubs/build/plans/" + UUID.randomUUID() + "/jobs/" + UUID.randomUUID()
                + "/oidctoken";
        this.server = new LoopbackServer("azure-oidc-endpoint", this::handle);
    }

    /** Serves tokens with {@code claims} (e.g. {@code Fixtures.claims("azure-devops")}) signed by {@code issuer}. */
    public static AzureOidcEndpoint start(IssuerSimulator issuer, Map<String, ?> claims) {
        return new AzureOidcEndpoint(issuer, claims);
    }

    /** The value of {@code SYSTEM_OIDCREQUESTURI} (no query string, as the agent sets it). */
    public String requestUri() {
        return server.origin() + path;
    }

    /** The job's {@code System.AccessToken}. */
    public String accessToken() {
        return accessToken;
    }

    public List<RecordedRequest> requests() {
        return server.requests();
    }

    private LoopbackServer.Response handle(RecordedRequest request) {
        if (!request.path().equals(path)) {
            return LoopbackServer.Response.json(404, "{\"message\":\"not found\"}");
        }
        if (!"POST".equals(request.method())) {
            return LoopbackServer.Response.json(405, "{\"message\":\"method not allowed\"}");
        }
        if (!request.query().containsKey("api-version")) {
            return LoopbackServer.Response.json(400, "{\"message\":\"No api-version was supplied for the POST"
                    + " request.\",\"typeKey\":\"VssApiVersionNotSpecifiedException\"}");
        }
        String auth = request.header("Authorization");
        if (auth == null || !auth.equals("Bearer " + accessToken)) {
            if (!"Suppress".equals(request.header("X-TFS-FedAuthRedirect"))) {
                return new LoopbackServer.Response(302, Map.of("Location", "https://spsprodweu5.vssps.visualstudio"
                        + ".com/_signin?realm=dev.azure.com"), "");
            }
            return LoopbackServer.Response.json(401, "{\"message\":\"unauthorized\"}");
        }
        String contentType = request.header("Content-Type");
        if (contentType == null || !contentType.startsWith("application/json")) {
            return LoopbackServer.Response.json(415, "{\"message\":\"unsupported media type\"}");
        }
        try {
            JSONObjectUtils.parse(request.body());
        } catch (ParseException e) {
            return LoopbackServer.Response.json(400, "{\"message\":\"the body is not a JSON object\"}");
        }
        Map<String, Object> tokenClaims = new LinkedHashMap<>(claims);
        tokenClaims.put("aud", AUDIENCE);
        tokenClaims.put("iss", issuer.issuer());
        tokenClaims.put("jti", UUID.randomUUID().toString());
        tokenClaims.remove("iat");
        tokenClaims.remove("nbf");
        tokenClaims.remove("exp");
        return LoopbackServer.Response.json(200, JSONObjectUtils.toJSONString(Map.of("oidcToken",
                issuer.mint(tokenClaims))));
    }

    @Override
    public void close() {
        server.close();
    }
}

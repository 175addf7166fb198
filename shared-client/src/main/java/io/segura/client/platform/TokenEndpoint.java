// SPDX-License-Identifier: Apache-2.0
package io.segura.client.platform;

import com.nimbusds.jose.util.JSONObjectUtils;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.text.ParseException;
import java.time.Duration;
import java.util.Map;

/**
 * One call to a platform's job-token endpoint (GitHub's {@code ACTIONS_ID_TOKEN_REQUEST_URL}, Azure's
 * {@code SYSTEM_OIDCREQUESTURI}) that answers a JSON object carrying the token in one member. Error messages give
 * the platform, HTTP status and a hint — never the response body, which may echo credentials.
 */
final class TokenEndpoint {

    static final Duration TIMEOUT = Duration.ofSeconds(30);

    private TokenEndpoint() {
    }

    /**
     * Sends {@code request} and returns the string member {@code field} of the JSON answer.
     *
     * @param hints what to check per non-200 status; shown after the status
     */
    static String fetch(HttpClient http, HttpRequest request, String field, String platform,
            Map<Integer, String> hints) throws IOException, PlatformException {
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while requesting the " + platform + " OIDC token", e);
        }
        int status = response.statusCode();
        if (status != 200) {
            String hint = hints.getOrDefault(status, "");
            throw new PlatformException("the " + platform + " OIDC token endpoint answered HTTP " + status
                    + (hint.isEmpty() ? "" : ": " + hint));
        }
        Object value;
        try {
            value = JSONObjectUtils.parse(response.body()).get(field);
        } catch (ParseException e) {
            throw new PlatformException("the " + platform + " OIDC token endpoint answered something other than"
                    + " a JSON object");
        }
        if (!(value instanceof String token) || token.isEmpty()) {
            throw new PlatformException("the " + platform + " OIDC token endpoint answered without \"" + field
                    + "\"");
        }
        return token;
    }
}

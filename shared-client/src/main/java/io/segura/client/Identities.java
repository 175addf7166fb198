// SPDX-License-Identifier: Apache-2.0
package io.segura.client;

import io.segura.client.platform.Identity;
import io.segura.client.platform.JobEnvironment;
import io.segura.client.platform.Platform;
import io.segura.client.platform.PlatformException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;

/**
 * Which identity a job presents: what the configuration names explicitly wins (an ID token, a token file, an mTLS
 * certificate, client credentials — in that order), else the platform's own (DESIGN §10).
 */
public final class Identities {

    private Identities() {
    }

    public static Identity resolve(ClientConfig config, Platform platform, JobEnvironment env)
            throws IOException, PlatformException {
        if (config.idToken() != null) {
            return new Identity.OidcToken(config.idToken());
        }
        if (config.tokenFile() != null) {
            String token = Files.readString(config.tokenFile(), StandardCharsets.US_ASCII).trim();
            if (token.isEmpty()) {
                throw new PlatformException("SEGURA_TOKEN_FILE " + config.tokenFile() + " is empty");
            }
            return new Identity.OidcToken(token);
        }
        if (config.clientCert() != null) {
            if (config.clientId() == null) {
                throw new PlatformException("SEGURA_CLIENT_CERT needs SEGURA_CLIENT_ID, the client it authenticates");
            }
            return new Identity.ClientCertificate(config.clientId(), config.clientCert().toString(),
                    config.clientKey().toString());
        }
        if (config.clientId() != null) {
            if (config.clientSecret() == null) {
                throw new PlatformException("SEGURA_CLIENT_ID is set but neither SEGURA_CLIENT_SECRET nor"
                        + " SEGURA_CLIENT_CERT/SEGURA_CLIENT_KEY");
            }
            return new Identity.ClientSecret(config.clientId(), config.clientSecret());
        }
        return platform.identity(env, config.audience());
    }
}

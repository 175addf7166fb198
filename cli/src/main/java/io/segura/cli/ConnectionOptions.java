// SPDX-License-Identifier: Apache-2.0
package io.segura.cli;

import io.segura.client.ConfigException;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * {@code --url}, {@code --ca-cert} and the mTLS client identity ({@code --client-id}, {@code --client-cert},
 * {@code --client-key}), mixed into every command. Each flag wins over its environment variable and
 * goes through the same validation ({@link CliContext#config()}), so the environment stays the one definition of a
 * setting and a flag is only another way to give it.
 */
final class ConnectionOptions {

    @Option(names = "--url", paramLabel = "URL",
            description = "the broker's base URL (default: SEGURA_URL)")
    String url;

    @Option(names = "--ca-cert", paramLabel = "PEM",
            description = "PEM file of CA certificates to trust for the broker (default: SEGURA_CA_CERT)")
    String caCert;

    @Option(names = "--client-id", paramLabel = "ID",
            description = "OAuth client id to authenticate as, with --client-cert or SEGURA_CLIENT_SECRET"
                    + " (default: SEGURA_CLIENT_ID)")
    String clientId;

    @Option(names = "--client-cert", paramLabel = "PEM",
            description = "mTLS client certificate (chain, leaf first) for the client-credentials grant"
                    + " (default: SEGURA_CLIENT_CERT)")
    String clientCert;

    @Option(names = "--client-key", paramLabel = "PEM",
            description = "the client certificate's unencrypted PKCS#8 private key (default: SEGURA_CLIENT_KEY)")
    String clientKey;

    /** {@code ctx} with these flags laid over its environment. */
    CliContext apply(CliContext ctx) throws ConfigException {
        List<CliContext.Setting> s = new ArrayList<>();
        add(s, "--url", "SEGURA_URL", url);
        // relative to the command's working directory, like every other file argument
        add(s, "--ca-cert", "SEGURA_CA_CERT", caCert == null ? null
                : ctx.workDir().resolve(nonBlank("--ca-cert", caCert)).toString());
        add(s, "--client-id", "SEGURA_CLIENT_ID", clientId);
        add(s, "--client-cert", "SEGURA_CLIENT_CERT", file(ctx, "--client-cert", clientCert));
        add(s, "--client-key", "SEGURA_CLIENT_KEY", file(ctx, "--client-key", clientKey));
        return ctx.with(s);
    }

    private static String file(CliContext ctx, String flag, String value) throws ConfigException {
        return value == null ? null : ctx.workDir().resolve(nonBlank(flag, value)).toString();
    }

    static void add(List<CliContext.Setting> settings, String flag, String variable, String value)
            throws ConfigException {
        if (value != null) {
            settings.add(new CliContext.Setting(flag, variable, nonBlank(flag, value)));
        }
    }

    /** An empty flag would silently fall back to the environment: refused instead. */
    static String nonBlank(String flag, String value) throws ConfigException {
        if (value.isBlank()) {
            throw new ConfigException(flag + " is empty: give a value, or leave the flag out to use the environment");
        }
        return value.trim();
    }
}

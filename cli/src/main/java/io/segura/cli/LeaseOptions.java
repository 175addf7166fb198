// SPDX-License-Identifier: Apache-2.0
package io.segura.cli;

import io.segura.client.ConfigException;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * {@code --role}, {@code --audience} and {@code --ttl}, mixed into every command that leases ({@code exec},
 * {@code fetch}, {@code get}, {@code export}, {@code inject}, {@code policy check}). Like {@link ConnectionOptions}:
 * a flag wins over its variable and is validated as the variable would be.
 */
final class LeaseOptions {

    @Option(names = "--role", paramLabel = "ROLE",
            description = "the trust role to ask for (default: SEGURA_ROLE, else the one role that matches)")
    String role;

    @Option(names = "--audience", paramLabel = "AUD",
            description = "audience of the platform's OIDC token (default: SEGURA_AUDIENCE, else the URL)")
    String audience;

    @Option(names = "--ttl", paramLabel = "DURATION",
            description = "lease TTL like 90s, 15m, 2h (default: SEGURA_TTL, else the role's maximum)")
    String ttl;

    /** {@code ctx} with these flags and {@code connection}'s laid over its environment. */
    CliContext apply(CliContext ctx, ConnectionOptions connection) throws ConfigException {
        List<CliContext.Setting> s = new ArrayList<>();
        ConnectionOptions.add(s, "--role", "SEGURA_ROLE", role);
        ConnectionOptions.add(s, "--audience", "SEGURA_AUDIENCE", audience);
        ConnectionOptions.add(s, "--ttl", "SEGURA_TTL", ttl);
        return connection.apply(ctx).with(s);
    }
}

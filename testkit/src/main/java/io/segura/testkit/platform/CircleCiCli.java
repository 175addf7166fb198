// SPDX-License-Identifier: Apache-2.0
package io.segura.testkit.platform;

import io.segura.testkit.oidc.IssuerSimulator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A stand-in {@code circleci} executable (a POSIX shell script in its own directory, to put first on {@code PATH})
 * for the one command a job uses to get a token with a custom audience (PLATFORMS.md §5.1):
 * {@code circleci run oidc get --claims '{"aud":"X"}'} prints a token for audience X on stdout. Like the real CLI it
 * fails outside a job (no {@code CIRCLE_OIDC_TOKEN*} in its environment); it accepts only the claims announced with
 * {@link #expectAudience}, written exactly as CircleCI's docs write them, and records its last argument list.
 */
public final class CircleCiCli {

    private final Path dir;
    private final IssuerSimulator issuer;
    private final Map<String, Object> claims;

    private CircleCiCli(Path dir, IssuerSimulator issuer, Map<String, ?> claims) {
        this.dir = Objects.requireNonNull(dir, "dir cannot be null");
        this.issuer = Objects.requireNonNull(issuer, "issuer cannot be null");
        this.claims = new LinkedHashMap<>(claims);
    }

    /** Writes the executable to {@code dir/bin/circleci}; tokens carry {@code claims}, signed by {@code issuer}. */
    public static CircleCiCli install(Path dir, IssuerSimulator issuer, Map<String, ?> claims) {
        CircleCiCli cli = new CircleCiCli(dir, issuer, claims);
        try {
            Path bin = Files.createDirectories(dir.resolve("bin"));
            Path script = bin.resolve("circleci");
            String d = dir.toAbsolutePath().toString().replace("'", "'\\''");
            Files.writeString(script, String.join("\n",
                    "#!/bin/sh",
                    "d='" + d + "'",
                    "for a in \"$@\"; do printf '%s\\n' \"$a\"; done > \"$d/last-invocation\"",
                    "if [ \"$1 $2 $3\" != \"run oidc get\" ]; then echo \"Error: unknown command\" >&2; exit 1; fi",
                    "if [ -z \"$CIRCLE_OIDC_TOKEN_V2\" ] && [ -z \"$CIRCLE_OIDC_TOKEN\" ]; then",
                    "  echo \"Error: this command can only be run inside a CircleCI job\" >&2; exit 1",
                    "fi",
                    "if [ \"$4\" != \"--claims\" ] || [ ! -f \"$d/expected-claims\" ]"
                            + " || [ \"$5\" != \"$(cat \"$d/expected-claims\")\" ]; then",
                    "  echo \"Error: unexpected claims\" >&2; exit 1",
                    "fi",
                    "cat \"$d/token\"",
                    ""), StandardCharsets.UTF_8);
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return cli;
    }

    /** The directory holding {@code circleci}, to prepend to {@code PATH}. */
    public Path binDirectory() {
        return dir.resolve("bin");
    }

    /** Makes the CLI answer {@code --claims '{"aud":"<audience>"}'} with a fresh token for that audience. */
    public String expectAudience(String audience) {
        Map<String, Object> tokenClaims = new LinkedHashMap<>(claims);
        tokenClaims.put("aud", audience);
        tokenClaims.remove("iat");
        tokenClaims.remove("exp");
        String token = issuer.mint(tokenClaims);
        try {
            Files.writeString(dir.resolve("expected-claims"), "{\"aud\":\"" + audience + "\"}", StandardCharsets.UTF_8);
            Files.writeString(dir.resolve("token"), token + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return token;
    }

    /** The arguments of the last invocation, or an empty list if it never ran. */
    public List<String> lastInvocation() {
        Path file = dir.resolve("last-invocation");
        try {
            return Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

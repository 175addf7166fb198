// SPDX-License-Identifier: Apache-2.0
package io.segura.client.platform;

import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.text.ParseException;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Tekton on Kubernetes (PLATFORMS.md §8): Tekton issues no job token, so the identity is a projected ServiceAccount
 * token with the broker's audience, mounted at {@code SEGURA_TOKEN_FILE} or at {@link #DEFAULT_TOKEN_FILE}. The
 * kubelet rotates that file, so it is read again for every identity. No log masking exists; values are written as
 * 0600 files into {@code SEGURA_SECRETS_DIR}, a workspace the Task backs with {@code emptyDir: {medium: Memory}} —
 * never into Tekton results, which anyone who can read TaskRuns sees.
 */
public final class Tekton implements Platform {

    public static final String NAME = "tekton";
    /** Where the Segura Task projects the token: {@code serviceAccountToken: {path: token, audience: …}}. */
    public static final Path DEFAULT_TOKEN_FILE = Path.of("/var/run/secrets/segura/token");

    private final Path defaultTokenFile;

    public Tekton() {
        this(DEFAULT_TOKEN_FILE);
    }

    /** With another default token path, so tests need not write below {@code /var/run}. */
    Tekton(Path defaultTokenFile) {
        this.defaultTokenFile = Objects.requireNonNull(defaultTokenFile, "defaultTokenFile cannot be null");
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean detect(JobEnvironment env) {
        return env.get("SEGURA_TOKEN_FILE").isPresent()
                || (env.get("KUBERNETES_SERVICE_HOST").isPresent() && Files.isRegularFile(defaultTokenFile));
    }

    /** The projected token's audience is set in the pod spec; {@code audience} only shapes the hint. */
    @Override
    public Identity identity(JobEnvironment env, String audience) throws IOException, PlatformException {
        Path file = tokenFile(env);
        try {
            String token = Files.readString(file, StandardCharsets.UTF_8).strip();
            if (token.isEmpty()) {
                throw new PlatformException("the projected token file " + file + " is empty");
            }
            return new Identity.OidcToken(token);
        } catch (NoSuchFileException e) {
            throw new PlatformException("no projected ServiceAccount token at " + file + ": add a projected"
                    + " volume or workspace with serviceAccountToken {path: token, audience: "
                    + (audience == null ? "<the broker URL>" : audience) + ", expirationSeconds: 600} and mount it"
                    + " at " + defaultTokenFile.getParent() + " (or set SEGURA_TOKEN_FILE)");
        }
    }

    @Override
    public boolean maskNatively(JobEnvironment env, String value) {
        return false;
    }

    /** Writes {@code $SEGURA_SECRETS_DIR/NAME} (0600, atomically replaced), the file holding exactly the value. */
    @Override
    public String export(JobEnvironment env, String name, String value) throws IOException {
        EnvFile.checkName(name);
        Path dir = env.get("SEGURA_SECRETS_DIR").map(Path::of).orElseThrow(() -> new IOException(
                "SEGURA_SECRETS_DIR is not set: bind a workspace backed by emptyDir {medium: Memory} and set"
                        + " SEGURA_SECRETS_DIR to $(workspaces.<name>.path); secrets never go into Tekton results"));
        Path file = dir.resolve(name);
        PrivateFiles.write(file, value);
        return file + " (0600 file in the secrets workspace)";
    }

    /** Facts from the environment and the token's non-secret claims (namespace, service account, pod). */
    @Override
    public Map<String, String> describe(JobEnvironment env) {
        RunFacts facts = new RunFacts(env, NAME);
        claims(env).ifPresent(claims -> {
            Object k8s = claims.getClaim("kubernetes.io");
            if (k8s instanceof Map<?, ?> map) {
                facts.value("owner", string(map.get("namespace")))
                        .value("pipeline", nested(map, "serviceaccount", "name"))
                        .value("serviceaccount_uid", nested(map, "serviceaccount", "uid"))
                        .value("pod", nested(map, "pod", "name"))
                        .value("run_id", nested(map, "pod", "uid"));
            }
            facts.value("subject", claims.getSubject());
        });
        return facts.from("pod", "HOSTNAME").toMap();
    }

    private Path tokenFile(JobEnvironment env) {
        return env.get("SEGURA_TOKEN_FILE").map(Path::of).orElse(defaultTokenFile);
    }

    private Optional<JWTClaimsSet> claims(JobEnvironment env) {
        try {
            return Optional.of(JWTParser.parse(Files.readString(tokenFile(env)).strip()).getJWTClaimsSet());
        } catch (IOException | ParseException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static String nested(Map<?, ?> map, String outer, String inner) {
        return map.get(outer) instanceof Map<?, ?> m ? string(m.get(inner)) : null;
    }

    private static String string(Object o) {
        return o instanceof String s ? s : null;
    }
}

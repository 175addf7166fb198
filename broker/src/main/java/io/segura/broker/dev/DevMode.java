// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.dev;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code --dev}: the embedded default for trying Segura out, like {@code vault server -dev}. An H2 file database,
 * master key and admin token under {@code ./.segura-dev/} (generated once, files 0600), a sample trust config and a
 * dev OIDC issuer at {@code /dev/oidc}. Loopback only; refused when {@code SEGURA_DATABASE_URL} is set, so a
 * production database is never opened in dev mode by accident.
 */
public final class DevMode {

    public static final String FLAG = "--dev";
    public static final String AUDIENCE = "segura-dev";

    private DevMode() {
    }

    /** Thrown when dev mode must not start; the message says why and what to do. */
    public static final class RefusedException extends RuntimeException {
        RefusedException(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Prepares the dev directory and returns the properties that turn the broker into a dev broker.
     *
     * @param env the process environment (passed in for tests)
     */
    public static Map<String, Object> prepare(Path directory, Map<String, String> env, PrintStream out)
            throws IOException {
        if (env.get("SEGURA_DATABASE_URL") != null) {
            throw new RefusedException("--dev refuses to run with SEGURA_DATABASE_URL set: dev mode keeps its own"
                    + " H2 database under ./.segura-dev/ and must never touch a real one. Unset it, or run without"
                    + " --dev.");
        }
        String address = env.getOrDefault("SERVER_ADDRESS", "127.0.0.1");
        if (!isLoopback(address)) {
            throw new RefusedException("--dev binds to loopback only; SERVER_ADDRESS=" + address
                    + " is not a loopback address");
        }
        int port = Integer.parseInt(env.getOrDefault("SERVER_PORT", "8080"));
        Files.createDirectories(directory);
        Path dir = directory.toAbsolutePath().normalize();
        SecureRandom random = new SecureRandom();

        Path keyFile = dir.resolve("master.key");
        boolean newKey = writeOnce(keyFile, () -> Base64.getEncoder().encodeToString(bytes(random, 32)));
        Path tokenFile = dir.resolve("admin-token");
        boolean newToken = writeOnce(tokenFile, () -> "sga_" + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(bytes(random, 32)));
        String adminToken = Files.readString(tokenFile, StandardCharsets.UTF_8).trim();

        String issuer = "http://127.0.0.1:" + port + "/dev/oidc";
        String config = env.get("SEGURA_CONFIG");
        if (config == null) {
            Path configFile = dir.resolve("segura.yaml");
            try (InputStream in = DevMode.class.getResourceAsStream("/dev/segura-dev.yaml")) {
                String yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8).replace("${DEV_ISSUER}", issuer);
                Path tmp = dir.resolve("segura.yaml.tmp");
                Files.writeString(tmp, yaml, StandardCharsets.UTF_8);
                Files.move(tmp, configFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
            config = configFile.toString();
        }

        Map<String, Object> props = new LinkedHashMap<>();
        props.put("segura.dev", "true");
        props.put("segura.dev-issuer-url", issuer);
        // r2dbc-h2 drops the first slash of the URL path, so an absolute file path needs file:////abs/path
        props.put("segura.database-url", "r2dbc:h2:file:///" + dir.resolve("segura")
                + "?options=MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH");
        props.put("segura.master-key-file", keyFile.toString());
        props.put("segura.admin-token", adminToken);
        props.put("segura.config", config);
        props.put("server.address", address);
        props.put("server.port", Integer.toString(port));

        String base = "http://127.0.0.1:" + port;
        out.println();
        out.println("==> Segura dev mode: NOT for production. Data in " + dir);
        if (newKey) {
            out.println("    Generated a master key (" + keyFile + ").");
        }
        if (newToken) {
            out.println("    Admin token (printed once, kept in " + tokenFile + "):");
            out.println("        export SEGURA_ADMIN_TOKEN=" + adminToken);
        } else {
            out.println("    Admin token: export SEGURA_ADMIN_TOKEN=$(cat " + tokenFile + ")");
        }
        out.println("    Trust config: " + config);
        out.println("    Dev issuer:   " + issuer + "  (POST " + issuer + "/token mints a token)");
        out.println("    Try:          curl -s -X POST " + base + "/dev/oidc/token -d sub=dev:me");
        out.println("    Console:      " + base + "/console  (sign in with the admin token)");
        out.println();
        return props;
    }

    private static boolean isLoopback(String address) {
        try {
            return InetAddress.getByName(address).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static byte[] bytes(SecureRandom random, int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private static boolean writeOnce(Path file, java.util.function.Supplier<String> content) throws IOException {
        if (Files.exists(file)) {
            return false;
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, content.get() + "\n", StandardCharsets.UTF_8);
        try {
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: the directory's own permissions have to do
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        return true;
    }
}

// SPDX-License-Identifier: Apache-2.0
package io.segura.benchmarks.masking;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Random;

/**
 * Synthetic but realistic CI build log: timestamps, Maven and npm output with separator lines and download
 * progress, stack traces, paths, some base64 payloads, and a few real secret occurrences (raw, quoted by
 * {@code bash -x}, JSON-escaped and base64-encoded inside an {@code Authorization} header).
 */
final class LogText {

    private static final String[] ARTIFACTS = {"org/springframework/spring-core/7.0.3/spring-core-7.0.3",
        "io/netty/netty-handler/4.2.15.Final/netty-handler-4.2.15.Final", "com/nimbusds/nimbus-jose-jwt/10.10/"
            + "nimbus-jose-jwt-10.10", "org/postgresql/postgresql/42.7.11/postgresql-42.7.11",
        "io/projectreactor/reactor-core/3.8.1/reactor-core-3.8.1"};
    private static final String[] NPM = {"npm WARN deprecated inflight@1.0.6: This module is not supported, and "
            + "leaks memory. Do not use it.", "added 1523 packages, and audited 1524 packages in 32s",
        "npm notice New minor version of npm available! 10.8.2 -> 10.9.0", "> webpack --mode production",
        "asset main.7f3c2a1b.js 412 KiB [emitted] [immutable] [minimized] (name: main) 2 related assets"};

    private LogText() {
    }

    static byte[] generate(Random random, int size, List<String> secrets) {
        StringBuilder sb = new StringBuilder(size + 512);
        long millis = 1_764_400_000_000L;
        int line = 0;
        while (sb.length() < size) {
            millis += random.nextInt(40);
            sb.append(java.time.Instant.ofEpochMilli(millis)).append(' ');
            int kind = random.nextInt(100);
            if (kind < 25) {
                String a = ARTIFACTS[random.nextInt(ARTIFACTS.length)];
                sb.append("[INFO] Downloading from central: https://repo.maven.apache.org/maven2/").append(a)
                        .append(random.nextBoolean() ? ".pom" : ".jar");
            } else if (kind < 32) {
                sb.append("[INFO] ------------------------------------------------------------------------");
            } else if (kind < 40) {
                sb.append("Progress (1): ").append(random.nextInt(900)).append('/').append(900 + random.nextInt(900))
                        .append(" kB\rProgress (1): ").append(random.nextInt(900)).append(" kB");
            } else if (kind < 50) {
                sb.append("[INFO] --- maven-compiler-plugin:3.14.1:compile (default-compile) @ segura-broker ---")
                        .append(" Compiling ").append(random.nextInt(300)).append(" source files with javac");
            } else if (kind < 62) {
                sb.append("\tat io.segura.broker.lease.LeaseService.issue(LeaseService.java:")
                        .append(random.nextInt(400)).append(")");
            } else if (kind < 72) {
                sb.append(NPM[random.nextInt(NPM.length)]);
            } else if (kind < 80) {
                sb.append("/home/runner/work/segura/segura/broker/src/main/java/io/segura/broker/")
                        .append(random.nextBoolean() ? "vault/VaultStore.java" : "audit/AuditChain.java")
                        .append(":[").append(random.nextInt(300)).append(',').append(random.nextInt(80))
                        .append("] warning: [deprecation] old API");
            } else if (kind < 86) {
                byte[] payload = new byte[30 + random.nextInt(60)];
                random.nextBytes(payload);
                sb.append("[DEBUG] response body: ").append(Base64.getEncoder().encodeToString(payload));
            } else if (kind < 92) {
                sb.append("[INFO] Tests run: ").append(random.nextInt(80)).append(", Failures: 0, Errors: 0, "
                        + "Skipped: 0, Time elapsed: ").append(random.nextInt(9)).append('.')
                        .append(random.nextInt(999)).append(" s -- in io.segura.broker.SomeTest");
            } else {
                sb.append("+ git fetch --no-tags --prune origin +refs/heads/main:refs/remotes/origin/main # ")
                        .append(Integer.toHexString(random.nextInt()));
            }
            // A few real occurrences (about one per 64 KiB), in the forms leaks take.
            if (++line % 700 == 0) {
                String s = secrets.get(1 + random.nextInt(Math.max(1, secrets.size() - 1)) % secrets.size());
                switch (random.nextInt(4)) {
                    case 0 -> sb.append(" token=").append(s);
                    case 1 -> sb.append(" + curl -u 'ci:").append(s.replace("'", "'\\''")).append('\'');
                    case 2 -> sb.append(" {\"password\":\"").append(s.replace("\\", "\\\\").replace("\"", "\\\""))
                            .append("\"}");
                    default -> sb.append(" Authorization: Basic ").append(Base64.getEncoder()
                            .encodeToString(("ci:" + s).getBytes(StandardCharsets.UTF_8)));
                }
            }
            sb.append('\n');
        }
        byte[] bytes = sb.toString().getBytes(StandardCharsets.UTF_8);
        byte[] exact = new byte[size];
        System.arraycopy(bytes, 0, exact, 0, size);
        return exact;
    }
}

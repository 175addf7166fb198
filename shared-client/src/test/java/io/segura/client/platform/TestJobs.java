// SPDX-License-Identifier: Apache-2.0
package io.segura.client.platform;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.segura.testkit.oidc.IssuerSimulator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Map;

/** A job environment with captured stdout, and checks shared by the platform adapter tests. */
final class TestJobs {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final JobEnvironment env;

    private TestJobs(Map<String, String> variables, Path workDir) {
        this.env = new JobEnvironment(variables, new PrintStream(out, true, StandardCharsets.UTF_8), workDir, HTTP);
    }

    static TestJobs job(Map<String, String> variables, Path workDir) {
        return new TestJobs(variables, workDir);
    }

    String stdout() {
        return out.toString(StandardCharsets.UTF_8);
    }

    /** The claims of {@code jwt} after checking its RS256 signature against the simulator's current key. */
    static JWTClaimsSet verified(IssuerSimulator issuer, String jwt) throws Exception {
        SignedJWT signed = SignedJWT.parse(jwt);
        assertThat(signed.verify(new RSASSAVerifier(issuer.currentKey().toRSAPublicKey())))
                .as("signed by the simulator").isTrue();
        return signed.getJWTClaimsSet();
    }

    static String jwt(Identity identity) {
        assertThat(identity).isInstanceOf(Identity.OidcToken.class);
        return ((Identity.OidcToken) identity).jwt();
    }

    static void assertOwnerOnly(Path path) throws IOException {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(path))).isEqualTo("rw-------");
    }

    /** What a POSIX shell sees in {@code $name} after sourcing {@code file}. */
    static String sourced(Path file, String name) throws Exception {
        Process p = new ProcessBuilder("sh", "-c", ". \"$1\" && printf '%s' \"$" + name + "\"", "sh",
                file.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("sh exit code, output: %s", out).isZero();
        return out;
    }

    /** A real multi-line secret: a PKCS#8 RSA private key in PEM, 64-character lines. */
    static String pemPrivateKey() throws NoSuchAlgorithmException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        byte[] der = generator.generateKeyPair().getPrivate().getEncoded();
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return "-----BEGIN PRIVATE KEY-----\n" + body + "\n-----END PRIVATE KEY-----\n";
    }
}

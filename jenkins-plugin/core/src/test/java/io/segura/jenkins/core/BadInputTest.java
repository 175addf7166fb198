// SPDX-License-Identifier: Apache-2.0
package io.segura.jenkins.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every way a block can fail to start gives one message with the broker's reason (RFC 9457 / RFC 6749 §5.2, with
 * the HTTP status) and the fix — no cause chain, no stack trace, no secret — and leaves no active lease.
 */
@ExtendWith(LiveBroker.Resolver.class)
class BadInputTest {

    static final List<String> NEVER_SHOWN = new ArrayList<>(LiveBroker.VALUES);

    static {
        NEVER_SHOWN.addAll(List.of(LiveBroker.CLIENT_SECRET, LiveBroker.OTHER_CLIENT_SECRET,
                "not-the-secret-of-jenkins-ci", "staging-only-password"));
    }

    static BindingException refusal(LiveBroker b, BrokerSettings settings, String role, String secrets,
            String credentialsId, String defaultCredentialsId, CredentialLookup lookup) {
        BuildLog log = new BuildLog();
        int activeBefore;
        try {
            activeBefore = b.broker.leases(true, null).size();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> BindingSession.open(settings,
                BindingRequest.parse(role, secrets, credentialsId, null), defaultCredentialsId, lookup, log.stream));
        assertThat(t).isInstanceOf(BindingException.class);
        BindingException e = (BindingException) t;
        assertThat(e.getCause()).as("no cause chain to print").isNull();
        assertThat(e.getMessage()).startsWith("withSegura: ").contains("Fix: ").doesNotContain("\tat ", "\n\tat");
        for (String secret : NEVER_SHOWN) {
            assertThat(e.getMessage().contains(secret)).as("a secret in the message").isFalse();
        }
        log.assertNoneOf(NEVER_SHOWN);
        try {
            assertThat(b.broker.leases(true, null)).as("active leases").hasSize(activeBefore);
        } catch (Exception x) {
            throw new AssertionError(x);
        }
        return e;
    }

    static BindingException refusal(LiveBroker b, String role, String secrets, String credentialsId)
            throws Exception {
        return refusal(b, b.settings(), role, secrets, credentialsId, null, b.credentials());
    }

    @Test
    void openWhenNoCredentialsIdAndNoDefaultThenSaysWhereToSetOne(LiveBroker b) throws Exception {
        BindingException e = refusal(b, "deploy", "db/prod/password", null);
        assertThat(e.reason()).isEqualTo(BindingException.Reason.CONFIGURATION);
        assertThat(e.getMessage()).contains("no credentials", "credentialsId:", "unclassified.segura.credentialsId");
    }

    @Test
    void openWhenCredentialsIdUnknownThenNamesItAndTheKindsSeguraUses(LiveBroker b) throws Exception {
        BindingException e = refusal(b, "deploy", "db/prod/password", "no-such-credential");
        assertThat(e.reason()).isEqualTo(BindingException.Reason.CREDENTIALS);
        assertThat(e.getMessage()).contains("credentials 'no-such-credential' not found", "Username with password",
                "Certificate", "OpenID Connect id token");
    }

    @Test
    void openWhenCredentialUnreadableThenNoDetailOfTheFailureLeaks(LiveBroker b) throws Exception {
        CredentialLookup broken = id -> {
            throw new IOException("keystore password was " + LiveBroker.CLIENT_SECRET);
        };
        BindingException e = refusal(b, b.settings(), "deploy", "db/prod/password", "segura-cert", null, broken);
        assertThat(e.reason()).isEqualTo(BindingException.Reason.CREDENTIALS);
        assertThat(e.getMessage()).contains("credentials 'segura-cert' cannot be read (IOException)");
    }

    @Test
    void openWhenBrokerUnreachableThenBrokerUnavailableWithTheUrl(LiveBroker b) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        BrokerSettings nowhere = BrokerSettings.of("https://127.0.0.1:" + port, b.server.certificatePem())
                .withRetry(b.settings().retry());
        BindingException e = refusal(b, nowhere, "deploy", "db/prod/password", "segura-client", null,
                b.credentials());
        assertThat(e.reason()).isEqualTo(BindingException.Reason.UNAVAILABLE);
        assertThat(e.getMessage()).contains("https://127.0.0.1:" + port, "cannot connect", "broker URL");
    }

    @Test
    void openWhenBrokerCertificateNotTrustedThenSaysCheckTheCa(LiveBroker b) throws Exception {
        BrokerSettings jdkCas = BrokerSettings.of(b.broker.url().toString(), null).withRetry(b.settings().retry());
        BindingException e = refusal(b, jdkCas, "deploy", "db/prod/password", "segura-client", null,
                b.credentials());
        assertThat(e.reason()).isEqualTo(BindingException.Reason.UNAVAILABLE);
        assertThat(e.getMessage()).contains("SSLHandshakeException", "CA certificate");
    }

    @Test
    void openWhenClientSecretWrongThenInvalidClientAndWhatToCompare(LiveBroker b) throws Exception {
        BindingException e = refusal(b, "deploy", "db/prod/password", "segura-wrong-secret");
        assertThat(e.reason()).isEqualTo(BindingException.Reason.AUTHENTICATION);
        assertThat(e.getMessage()).contains("invalid_client", "HTTP 401", "credentials 'segura-wrong-secret'",
                "secret-sha256");
    }

    @Test
    void openWhenCertificateSubjectUnknownThenInvalidClientNamesTheSubject(LiveBroker b) throws Exception {
        BindingException e = refusal(b, "deploy", "db/prod/password", "segura-stranger-cert");
        assertThat(e.reason()).isEqualTo(BindingException.Reason.AUTHENTICATION);
        assertThat(e.getMessage()).contains("invalid_client", "CN=stranger", "mtls-subject");
    }

    @Test
    void openWhenRoleDoesNotAcceptTheClientThenInvalidScopeAndCheckRole(LiveBroker b) throws Exception {
        BindingException e = refusal(b, "nightly", "db/staging/password", "segura-client");
        assertThat(e.reason()).isEqualTo(BindingException.Reason.AUTHENTICATION);
        assertThat(e.getMessage()).contains("invalid_scope", "role 'nightly'", "HTTP 400", "Fix: check role:");
    }

    @Test
    void openWhenPathOutsideTheRoleThenForbiddenWithTheProblemAndTheGlobs(LiveBroker b) throws Exception {
        BindingException e = refusal(b, "deploy", "db/staging/password > STAGING", "segura-client");
        assertThat(e.reason()).isEqualTo(BindingException.Reason.DENIED);
        assertThat(e.getMessage()).contains("db/staging/password", "HTTP 403", "https://segura.dev/problems/",
                "secrets: globs");
    }

    @Test
    void openWhenSecretDoesNotExistThenNotFoundWithTheProblem(LiveBroker b) throws Exception {
        BindingException e = refusal(b, "deploy", "db/prod/nothing-here", "segura-client");
        assertThat(e.reason()).isEqualTo(BindingException.Reason.DENIED);
        assertThat(e.getMessage()).contains("db/prod/nothing-here", "HTTP 404", "https://segura.dev/problems/");
    }

    @Test
    void openWhenIdTokenForAnotherAudienceThenInvalidGrantAndCheckTheAudience(LiveBroker b) throws Exception {
        BindingException e = refusal(b, "deploy-oidc", "db/prod/password", "segura-id-token-other-audience");
        assertThat(e.reason()).isEqualTo(BindingException.Reason.AUTHENTICATION);
        assertThat(e.getMessage()).contains("OpenID Connect id token", "invalid_grant", "HTTP 400",
                "credential's audience");
    }

    @Test
    void openWhenIdTokenCredentialGivesNothingThenSaysWhichCredential(LiveBroker b) throws Exception {
        BindingException e = refusal(b, "deploy-oidc", "db/prod/password", "segura-empty-token");
        assertThat(e.reason()).isEqualTo(BindingException.Reason.CREDENTIALS);
        assertThat(e.getMessage()).contains("'segura-empty-token' gave an empty token");
    }

    @Test
    void openWhenDeploymentGateBlocksThenEveryViolationListed(LiveBroker b) throws Exception {
        BindingException e = refusal(b, "gated", "db/prod/password", "segura-client");
        assertThat(e.reason()).isEqualTo(BindingException.Reason.BLOCKED);
        assertThat(e.getMessage()).contains("deployment gate blocked", "HTTP 403", "releases are frozen for this test",
                "segura-cli policy check");
    }

    static Stream<Arguments> malformedParameters() {
        return Stream.of(
                Arguments.of("deploy", "", null, "secrets: is empty"),
                Arguments.of("deploy", "db/Prod/x", null, "secrets: entry 1: secret spec \"db/Prod/x\""),
                Arguments.of("deploy", "a/b > 1X", null, "is not a valid environment variable name"),
                Arguments.of("deploy", "a/b > X; c/d > X", null, "both a/b and c/d set X"),
                Arguments.of("deploy", "a/b@v2", null, "version \"v2\" is not a positive integer"),
                Arguments.of("de ploy", "a/b", null, "role: 'de ploy' is not a role name"),
                Arguments.of("deploy", "a/b", "15 minutes", "ttl: \"15 minutes\" is not a duration"));
    }

    @ParameterizedTest
    @MethodSource("malformedParameters")
    void parseWhenParameterMalformedThenNamesIt(String role, String secrets, String ttl, String expected) {
        assertThatThrownBy(() -> BindingRequest.parse(role, secrets, "x", ttl))
                .isInstanceOfSatisfying(BindingException.class, e -> {
                    assertThat(e.reason()).isEqualTo(BindingException.Reason.CONFIGURATION);
                    assertThat(e.getCause()).isNull();
                })
                .hasMessageStartingWith("withSegura: ").hasMessageContaining(expected);
    }

    static Stream<Arguments> malformedSettings() {
        return Stream.of(
                Arguments.of(null, null, "no broker URL is configured"),
                Arguments.of("segura.example.com", null, "must be an https URL with a host"),
                Arguments.of("http://segura.example.com", null, "must use https"),
                Arguments.of("https://user:pw@segura.example.com", null, "must not carry user info"),
                Arguments.of("https://segura.example.com", "not a certificate", "holds no PEM certificate"));
    }

    @ParameterizedTest
    @MethodSource("malformedSettings")
    void settingsWhenMalformedThenNamesTheFieldAndTheFix(String url, String ca, String expected) {
        assertThatThrownBy(() -> BrokerSettings.of(url, ca))
                .isInstanceOf(BindingException.class)
                .hasMessageContaining(expected)
                .hasMessageNotContaining("pw@");
    }

    @Test
    void openWhenDefaultCredentialsIdConfiguredThenUsedWhenTheStepNamesNone(LiveBroker b) throws Exception {
        BuildLog log = new BuildLog();
        try (BindingSession block = BindingSession.open(b.settings(), BindingRequest.parse("deploy",
                "db/prod/password", null, null), "segura-client", b.credentials(), log.stream)) {
            assertThat(block.environment()).containsOnlyKeys("DB_PROD_PASSWORD");
        }
        Optional<String> warning = log.text().lines().filter(l -> l.contains("warning")).findFirst();
        assertThat(warning).isEmpty();
    }
}

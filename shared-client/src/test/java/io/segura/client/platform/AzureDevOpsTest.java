// SPDX-License-Identifier: Apache-2.0
package io.segura.client.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.segura.client.masking.SecretVariants;
import io.segura.testkit.oidc.Fixtures;
import io.segura.testkit.oidc.IssuerSimulator;
import io.segura.testkit.platform.AzureAgent;
import io.segura.testkit.platform.AzureAgent.LoggingCommand;
import io.segura.testkit.platform.AzureOidcEndpoint;
import io.segura.testkit.platform.RecordedRequest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AzureDevOpsTest {

    private static IssuerSimulator issuer;
    private static AzureOidcEndpoint endpoint;

    @TempDir
    Path dir;

    private final AzureDevOps azure = new AzureDevOps();

    @BeforeAll
    static void startSimulators() {
        issuer = IssuerSimulator.start();
        endpoint = AzureOidcEndpoint.start(issuer, Fixtures.claims("azure-devops"));
    }

    @AfterAll
    static void stopSimulators() {
        endpoint.close();
        issuer.close();
    }

    private TestJobs job() {
        return TestJobs.job(AzureAgent.variables(endpoint, true), dir);
    }

    private RecordedRequest lastRequest() {
        List<RecordedRequest> requests = endpoint.requests();
        return requests.get(requests.size() - 1);
    }

    @Test
    void detectWhenTfBuildTrueThenDetected() {
        assertThat(azure.detect(job().env)).isTrue();
        assertThat(azure.detect(TestJobs.job(Map.of("TF_BUILD", "true"), dir).env)).isTrue();
        assertThat(azure.detect(TestJobs.job(Map.of("GITHUB_ACTIONS", "true"), dir).env)).isFalse();
    }

    @Test
    void identityThenPostsAsDocumentedAndGetsTheFixedAudience() throws Exception {
        String jwt = TestJobs.jwt(azure.identity(job().env, "https://segura.example.com"));

        var claims = TestJobs.verified(issuer, jwt);
        assertThat(claims.getAudience()).containsExactly(AzureDevOps.AUDIENCE);
        assertThat(claims.getStringClaim("def_id")).isEqualTo("1");
        RecordedRequest request = lastRequest();
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.rawQuery()).isEqualTo("api-version=7.1");
        assertThat(request.header("Authorization")).isEqualTo("Bearer " + endpoint.accessToken());
        assertThat(request.header("Content-Type")).startsWith("application/json");
        assertThat(request.header("X-TFS-FedAuthRedirect")).isEqualTo("Suppress");
        assertThat(request.body()).isEqualTo("{}");
    }

    @Test
    void identityWhenRequestUriHasAQueryThenApiVersionAppendedWithAmpersand() throws Exception {
        Map<String, String> vars = AzureAgent.variables(endpoint, true);
        vars.put("SYSTEM_OIDCREQUESTURI", endpoint.requestUri() + "?serviceConnectionId=abc");

        TestJobs.jwt(azure.identity(TestJobs.job(vars, dir).env, null));

        assertThat(lastRequest().rawQuery()).isEqualTo("serviceConnectionId=abc&api-version=7.1");
    }

    @Test
    void identityWhenAccessTokenNotMappedThenSaysHowToMapIt() {
        var env = TestJobs.job(AzureAgent.variables(endpoint, false), dir).env;

        assertThatThrownBy(() -> azure.identity(env, null))
                .isInstanceOf(PlatformException.class)
                .hasMessageContaining("env: SYSTEM_ACCESSTOKEN: $(System.AccessToken)");
    }

    @Test
    void identityWhenNoOidcRequestUriThenPlatformException() {
        var env = TestJobs.job(AzureAgent.variables(null, false), dir).env;

        assertThatThrownBy(() -> azure.identity(env, null))
                .isInstanceOf(PlatformException.class).hasMessageContaining("SYSTEM_OIDCREQUESTURI");
    }

    @Test
    void identityWhenAccessTokenWrongThenUnauthorizedNotARedirect() {
        Map<String, String> vars = AzureAgent.variables(endpoint, true);
        vars.put("SYSTEM_ACCESSTOKEN", "a-stale-access-token");

        assertThatThrownBy(() -> azure.identity(TestJobs.job(vars, dir).env, null))
                .isInstanceOf(PlatformException.class)
                .hasMessageContaining("HTTP 401")
                .hasMessageNotContaining("a-stale-access-token");
    }

    @Test
    void simulatorWhenApiVersionMissingThenBadRequest() throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(endpoint.requestUri()))
                        .header("Authorization", "Bearer " + endpoint.accessToken())
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(400);
    }

    @Test
    void maskNativelyWhenMultiLinePemThenSetSecretForValueEachLineAndEachVariant() throws Exception {
        String pem = TestJobs.pemPrivateKey();
        TestJobs job = job();

        assertThat(azure.maskNatively(job.env, pem)).isTrue();

        List<LoggingCommand> commands = AzureAgent.commands(job.stdout());
        assertThat(commands).extracting(LoggingCommand::name).containsOnly("task.setsecret");
        List<String> secrets = commands.stream().map(LoggingCommand::data).toList();
        assertThat(secrets).contains(pem).containsAll(pem.lines().toList()).containsAll(SecretVariants.of(pem, 4));
        assertThat(job.stdout().lines()).allMatch(l -> l.startsWith("##vso[task.setsecret]"));
    }

    @Test
    void maskNativelyWhenValueHasPercentCrLfThenEscapedAsTheAgentDecodes() {
        String value = "50%3B;off]\r\nnext%AZP25line";
        TestJobs job = job();

        azure.maskNatively(job.env, value);

        assertThat(job.stdout()).contains("##vso[task.setsecret]50%AZP253B;off]%0D%0Anext%AZP25AZP25line\n");
        assertThat(AzureAgent.commands(job.stdout())).extracting(LoggingCommand::data)
                .contains(value, "50%3B;off]", "next%AZP25line");
    }

    @Test
    void exportThenMasksFirstThenSecretVariableReadBackExactly() throws IOException {
        String value = "p@ss;word]%0A%with-percent";
        TestJobs job = job();

        String note = azure.export(job.env, "DB_PASSWORD", value);

        List<LoggingCommand> commands = AzureAgent.commands(job.stdout());
        LoggingCommand last = commands.get(commands.size() - 1);
        assertThat(last.name()).isEqualTo("task.setvariable");
        assertThat(last.properties()).containsExactly(Map.entry("variable", "DB_PASSWORD"),
                Map.entry("issecret", "true"));
        assertThat(last.data()).isEqualTo(value);
        assertThat(commands.subList(0, commands.size() - 1)).isNotEmpty()
                .allMatch(c -> c.name().equals("task.setsecret"));
        assertThat(note).contains("$(DB_PASSWORD)").doesNotContain(value);
    }

    @ParameterizedTest
    @ValueSource(strings = {"a;b", "x]y", "p%q", "line\nbreak", "cr\rhere", "all;]%\r\n"})
    void escapePropertyWhenSpecialCharactersThenAgentReadsThePropertyBack(String property) {
        String command = "##vso[task.setvariable variable=" + AzureDevOps.escapeProperty(property)
                + ";issecret=true]value";

        LoggingCommand parsed = AzureAgent.commands(command).get(0);

        assertThat(parsed.properties()).containsEntry("variable", property).containsEntry("issecret", "true");
        assertThat(parsed.data()).isEqualTo("value");
    }

    @Test
    void exportWhenMultiLineWithoutUnsafeFlagThenSaysWhatAzureRequiresAndPrintsNothing() {
        TestJobs job = job();

        assertThatThrownBy(() -> azure.export(job.env, "KEY", TestJobs.pemPrivateKey()))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("System.UnsafeAllowMultilineSecret=true");
        assertThat(job.stdout()).isEmpty();
    }

    @Test
    void checkExportableWhenMultiLineThenRefusedNamingTheSettingUnlessItIsTrue() throws Exception {
        TestJobs job = job();

        assertThatThrownBy(() -> azure.checkExportable(job.env, "KEY", "line-one\r\nline-two"))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("KEY")
                .hasMessageContaining("SYSTEM_UNSAFEALLOWMULTILINESECRET")
                .hasMessageNotContaining("line-one");
        azure.checkExportable(job.env, "DB_PASSWORD", "single-line-value");
        Map<String, String> vars = AzureAgent.variables(endpoint, true);
        vars.put("SYSTEM_UNSAFEALLOWMULTILINESECRET", "True");
        azure.checkExportable(TestJobs.job(vars, dir).env, "KEY", "line-one\nline-two");
        assertThat(job.stdout()).as("a check writes nothing").isEmpty();
    }

    @Test
    void exportWhenMultiLineWithUnsafeFlagThenEscapedAndReadBackExactly() throws Exception {
        Map<String, String> vars = AzureAgent.variables(endpoint, true);
        vars.put("SYSTEM_UNSAFEALLOWMULTILINESECRET", "true");
        TestJobs job = TestJobs.job(vars, dir);
        String pem = TestJobs.pemPrivateKey();

        azure.export(job.env, "KEY", pem);

        List<LoggingCommand> commands = AzureAgent.commands(job.stdout());
        assertThat(commands.get(commands.size() - 1).data()).isEqualTo(pem);
        assertThat(job.stdout().lines()).allMatch(l -> l.startsWith("##vso["));
    }

    @Test
    void describeThenRunFactsAndNeverTheAccessTokenOrJobToken() throws Exception {
        TestJobs job = job();
        String jwt = TestJobs.jwt(azure.identity(job.env, null));

        Map<String, String> facts = azure.describe(job.env);

        assertThat(facts).containsEntry("platform", "azure-devops")
                .containsEntry("repository", "web-shop")
                .containsEntry("ref", "refs/heads/main")
                .containsEntry("pipeline", "1")
                .containsEntry("run_id", "5");
        assertThat(String.join("\n", facts.values())).doesNotContain(endpoint.accessToken()).doesNotContain(jwt);
    }
}

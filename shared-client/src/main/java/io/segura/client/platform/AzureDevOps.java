// SPDX-License-Identifier: Apache-2.0
package io.segura.client.platform;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.Map;

/**
 * Azure DevOps Pipelines (PLATFORMS.md §4): the job token comes from the agent's OIDC endpoint
 * ({@code SYSTEM_OIDCREQUESTURI}), values are masked with {@code ##vso[task.setsecret]} and handed on as secret
 * pipeline variables ({@code ##vso[task.setvariable …;issecret=true]}).
 *
 * <p>The audience cannot be chosen: Azure always mints {@code aud = api://AzureADTokenExchange} (a requested
 * audience is ignored), so the broker's issuer must list that audience and use jti replay protection (DESIGN §12).
 *
 * @see <a href="https://learn.microsoft.com/azure/devops/pipelines/scripts/logging-commands">logging commands</a>
 */
public final class AzureDevOps implements Platform {

    public static final String NAME = "azure-devops";
    /** The only audience Azure DevOps mints. */
    public static final String AUDIENCE = "api://AzureADTokenExchange";

    private static final String API_VERSION = "api-version=7.1";
    private static final Map<Integer, String> HINTS = Map.of(
            400, "the request was rejected (api-version missing or unsupported)",
            401, "SYSTEM_ACCESSTOKEN was not accepted: map `$(System.AccessToken)` of this job, not a stored PAT",
            403, "the job's access token may not request OIDC tokens (check the job authorization scope)");

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean detect(JobEnvironment env) {
        return env.get("TF_BUILD").filter("True"::equalsIgnoreCase).isPresent();
    }

    /**
     * POST {@code $SYSTEM_OIDCREQUESTURI?api-version=7.1} with {@code Authorization: Bearer $SYSTEM_ACCESSTOKEN},
     * {@code Content-Type: application/json}, {@code X-TFS-FedAuthRedirect: Suppress} (a 401 instead of a sign-in
     * redirect) and body {@code {}}; the answer's {@code oidcToken} is the token. {@code audience} is ignored.
     */
    @Override
    public Identity identity(JobEnvironment env, String audience) throws IOException, PlatformException {
        String requestUri = env.get("SYSTEM_OIDCREQUESTURI").orElseThrow(() -> new PlatformException(
                "SYSTEM_OIDCREQUESTURI is not set: this agent offers no OIDC token (run in an Azure Pipelines job"
                        + " on a current agent)"));
        String accessToken = env.get("SYSTEM_ACCESSTOKEN").orElseThrow(() -> new PlatformException(
                "SYSTEM_ACCESSTOKEN is not set: Azure Pipelines does not give it to steps by default; map it on the"
                        + " step or task with `env: SYSTEM_ACCESSTOKEN: $(System.AccessToken)`"));
        String uri = requestUri;
        if (!uri.contains("api-version=")) {
            uri += (uri.contains("?") ? "&" : "?") + API_VERSION;
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create(uri))
                .timeout(TokenEndpoint.TIMEOUT)
                .header("Authorization", "Bearer " + accessToken)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .header("X-TFS-FedAuthRedirect", "Suppress")
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build();
        return new Identity.OidcToken(TokenEndpoint.fetch(env.http(), request, "oidcToken", "Azure DevOps", HINTS));
    }

    /** One {@code ##vso[task.setsecret]} per form (value, each line, each variant and its lines), data-escaped. */
    @Override
    public boolean maskNatively(JobEnvironment env, String value) {
        StringBuilder commands = new StringBuilder();
        for (String form : SecretForms.of(value)) {
            commands.append("##vso[task.setsecret]").append(escapeData(form)).append('\n');
        }
        env.stdout().print(commands);
        env.stdout().flush();
        return true;
    }

    /**
     * Masks the value, then sets secret variable {@code name}. Later steps do not see secret variables in their
     * environment unless they map them ({@code env: NAME: $(NAME)}). Azure refuses multi-line secret variables
     * unless the pipeline sets {@code SYSTEM_UNSAFEALLOWMULTILINESECRET=true}; without it this fails instead.
     */
    @Override
    public String export(JobEnvironment env, String name, String value) throws IOException {
        checkExportable(env, name, value);
        maskNatively(env, value);
        env.stdout().print("##vso[task.setvariable variable=" + escapeProperty(name) + ";issecret=true]"
                + escapeData(value) + "\n");
        env.stdout().flush();
        return "secret pipeline variable " + name + " (map it with env: " + name + ": $(" + name + "))";
    }

    /**
     * The agent refuses a secret variable whose value contains a line break (error "Secrets cannot contain multiple
     * lines") unless {@code System.UnsafeAllowMultilineSecret} is true (env {@code SYSTEM_UNSAFEALLOWMULTILINESECRET},
     * agent knob {@code AllowUnsafeMultilineSecret}).
     */
    @Override
    public void checkExportable(JobEnvironment env, String name, String value) throws IOException {
        EnvFile.checkName(name);
        boolean multiLine = value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0;
        if (multiLine && env.get("SYSTEM_UNSAFEALLOWMULTILINESECRET").filter("true"::equalsIgnoreCase).isEmpty()) {
            throw new IOException("the value of " + name + " spans lines and Azure DevOps rejects multi-line"
                    + " secret variables unless the pipeline sets the variable"
                    + " System.UnsafeAllowMultilineSecret=true (SYSTEM_UNSAFEALLOWMULTILINESECRET); or use"
                    + " `segura-cli exec` or a secure file");
        }
    }

    @Override
    public Map<String, String> describe(JobEnvironment env) {
        return new RunFacts(env, NAME)
                .from("repository", "BUILD_REPOSITORY_NAME")
                .from("repository_id", "BUILD_REPOSITORY_ID")
                .from("repository_uri", "BUILD_REPOSITORY_URI")
                .from("owner", "SYSTEM_COLLECTIONURI")
                .from("project", "SYSTEM_TEAMPROJECT")
                .from("ref", "BUILD_SOURCEBRANCH")
                .from("pipeline", "SYSTEM_DEFINITIONID")
                .from("pipeline_name", "BUILD_DEFINITIONNAME")
                .from("run_id", "BUILD_BUILDID")
                .from("event", "BUILD_REASON")
                .from("actor", "BUILD_REQUESTEDFOR")
                .from("stage", "SYSTEM_STAGENAME")
                .from("job", "SYSTEM_JOBDISPLAYNAME")
                .toMap();
    }

    /**
     * Logging-command data escaping as the agent decodes it ({@code CommandStringConvertor}): {@code %} first
     * ({@code %AZP25}, decoded by default since 2021), then CR and LF.
     */
    static String escapeData(String s) {
        return s.replace("%", "%AZP25").replace("\r", "%0D").replace("\n", "%0A");
    }

    /** Property escaping: data escaping plus {@code ;} (ends a property) and {@code ]} (ends the command). */
    static String escapeProperty(String s) {
        return escapeData(s).replace(";", "%3B").replace("]", "%5D");
    }
}

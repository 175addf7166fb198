// SPDX-License-Identifier: Apache-2.0
package io.segura.testkit.platform;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An Azure Pipelines agent step: the predefined variables as environment variables and, when the step maps
 * {@code env: SYSTEM_ACCESSTOKEN: $(System.AccessToken)}, the access token of an {@link AzureOidcEndpoint}. It also
 * parses the {@code ##vso[…]} logging commands a step printed, unescaping them as the agent does.
 */
public final class AzureAgent {

    /** One logging command: {@code ##vso[area.event k=v;k=v]data}, properties and data unescaped. */
    public record LoggingCommand(String name, Map<String, String> properties, String data) {
        public LoggingCommand {
            Objects.requireNonNull(name, "name cannot be null");
            properties = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(properties)); // keeps order
        }

        @Override
        public String toString() {
            return "LoggingCommand[" + name + ", " + properties.keySet() + "]"; // data may be a secret
        }
    }

    private AzureAgent() {
    }

    /**
     * A step's environment for a job on {@code endpoint}; {@code mapAccessToken} says whether the step maps
     * {@code System.AccessToken} into its env (Azure does not by default).
     */
    public static Map<String, String> variables(AzureOidcEndpoint endpoint, boolean mapAccessToken) {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("TF_BUILD", "True");
        v.put("AGENT_NAME", "Azure Pipelines 3");
        v.put("SYSTEM_COLLECTIONURI", "https://dev.azure.com/contoso/");
        v.put("SYSTEM_COLLECTIONID", "0ca3ddd9-5b4c-4b9e-9a8f-2f3c1d9e7a11");
        v.put("SYSTEM_TEAMPROJECT", "web-shop");
        v.put("SYSTEM_TEAMPROJECTID", "271ef6f7-0d3c-4f43-9b8a-5a1e2c3d4f50");
        v.put("SYSTEM_DEFINITIONID", "1");
        v.put("SYSTEM_HOSTTYPE", "build");
        v.put("SYSTEM_STAGENAME", "deploy");
        v.put("SYSTEM_JOBDISPLAYNAME", "deploy_web");
        v.put("BUILD_DEFINITIONNAME", "deploy-pipeline");
        v.put("BUILD_BUILDID", "5");
        v.put("BUILD_REASON", "IndividualCI");
        v.put("BUILD_REQUESTEDFOR", "Mona Lisa");
        v.put("BUILD_REPOSITORY_NAME", "web-shop");
        v.put("BUILD_REPOSITORY_ID", "8c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f");
        v.put("BUILD_REPOSITORY_URI", "https://dev.azure.com/contoso/web-shop/_git/web-shop");
        v.put("BUILD_SOURCEBRANCH", "refs/heads/main");
        if (endpoint != null) {
            v.put("SYSTEM_OIDCREQUESTURI", endpoint.requestUri());
            if (mapAccessToken) {
                v.put("SYSTEM_ACCESSTOKEN", endpoint.accessToken());
            }
        }
        return v;
    }

    /** The logging commands in {@code stdout}, in order, unescaped as the agent does. */
    public static List<LoggingCommand> commands(String stdout) {
        List<LoggingCommand> commands = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(new StringReader(stdout))) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                int start = line.indexOf("##vso[");
                if (start < 0) {
                    continue;
                }
                int end = line.indexOf(']', start);
                if (end < 0) {
                    continue;
                }
                String head = line.substring(start + 6, end);
                int space = head.indexOf(' ');
                String name = space < 0 ? head : head.substring(0, space);
                Map<String, String> properties = new LinkedHashMap<>();
                if (space >= 0) {
                    for (String property : head.substring(space + 1).split(";")) {
                        if (property.isBlank()) {
                            continue;
                        }
                        int eq = property.indexOf('=');
                        String key = eq < 0 ? property : property.substring(0, eq);
                        String value = eq < 0 ? "" : property.substring(eq + 1);
                        properties.put(key.strip(), unescape(value));
                    }
                }
                commands.add(new LoggingCommand(name, properties, unescape(line.substring(end + 1))));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return commands;
    }

    /**
     * The agent's {@code CommandStringConvertor.Unescape}: the special symbols {@code %3B ; %0D CR %0A LF %5D ]}
     * first, then {@code %AZP25} to {@code %} (on by default since 2021, DECODE_PERCENTS).
     */
    static String unescape(String s) {
        return s.replace("%3B", ";").replace("%0D", "\r").replace("%0A", "\n").replace("%5D", "]")
                .replace("%AZP25", "%");
    }
}

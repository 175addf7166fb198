// SPDX-License-Identifier: Apache-2.0
package io.segura.bamboo.core;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The settings a task needs on a remote agent, which cannot read the server's storage. The server's
 * {@code RuntimeTaskDataProvider} calls {@link #forAgent} when it dispatches the job; the agent reads the map back
 * with {@link #onAgent} from {@code CommonTaskContext.getRuntimeTaskContext()}. Only the secret of the client the
 * task uses travels, never the others'; Bamboo carries the map over its authenticated agent channel and does not
 * persist it.
 */
public final class RuntimeTaskData {

    static final String BROKER_URL = "segura.brokerUrl";
    static final String CLIENT_IDS = "segura.clientIds";
    static final String CLIENT_ID = "segura.clientId";
    static final String CLIENT_SECRET = "segura.clientSecret";

    private RuntimeTaskData() {
    }

    /**
     * Server side: the broker URL, the configured client ids and the secret of the client the task names (or the
     * only one). A choice that fails is not decided here: the agent repeats it and fails the task with the reason.
     */
    public static Map<String, String> forAgent(GlobalSettings settings, Map<String, String> taskConfiguration) {
        Map<String, String> data = new LinkedHashMap<>();
        if (settings.brokerUrl() != null) {
            data.put(BROKER_URL, settings.brokerUrl());
        }
        data.put(CLIENT_IDS, String.join(",", settings.clientIds()));
        try {
            String id = settings.chooseClient(taskConfiguration.get(SecretsTaskConfig.CLIENT_ID));
            Optional<String> secret = settings.clientSecret(id);
            if (secret.isPresent()) {
                data.put(CLIENT_ID, id);
                data.put(CLIENT_SECRET, secret.get());
            }
        } catch (TaskFailure e) {
            // reported on the agent, where the build log is
        }
        return data;
    }

    /** Agent side: the settings {@link #forAgent} shipped (none when the map is null: the provider did not run). */
    public static GlobalSettings onAgent(Map<String, String> data) {
        Map<String, String> d = data == null ? Map.of() : data;
        SortedSet<String> ids = new TreeSet<>();
        String joined = d.get(CLIENT_IDS);
        if (joined != null && !joined.isBlank()) {
            Arrays.stream(joined.split(",")).map(String::trim).filter(s -> !s.isEmpty()).forEach(ids::add);
        }
        return new Shipped(d.get(BROKER_URL), Collections.unmodifiableSortedSet(ids), d.get(CLIENT_ID),
                d.get(CLIENT_SECRET));
    }

    /** What reached the agent: all client ids, at most one secret. */
    private record Shipped(String brokerUrl, SortedSet<String> clientIds, String clientId, String secret)
            implements GlobalSettings {

        @Override
        public Optional<String> clientSecret(String id) {
            return id != null && id.equals(clientId) ? Optional.ofNullable(secret) : Optional.empty();
        }

        @Override
        public String toString() {
            return "GlobalSettings[brokerUrl=" + brokerUrl + ", clients=" + clientIds + ", secret of " + clientId
                    + "=<redacted>]";
        }
    }
}

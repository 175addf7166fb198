// SPDX-License-Identifier: Apache-2.0
package io.segura.bamboo.core;

import io.segura.client.json.Json;
import io.segura.client.json.JsonException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The global settings as the server stores them: one JSON document (the adapter keeps it under one key of Bamboo's
 * global plugin storage). Immutable; {@code toString()} names the clients, never their secrets.
 *
 * @param brokerUrl     the broker's base URL, or null
 * @param clientSecrets client id → client secret
 */
public record StoredSettings(String brokerUrl, Map<String, String> clientSecrets) implements GlobalSettings {

    public static final StoredSettings EMPTY = new StoredSettings(null, Map.of());

    public StoredSettings {
        brokerUrl = brokerUrl == null || brokerUrl.isBlank() ? null : brokerUrl.trim();
        clientSecrets = Collections.unmodifiableSortedMap(new TreeMap<>(clientSecrets));
    }

    @Override
    public SortedSet<String> clientIds() {
        return Collections.unmodifiableSortedSet(new TreeSet<>(clientSecrets.keySet()));
    }

    @Override
    public Optional<String> clientSecret(String clientId) {
        return Optional.ofNullable(clientSecrets.get(clientId));
    }

    public StoredSettings withBrokerUrl(String url) {
        return new StoredSettings(url, clientSecrets);
    }

    public StoredSettings withClient(String clientId, String secret) {
        Map<String, String> m = new TreeMap<>(clientSecrets);
        m.put(clientId, secret);
        return new StoredSettings(brokerUrl, m);
    }

    public StoredSettings withoutClient(String clientId) {
        Map<String, String> m = new TreeMap<>(clientSecrets);
        m.remove(clientId);
        return new StoredSettings(brokerUrl, m);
    }

    /** The stored form. */
    public String toJson() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("version", 1);
        if (brokerUrl != null) {
            doc.put("broker_url", brokerUrl);
        }
        doc.put("clients", new TreeMap<>(clientSecrets));
        return Json.write(doc);
    }

    /** Reads {@link #toJson()}; null or blank (nothing saved yet) gives {@link #EMPTY}. */
    public static StoredSettings fromJson(String json) {
        if (json == null || json.isBlank()) {
            return EMPTY;
        }
        try {
            Map<String, Object> doc = Json.parseObject(json);
            Map<String, String> clients = new TreeMap<>();
            Object c = doc.get("clients");
            if (c != null) {
                for (Map.Entry<String, Object> e : Json.object(c, "clients").entrySet()) {
                    if (e.getValue() instanceof String s) {
                        clients.put(e.getKey(), s);
                    }
                }
            }
            return new StoredSettings(Json.optionalString(doc, "broker_url"), clients);
        } catch (JsonException e) {
            // The document is ours; a damaged one must not take the secrets into an exception message.
            throw new IllegalStateException("the stored Segura settings are not valid JSON; save them again under"
                    + " Administration › Segura secrets");
        }
    }

    @Override
    public String toString() {
        return "StoredSettings[brokerUrl=" + brokerUrl + ", clients=" + clientIds() + ", secrets=<redacted>]";
    }
}

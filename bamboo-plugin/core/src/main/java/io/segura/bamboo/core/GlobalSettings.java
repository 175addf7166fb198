// SPDX-License-Identifier: Apache-2.0
package io.segura.bamboo.core;

import java.util.Optional;
import java.util.SortedSet;

/**
 * What a Bamboo administrator configures once for all plans (Administration › Segura secrets): the broker's URL and
 * the OAuth 2.0 clients (DESIGN §4 {@code clients:}) Bamboo may authenticate as. The adapter implements it over its
 * storage on the server, and the agent gets a copy holding only the one client a task uses ({@link RuntimeTaskData}).
 */
public interface GlobalSettings {

    /** The broker's base URL as entered, or null when none is configured. */
    String brokerUrl();

    /** The configured client ids, sorted; empty when none. */
    SortedSet<String> clientIds();

    /** The secret of {@code clientId}, when this copy of the settings holds it. */
    Optional<String> clientSecret(String clientId);

    /**
     * The client a task authenticates as: {@code requested} when given, else the only configured one.
     *
     * @throws TaskFailure when no client is configured, several are and the task names none, or the task names one
     *                     that is not configured
     */
    default String chooseClient(String requested) throws TaskFailure {
        SortedSet<String> ids = clientIds();
        if (requested != null && !requested.isBlank()) {
            String id = requested.trim();
            if (!ids.contains(id)) {
                throw new TaskFailure("Client id \"" + id + "\" (the task's Client id field) is not configured in"
                        + " Segura's global settings" + (ids.isEmpty() ? ", which hold no client"
                        : " (configured: " + String.join(", ", ids) + ")") + ". Fix: pick a configured client id in"
                        + " the task, or have a Bamboo administrator add \"" + id + "\" and its secret under"
                        + " Administration › Segura secrets.");
            }
            return id;
        }
        if (ids.isEmpty()) {
            throw new TaskFailure("Segura has no client credentials: no client id and secret are configured. Fix:"
                    + " a Bamboo administrator adds the client id and secret the broker knows (its `clients:` entry"
                    + " with secret-sha256) under Administration › Segura secrets.");
        }
        if (ids.size() > 1) {
            throw new TaskFailure("Segura's global settings hold several clients (" + String.join(", ", ids)
                    + ") and the task names none. Fix: set the task's Client id field to one of them.");
        }
        return ids.first();
    }
}

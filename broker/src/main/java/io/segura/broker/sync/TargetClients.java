// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.sync;

import io.segura.broker.config.SyncSpec;
import java.time.Duration;
import java.util.Objects;
import tools.jackson.databind.json.JsonMapper;

/** Opens the platform client of a target with its token (read from the vault for this run only). */
final class TargetClients {

    private final Duration timeout;
    private final JsonMapper json;

    TargetClients(Duration timeout, JsonMapper json) {
        this.timeout = Objects.requireNonNull(timeout, "timeout cannot be null");
        this.json = Objects.requireNonNull(json, "json cannot be null");
    }

    TargetClient open(SyncSpec spec, String token) throws RemoteFailure {
        return switch (spec.platform()) {
            case GITLAB -> new GitLabTarget(spec, token, timeout);
            case AZURE_DEVOPS -> new AzureDevOpsTarget(spec, token, timeout, json);
        };
    }
}

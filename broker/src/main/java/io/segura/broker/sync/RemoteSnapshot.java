// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.sync;

import java.util.List;
import java.util.Optional;

/**
 * What a target holds now: its variables and, where the platform has one, an update stamp of the whole container
 * (Azure DevOps variable group {@code modifiedOn}); {@code null} when there is none (GitLab) or the container does not
 * exist yet.
 */
record RemoteSnapshot(List<RemoteVariable> variables, String stamp) {

    RemoteSnapshot {
        variables = List.copyOf(variables);
    }

    Optional<RemoteVariable> find(String key, String environmentScope) {
        return variables.stream().filter(v -> v.key().equals(key) && v.environmentScope().equals(environmentScope))
                .findFirst();
    }
}

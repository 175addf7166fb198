// SPDX-License-Identifier: Apache-2.0
package io.segura.jenkins.core;

import java.io.IOException;
import java.util.Optional;

/**
 * Finds the identity a credentials id stands for. The Jenkins adapter implements it with
 * {@code CredentialsProvider.findCredentialById(id, type, run)} (so folder credentials, usage tracking and
 * build-scoped oidc-provider tokens work as for any plugin); tests implement it with a map.
 */
@FunctionalInterface
public interface CredentialLookup {

    /**
     * @return the identity of credential {@code credentialsId}, or empty when no credential of a kind Segura uses
     *         has that id (or the job may not see it)
     * @throws IOException when the credential exists but cannot be read (e.g. a key store that does not load)
     */
    Optional<JobIdentity> find(String credentialsId) throws IOException;
}

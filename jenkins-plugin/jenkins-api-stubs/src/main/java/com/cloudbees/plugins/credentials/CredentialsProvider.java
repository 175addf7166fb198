// SPDX-License-Identifier: Apache-2.0
// Compile-only declaration (JENKINS-BAMBOO.md, read from jenkinsci/credentials-plugin). Never shipped, never run.
package com.cloudbees.plugins.credentials;

import com.cloudbees.plugins.credentials.common.IdCredentials;
import com.cloudbees.plugins.credentials.domains.DomainRequirement;
import hudson.model.Run;

/** Only the lookup the adapter uses; the varargs overload exists in every released version. */
public abstract class CredentialsProvider {
    public static <C extends IdCredentials> C findCredentialById(String id, Class<C> type, Run<?, ?> run,
            DomainRequirement... domainRequirements) {
        throw new UnsupportedOperationException("compile-only declaration");
    }
}

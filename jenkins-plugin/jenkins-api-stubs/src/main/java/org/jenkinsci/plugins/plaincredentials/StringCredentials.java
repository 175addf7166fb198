// SPDX-License-Identifier: Apache-2.0
// Compile-only declaration (JENKINS-BAMBOO.md, read from jenkinsci/plain-credentials-plugin). Never shipped, never run.
package org.jenkinsci.plugins.plaincredentials;

import com.cloudbees.plugins.credentials.common.StandardCredentials;
import hudson.util.Secret;

public interface StringCredentials extends StandardCredentials {
    Secret getSecret();
}

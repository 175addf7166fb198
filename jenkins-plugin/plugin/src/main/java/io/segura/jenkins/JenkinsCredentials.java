// SPDX-License-Identifier: Apache-2.0
package io.segura.jenkins;

import com.cloudbees.plugins.credentials.CredentialsProvider;
import com.cloudbees.plugins.credentials.common.StandardCertificateCredentials;
import com.cloudbees.plugins.credentials.common.StandardUsernamePasswordCredentials;
import hudson.model.Run;
import io.segura.jenkins.core.CredentialLookup;
import io.segura.jenkins.core.JobIdentity;
import java.util.Optional;
import org.jenkinsci.plugins.plaincredentials.StringCredentials;

/**
 * The job's identity from a Jenkins credential, looked up the standard way ({@code findCredentialById} with the
 * build: folder credentials, usage tracking, and oidc-provider's build-scoped tokens through {@code forRun}):
 * "Username with password" = client id and secret, "Certificate" = mTLS key store, "Secret text" = an id token
 * (the oidc-provider "OpenID Connect id token" credential mints a fresh one each time it is read).
 */
final class JenkinsCredentials implements CredentialLookup {

    private final Run<?, ?> run;

    JenkinsCredentials(Run<?, ?> run) {
        this.run = run;
    }

    @Override
    public Optional<JobIdentity> find(String credentialsId) {
        StandardUsernamePasswordCredentials client = CredentialsProvider.findCredentialById(credentialsId,
                StandardUsernamePasswordCredentials.class, run);
        if (client != null) {
            return Optional.of(new JobIdentity.ClientSecret(client.getUsername(),
                    client.getPassword().getPlainText()));
        }
        StandardCertificateCredentials certificate = CredentialsProvider.findCredentialById(credentialsId,
                StandardCertificateCredentials.class, run);
        if (certificate != null) {
            return Optional.of(new JobIdentity.KeyStoreCertificate(certificate.getKeyStore(),
                    certificate.getPassword().getPlainText().toCharArray()));
        }
        StringCredentials token = CredentialsProvider.findCredentialById(credentialsId, StringCredentials.class,
                run);
        if (token != null) {
            return Optional.of(new JobIdentity.IdToken(() -> token.getSecret().getPlainText()));
        }
        return Optional.empty();
    }
}

// SPDX-License-Identifier: Apache-2.0
package io.segura.jenkins;

import hudson.Extension;
import hudson.ExtensionList;
import io.segura.jenkins.core.BindingException;
import io.segura.jenkins.core.BrokerSettings;
import jenkins.model.GlobalConfiguration;
import org.jenkinsci.Symbol;
import org.kohsuke.stapler.DataBoundSetter;

/**
 * Manage Jenkins » System » Segura: the broker's URL, its CA certificate (PEM) and the default credentials id. JCasC:
 * {@code unclassified: segura: {brokerUrl, credentialsId, caCertificate}}. Holds no secret: the credential itself
 * stays in the Credentials store.
 */
@Extension
@Symbol("segura")
public final class SeguraGlobalConfiguration extends GlobalConfiguration {

    private String brokerUrl;
    private String credentialsId;
    private String caCertificate;

    public SeguraGlobalConfiguration() {
        load();
    }

    public static SeguraGlobalConfiguration get() {
        return ExtensionList.lookupSingleton(SeguraGlobalConfiguration.class);
    }

    @Override
    public String getDisplayName() {
        return "Segura";
    }

    public String getBrokerUrl() {
        return brokerUrl;
    }

    @DataBoundSetter
    public void setBrokerUrl(String brokerUrl) {
        this.brokerUrl = trimToNull(brokerUrl);
        save();
    }

    public String getCredentialsId() {
        return credentialsId;
    }

    @DataBoundSetter
    public void setCredentialsId(String credentialsId) {
        this.credentialsId = trimToNull(credentialsId);
        save();
    }

    public String getCaCertificate() {
        return caCertificate;
    }

    @DataBoundSetter
    public void setCaCertificate(String caCertificate) {
        this.caCertificate = trimToNull(caCertificate);
        save();
    }

    /** The broker as the core needs it; the error names the field to fix. */
    BrokerSettings settings() throws BindingException {
        return BrokerSettings.of(brokerUrl, caCertificate);
    }

    private static String trimToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}

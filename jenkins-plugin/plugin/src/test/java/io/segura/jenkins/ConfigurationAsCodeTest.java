// SPDX-License-Identifier: Apache-2.0
package io.segura.jenkins;

import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.casc.misc.ConfiguredWithCode;
import io.jenkins.plugins.casc.misc.JenkinsConfiguredWithCodeRule;
import io.jenkins.plugins.casc.misc.junit.jupiter.WithJenkinsConfiguredWithCode;
import org.junit.jupiter.api.Test;

/** The README's JCasC snippet configures the plugin ({@code unclassified: segura:}, -Pjenkins only). */
@WithJenkinsConfiguredWithCode
class ConfigurationAsCodeTest {

    @Test
    @ConfiguredWithCode("configuration-as-code.yaml")
    void jcascWhenSeguraSectionThenGlobalConfigurationSet(JenkinsConfiguredWithCodeRule r) {
        SeguraGlobalConfiguration config = SeguraGlobalConfiguration.get();
        assertThat(config.getBrokerUrl()).isEqualTo("https://segura.example.com");
        assertThat(config.getCredentialsId()).isEqualTo("segura-client");
        assertThat(config.getCaCertificate()).startsWith("-----BEGIN CERTIFICATE-----");
    }
}

// SPDX-License-Identifier: Apache-2.0
package io.segura.bamboo.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Stored settings, the server → agent runtime data, and the choice of client. */
class SettingsTest {

    static final StoredSettings TWO = new StoredSettings("https://segura.example.com", Map.of(
            "bamboo-prod", "prod-secret-value-0123456789", "bamboo-staging", "staging-secret-value-0123456"));

    @Test
    void jsonWhenRoundTrippedThenEqualAndToStringHidesSecrets() {
        assertThat(StoredSettings.fromJson(TWO.toJson())).isEqualTo(TWO);
        assertThat(StoredSettings.fromJson(null)).isEqualTo(StoredSettings.EMPTY);
        assertThat(TWO.toString()).contains("bamboo-prod", "bamboo-staging")
                .doesNotContain("prod-secret-value", "staging-secret-value");
    }

    @Test
    void fromJsonWhenDamagedThenMessageWithoutContent() {
        assertThatThrownBy(() -> StoredSettings.fromJson("{\"clients\":{\"a\":\"leaky-secret-value\""))
                .hasMessageContaining("save them again").hasMessageNotContaining("leaky-secret-value");
    }

    @Test
    void forAgentWhenTaskNamesAClientThenOnlyItsSecretTravels() {
        Map<String, String> data = RuntimeTaskData.forAgent(TWO, Map.of("clientId", "bamboo-staging"));

        assertThat(data.values()).contains("staging-secret-value-0123456").doesNotContain(
                "prod-secret-value-0123456789");
        GlobalSettings agent = RuntimeTaskData.onAgent(data);
        assertThat(agent.brokerUrl()).isEqualTo("https://segura.example.com");
        assertThat(agent.clientIds()).containsExactly("bamboo-prod", "bamboo-staging");
        assertThat(agent.clientSecret("bamboo-staging")).contains("staging-secret-value-0123456");
        assertThat(agent.clientSecret("bamboo-prod")).isEmpty();
        assertThat(agent.toString()).doesNotContain("staging-secret-value");
    }

    @Test
    void forAgentWhenChoiceFailsThenNoSecretAndTheAgentReportsIt() {
        Map<String, String> data = RuntimeTaskData.forAgent(TWO, Map.of());

        assertThat(data).doesNotContainKey(RuntimeTaskData.CLIENT_SECRET);
        assertThatThrownBy(() -> RuntimeTaskData.onAgent(data).chooseClient(null))
                .isInstanceOf(TaskFailure.class)
                .hasMessageContaining("several clients (bamboo-prod, bamboo-staging)")
                .hasMessageContaining("set the task's Client id field");
    }

    @Test
    void onAgentWhenProviderDidNotRunThenNothingConfigured() {
        GlobalSettings s = RuntimeTaskData.onAgent(null);
        assertThat(s.brokerUrl()).isNull();
        assertThatThrownBy(() -> s.chooseClient(null)).hasMessageContaining("no client credentials");
    }

    @Test
    void brokerUrlWhenPlainHttpOffLoopbackThenRefused() {
        assertThatThrownBy(() -> BrokerUrl.parse("http://segura.example.com"))
                .isInstanceOf(TaskFailure.class).hasMessageContaining("loopback only");
        assertThatThrownBy(() -> BrokerUrl.parse("https://user:pw@segura.example.com"))
                .hasMessageContaining("no user info");
    }

    @Test
    void brokerUrlWhenTrailingSlashThenStripped() throws Exception {
        assertThat(BrokerUrl.parse(" https://segura.example.com/ ")).hasToString("https://segura.example.com");
    }
}

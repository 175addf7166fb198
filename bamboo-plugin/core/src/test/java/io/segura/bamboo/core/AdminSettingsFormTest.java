// SPDX-License-Identifier: Apache-2.0
package io.segura.bamboo.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class AdminSettingsFormTest {

    static final String SECRET = "bamboo-client-secret-0123456789";

    @Test
    void applyWhenUrlAndNewClientThenSavedAndPageNeverShowsTheSecret() {
        AdminSettingsForm.Result r = AdminSettingsForm.apply(StoredSettings.EMPTY, Map.of("brokerUrl",
                "https://segura.example.com/", "clientId", "bamboo-prod", "clientSecret", SECRET));

        assertThat(r.saved()).isTrue();
        assertThat(r.settings().brokerUrl()).isEqualTo("https://segura.example.com");
        assertThat(r.settings().clientSecret("bamboo-prod")).contains(SECRET);
        String page = AdminSettingsForm.render(r.settings(), r, "/plugins/servlet/segura/admin", "tok");
        assertThat(page).contains("bamboo-prod", "https://segura.example.com", "type=\"password\"",
                "Client bamboo-prod added.").doesNotContain(SECRET);
    }

    @Test
    void applyWhenSecretBlankForKnownClientThenKept() {
        StoredSettings s = StoredSettings.EMPTY.withClient("bamboo-prod", SECRET);
        AdminSettingsForm.Result r = AdminSettingsForm.apply(s, Map.of("clientId", "bamboo-prod", "clientSecret", ""));

        assertThat(r.errors()).isEmpty();
        assertThat(r.settings().clientSecret("bamboo-prod")).contains(SECRET);
    }

    @Test
    void applyWhenBadInputThenErrorsNameTheFieldAndNothingChanges() {
        StoredSettings s = new StoredSettings("https://segura.example.com", Map.of());
        AdminSettingsForm.Result r = AdminSettingsForm.apply(s, Map.of("brokerUrl", "http://segura.example.com",
                "clientId", "new-client", "clientSecret", "short"));

        assertThat(r.settings()).isEqualTo(s);
        assertThat(r.errors()).containsOnlyKeys("brokerUrl", "clientSecret");
        assertThat(r.errors().get("clientSecret")).contains("at least 16").doesNotContain("short");
        assertThat(AdminSettingsForm.apply(s, Map.of("clientId", "new-client")).errors().get("clientSecret"))
                .contains("enter its secret");
    }

    @Test
    void applyWhenRemoveThenClientGone() {
        StoredSettings s = StoredSettings.EMPTY.withClient("bamboo-prod", SECRET);
        assertThat(AdminSettingsForm.apply(s, Map.of("removeClientId", "bamboo-prod")).settings().clientIds())
                .isEmpty();
    }

    @Test
    void renderWhenValuesHoldMarkupThenEscaped() {
        StoredSettings s = new StoredSettings("https://x.example.com/\"><script>", Map.of());
        assertThat(AdminSettingsForm.render(s, null, "/a?b=<c>", "t\"k")).doesNotContain("<script>", "<c>", "t\"k")
                .contains("&lt;script&gt;", "t&quot;k");
    }
}

// SPDX-License-Identifier: Apache-2.0
package io.segura.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The rendering segura-cli exec, the Jenkins core and the Bamboo core share: one request per dynamic secret however
 * many specs name it, all requests before the first value is handed out, each spec its field in the order given.
 */
class DynamicSpecsTest {

    static DynamicCredential credential(String name, String user) {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("username", user);
        fields.put("password", "pw-of-" + user);
        fields.put("host", "127.0.0.1");
        fields.put("port", "5432");
        fields.put("database", "app");
        fields.put("url", "postgresql://" + user + ":pw-of-" + user + "@127.0.0.1:5432/app");
        return new DynamicCredential("lease-" + user, name, "postgresql", Instant.parse("2026-12-03T08:15:00Z"),
                fields, List.of());
    }

    @Test
    void requestWhenSpecsShareANameThenOneRequestEachAndFieldsInOrder() throws Exception {
        List<SecretSpec> specs = SecretSpec.parseList("db/prod/password > DB_PASSWORD\n" + "dynamic:db/a > A_URL\n"
                + "dynamic:db/b.username > B_USER\ndynamic:db/a.password > A_PW\ndynamic:db/a.port");
        List<String> events = new ArrayList<>();
        Map<String, DynamicCredential> byName = DynamicSpecs.request(specs, name -> {
            events.add("request " + name);
            return credential(name, name.equals("db/a") ? "u_a" : "u_b");
        }, (spec, c, value) -> events.add(spec.envName() + "=" + value));

        assertThat(events).containsExactly("request db/a", "request db/b",
                "A_URL=postgresql://u_a:pw-of-u_a@127.0.0.1:5432/app", "B_USER=u_b", "A_PW=pw-of-u_a",
                "DB_A_PORT=5432");
        assertThat(byName).containsOnlyKeys("db/a", "db/b");
        assertThat(DynamicSpecs.names(specs)).containsExactly("db/a", "db/b");
    }

    @Test
    void requestWhenOnlyStaticSpecsThenNothingRequested() throws Exception {
        List<String> events = new ArrayList<>();
        assertThat(DynamicSpecs.request(SecretSpec.parseList("db/prod/password > DB_PASSWORD"), name -> {
            events.add(name);
            return credential(name, "x");
        }, (spec, c, value) -> events.add(value))).isEmpty();
        assertThat(events).isEmpty();
    }

    @Test
    void requestWhenCredentialLacksTheFieldThenIOExceptionNamingItAndNoValue() {
        DynamicCredential partial = new DynamicCredential("lease-1", "db/a", "postgresql", Instant.now(),
                Map.of("username", "u", "password", "secret-pw-1"), List.of());
        assertThatThrownBy(() -> DynamicSpecs.request(SecretSpec.parseList("dynamic:db/a > URL"), name -> partial,
                (spec, c, value) -> { }))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("has no field \"url\"")
                .satisfies(e -> assertThat(e.getMessage().contains("secret-pw-1")).isFalse());
    }

    @Test
    void secretValuesWhenDatabaseCredentialThenUrlAndPasswordOnly() {
        DynamicCredential c = credential("db/a", "u_a");
        assertThat(c.secretValues()).containsExactlyInAnyOrder("pw-of-u_a",
                "postgresql://u_a:pw-of-u_a@127.0.0.1:5432/app");
        assertThat(DynamicCredential.PUBLIC_FIELDS).containsExactly("username", "host", "port", "database");
    }
}

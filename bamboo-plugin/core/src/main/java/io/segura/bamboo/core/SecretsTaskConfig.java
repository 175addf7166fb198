// SPDX-License-Identifier: Apache-2.0
package io.segura.bamboo.core;

import io.segura.client.DurationText;
import io.segura.client.SecretSpec;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The fields of the "Segura: lease secrets" task, as its configuration map (the task UI, Specs' {@code AnyTask}) holds
 * them. The same keys are the Specs builder's configuration keys and the edit template's field names.
 *
 * @param role     {@code role}: the broker role ({@code scope=role:NAME}); blank lets the broker pick the client's
 *                 only role
 * @param secrets  {@code secrets}: {@code path[@version] > NAME}, one per line or separated by {@code ;}
 * @param ttl      {@code ttl}: lease time to live ({@code 15m}); null for the role's cap
 * @param clientId {@code clientId}: which configured client to authenticate as; null for the only one
 */
public record SecretsTaskConfig(String role, List<SecretSpec> secrets, Duration ttl, String clientId) {

    public static final String ROLE = "role";
    public static final String SECRETS = "secrets";
    public static final String TTL = "ttl";
    public static final String CLIENT_ID = "clientId";
    /** Every field, in the order the task UI shows them. */
    public static final List<String> FIELDS = List.of(ROLE, SECRETS, TTL, CLIENT_ID);

    public SecretsTaskConfig {
        secrets = List.copyOf(secrets);
    }

    /**
     * Reads and checks the configuration.
     *
     * @throws TaskFailure naming the first wrong field and how to fix it
     */
    public static SecretsTaskConfig parse(Map<String, String> configuration) throws TaskFailure {
        Map<String, String> errors = validate(configuration);
        if (!errors.isEmpty()) {
            Map.Entry<String, String> first = errors.entrySet().iterator().next();
            throw new TaskFailure("Task field " + first.getKey() + ": " + first.getValue());
        }
        String ttl = value(configuration, TTL);
        return new SecretsTaskConfig(value(configuration, ROLE), SecretSpec.parseList(value(configuration, SECRETS)),
                ttl == null ? null : DurationText.parse(ttl), value(configuration, CLIENT_ID));
    }

    /**
     * Field → problem, empty when the configuration is valid. The task configurator shows these next to the fields
     * when a plan is saved; the task repeats the check because Specs and variable substitution bypass the UI.
     */
    public static Map<String, String> validate(Map<String, String> configuration) {
        Map<String, String> errors = new LinkedHashMap<>();
        String role = value(configuration, ROLE);
        if (role != null && !role.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
            errors.put(ROLE, "\"" + role + "\" is not a role name (letters, digits, . _ -)");
        }
        String secrets = value(configuration, SECRETS);
        if (secrets == null) {
            errors.put(SECRETS, "no secret given; write one per line as path[@version] > NAME, e.g."
                    + " db/prod/password > DB_PASSWORD");
        } else {
            try {
                List<SecretSpec> specs = SecretSpec.parseList(secrets);
                if (specs.isEmpty()) {
                    errors.put(SECRETS, "no secret given; write one per line as path[@version] > NAME");
                } else {
                    BambooMasking.requireMasked(specs);
                }
            } catch (IllegalArgumentException e) {
                errors.put(SECRETS, e.getMessage());
            } catch (TaskFailure e) {
                errors.put(SECRETS, e.getMessage());
            }
        }
        String ttl = value(configuration, TTL);
        if (ttl != null) {
            try {
                DurationText.parse(ttl);
            } catch (IllegalArgumentException e) {
                errors.put(TTL, e.getMessage() + " (write e.g. 15m, or leave it empty for the role's maximum)");
            }
        }
        String clientId = value(configuration, CLIENT_ID);
        if (clientId != null && !clientId.matches("[A-Za-z0-9][A-Za-z0-9._:@-]*")) {
            errors.put(CLIENT_ID, "\"" + clientId + "\" is not a client id (letters, digits, . _ : @ -)");
        }
        return errors;
    }

    private static String value(Map<String, String> configuration, String key) {
        String v = configuration.get(key);
        return v == null || v.isBlank() ? null : v.trim();
    }
}

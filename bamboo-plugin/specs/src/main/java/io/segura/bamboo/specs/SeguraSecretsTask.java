// SPDX-License-Identifier: Apache-2.0
package io.segura.bamboo.specs;

import com.atlassian.bamboo.specs.api.builders.task.Task;
import com.atlassian.bamboo.specs.api.exceptions.PropertiesValidationException;
import com.atlassian.bamboo.specs.api.model.AtlassianModuleProperties;
import com.atlassian.bamboo.specs.api.model.task.AnyTaskProperties;
import io.segura.bamboo.core.PluginKeys;
import io.segura.bamboo.core.SecretsTaskConfig;
import io.segura.client.DurationText;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The "Segura: lease secrets" task in Bamboo Java Specs. Type-safe here, but {@link #build()} returns
 * {@link AnyTaskProperties} with the plugin's module key: Bamboo's Specs import does not load plugin classes, so a
 * plugin {@code *Properties} class would fail on the server (Atlassian, community.developer.atlassian.com t/26486).
 * Only secret paths and variable names go into the Specs — never a value, and no client secret (that is a global
 * setting of the Bamboo server).
 *
 * <pre>{@code
 * new SeguraSecretsTask().role("bamboo-deploy").secret("db/prod/password", "DB_PASSWORD")
 * }</pre>
 */
public class SeguraSecretsTask extends Task<SeguraSecretsTask, AnyTaskProperties> {

    private String role;
    private final List<String> secrets = new ArrayList<>();
    private String ttl;
    private String clientId;

    public SeguraSecretsTask() {
        description("Segura: lease secrets");
    }

    /** The broker role ({@code scope=role:NAME}); leave unset when the client may use exactly one role. */
    public SeguraSecretsTask role(String role) {
        this.role = role;
        return this;
    }

    /**
     * One secret: {@code path} (optionally {@code path@version}) into the runtime variable {@code variable}, whose name
     * must contain {@code SECRET} or {@code PASSWORD} so Bamboo masks it. Also a dynamic secret, {@code
     * dynamic:NAME[.FIELD]}: a database credential's {@code username}, {@code host}, {@code port} and {@code database},
     * and every field of an SSH certificate ({@code dynamic:ssh/NAME}: file paths, serial, principals), take any name.
     */
    public SeguraSecretsTask secret(String path, String variable) {
        secrets.add(path + " > " + variable);
        return this;
    }

    /** Secrets in the task's text form, {@code path[@version] > NAME}. */
    public SeguraSecretsTask secrets(String... specs) {
        secrets.addAll(List.of(specs));
        return this;
    }

    /** The lease's time to live; unset means the role's {@code max-lease-ttl}. */
    public SeguraSecretsTask ttl(Duration ttl) {
        this.ttl = DurationText.format(ttl);
        return this;
    }

    /** Which client from the server's global settings to authenticate as; unset when only one is configured. */
    public SeguraSecretsTask clientId(String clientId) {
        this.clientId = clientId;
        return this;
    }

    /** The task configuration map, as the task UI would save it. */
    Map<String, String> configuration() {
        Map<String, String> c = new LinkedHashMap<>();
        if (role != null) {
            c.put(SecretsTaskConfig.ROLE, role);
        }
        c.put(SecretsTaskConfig.SECRETS, String.join("\n", secrets));
        if (ttl != null) {
            c.put(SecretsTaskConfig.TTL, ttl);
        }
        if (clientId != null) {
            c.put(SecretsTaskConfig.CLIENT_ID, clientId);
        }
        return c;
    }

    /** Refuses what the task would refuse at run time, so a wrong Spec fails where it is written. */
    @Override
    protected AnyTaskProperties build() throws PropertiesValidationException {
        Map<String, String> c = configuration();
        Map<String, String> errors = SecretsTaskConfig.validate(c);
        if (!errors.isEmpty()) {
            Map.Entry<String, String> e = errors.entrySet().iterator().next();
            throw new PropertiesValidationException("SeguraSecretsTask " + e.getKey() + ": " + e.getValue());
        }
        return new AnyTaskProperties(new AtlassianModuleProperties(PluginKeys.module(PluginKeys.SECRETS_TASK)),
                description, taskEnabled, c, requirements, conditions);
    }
}

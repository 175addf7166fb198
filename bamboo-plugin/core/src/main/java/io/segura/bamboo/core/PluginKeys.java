// SPDX-License-Identifier: Apache-2.0
package io.segura.bamboo.core;

/**
 * The keys Bamboo knows the plugin by. {@code atlassian-plugin.xml} declares the same plugin key and task keys, and
 * the Specs builder writes {@link #module(String)} into {@code AnyTask}: a test holds all three together, because a
 * Specs import with a key Bamboo does not know fails only on the server.
 */
public final class PluginKeys {

    /** The plugin key ({@code <atlassian-plugin key=…>}). */
    public static final String PLUGIN = "io.segura.bamboo";
    /** The task that leases secrets into runtime variables ({@code <taskType key=…>}). */
    public static final String SECRETS_TASK = "segura-secrets";
    /** The final task that revokes the job's sessions. */
    public static final String REVOKE_TASK = "segura-revoke";

    private PluginKeys() {
    }

    /** The complete module key Specs' {@code AtlassianModule} takes: {@code io.segura.bamboo:segura-secrets}. */
    public static String module(String taskKey) {
        return PLUGIN + ":" + taskKey;
    }
}

// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.sync;

import com.fasterxml.jackson.annotation.JsonProperty;
import org.gitlab4j.api.models.Variable;

/**
 * gitlab4j's {@link Variable} with the response fields it does not map ({@code hidden} since GitLab 17.4, {@code raw},
 * {@code description}); gitlab4j's mapper ignores unknown fields, so without them a drift check could not see them.
 */
public class GitLabVariable extends Variable {

    @JsonProperty("hidden")
    private Boolean hidden;

    @JsonProperty("raw")
    private Boolean raw;

    @JsonProperty("description")
    private String description;

    public Boolean getHidden() {
        return hidden;
    }

    public void setHidden(Boolean hidden) {
        this.hidden = hidden;
    }

    public Boolean getRaw() {
        return raw;
    }

    public void setRaw(Boolean raw) {
        this.raw = raw;
    }

    public String getDescription() {
        return description;
    }

    public void setDescription(String description) {
        this.description = description;
    }

    @Override
    public String toString() {
        return getKey() + " (" + getEnvironmentScope() + ")"; // gitlab4j's toString prints the value
    }
}

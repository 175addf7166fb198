// SPDX-License-Identifier: Apache-2.0
package io.segura.bamboo.specs;

import com.atlassian.bamboo.specs.api.builders.task.Task;
import com.atlassian.bamboo.specs.api.model.task.AnyTaskProperties;
import com.atlassian.bamboo.specs.api.util.EntityPropertiesBuilders;
import java.util.Map;

/**
 * The same tasks for Bamboo YAML Specs (version 2), which has no Java builders: {@code any-task} with
 * {@code plugin-key} and {@code configuration} (Bamboo 7.2+, Atlassian KB "How to generate YAML Specs for any-task
 * configurations"). Renders one list item for a job's {@code tasks:} or {@code final-tasks:}.
 */
public final class SeguraYamlSpecs {

    private SeguraYamlSpecs() {
    }

    /** One {@code - any-task:} item, indented by {@code indent} spaces. */
    public static String anyTask(Task<?, AnyTaskProperties> task, int indent) {
        AnyTaskProperties p = EntityPropertiesBuilders.build(task);
        String pad = " ".repeat(indent);
        StringBuilder y = new StringBuilder();
        y.append(pad).append("- any-task:\n");
        y.append(pad).append("    plugin-key: ").append(p.getAtlassianPlugin().getCompleteModuleKey()).append('\n');
        if (p.getConfiguration().isEmpty()) {
            y.append(pad).append("    configuration: {}\n");
        } else {
            y.append(pad).append("    configuration:\n");
            for (Map.Entry<String, String> e : p.getConfiguration().entrySet()) {
                y.append(pad).append("      ").append(e.getKey()).append(": ").append(scalar(e.getValue()))
                        .append('\n');
            }
        }
        return y.toString();
    }

    /** A double-quoted YAML scalar: secrets lists hold newlines and {@code >}, which a plain scalar cannot. */
    private static String scalar(String v) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : v.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                default -> sb.append(c);
            }
        }
        return sb.append('"').toString();
    }
}

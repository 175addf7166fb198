// SPDX-License-Identifier: Apache-2.0
package io.segura.bamboo.plugin;

import com.atlassian.bamboo.collections.ActionParametersMap;
import com.atlassian.bamboo.task.AbstractTaskConfigurator;
import com.atlassian.bamboo.task.TaskDefinition;
import com.atlassian.bamboo.utils.error.ErrorCollection;
import io.segura.bamboo.core.SecretsTaskConfig;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The task UI's fields ({@code templates/segura-secrets-edit.ftl}) ↔ the task configuration map: the keys are
 * {@link SecretsTaskConfig#FIELDS}, the same the Specs builder writes. Validation is the core's, so the UI, Specs and
 * the running task refuse the same things with the same words.
 */
public class SeguraSecretsTaskConfigurator extends AbstractTaskConfigurator {

    @Override
    public Map<String, String> generateTaskConfigMap(ActionParametersMap params,
            TaskDefinition previousTaskDefinition) {
        Map<String, String> config = super.generateTaskConfigMap(params, previousTaskDefinition);
        taskConfiguratorHelper.populateTaskConfigMapWithActionParameters(config, params, SecretsTaskConfig.FIELDS);
        return config;
    }

    @Override
    public void populateContextForEdit(Map<String, Object> context, TaskDefinition taskDefinition) {
        super.populateContextForEdit(context, taskDefinition);
        taskConfiguratorHelper.populateContextWithConfiguration(context, taskDefinition, SecretsTaskConfig.FIELDS);
    }

    @Override
    public void validate(ActionParametersMap params, ErrorCollection errorCollection) {
        super.validate(params, errorCollection);
        Map<String, String> submitted = new LinkedHashMap<>();
        for (String field : SecretsTaskConfig.FIELDS) {
            String v = params.getString(field);
            if (v != null) {
                submitted.put(field, v);
            }
        }
        // A value with ${bamboo.…} is substituted at run time; the task checks it again then.
        submitted.replaceAll((k, v) -> v.contains("${") && !k.equals(SecretsTaskConfig.SECRETS) ? "" : v);
        SecretsTaskConfig.validate(submitted).forEach(errorCollection::addError);
    }
}

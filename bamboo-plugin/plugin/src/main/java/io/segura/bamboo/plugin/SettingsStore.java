// SPDX-License-Identifier: Apache-2.0
package io.segura.bamboo.plugin;

import com.atlassian.bamboo.bandana.PlanAwareBandanaContext;
import com.atlassian.bandana.BandanaManager;
import com.atlassian.plugin.spring.scanner.annotation.imports.ComponentImport;
import io.segura.bamboo.core.StoredSettings;
import javax.inject.Inject;
import javax.inject.Named;

/**
 * The global settings in Bamboo's global Bandana storage (the server's database), as one JSON string under one key
 * (the develocity and Artifactory plugins keep theirs the same way). The client secret is stored as entered: Bamboo's
 * encryption service is not among the APIs verified here, so at-rest protection is the database's (README, limits).
 */
@Named
public class SettingsStore {

    static final String KEY = "io.segura.bamboo.settings";

    private final BandanaManager bandana;

    @Inject
    public SettingsStore(@ComponentImport BandanaManager bandana) {
        this.bandana = bandana;
    }

    public StoredSettings load() {
        Object v = bandana.getValue(PlanAwareBandanaContext.GLOBAL_CONTEXT, KEY);
        return StoredSettings.fromJson(v instanceof String ? (String) v : null);
    }

    public void save(StoredSettings settings) {
        bandana.setValue(PlanAwareBandanaContext.GLOBAL_CONTEXT, KEY, settings.toJson());
    }
}

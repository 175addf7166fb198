// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.dynamic;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The configured engines by name; built once from the trust config (a reload builds a new instance). */
public final class DynamicEngines {

    private final Map<String, DynamicEngine> byName;

    public DynamicEngines(List<? extends DynamicEngine> engines) {
        Map<String, DynamicEngine> map = new LinkedHashMap<>();
        for (DynamicEngine e : engines) {
            if (map.put(e.name(), e) != null) {
                throw new IllegalArgumentException("two dynamic engines are named " + e.name());
            }
        }
        this.byName = java.util.Collections.unmodifiableMap(map);
    }

    public Optional<DynamicEngine> byName(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    public Collection<DynamicEngine> all() {
        return byName.values();
    }
}

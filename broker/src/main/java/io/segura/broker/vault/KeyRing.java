// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.vault;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The current KEK plus retired ones by id (DESIGN §6): new versions are sealed under {@link #current()}, rows sealed
 * under an older KEK still open until {@link SecretStore#rekey(KeyRing)} moves them.
 */
public final class KeyRing {

    private final MasterKey current;
    private final Map<String, MasterKey> byId;

    private KeyRing(MasterKey current, List<MasterKey> older) {
        this.current = Objects.requireNonNull(current, "current cannot be null");
        Map<String, MasterKey> m = new LinkedHashMap<>();
        m.put(current.id(), current);
        for (MasterKey k : older) {
            m.putIfAbsent(Objects.requireNonNull(k, "older key cannot be null").id(), k);
        }
        this.byId = Collections.unmodifiableMap(m);
    }

    public static KeyRing of(MasterKey current, MasterKey... older) {
        return new KeyRing(current, List.of(older));
    }

    public static KeyRing of(MasterKey current, List<MasterKey> older) {
        return new KeyRing(current, List.copyOf(older));
    }

    public MasterKey current() {
        return current;
    }

    public Optional<MasterKey> find(String kekId) {
        return Optional.ofNullable(byId.get(kekId));
    }

    /** Every key, the current one first. */
    public List<MasterKey> all() {
        return List.copyOf(byId.values());
    }

    @Override
    public String toString() {
        return "KeyRing[current=" + current.id() + ", ids=" + byId.keySet() + "]";
    }
}

// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.vault;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * The current KEK plus retired ones by id (DESIGN §6): new versions are sealed under {@link #current()}, rows sealed
 * under an older KEK still open until a master-key rotation ({@link RekeyJobs}) moves them.
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

    /**
     * The ring an operator configured: the current key from {@code SEGURA_MASTER_KEY} or {@code SEGURA_MASTER_KEY_FILE}
     * (exactly one), retired keys from {@code SEGURA_MASTER_KEY_PREVIOUS} and/or {@code SEGURA_MASTER_KEY_PREVIOUS_FILE}
     * (optional). A retired key equal to the current one is simply the current one (harmless while a rollout is
     * under way).
     *
     * @throws IllegalArgumentException naming the variable at fault and the fix, never a key
     */
    public static KeyRing configured(String key, String keyFile, String previous, String previousFile) {
        boolean hasKey = key != null && !key.isBlank();
        boolean hasFile = keyFile != null && !keyFile.isBlank();
        if (hasKey && hasFile) {
            throw new MasterKeyException("set either " + MasterKey.ENV + " or " + MasterKey.FILE_ENV
                    + ", not both");
        }
        if (!hasKey && !hasFile) {
            throw new MasterKeyException("no master key: set " + MasterKey.ENV + " (base64 of 32 random bytes,"
                    + " e.g. openssl rand -base64 32) or " + MasterKey.FILE_ENV);
        }
        MasterKey current = hasKey ? MasterKey.fromBase64(key) : MasterKey.fromFile(Path.of(keyFile.strip()));
        List<MasterKey> older = new ArrayList<>(MasterKey.listFromText(previous, MasterKey.PREVIOUS_ENV));
        if (previousFile != null && !previousFile.isBlank()) {
            older.addAll(MasterKey.listFromFile(Path.of(previousFile.strip()), MasterKey.PREVIOUS_FILE_ENV));
        }
        return new KeyRing(current, older);
    }

    /** {@link #configured} from the four variables looked up in {@code env}, e.g. {@code System::getenv}. */
    public static KeyRing fromEnvironment(Function<String, String> env) {
        Objects.requireNonNull(env, "env cannot be null");
        return configured(env.apply(MasterKey.ENV), env.apply(MasterKey.FILE_ENV), env.apply(MasterKey.PREVIOUS_ENV),
                env.apply(MasterKey.PREVIOUS_FILE_ENV));
    }

    public MasterKey current() {
        return current;
    }

    public Optional<MasterKey> find(String kekId) {
        return Optional.ofNullable(byId.get(kekId));
    }

    /** The ids of every key, the current one first. */
    public List<String> ids() {
        return List.copyOf(byId.keySet());
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

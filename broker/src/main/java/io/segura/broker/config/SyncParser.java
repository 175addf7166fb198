// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.config;

import io.segura.broker.config.SyncSpec.Mapping;
import io.segura.broker.config.SyncSpec.Platform;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads one {@code sync[i]} entry (docs/SYNC.md): a GitLab project or group, or an Azure DevOps variable group, and its
 * {@code variables} lines {@code path[@version] > VARIABLE}. Options that the target's platform does not have are
 * refused rather than ignored, so a reviewer never reads a flag that does nothing.
 */
final class SyncParser {

    static final Set<String> KEYS = Set.of("name", "platform", "url", "project", "group", "organization",
            "variable-group", "token-secret", "schedule", "prune", "variables");
    static final Set<String> GITLAB_MAPPING_KEYS = Set.of("secret", "masked", "hidden", "protected",
            "environment-scope", "raw", "type", "description");
    static final Set<String> AZURE_MAPPING_KEYS = Set.of("secret", "is-secret");
    static final Set<String> MAPPING_KEYS;

    static {
        Set<String> all = new java.util.HashSet<>(GITLAB_MAPPING_KEYS);
        all.addAll(AZURE_MAPPING_KEYS);
        MAPPING_KEYS = Set.copyOf(all);
    }

    /** {@code path[@version] > VARIABLE}, spaces around {@code >} optional (the client's SEGURA_SECRETS grammar). */
    private static final Pattern LINE = Pattern.compile("^\\s*([^@>\\s]+)(?:@([0-9]+))?\\s*>\\s*(\\S+)\\s*$");
    /** GitLab: key ≤ 255 of A-Z a-z 0-9 _ (doc/api/project_level_variables.md). */
    static final Pattern GITLAB_KEY = Pattern.compile("^[A-Za-z0-9_]{1,255}$");
    /** Azure Pipelines variable names: letters, digits, {@code .} and {@code _}, not starting with a dot. */
    static final Pattern AZURE_NAME = Pattern.compile("^[A-Za-z0-9_][A-Za-z0-9_.]{0,254}$");
    static final Duration MIN_SCHEDULE = Duration.ofSeconds(10);
    static final Duration DEFAULT_SCHEDULE = Duration.ofMinutes(15);
    static final int MAX_MAPPINGS = 512;

    private SyncParser() {
    }

    static SyncSpec parse(YamlMap m) {
        Problems p = m.problems();
        String name = m.string("name", true);
        Platform platform = platform(m);
        String url = m.string("url", true);
        if (url != null) {
            String problem = ConfigSyntax.checkUrl(url);
            if (problem == null && platform == Platform.GITLAB && url.replaceAll("/+$", "").endsWith("/api/v4")) {
                problem = "give the GitLab root URL without /api/v4 (the client appends it)";
            }
            if (problem != null) {
                p.add(m.value("url"), m.path("url"), problem);
            }
        }
        String project = m.string("project", false);
        String group = m.string("group", false);
        String organization = m.string("organization", false);
        String variableGroup = m.string("variable-group", false);
        String tokenSecret = m.string("token-secret", true);
        if (tokenSecret != null && !isSecretPath(tokenSecret)) {
            p.add(m.value("token-secret"), m.path("token-secret"), "`" + tokenSecret + "` is not a secret path "
                    + "(segments of a-z 0-9 . _ - separated by /, no globs): the platform token is read from the vault");
        }
        Duration schedule = m.has("schedule") ? m.duration("schedule", MIN_SCHEDULE, false, Duration.ofDays(1))
                : DEFAULT_SCHEDULE;
        Boolean prune = m.bool("prune");

        if (platform == Platform.GITLAB) {
            if (project != null && group != null) {
                p.add(m.at("group"), m.path("project"), "exactly one of project and group, got both");
            } else if (!m.has("project") && !m.has("group")) {
                p.add(m.at(), m.path("project"), "exactly one of project and group, got neither");
            }
            notFor(m, platform, "organization", "variable-group");
        } else if (platform == Platform.AZURE_DEVOPS) {
            m.required("organization");
            m.required("project");
            m.required("variable-group");
            notFor(m, platform, "group");
        }

        m.required("variables");
        List<Mapping> mappings = new ArrayList<>();
        Map<String, SourceLocation> seen = new HashMap<>();
        List<YamlMap> entries = m.maps("variables", MAPPING_KEYS);
        if (entries.size() > MAX_MAPPINGS) {
            p.add(m.at("variables"), m.path("variables"), "at most " + MAX_MAPPINGS + " variables per target");
        }
        if (m.has("variables") && entries.isEmpty() && m.value("variables") != null) {
            p.add(m.at("variables"), m.path("variables"), "must not be empty");
        }
        for (YamlMap v : entries) {
            Mapping mapping = mapping(v, platform);
            if (mapping == null) {
                continue;
            }
            String key = mapping.variable() + " (environment scope " + mapping.environmentScope() + ")";
            SourceLocation first = seen.putIfAbsent(key, v.at());
            if (first != null) {
                p.add(v.at("secret"), v.path("secret"), "duplicate variable " + (platform == Platform.GITLAB ? key
                        : mapping.variable()) + ", first mapped at " + first);
            } else {
                mappings.add(mapping);
            }
        }
        if (name == null || platform == null || url == null || tokenSecret == null) {
            return null;
        }
        return new SyncSpec(name, platform, url.replaceAll("/+$", ""), project, group, organization, variableGroup,
                tokenSecret, schedule == null ? DEFAULT_SCHEDULE : schedule, Boolean.TRUE.equals(prune), mappings,
                m.at());
    }

    private static Platform platform(YamlMap m) {
        String text = m.string("platform", true);
        if (text == null) {
            return null;
        }
        for (Platform pl : Platform.values()) {
            if (pl.configName().equals(text)) {
                return pl;
            }
        }
        m.problems().add(m.value("platform"), m.path("platform"), "expected gitlab or azure-devops, got `" + text
                + "`" + ConfigSyntax.suggest(text, List.of("gitlab", "azure-devops")));
        return null;
    }

    private static void notFor(YamlMap m, Platform platform, String... keys) {
        for (String key : keys) {
            if (m.has(key)) {
                m.problems().add(m.at(key), m.path(key), "not a " + platform.configName() + " setting");
            }
        }
    }

    private static Mapping mapping(YamlMap v, Platform platform) {
        Problems p = v.problems();
        String line = v.string("secret", true);
        if (platform != null) {
            Set<String> allowed = platform == Platform.GITLAB ? GITLAB_MAPPING_KEYS : AZURE_MAPPING_KEYS;
            for (String key : MAPPING_KEYS) {
                if (v.has(key) && !allowed.contains(key)) {
                    p.add(v.at(key), v.path(key), "not an option of " + platform.configName() + " variables "
                            + "(allowed: " + String.join(", ", new java.util.TreeSet<>(allowed)) + ")");
                }
            }
        }
        if (line == null) {
            return null;
        }
        Matcher mm = LINE.matcher(line);
        if (!mm.matches()) {
            p.add(v.value("secret"), v.path("secret"), "expected `path[@version] > VARIABLE`, e.g. "
                    + "`db/prod/password > DB_PASSWORD`");
            return null;
        }
        String path = mm.group(1);
        Integer version = null;
        if (mm.group(2) != null) {
            try {
                version = Integer.valueOf(mm.group(2));
            } catch (NumberFormatException e) {
                version = 0;
            }
            if (version < 1) {
                p.add(v.value("secret"), v.path("secret"), "a version is a number from 1");
                return null;
            }
        }
        String variable = mm.group(3);
        boolean ok = true;
        if (!isSecretPath(path)) {
            p.add(v.value("secret"), v.path("secret"), "`" + path + "` is not a secret path (segments of a-z 0-9 "
                    + ". _ - separated by /, no globs)");
            ok = false;
        }
        Pattern names = platform == Platform.AZURE_DEVOPS ? AZURE_NAME : GITLAB_KEY;
        if (platform != null && !names.matcher(variable).matches()) {
            p.add(v.value("secret"), v.path("secret"), "`" + variable + "` is not a " + platform.configName()
                    + " variable name (" + (platform == Platform.GITLAB ? "1 to 255 of A-Z a-z 0-9 _"
                            : "letters, digits, . and _") + ")");
            ok = false;
        }
        Boolean masked = v.bool("masked");
        Boolean hidden = v.bool("hidden");
        Boolean isProtected = v.bool("protected");
        Boolean raw = v.bool("raw");
        Boolean secret = v.bool("is-secret");
        String scope = v.string("environment-scope", false);
        String description = v.string("description", false);
        if (description != null && description.length() > 255) {
            p.add(v.value("description"), v.path("description"), "at most 255 characters");
        }
        boolean file = false;
        String type = v.string("type", false);
        if (type != null) {
            if (type.equals("file")) {
                file = true;
            } else if (!type.equals("env_var")) {
                p.add(v.value("type"), v.path("type"), "expected env_var or file, got `" + type + "`");
            }
        }
        if (Boolean.FALSE.equals(masked) && Boolean.TRUE.equals(hidden)) {
            p.add(v.at("hidden"), v.path("hidden"), "a hidden variable is always masked; drop `masked: false` or "
                    + "`hidden: true`");
        }
        boolean isMasked = masked == null || masked;
        // Hidden follows masked unless said otherwise: "masked and hidden where the value qualifies".
        boolean isHidden = hidden == null ? isMasked : hidden;
        if (!ok) {
            return null;
        }
        return new Mapping(path, version, variable, isMasked || isHidden, isHidden, Boolean.TRUE.equals(isProtected),
                scope, Boolean.TRUE.equals(raw), file, description, secret == null || secret, v.at());
    }

    private static boolean isSecretPath(String path) {
        return path.length() <= ConfigSyntax.MAX_SECRET_PATH && ConfigSyntax.SECRET_PATH.matcher(path).matches();
    }
}

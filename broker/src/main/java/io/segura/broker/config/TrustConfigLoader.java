// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Parses the trust config (DESIGN §9) strictly and validates it, reporting every problem at once as
 * {@code FILE:LINE:COLUMN: FIELD: problem}. The server, the CLI's lint and tests all call this one parser, so they
 * cannot disagree.
 *
 * <p>Safe by construction: the YAML is only <em>composed</em> into a node tree (no object construction, so no tags
 * can instantiate anything), the document is capped at {@value #MAX_CHARS} characters and 20 levels of nesting, and
 * anchors, aliases, merge keys and custom tags are refused outright — a trust policy should read the same to a
 * reviewer as to the broker, and this also rules out alias-expansion bombs.
 */
public final class TrustConfigLoader {

    /** 1 MiB: far above any real trust config, far below anything that could hurt the start-up. */
    public static final int MAX_CHARS = 1 << 20;
    static final int MAX_ENTRIES_PER_SECTION = 1024;

    static final Set<String> TOP_KEYS = Set.of("issuers", "roles", "policies", "clients", "dynamic", "sync",
            "exports", "anomaly");
    private static final Set<Tag> SCALAR_TAGS = Set.of(Tag.STR, Tag.INT, Tag.FLOAT, Tag.BOOL, Tag.NULL,
            Tag.TIMESTAMP);

    private TrustConfigLoader() {
    }

    /** Reads {@code file} (UTF-8) and parses it; problems name the file as given. */
    public static TrustConfig load(Path file) {
        String name = file.toString();
        try {
            long size = Files.size(file);
            if (size > MAX_CHARS * 4L) {
                throw tooLarge(name);
            }
            String text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file)))
                    .toString();
            return parse(text, name);
        } catch (CharacterCodingException e) {
            throw new ConfigException(List.of(new ConfigProblem(new SourceLocation(name, 0, 0), "",
                    "not valid UTF-8")));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read trust config " + name, e);
        }
    }

    /** Parses {@code yaml}; {@code fileName} is only used to name positions in problems. */
    public static TrustConfig parse(String yaml, String fileName) {
        if (yaml.length() > MAX_CHARS) {
            throw tooLarge(fileName);
        }
        Problems p = new Problems(fileName);
        Node root = compose(yaml, p);
        p.throwIfAny();
        if (root == null || YamlMap.isNull(root)) {
            p.add(new SourceLocation(fileName, 1, 1), "", "the trust config is empty");
            p.throwIfAny();
        }
        checkSafe(root, "", p, Collections.newSetFromMap(new IdentityHashMap<>()));
        p.throwIfAny();
        YamlMap top = YamlMap.open(root, "", p, TOP_KEYS);
        if (top == null) {
            p.throwIfAny();
            throw new IllegalStateException("defense in depth: a non-mapping root must have been reported");
        }

        NameRegistry issuerNames = new NameRegistry();
        NameRegistry policyNames = new NameRegistry();
        NameRegistry clientNames = new NameRegistry();
        NameRegistry roleNames = new NameRegistry();
        List<IssuerSpec> issuers = section(top, "issuers", IssuerParser.KEYS, IssuerParser::parse,
                (m, spec) -> issuerNames.register(m, "name", spec.name()));
        List<PolicySpec> policies = section(top, "policies", PolicyParser.KEYS, PolicyParser::parse,
                (m, spec) -> policyNames.register(m, "name", spec.name()));
        List<ClientSpec> clients = section(top, "clients", ClientParser.KEYS, ClientParser::parse,
                (m, spec) -> clientNames.register(m, "id", spec.id()));
        DynamicSpec dynamic = DynamicSpec.EMPTY;
        Node dynamicNode = top.value("dynamic");
        if (dynamicNode != null) {
            YamlMap d = YamlMap.open(dynamicNode, "dynamic", p, DynamicParser.KEYS);
            dynamic = d == null ? DynamicSpec.EMPTY : DynamicParser.parse(d);
        }
        java.util.Set<String> dynamicNames = java.util.Set.copyOf(dynamic.names());
        List<RoleSpec> roles = section(top, "roles", RoleParser.KEYS,
                m -> RoleParser.parse(m, issuerNames.names(), clientNames.names(), policyNames.names(),
                        dynamicNames),
                (m, spec) -> roleNames.register(m, "name", spec.name()));
        SshEngineParser.checkCaKeysNotLeasable(dynamic.ssh(), roles, p);

        NameRegistry syncNames = new NameRegistry();
        List<SyncSpec> sync = section(top, "sync", SyncParser.KEYS, SyncParser::parse,
                (m, spec) -> syncNames.register(m, "name", spec == null ? null : spec.name()));

        ExportsSpec exports = ExportsSpec.DEFAULT;
        Node exportsNode = top.value("exports");
        if (exportsNode != null) {
            YamlMap e = YamlMap.open(exportsNode, "exports", p, ExportsParser.KEYS);
            exports = e == null ? ExportsSpec.DEFAULT : ExportsParser.parse(e);
        }

        AnomalySpec anomaly = AnomalySpec.DISABLED;
        Node anomalyNode = top.value("anomaly");
        if (anomalyNode != null) {
            YamlMap a = YamlMap.open(anomalyNode, "anomaly", p, AnomalyParser.KEYS);
            anomaly = a == null ? AnomalySpec.DISABLED : AnomalyParser.parse(a);
        }

        p.throwIfAny();
        return new TrustConfig(fileName, issuers, roles, policies, clients, dynamic,
                sync.stream().filter(java.util.Objects::nonNull).toList(), exports, anomaly);
    }

    private static ConfigException tooLarge(String fileName) {
        return new ConfigException(List.of(new ConfigProblem(new SourceLocation(fileName, 0, 0), "",
                "the trust config is larger than " + MAX_CHARS + " characters")));
    }

    private static Node compose(String yaml, Problems p) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setAllowRecursiveKeys(false);
        options.setMaxAliasesForCollections(10);
        options.setNestingDepthLimit(20);
        options.setCodePointLimit(MAX_CHARS);
        options.setMergeOnCompose(false);
        try {
            return new Yaml(options).compose(new java.io.StringReader(yaml));
        } catch (MarkedYAMLException e) {
            String what = "invalid YAML: " + (e.getContext() == null ? "" : e.getContext() + ", ")
                    + (e.getProblem() == null ? "cannot parse" : e.getProblem());
            p.add(p.at(e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark()), "", what);
        } catch (YAMLException e) {
            p.add(new SourceLocation(p.file(), 0, 0), "", "invalid YAML: " + e.getMessage());
        }
        return null;
    }

    /** Refuses anchors/aliases, merge keys and non-standard tags anywhere in the tree. */
    private static void checkSafe(Node node, String path, Problems p, Set<Node> seen) {
        if (!seen.add(node)) {
            p.add(node, path, "anchors and aliases are not allowed in the trust config; write values out");
            return;
        }
        if (node.getAnchor() != null) {
            p.add(node, path, "anchors and aliases are not allowed in the trust config; write values out");
        }
        if (node instanceof MappingNode m) {
            if (!Tag.MAP.equals(node.getTag())) {
                p.add(node, path, "custom tags are not allowed, got " + node.getTag());
            }
            for (NodeTuple t : m.getValue()) {
                if (Tag.MERGE.equals(t.getKeyNode().getTag())) {
                    p.add(t.getKeyNode(), path, "merge keys (<<) are not allowed in the trust config");
                }
                checkSafe(t.getKeyNode(), path, p, seen);
                String key = t.getKeyNode() instanceof org.yaml.snakeyaml.nodes.ScalarNode s ? s.getValue() : "?";
                checkSafe(t.getValueNode(), path.isEmpty() ? key : path + "." + key, p, seen);
            }
        } else if (node instanceof SequenceNode s) {
            if (!Tag.SEQ.equals(node.getTag())) {
                p.add(node, path, "custom tags are not allowed, got " + node.getTag());
            }
            for (int i = 0; i < s.getValue().size(); i++) {
                checkSafe(s.getValue().get(i), path + "[" + i + "]", p, seen);
            }
        } else if (!SCALAR_TAGS.contains(node.getTag()) && !Tag.MERGE.equals(node.getTag())) {
            p.add(node, path, "custom tags are not allowed, got " + node.getTag());
        }
    }

    private static <T> List<T> section(YamlMap top, String key, Set<String> keys, Function<YamlMap, T> parser,
            BiConsumer<YamlMap, T> register) {
        List<YamlMap> maps = top.maps(key, keys);
        if (maps.size() > MAX_ENTRIES_PER_SECTION) {
            top.problems().add(top.at(key), key, "at most " + MAX_ENTRIES_PER_SECTION + " entries");
        }
        List<T> out = new ArrayList<>();
        for (YamlMap m : maps) {
            T spec = parser.apply(m);
            register.accept(m, spec);
            out.add(spec);
        }
        return out;
    }
}

// SPDX-License-Identifier: Apache-2.0
package io.segura.plugins.circleci.pack;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.representer.Represent;
import org.yaml.snakeyaml.representer.Representer;

/**
 * {@code circleci orb pack src > orb.yml}, for a build that cannot run the Go {@code circleci} CLI. The rules are
 * those of the CLI's packer (circleci-cli {@code cmd/orb.go}, {@code filetree}, {@code process/process.go}, and the
 * 1.x {@code internal/pack}), restricted to what both generations pack alike, so the same {@code src/} gives the same
 * orb with either:
 * <ul>
 *   <li>{@code src/@orb.yml} must exist (0.1.x fails without it). YAML files at the root, and {@code @}-prefixed
 *       files anywhere, merge into the map of their directory; a root directory is a section ({@code commands/}
 *       → {@code commands:}) whose files are entries named by their file name without {@code .yml}/{@code .yaml}.
 *       Dotfiles and non-YAML files are skipped; a directory holding no YAML (scripts) adds no key.</li>
 *   <li>A directory inside a section is refused: 0.1.x nests it ({@code commands.aws.login}), 1.x flattens it.</li>
 *   <li>YAML 1.1, as CircleCI's config compiler reads it: unquoted {@code yes/no/on/off} are booleans. Duplicate keys
 *       are an error.</li>
 *   <li>A string value in {@code commands}, {@code jobs} or {@code executors} holding {@code <<include(path)>>} is
 *       replaced by that file's text (path relative to {@code src/}, characters {@code [\w/.]}) with every {@code <<}
 *       escaped to {@code \<<}, so CircleCI never reads a script's text as parameter syntax. As in 0.1.x the directive
 *       must be the entire value and appear once; 1.x also accepts more, which would not pack under 0.1.x.
 *       A path with other characters (1.x allows {@code -}) is refused. Elsewhere (examples, descriptions) the
 *       directive is left as written.</li>
 *   <li>Only an orb's keys are kept, in 0.1.x's order: {@code version, description, display, orbs, commands,
 *       executors, jobs, examples}. 0.1.x silently drops any other key; here it is an error, since a dropped key is
 *       always a mistake in the source.</li>
 * </ul>
 * The output is block YAML indented by four (as both CLIs write it), multi-line strings as literal blocks.
 */
public final class OrbPacker {

    /** 0.1.x's {@code OrbSchema}, in its field order. */
    static final List<String> ORB_KEYS =
            List.of("version", "description", "display", "orbs", "commands", "executors", "jobs", "examples");

    /** The sections where includes are resolved (0.1.x and 1.x alike). */
    static final Set<String> INCLUDE_SECTIONS = Set.of("commands", "executors", "jobs");

    /** The CLI's include directive; the path characters are 0.1.x's (1.x adds {@code -}). */
    static final Pattern INCLUDE = Pattern.compile("<<\\s*include\\(([\\w/.]+)\\)?\\s*>>");

    /** What 1.x reads as an include ({@code -} allowed); one 0.1.x would not see is refused. */
    static final Pattern LOOSE_INCLUDE = Pattern.compile("<<\\s*include\\(([-\\w/.]+)\\)?\\s*>>");

    private final Path src;

    private OrbPacker(Path src) {
        this.src = src.toAbsolutePath().normalize();
    }

    /** The packed orb of the orb source directory {@code src}, as YAML text. */
    public static String pack(Path src) throws OrbPackException {
        return dump(packToMap(src));
    }

    /** The packed orb as the map {@link #pack} writes. */
    public static Map<String, Object> packToMap(Path src) throws OrbPackException {
        Objects.requireNonNull(src, "src cannot be null");
        return new OrbPacker(src).tree();
    }

    /** {@code OrbPacker SRC OUT}: packs SRC into the file OUT (the build's {@code target/orb.yml}). */
    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: OrbPacker SRC_DIR OUTPUT_FILE");
        }
        String packed;
        try {
            packed = pack(Path.of(args[0]));
        } catch (OrbPackException e) {
            throw new IOException("orb pack failed: " + e.getMessage(), e);
        }
        Path out = Path.of(args[1]);
        if (out.getParent() != null) {
            Files.createDirectories(out.getParent());
        }
        Files.writeString(out, packed, StandardCharsets.UTF_8);
    }

    private Map<String, Object> tree() throws OrbPackException {
        if (!Files.isDirectory(src)) {
            throw new OrbPackException(src + " is not a directory: give the orb's src directory");
        }
        if (!Files.isRegularFile(src.resolve("@orb.yml"))) {
            throw new OrbPackException("@orb.yml file not found in " + src + ": is it the orb's src directory?");
        }
        Map<String, Object> root = new LinkedHashMap<>();
        for (Path entry : entries(src)) {
            String name = entry.getFileName().toString();
            if (Files.isDirectory(entry)) {
                Map<String, Object> section = section(entry);
                if (!section.isEmpty()) {
                    mergeInto(root, Map.of(name, section), entry);
                }
            } else if (isYaml(name)) {
                mergeInto(root, load(entry), entry);
            }
        }
        for (String key : root.keySet()) {
            if (!ORB_KEYS.contains(key)) {
                throw new OrbPackException("top-level key '" + key + "' is not part of an orb (" + String.join(", ",
                        ORB_KEYS) + "): circleci orb pack would drop it; move or remove it");
            }
        }
        Map<String, Object> orb = new LinkedHashMap<>();
        for (String key : ORB_KEYS) {
            if (root.containsKey(key)) {
                Object value = root.get(key);
                orb.put(key, INCLUDE_SECTIONS.contains(key) ? resolveIncludes(value) : value);
            }
        }
        return orb;
    }

    private Map<String, Object> section(Path dir) throws OrbPackException {
        Map<String, Object> section = new TreeMap<>();
        Map<String, Path> origin = new LinkedHashMap<>();
        for (Path entry : entries(dir)) {
            String name = entry.getFileName().toString();
            if (Files.isDirectory(entry)) {
                if (containsYaml(entry)) {
                    throw new OrbPackException(src.relativize(entry) + "/ is a directory inside a section: circleci"
                            + " orb pack 0.1.x nests it (" + dir.getFileName() + "." + name + ".<file>), 1.x flattens"
                            + " it; keep components one level deep");
                }
                continue;
            }
            if (!isYaml(name)) {
                continue;
            }
            if (name.startsWith("@")) {
                mergeInto(section, load(entry), entry);
                continue;
            }
            String key = name.substring(0, name.lastIndexOf('.'));
            if (origin.containsKey(key)) {
                throw new OrbPackException(src.relativize(origin.get(key)) + " and " + src.relativize(entry)
                        + " both define " + dir.getFileName() + "." + key + ": rename one");
            }
            origin.put(key, entry);
            section.put(key, load(entry));
        }
        return section;
    }

    private void mergeInto(Map<String, Object> target, Map<String, Object> content, Path from)
            throws OrbPackException {
        for (Map.Entry<String, Object> e : content.entrySet()) {
            if (target.containsKey(e.getKey())) {
                throw new OrbPackException(src.relativize(from) + " defines '" + e.getKey()
                        + "' again: another file of " + (from.getParent().equals(src) ? "src/" : "its directory")
                        + " already does");
            }
            target.put(e.getKey(), e.getValue());
        }
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> load(Path file) throws OrbPackException {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        Object doc;
        try {
            doc = new Yaml(new SafeConstructor(options)).load(Files.readString(file, StandardCharsets.UTF_8));
        } catch (YAMLException e) {
            throw new OrbPackException(src.relativize(file) + ": " + e.getMessage().strip(), e);
        } catch (IOException e) {
            throw new OrbPackException(src.relativize(file) + ": cannot be read (" + e + ")", e);
        }
        if (doc == null) {
            return new LinkedHashMap<>();
        }
        if (!(doc instanceof Map<?, ?> map)) {
            throw new OrbPackException(src.relativize(file) + " must hold a YAML map, not a "
                    + doc.getClass().getSimpleName());
        }
        for (Object key : map.keySet()) {
            if (!(key instanceof String)) {
                throw new OrbPackException(src.relativize(file) + ": key " + key + " is not a string");
            }
        }
        return new LinkedHashMap<>((Map<String, Object>) map);
    }

    private Object resolveIncludes(Object node) throws OrbPackException {
        if (node instanceof Map<?, ?> map) {
            Map<Object, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : map.entrySet()) {
                out.put(e.getKey(), resolveIncludes(e.getValue()));
            }
            return out;
        }
        if (node instanceof List<?> list) {
            List<Object> out = new ArrayList<>(list.size());
            for (Object item : list) {
                out.add(resolveIncludes(item));
            }
            return out;
        }
        if (node instanceof String s) {
            return include(s);
        }
        return node;
    }

    /** The value itself, or the included file's text when the value is an include directive. */
    String include(String value) throws OrbPackException {
        Matcher m = INCLUDE.matcher(value);
        if (!m.find()) {
            if (LOOSE_INCLUDE.matcher(value).find()) {
                throw new OrbPackException("include path in '" + value + "' has characters other than letters,"
                        + " digits, _, / and .: circleci orb pack 0.1.x leaves it as text, 1.x includes it; rename"
                        + " the file (e.g. - to _)");
            }
            return value;
        }
        MatchResult first = new MatchResult(m.start(), m.end(), m.group(1));
        if (m.find()) {
            throw new OrbPackException("multiple include statements: '" + value + "': one script per value");
        }
        if (first.start() != 0 || first.end() != value.length()) {
            throw new OrbPackException("entire string must be include statement: '" + value
                    + "': put the text around it into the script");
        }
        Path file = src.resolve(first.path()).normalize();
        if (!file.startsWith(src)) {
            throw new OrbPackException("could not open " + first.path() + " for inclusion: it is outside " + src);
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new OrbPackException("could not open " + src.relativize(file) + " for inclusion: no such file", e);
        } catch (IOException e) {
            throw new OrbPackException("could not open " + src.relativize(file) + " for inclusion: " + e, e);
        }
        return text.replace("<<", "\\<<");
    }

    private record MatchResult(int start, int end, String path) {
    }

    private static List<Path> entries(Path dir) throws OrbPackException {
        try (Stream<Path> list = Files.list(dir)) {
            return list.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().toList();
        } catch (IOException e) {
            throw new OrbPackException("cannot list " + dir + ": " + e, e);
        }
    }

    private static boolean containsYaml(Path dir) throws OrbPackException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.anyMatch(p -> Files.isRegularFile(p) && isYaml(p.getFileName().toString()));
        } catch (IOException e) {
            throw new OrbPackException("cannot read " + dir + ": " + e, e);
        }
    }

    private static boolean isYaml(String name) {
        return name.matches(".+\\.(yml|yaml)");
    }

    static String dump(Map<String, Object> orb) {
        DumperOptions options = new DumperOptions();
        options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        options.setIndent(4);
        options.setIndicatorIndent(0);
        options.setSplitLines(false);
        options.setWidth(Integer.MAX_VALUE);
        return new Yaml(new LiteralBlocks(options), options).dump(orb);
    }

    /** Multi-line strings (the included scripts) as literal blocks, so orb.yml shows them as written. */
    private static final class LiteralBlocks extends Representer {

        LiteralBlocks(DumperOptions options) {
            super(options);
            Represent plain = representers.get(String.class);
            representers.put(String.class, data -> {
                String s = (String) data;
                return s.indexOf('\n') >= 0
                        ? representScalar(Tag.STR, s, DumperOptions.ScalarStyle.LITERAL)
                        : plain.representData(data);
            });
        }
    }
}

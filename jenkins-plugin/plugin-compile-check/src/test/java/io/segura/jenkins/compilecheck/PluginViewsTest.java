// SPDX-License-Identifier: Apache-2.0
package io.segura.jenkins.compilecheck;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.jenkinsci.Symbol;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.kohsuke.stapler.DataBoundSetter;

/**
 * What the default build can check of the adapter besides compiling it: its Jelly views and help files are where
 * Jenkins looks for them ({@code <package>/<Class>/config.jelly}, {@code help-<field>.html}), are well-formed, and
 * bind only fields the class exposes (a getter, and a {@code @DataBoundSetter} or the constructor). Reflection only:
 * no Jenkins code runs here (the declarations this compiles against throw).
 */
class PluginViewsTest {

    static final Path PLUGIN = Path.of(System.getProperty("segura.jenkins.plugin.dir", "../plugin"));
    static final Path RESOURCES = PLUGIN.resolve("src/main/resources");
    static final Pattern FIELD = Pattern.compile("field=\"([A-Za-z0-9_]+)\"");

    @ParameterizedTest
    @ValueSource(strings = {"WithSeguraStep", "SeguraBuildWrapper", "SeguraGlobalConfiguration"})
    void viewWhenConfiguredThenEveryFieldBoundAndHelped(String simpleName) throws Exception {
        Class<?> type = Class.forName("io.segura.jenkins." + simpleName);
        Path dir = RESOURCES.resolve("io/segura/jenkins/" + simpleName);
        Path config = dir.resolve("config.jelly");
        assertThat(config).exists();
        wellFormed(config);
        Set<String> fields = new TreeSet<>();
        Matcher m = FIELD.matcher(Files.readString(config));
        while (m.find()) {
            fields.add(m.group(1));
        }
        assertThat(fields).isNotEmpty();
        Set<String> helped = new TreeSet<>();
        try (Stream<Path> files = Files.list(dir)) {
            files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("help-") && n.endsWith(".html"))
                    .forEach(n -> helped.add(n.substring(5, n.length() - 5)));
        }
        assertThat(helped).as("a help file per field, and no orphans").isEqualTo(fields);
        for (String field : fields) {
            String cap = field.substring(0, 1).toUpperCase(Locale.ROOT) + field.substring(1);
            Method getter = type.getMethod("get" + cap);
            assertThat(Modifier.isPublic(getter.getModifiers())).isTrue();
            boolean setter = Stream.of(type.getMethods()).anyMatch(x -> x.getName().equals("set" + cap)
                    && x.isAnnotationPresent(DataBoundSetter.class));
            boolean constructor = Stream.of(type.getConstructors()).anyMatch(c -> c.isAnnotationPresent(
                    org.kohsuke.stapler.DataBoundConstructor.class) && c.getParameterCount() == 1)
                    && field.equals("secrets");
            assertThat(setter || constructor).as("%s.%s is bound by a @DataBoundSetter or the constructor",
                    simpleName, field).isTrue();
        }
    }

    @Test
    void globalConfigurationWhenJcascThenSymbolSegura() throws Exception {
        Symbol symbol = Class.forName("io.segura.jenkins.SeguraGlobalConfiguration").getAnnotation(Symbol.class);
        assertThat(symbol).isNotNull();
        assertThat(symbol.value()).containsExactly("segura");
    }

    @Test
    void pluginWhenPackagedThenIndexJellyDescribesIt() throws Exception {
        Path index = RESOURCES.resolve("index.jelly");
        assertThat(index).exists();
        wellFormed(index);
    }

    @Test
    void helpFilesWhenParsedThenWellFormed() throws Exception {
        List<Path> help;
        try (Stream<Path> files = Files.walk(RESOURCES)) {
            help = files.filter(p -> p.getFileName().toString().endsWith(".html")).toList();
        }
        assertThat(help).hasSizeGreaterThanOrEqualTo(11);
        for (Path p : help) {
            wellFormed(p);
        }
    }

    private static void wellFormed(Path file) throws IOException {
        try {
            DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
            f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            f.newDocumentBuilder().parse(file.toFile());
        } catch (Exception e) {
            throw new AssertionError(file + " is not well-formed XML: " + e.getMessage(), e);
        }
    }
}

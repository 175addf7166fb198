// SPDX-License-Identifier: Apache-2.0
package io.segura.bamboo.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import io.segura.bamboo.core.PluginKeys;
import io.segura.bamboo.core.SecretsTaskConfig;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * {@code atlassian-plugin.xml} against the code, without loading any adapter class (they link against the
 * compile-check declarations, which must never run): the keys the Specs builder writes, the classes and templates
 * the descriptor names, the task UI's field names and its i18n keys.
 */
class PluginDescriptorTest {

    static final Path CLASSES = Path.of("target", "classes");
    static Document descriptor;

    @BeforeAll
    static void parse() throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        try (InputStream in = Files.newInputStream(CLASSES.resolve("atlassian-plugin.xml"))) {
            descriptor = f.newDocumentBuilder().parse(in);
        }
    }

    static List<Element> elements(String tag) {
        NodeList nodes = descriptor.getElementsByTagName(tag);
        List<Element> out = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++) {
            out.add((Element) nodes.item(i));
        }
        return out;
    }

    static Element taskType(String key) {
        return elements("taskType").stream().filter(e -> e.getAttribute("key").equals(key)).findFirst()
                .orElseThrow(() -> new AssertionError("no taskType " + key));
    }

    static Element child(Element parent, String tag) {
        return (Element) parent.getElementsByTagName(tag).item(0);
    }

    static boolean compiled(String className) {
        return Files.isRegularFile(CLASSES.resolve(className.replace('.', '/') + ".class"));
    }

    @Test
    void keysWhenComparedThenPluginAndTaskKeysAreWhatSpecsWrite() {
        assertThat(descriptor.getDocumentElement().getAttribute("key")).isEqualTo(PluginKeys.PLUGIN);
        assertThat(elements("taskType")).extracting(e -> e.getAttribute("key"))
                .containsExactlyInAnyOrder(PluginKeys.SECRETS_TASK, PluginKeys.REVOKE_TASK);
        assertThat(PluginKeys.module(PluginKeys.SECRETS_TASK)).isEqualTo("io.segura.bamboo:segura-secrets");
    }

    @Test
    void classesWhenNamedByTheDescriptorThenCompiledHere() {
        List<String> named = new ArrayList<>();
        for (String tag : List.of("taskType", "configuration", "runtimeTaskDataProvider", "servlet")) {
            elements(tag).forEach(e -> named.add(e.getAttribute("class")));
        }
        assertThat(named).hasSize(5).allSatisfy(c -> assertThat(compiled(c)).as(c).isTrue());
        assertThat(child(taskType(PluginKeys.SECRETS_TASK), "configuration").getAttribute("class"))
                .isEqualTo(SeguraSecretsTaskConfigurator.class.getName());
    }

    @Test
    void resourcesWhenNamedByTheDescriptorThenPresent() {
        for (Element r : elements("resource")) {
            String location = r.getAttribute("location");
            Path p = r.getAttribute("type").equals("i18n") ? CLASSES.resolve(location + ".properties")
                    : CLASSES.resolve(location);
            assertThat(p).as(location).isRegularFile();
        }
    }

    @Test
    void servletWhenLinkedThenConfigureUrlWebItemAndServletAgree() {
        String pattern = elements("url-pattern").get(0).getTextContent().trim();
        assertThat("/plugins/servlet" + pattern).isEqualTo(SeguraAdminServlet.PATH);
        assertThat(elements("param").stream().filter(p -> p.getAttribute("name").equals("configure.url"))
                .map(p -> p.getTextContent().trim())).containsExactly(SeguraAdminServlet.PATH);
        assertThat(elements("link").get(0).getTextContent().trim()).isEqualTo(SeguraAdminServlet.PATH);
    }

    @Test
    void editTemplateWhenReadThenFieldsAreTheConfigKeysAndEveryLabelIsTranslated() throws Exception {
        String ftl = Files.readString(CLASSES.resolve("templates/segura-secrets-edit.ftl"), StandardCharsets.UTF_8);
        Map<String, String> fields = new LinkedHashMap<>();
        Matcher m = Pattern.compile("\\[@ww\\.(\\w+) [^]]*name='([^']+)'").matcher(ftl);
        while (m.find()) {
            fields.put(m.group(2), m.group(1));
        }
        assertThat(fields.keySet()).containsExactlyElementsOf(SecretsTaskConfig.FIELDS);
        assertThat(fields.values()).doesNotContain("password");

        Properties i18n = new Properties();
        try (var in = Files.newBufferedReader(CLASSES.resolve("segura-bamboo.properties"), StandardCharsets.UTF_8)) {
            i18n.load(in);
        }
        List<String> keys = new ArrayList<>();
        for (Path t : List.of(CLASSES.resolve("templates/segura-secrets-edit.ftl"),
                CLASSES.resolve("templates/segura-revoke-edit.ftl"))) {
            Matcher k = Pattern.compile("(?:labelKey|descriptionKey|titleKey)='([^']+)'")
                    .matcher(Files.readString(t, StandardCharsets.UTF_8));
            while (k.find()) {
                keys.add(k.group(1));
            }
        }
        elements("label").forEach(l -> keys.add(l.getAttribute("key")));
        assertThat(keys).isNotEmpty().allSatisfy(k -> assertThat(i18n).containsKey(k));
    }
}

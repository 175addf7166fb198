// SPDX-License-Identifier: Apache-2.0
package io.segura.cli;

import io.segura.client.json.Json;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;

/** How {@code export} writes variables: each format quotes so that every value reads back unchanged. */
enum ExportFormat {

    /**
     * {@code NAME="value"}, Docker Compose's env-file syntax: double-quoted, with {@code \\}, {@code \"},
     * {@code \n}, {@code \r} escaped, and {@code $} written {@code \$} so that readers which interpolate (Compose,
     * dotenv-expand) keep it literal.
     */
    DOTENV {
        @Override
        String render(Map<String, String> variables) {
            StringBuilder sb = new StringBuilder();
            variables.forEach((name, value) -> {
                sb.append(name).append("=\"");
                for (int i = 0; i < value.length(); i++) {
                    char ch = value.charAt(i);
                    switch (ch) {
                        case '\\' -> sb.append("\\\\");
                        case '"' -> sb.append("\\\"");
                        case '$' -> sb.append("\\$");
                        case '\n' -> sb.append("\\n");
                        case '\r' -> sb.append("\\r");
                        default -> sb.append(ch);
                    }
                }
                sb.append("\"\n");
            });
            return sb.toString();
        }
    },

    /** One JSON object, {@code {"NAME": "value", …}}, in the order the secrets were given. */
    JSON {
        @Override
        String render(Map<String, String> variables) {
            return Json.write(variables) + "\n";
        }
    },

    /** {@code export NAME='value'} for {@code source} or {@code eval}: POSIX single quotes, {@code '} as {@code '\''}. */
    SHELL {
        @Override
        String render(Map<String, String> variables) {
            StringBuilder sb = new StringBuilder();
            variables.forEach((name, value) -> sb.append("export ").append(name).append("='")
                    .append(value.replace("'", "'\\''")).append("'\n"));
            return sb.toString();
        }
    };

    /** The whole file (or stdout) for {@code variables}, name → value, in iteration order. */
    abstract String render(Map<String, String> variables);

    /** The name on the command line. */
    String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** {@code --format NAME}; an unknown name lists the known ones (picocli reports it, exit 2). */
    static final class Converter implements CommandLine.ITypeConverter<ExportFormat> {
        @Override
        public ExportFormat convert(String value) {
            for (ExportFormat f : values()) {
                if (f.label().equals(value)) {
                    return f;
                }
            }
            throw new CommandLine.TypeConversionException("unknown format \"" + value + "\"; expected one of "
                    + String.join(", ", new Candidates()));
        }
    }

    /** The names, for help and shell completion. */
    static final class Candidates implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return List.of(values()).stream().map(ExportFormat::label).iterator();
        }
    }
}

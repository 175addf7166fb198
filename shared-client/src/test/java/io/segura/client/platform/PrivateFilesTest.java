// SPDX-License-Identifier: Apache-2.0
package io.segura.client.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PrivateFilesTest {

    @TempDir
    Path dir;

    @Test
    void appendWhenMissingThenCreatesOwnerOnlyFileInOwnerOnlyDirectory() throws IOException {
        Path file = dir.resolve("a/b/segura.env");

        PrivateFiles.append(file, "x");
        PrivateFiles.append(file, "y");

        TestJobs.assertOwnerOnly(file);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())))
                .isEqualTo("rwx------");
        assertThat(Files.readString(file)).isEqualTo("xy");
    }

    @Test
    void appendWhenExistingFileReadableByOthersThenRefused() throws IOException {
        Path file = Files.createFile(dir.resolve("segura.env"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--")));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

        assertThatThrownBy(() -> PrivateFiles.append(file, "secret"))
                .isInstanceOf(IOException.class).hasMessageContaining("0600");
        assertThat(Files.size(file)).isZero();
    }

    @Test
    void appendWhenFileIsASymlinkThenRefused() throws IOException {
        Path target = Files.createFile(dir.resolve("elsewhere"));
        Path link = Files.createSymbolicLink(dir.resolve("segura.env"), target);

        assertThatThrownBy(() -> PrivateFiles.append(link, "secret")).isInstanceOf(IOException.class);
        assertThat(Files.size(target)).isZero();
    }

    @Test
    void writeWhenFileExistsThenReplacedAtomicallyOwnerOnly() throws IOException {
        Path file = Files.writeString(dir.resolve("KEY"), "old");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-rw-"));

        PrivateFiles.write(file, "new");

        TestJobs.assertOwnerOnly(file);
        assertThat(Files.readString(file)).isEqualTo("new");
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(file);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain", "it's", "$HOME `id` $(id)", "multi\nline\n", "", "\\backslash\\", "'''"})
    void envFileWhenAnyValueThenShellReadsItBackExactly(String value) throws Exception {
        Path file = dir.resolve("segura.env");

        EnvFile.append(file, "VALUE", value);

        assertThat(TestJobs.sourced(file, "VALUE")).isEqualTo(value);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1ABC", "A-B", "A B", "A=B", "../x", "A;rm"})
    void envFileWhenInvalidNameThenRejected(String name) {
        assertThatThrownBy(() -> EnvFile.append(dir.resolve("segura.env"), name, "v"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(Files.exists(dir.resolve("segura.env"))).isFalse();
    }
}

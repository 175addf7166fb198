// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class MasterKeyTests {

    static final String KEY = Base64.getEncoder().encodeToString(bytes(32, 7));

    static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (seed * 31 + i * 17);
        }
        return b;
    }

    static Stream<Arguments> invalidKeys() {
        return Stream.of(
                Arguments.of("31 bytes", Base64.getEncoder().encodeToString(bytes(31, 1)), "got 31"),
                Arguments.of("33 bytes", Base64.getEncoder().encodeToString(bytes(33, 1)), "got 33"),
                Arguments.of("not base64", "this-is*not!base64-at-all-secretish==", "not valid base64"),
                Arguments.of("empty", "  ", "is empty"),
                Arguments.of("hex instead of base64", "a".repeat(64), "got 48"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidKeys")
    void fromBase64WhenInvalidThenClearErrorWithoutTheKey(String name, String input, String expected) {
        assertThatThrownBy(() -> MasterKey.fromBase64(input))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(expected)
                .hasMessageContaining(MasterKey.ENV)
                .satisfies(e -> {
                    if (!input.isBlank()) {
                        assertThat(e.getMessage()).doesNotContain(input.strip());
                    }
                    assertThat(e.getCause()).isNull();
                });
    }

    @Test
    void fromBase64WhenValidThenStableShortIdAndRedactedToString() {
        MasterKey a = MasterKey.fromBase64(KEY);
        MasterKey b = MasterKey.fromBase64(" " + KEY + "\n");
        assertThat(a.id()).matches("[0-9a-f]{16}").isEqualTo(b.id());
        assertThat(MasterKey.fromBase64(Base64.getUrlEncoder().withoutPadding().encodeToString(bytes(32, 7))).id())
                .isEqualTo(a.id());
        assertThat(MasterKey.fromBase64(Base64.getEncoder().encodeToString(bytes(32, 8))).id()).isNotEqualTo(a.id());
        assertThat(a.toString()).contains(a.id()).contains("redacted").doesNotContain(KEY)
                .doesNotContain(KEY.substring(0, 8));
    }

    @Test
    void fromFileWhenFileHoldsBase64ThenSameKey(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("master.key");
        Files.writeString(file, KEY + "\n");
        assertThat(MasterKey.fromFile(file).id()).isEqualTo(MasterKey.fromBase64(KEY).id());
        assertThat(KeyRing.fromEnvironment(Map.of(MasterKey.FILE_ENV, file.toString())::get).current().id())
                .isEqualTo(MasterKey.fromBase64(KEY).id());
    }

    @Test
    void fromFileWhenMissingThenErrorNamesFile(@TempDir Path dir) {
        assertThatThrownBy(() -> MasterKey.fromFile(dir.resolve("nope")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nope");
    }

    @Test
    void fromEnvironmentWhenBothOrNeitherThenError() {
        assertThatThrownBy(() -> KeyRing.fromEnvironment(Map.of(MasterKey.ENV, KEY, MasterKey.FILE_ENV, "/x")::get))
                .hasMessageContaining("not both").message().doesNotContain(KEY);
        assertThatThrownBy(() -> KeyRing.fromEnvironment(Map.<String, String>of()::get))
                .hasMessageContaining("no master key");
    }

    @Test
    void keyRingWhenPreviousKeysGivenInlineAndInAFileThenAllOpenAndCurrentFirst(@TempDir Path dir) throws Exception {
        String current = Base64.getEncoder().encodeToString(bytes(32, 10));
        String old1 = Base64.getEncoder().encodeToString(bytes(32, 11));
        String old2 = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes(32, 12));
        String old3 = Base64.getEncoder().encodeToString(bytes(32, 13));
        Path file = dir.resolve("previous.keys");
        Files.writeString(file, "# retired 2026-11\n" + old3 + "\n\n");
        KeyRing ring = KeyRing.fromEnvironment(Map.of(MasterKey.ENV, current, MasterKey.PREVIOUS_ENV,
                old1 + ", " + old2 + "\n" + current, MasterKey.PREVIOUS_FILE_ENV, file.toString())::get);
        assertThat(ring.current().id()).isEqualTo(MasterKey.fromBase64(current).id());
        assertThat(ring.ids()).containsExactly(MasterKey.fromBase64(current).id(), MasterKey.fromBase64(old1).id(),
                MasterKey.fromBase64(old2).id(), MasterKey.fromBase64(old3).id());
        assertThat(ring.toString()).doesNotContain(current, old1, old2, old3);
        Path currentFile = dir.resolve("current.key");
        Files.writeString(currentFile, current + "\n");
        assertThat(KeyRing.configured(null, currentFile.toString(), null, file.toString()).ids())
                .containsExactly(MasterKey.fromBase64(current).id(), MasterKey.fromBase64(old3).id());
    }

    @Test
    void keyRingWhenAPreviousKeyIsBadThenErrorNamesTheVariableAndPositionNeverTheKey(@TempDir Path dir)
            throws Exception {
        String current = Base64.getEncoder().encodeToString(bytes(32, 10));
        String shortKey = Base64.getEncoder().encodeToString(bytes(31, 11));
        assertThatThrownBy(() -> KeyRing.configured(current, null,
                Base64.getEncoder().encodeToString(bytes(32, 12)) + "," + shortKey, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("SEGURA_MASTER_KEY_PREVIOUS key 2 must decode to exactly 32 bytes, got 31");
        assertThatThrownBy(() -> KeyRing.configured(current, null, "not*base64", null))
                .hasMessage("SEGURA_MASTER_KEY_PREVIOUS key 1 is not valid base64 (expected base64 of 32 bytes)");
        Path empty = dir.resolve("empty.keys");
        Files.writeString(empty, "# nothing yet\n");
        assertThatThrownBy(() -> KeyRing.configured(current, null, null, empty.toString()))
                .hasMessageContaining("SEGURA_MASTER_KEY_PREVIOUS_FILE " + empty + " holds no key");
        assertThatThrownBy(() -> KeyRing.configured(current, null, null, dir.resolve("missing").toString()))
                .hasMessageContaining("SEGURA_MASTER_KEY_PREVIOUS_FILE: cannot read");
        assertThatThrownBy(() -> KeyRing.configured(null, null, shortKey, null))
                .hasMessageContaining("no master key: set SEGURA_MASTER_KEY");
        assertThatThrownBy(() -> KeyRing.configured(current, "/x", null, null))
                .hasMessage("set either SEGURA_MASTER_KEY or SEGURA_MASTER_KEY_FILE, not both");
    }
}

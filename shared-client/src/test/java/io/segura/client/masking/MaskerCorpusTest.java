// SPDX-License-Identifier: Apache-2.0
package io.segura.client.masking;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Hard cases from real CI logs (PLATFORMS.md §1.4, §3.2): each row is secret, log text, expected masked text. */
class MaskerCorpusTest {

    static Stream<Arguments> corpus() {
        return Stream.of(
                Arguments.of("json with escapes", List.of("pa\"ss\\wo/rd\n2"),
                        "{\"password\":\"pa\\\"ss\\\\wo/rd\\n2\",\"user\":\"bob\"}",
                        "{\"password\":\"***\",\"user\":\"bob\"}"),
                Arguments.of("json with escaped slash and \\u forms", List.of("pa\"ss\\wo/rd\n2"),
                        "a \"pa\\\"ss\\\\wo\\/rd\\n2\" b \"pa\\\"ss\\\\wo/rd\\u000A2\"", "a \"***\" b \"***\""),
                Arguments.of("gson html-safe escapes", List.of("k=v&w<x"), "{\"t\":\"k\\u003dv\\u0026w\\u003cx\"}",
                        "{\"t\":\"***\"}"),
                Arguments.of("unicode secret", List.of("pässwörd-日本-😀"), "login pässwörd-日本-😀 ok",
                        "login *** ok"),
                Arguments.of("unicode secret, ascii-only json", List.of("pässwörd"), "{\"p\":\"p\\u00e4ssw\\u00f6rd\"}",
                        "{\"p\":\"***\"}"),
                Arguments.of("url-encoded in a query string", List.of("p@ss w/rd&x=1"),
                        "GET https://api.example.com/cb?token=p%40ss%20w%2Frd%26x%3D1&y=2 200",
                        "GET https://api.example.com/cb?token=***&y=2 200"),
                Arguments.of("url-encoded, lower-case hex", List.of("p@ss w/rd&x=1"), "?t=p%40ss%20w%2frd%26x%3d1&",
                        "?t=***&"),
                Arguments.of("form-encoded body", List.of("p@ss w/rd&x=1"),
                        "body: password=p%40ss+w%2Frd%26x%3D1&user=bob", "body: password=***&user=bob"),
                Arguments.of("bash -x single quotes", List.of("pa'ss"),
                        "+ curl -u 'user:pa'\\''ss' https://x", "+ curl -u 'user:***' https://x"),
                Arguments.of("shell '\"'\"' quoting", List.of("pa'ss"), "sh -c 'echo pa'\"'\"'ss'", "sh -c 'echo ***'"),
                Arguments.of("prefix of another secret: longest wins", List.of("password", "password123"),
                        "x password123 y password z", "x *** y *** z"),
                Arguments.of("overlapping occurrences of one secret", List.of("abab"), "ababab and abababab",
                        "***ab and ******"),
                Arguments.of("overlapping different secrets: leftmost first", List.of("tokenABC", "ABCdefgh"),
                        "tokenABCdefgh ABCdefgh", "***defgh ***"),
                Arguments.of("adjacent occurrences", List.of("s3cr3t"), "s3cr3ts3cr3t", "******"),
                Arguments.of("regex metacharacters are literal", List.of("a.*b+(c)?[d]$^|"), "x a.*b+(c)?[d]$^| aXXb",
                        "x *** aXXb"),
                Arguments.of("no secret: untouched", List.of("hunter22"), "nothing to see here: hunter2 hunter",
                        "nothing to see here: hunter2 hunter"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void maskWhenHardCaseThenExpectedOutput(String name, List<String> secrets, String text, String expected)
            throws IOException {
        Masker masker = masker(secrets);

        assertThat(masker.mask(text)).isEqualTo(expected);
        assertThat(masker.mask(text)).isEqualTo(new ReferenceMasker(secrets, 4).mask(text));
        assertThat(streamedByteByByte(masker, text)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "filler bytes before the secret: {0}")
    @MethodSource("alignments")
    void maskWhenSecretInsideLongerBase64BlobThenItsBytesAreMasked(int filler) {
        String secret = "s3cr3t-T0ken-value";
        byte[] blob = ("x".repeat(filler) + "user:" + secret + ":trailing-data-in-the-same-blob")
                .getBytes(StandardCharsets.UTF_8);
        for (Base64.Encoder encoder : List.of(Base64.getEncoder(), Base64.getUrlEncoder())) {
            String encoded = encoder.encodeToString(blob);
            String masked = masker(List.of(secret)).mask("Authorization: Basic " + encoded + " end");

            // The characters fully determined by the secret's bytes are exactly what is masked.
            int offset = filler + "user:".length();
            int first = (8 * offset + 5) / 6;
            int end = 8 * (offset + secret.length()) / 6;
            assertThat(masked).isEqualTo("Authorization: Basic " + encoded.substring(0, first) + "***"
                    + encoded.substring(end) + " end");
        }
    }

    static Stream<Integer> alignments() {
        return Stream.of(0, 1, 2);
    }

    @Test
    void maskWhenMultiLinePemPrivateKeyThenEveryLineIsMasked() throws NoSuchAlgorithmException, IOException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(generator.generateKeyPair().getPrivate().getEncoded());
        String pem = "-----BEGIN PRIVATE KEY-----\n" + body + "\n-----END PRIVATE KEY-----\n";
        List<String> lines = List.of(body.split("\n"));
        Masker masker = masker(List.of(pem));

        String whole = masker.mask("$ cat key.pem\n" + pem + "$ done\n");
        String oneByOne = masker.mask(String.join("\n", lines.stream().map(l -> "[debug] line " + l).toList()));
        String crlf = streamedByteByByte(masker, pem.replace("\n", "\r\n"));

        assertThat(whole).isEqualTo("$ cat key.pem\n***$ done\n");
        for (String line : lines) {
            if (line.length() >= 4) {
                assertThat(oneByOne).doesNotContain(line);
                assertThat(crlf).doesNotContain(line);
            }
        }
        assertThat(oneByOne).contains("[debug] line ***");
    }

    @Test
    void maskWhenReadmeExampleThenOutputsAsDocumented() {
        Masker masker = Masker.builder()
                .minimumLength(4)
                .add("db/prod/password", "pa'ss w0rd!")
                .add("api/pin", "123")
                .build();

        assertThat(masker.warnings()).containsExactly(
                "secret 'api/pin' is shorter than 4 characters and is not masked in the log");
        assertThat(masker.mask("+ curl -u 'ci:pa'\\''ss w0rd!' https://x"))
                .isEqualTo("+ curl -u 'ci:***' https://x");
        assertThat(masker.mask("GET /cb?p=pa%27ss%20w0rd%21")).isEqualTo("GET /cb?p=***");
    }

    @Test
    void buildWhenSecretShorterThanMinimumThenWarningNamesPathAndNothingIsMasked() {
        Masker masker = Masker.builder().add("db/prod/pin", "x7q").add("db/prod/password", "long-enough").build();

        assertThat(masker.warnings()).singleElement().asString().contains("db/prod/pin").doesNotContain("x7q");
        assertThat(masker.mask("pin x7q password long-enough")).isEqualTo("pin x7q password ***");
        assertThat(masker.toString()).doesNotContain("x7q").doesNotContain("long-enough");
    }

    @Test
    void buildWhenMinimumLengthRaisedThenShortSecretsWarn() {
        Masker masker = Masker.builder().minimumLength(8).add("api/key", "1234567").build();

        assertThat(masker.warnings()).singleElement().asString().contains("api/key");
        assertThat(masker.mask("key 1234567")).isEqualTo("key 1234567");
        assertThat(masker.patternCount()).isZero();
    }

    @Test
    void maskWhenOneMebibyteWithoutNewlineThenEqualsReference() throws IOException {
        Random random = new Random(42);
        List<String> secrets = List.of("ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8", "Sup3r$ecret'P@ss", "pwd!");
        StringBuilder text = new StringBuilder();
        while (text.length() < 1 << 20) {
            if (random.nextInt(200) == 0) {
                text.append(secrets.get(random.nextInt(secrets.size())));
            } else {
                text.append((char) (' ' + random.nextInt(95)));
            }
        }
        byte[] input = text.toString().getBytes(StandardCharsets.UTF_8);
        Masker masker = masker(secrets);
        List<Integer> splits = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            splits.add(1 + random.nextInt(5000));
        }

        byte[] expected = new ReferenceMasker(secrets, 4).mask(input);
        assertThat(new String(expected, StandardCharsets.UTF_8)).contains("***").doesNotContain(secrets.get(0));
        assertThat(masker.mask(input)).isEqualTo(expected);
        assertThat(MaskerPropertiesTest.streamed(masker, input, splits)).isEqualTo(expected);
    }

    @Test
    void maskWhenPatternsUseMoreThan128DistinctBytesThenEqualsReference() throws IOException {
        // ASCII plus Latin-1, Greek and Cyrillic: over 200 distinct UTF-8 byte values, so byte classes above 127.
        Random random = new Random(7);
        List<String> secrets = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            StringBuilder secret = new StringBuilder();
            for (int k = 0; k < 12; k++) {
                int cp = random.nextBoolean() ? 0x21 + random.nextInt(94) : 0xA1 + random.nextInt(0x4FF - 0xA1);
                secret.appendCodePoint(cp);
            }
            secrets.add(secret.toString());
            text.append("line ").append(i).append(": ").append(secret, 0, 6).append(" | ").append(secret).append('\n');
        }
        Masker masker = masker(secrets);
        String expected = new ReferenceMasker(secrets, 4).mask(text.toString());

        assertThat(expected).contains("| ***");
        assertThat(masker.mask(text.toString())).isEqualTo(expected);
        assertThat(streamedByteByByte(masker, text.toString())).isEqualTo(expected);
    }

    static Masker masker(List<String> secrets) {
        Masker.Builder builder = Masker.builder();
        for (int i = 0; i < secrets.size(); i++) {
            builder.add("corpus/" + i, secrets.get(i));
        }
        return builder.build();
    }

    static String streamedByteByByte(Masker masker, String text) throws IOException {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        try (MaskingOutputStream out = new MaskingOutputStream(sink, masker)) {
            for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
                out.write(b);
            }
        }
        return sink.toString(StandardCharsets.UTF_8);
    }
}

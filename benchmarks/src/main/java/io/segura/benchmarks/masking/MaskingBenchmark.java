// SPDX-License-Identifier: Apache-2.0
package io.segura.benchmarks.masking;

import io.segura.client.masking.Masker;
import io.segura.client.masking.MaskingOutputStream;
import io.segura.client.masking.SecretVariants;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Masking throughput over realistic build-log text: the {@link MaskingOutputStream} (Aho–Corasick automaton) against
 * a Jenkins credentials-binding style baseline (one {@code java.util.regex} alternation of quoted forms, longest
 * first, applied per line) and a plain byte copy.
 *
 * <p>Scores are operations per microsecond where one operation is one byte, i.e. <b>MB/s</b> (10<sup>6</sup> bytes/s).
 * The automaton and the copy run over {@value #LOG_BYTES} bytes per invocation; the regex baseline is ~1,000× slower,
 * so it runs over the first {@value #SLICE_BYTES} bytes of the same log (throughput stays comparable).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
public class MaskingBenchmark {

    static final int LOG_BYTES = 64 << 20;
    static final int SLICE_BYTES = 1 << 20;
    /** Write size of the stream benchmarks: what a BufferedOutputStream or a pipe reader hands over. */
    static final int WRITE_BYTES = 8 << 10;

    @Param({"10", "100", "1000"})
    public int secrets;

    private byte[] log;
    private byte[] copy;
    private Masker masker;
    private Pattern regex;
    private CountingSink sink;

    @Setup
    public void setUp() throws NoSuchAlgorithmException {
        Random random = new Random(20261129L + secrets);
        List<String> values = secrets(random, secrets);
        Masker.Builder builder = Masker.builder();
        for (int i = 0; i < values.size(); i++) {
            builder.add("bench/secret-" + i, values.get(i));
        }
        long start = System.nanoTime();
        masker = builder.build();
        long built = System.nanoTime() - start;
        regex = jenkinsStylePattern(values);
        log = LogText.generate(random, LOG_BYTES, values);
        copy = new byte[LOG_BYTES];
        sink = new CountingSink();
        System.out.printf("%n%d secrets -> %d patterns, masker built in %d ms%n", secrets, masker.patternCount(),
                built / 1_000_000);
    }

    /** The masking stream, 8 KiB writes, into a sink that only counts. */
    @Benchmark
    @OperationsPerInvocation(LOG_BYTES)
    public long automatonStream() throws IOException {
        sink.count = 0;
        MaskingOutputStream out = new MaskingOutputStream(sink, masker);
        for (int off = 0; off < LOG_BYTES; off += WRITE_BYTES) {
            out.write(log, off, Math.min(WRITE_BYTES, LOG_BYTES - off));
        }
        out.close();
        return sink.count;
    }

    /** Jenkins' credentials-binding approach: per line, one alternation of Pattern.quote'd forms, longest first. */
    @Benchmark
    @OperationsPerInvocation(SLICE_BYTES)
    public long regexBaselinePerLine() {
        long total = 0;
        int lineStart = 0;
        for (int i = 0; i < SLICE_BYTES; i++) {
            if (log[i] == '\n' || i == SLICE_BYTES - 1) {
                String line = new String(log, lineStart, i + 1 - lineStart, StandardCharsets.UTF_8);
                Matcher m = regex.matcher(line);
                total += m.replaceAll("***").getBytes(StandardCharsets.UTF_8).length;
                lineStart = i + 1;
            }
        }
        return total;
    }

    /** The floor: copying the same bytes in the same write size. */
    @Benchmark
    @OperationsPerInvocation(LOG_BYTES)
    public byte[] plainCopy() {
        for (int off = 0; off < LOG_BYTES; off += WRITE_BYTES) {
            System.arraycopy(log, off, copy, off, Math.min(WRITE_BYTES, LOG_BYTES - off));
        }
        return copy;
    }

    static Pattern jenkinsStylePattern(List<String> values) {
        Set<String> forms = new LinkedHashSet<>();
        for (String v : values) {
            forms.addAll(SecretVariants.of(v, Masker.DEFAULT_MINIMUM_LENGTH));
        }
        return Pattern.compile(forms.stream()
                .sorted(Comparator.comparingInt(String::length).reversed())
                .map(Pattern::quote)
                .collect(Collectors.joining("|")));
    }

    /** Tokens, passwords and one PEM private key, 16–64 characters (the PEM aside), fixed by the seed. */
    static List<String> secrets(Random random, int n) throws NoSuchAlgorithmException {
        List<String> values = new ArrayList<>(n);
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        SecureRandom seeded = SecureRandom.getInstance("SHA1PRNG");
        seeded.setSeed(random.nextLong()); // before first use: SHA1PRNG is then deterministic, so every fork agrees
        generator.initialize(2048, seeded);
        values.add("-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'})
                        .encodeToString(generator.generateKeyPair().getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
        String alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        String printable = alnum + "!#$%&'()*+,-./:;<=>?@[]^_{|}~\"\\ ";
        while (values.size() < n) {
            switch (values.size() % 4) {
                case 0 -> values.add("ghp_" + pick(random, alnum, 36));
                case 1 -> values.add("AKIA" + pick(random, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16));
                case 2 -> values.add(pick(random, alnum + "-_", 24 + random.nextInt(41)));
                default -> values.add(pick(random, printable, 16 + random.nextInt(17)));
            }
        }
        return values;
    }

    static String pick(Random random, String alphabet, int length) {
        StringBuilder sb = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return sb.toString();
    }

    /** Discards bytes, counting them, so the benchmark measures masking and not a destination. */
    static final class CountingSink extends OutputStream {
        long count;

        @Override
        public void write(int b) {
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            count += len;
        }
    }
}

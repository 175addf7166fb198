// SPDX-License-Identifier: Apache-2.0
package io.segura.testkit.net;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A separate host for a test process, as Linux makes one: a network namespace ({@code ip netns add}) joined to this
 * host by veth links, each a point-to-point /30 with an address on either end. A process started with
 * {@link #exec} sees only its own loopback and these links, so what it reaches of this host goes over a link that the
 * test can take down ({@link Link#down()}: {@code ip link set DEV down} on this host's end, so packets in both
 * directions are dropped without a reset or an ICMP error — what a network partition looks like to TCP) and bring up
 * again. Needs root and iproute2; elsewhere the calling test is skipped, unless {@code SEGURA_REQUIRE_POSTGRES=true}
 * (CI), where it fails.
 *
 * <p>Addresses come from {@code 10.213.X.0/24}, X picked at random among the blocks this host does not use yet.
 */
public final class NetworkNamespace implements AutoCloseable {

    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String name;
    private final int block;
    private final List<Link> links = new ArrayList<>();

    private NetworkNamespace(String name, int block) {
        this.name = name;
        this.block = block;
    }

    /** Creates the namespace, its loopback up, no links yet. */
    public static NetworkNamespace create() throws IOException, InterruptedException {
        requireSupported();
        String name = "segura-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet();
        String used = run(List.of("ip", "-4", "addr"));
        int block = -1;
        for (int attempt = 0; attempt < 64 && block < 0; attempt++) {
            int candidate = 1 + RANDOM.nextInt(254);
            if (!used.contains("10.213." + candidate + ".")) {
                block = candidate;
            }
        }
        if (block < 0) {
            throw new IllegalStateException("no free 10.213.X.0/24 block on this host");
        }
        run(List.of("ip", "netns", "add", name));
        NetworkNamespace ns = new NetworkNamespace(name, block);
        try {
            ns.inside(List.of("ip", "link", "set", "lo", "up"));
        } catch (IOException | RuntimeException e) {
            ns.close();
            throw e;
        }
        return ns;
    }

    public String name() {
        return name;
    }

    /**
     * Adds a link (at most 60): {@code 10.213.X.(4i+1)} on this host's end, {@code 10.213.X.(4i+2)} in the namespace.
     */
    public Link addLink() throws IOException, InterruptedException {
        int index = links.size();
        if (index >= 60) {
            throw new IllegalStateException("at most 60 links");
        }
        String tag = "sg" + (ProcessHandle.current().pid() % 100_000) + "x" + COUNTER.incrementAndGet();
        String hostDevice = tag + "h";
        String nsDevice = tag + "n";
        String hostAddress = "10.213." + block + "." + (4 * index + 1);
        String nsAddress = "10.213." + block + "." + (4 * index + 2);
        run(List.of("ip", "link", "add", hostDevice, "type", "veth", "peer", "name", nsDevice));
        Link link = new Link(hostDevice, hostAddress, nsAddress);
        links.add(link);
        run(List.of("ip", "link", "set", nsDevice, "netns", name));
        run(List.of("ip", "addr", "add", hostAddress + "/30", "dev", hostDevice));
        run(List.of("ip", "link", "set", hostDevice, "up"));
        inside(List.of("ip", "addr", "add", nsAddress + "/30", "dev", nsDevice));
        inside(List.of("ip", "link", "set", nsDevice, "up"));
        return link;
    }

    /** {@code command} to run in the namespace: {@code ip netns exec NAME command…} (the same process, exec'd). */
    public List<String> exec(List<String> command) {
        List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", name));
        cmd.addAll(command);
        return cmd;
    }

    private void inside(List<String> command) throws IOException, InterruptedException {
        run(exec(command));
    }

    /** Deletes the namespace, which deletes its links (a veth pair goes with either end). */
    @Override
    public void close() throws IOException, InterruptedException {
        try {
            for (Link l : links) {
                // normally gone with the namespace; a link whose other end never moved in is not
                runQuietly(List.of("ip", "link", "del", l.hostDevice()));
            }
        } finally {
            run(List.of("ip", "netns", "del", name));
        }
    }

    /**
     * A veth link between this host and the namespace.
     *
     * @param hostDevice  the device on this host's end
     * @param hostAddress this host's address on the link: where the namespace's connections to this host come from
     *                    and go to
     * @param address     the namespace's address on the link
     */
    public record Link(String hostDevice, String hostAddress, String address) {

        public Link {
            Objects.requireNonNull(hostDevice, "hostDevice cannot be null");
        }

        /** Partitions: this host's end goes down; packets either way are dropped, connections stay open and hang. */
        public void down() throws IOException, InterruptedException {
            run(List.of("ip", "link", "set", hostDevice, "down"));
        }

        /** Heals the partition: what TCP retransmits gets through again. */
        public void up() throws IOException, InterruptedException {
            run(List.of("ip", "link", "set", hostDevice, "up"));
        }
    }

    /** Skips (or in CI fails) the calling test where namespaces cannot be made: not root, or no iproute2. */
    public static void requireSupported() {
        String missing = null;
        if (!"root".equals(System.getProperty("user.name"))) {
            missing = "network namespaces need root";
        } else if (!Files.isExecutable(Path.of("/usr/sbin/ip")) && !Files.isExecutable(Path.of("/sbin/ip"))
                && !Files.isExecutable(Path.of("/usr/bin/ip"))) {
            missing = "iproute2's ip is not installed (apt-get install iproute2)";
        }
        if (missing == null) {
            return;
        }
        if (!Boolean.parseBoolean(System.getenv("SEGURA_REQUIRE_POSTGRES"))) {
            org.junit.jupiter.api.Assumptions.abort(missing);
        }
        throw new IllegalStateException(missing);
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " did not finish within 30 s");
        }
        String text = new String(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " exited with " + p.exitValue() + ": " + text);
        }
        return text;
    }

    private static void runQuietly(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect
                .DISCARD).start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
    }
}

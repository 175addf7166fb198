// SPDX-License-Identifier: Apache-2.0
package io.segura.testkit.broker;

import io.segura.testkit.net.HaProxy;
import io.segura.testkit.postgres.TestDatabase;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * Broker replicas as production runs them (DESIGN §15): {@code count} processes of the packaged jar sharing one
 * PostgreSQL database, trust config, master key and admin token, behind a real {@link HaProxy}. Replicas are named
 * {@code r1}, {@code r2}, …; {@link HaProxy#SERVED_BY} aims a request at one of them through the load balancer.
 * They start one after the other (the first migrates the database).
 */
public final class BrokerReplicas implements AutoCloseable {

    private final List<BrokerLauncher> replicas;
    private final HaProxy proxy;

    private BrokerReplicas(List<BrokerLauncher> replicas, HaProxy proxy) {
        this.replicas = replicas;
        this.proxy = proxy;
    }

    /**
     * Starts {@code count} replicas; {@code configure} sets up each one's builder (trust config, environment, owner)
     * and is applied to every replica, the others being {@link BrokerLauncher.Builder#replicaOf} the first.
     */
    public static BrokerReplicas start(int count, UnaryOperator<BrokerLauncher.Builder> configure) throws Exception {
        Objects.requireNonNull(configure, "configure cannot be null");
        if (count < 1) {
            throw new IllegalArgumentException("count must be at least 1");
        }
        HaProxy.requireInstalled();
        List<BrokerLauncher> started = new ArrayList<>();
        try {
            BrokerLauncher first = configure.apply(BrokerLauncher.builder()).start();
            started.add(first);
            // one after the other: on 2 shared cores, starts side by side only slow each other down
            for (int i = 1; i < count; i++) {
                started.add(configure.apply(BrokerLauncher.builder()).replicaOf(first).start());
            }
            Map<String, URI> backends = new LinkedHashMap<>();
            for (int i = 0; i < started.size(); i++) {
                backends.put(name(i), started.get(i).url());
            }
            return new BrokerReplicas(List.copyOf(started), HaProxy.start(backends));
        } catch (Exception e) {
            closeAll(started, e);
            throw e;
        }
    }

    /** The name HAProxy knows replica {@code index} (0-based) by: {@code r1}, {@code r2}, … */
    public static String name(int index) {
        return "r" + (index + 1);
    }

    /** The load balancer's URL: what clients use. */
    public URI url() {
        return proxy.url();
    }

    public HaProxy proxy() {
        return proxy;
    }

    /** Replica {@code index} (0-based), e.g. to kill it or to read its log. */
    public BrokerLauncher replica(int index) {
        return replicas.get(index);
    }

    public int size() {
        return replicas.size();
    }

    /** The database every replica shares. */
    public TestDatabase database() {
        return replicas.get(0).database();
    }

    /** The admin token every replica shares. */
    public String adminToken() {
        return replicas.get(0).adminToken();
    }

    /** Stops HAProxy and every replica (the first last: it drops the shared database). */
    @Override
    public void close() throws Exception {
        Exception failure = null;
        try {
            proxy.close();
        } catch (Exception e) {
            failure = e;
        }
        closeAll(replicas, failure);
        if (failure != null) {
            throw failure;
        }
    }

    private static void closeAll(List<BrokerLauncher> launchers, Exception into) {
        for (int i = launchers.size() - 1; i >= 0; i--) {
            try {
                launchers.get(i).close();
            } catch (Exception e) {
                if (into != null) {
                    into.addSuppressed(e);
                }
            }
        }
    }
}

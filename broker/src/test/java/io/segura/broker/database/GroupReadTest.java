// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.database;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

class GroupReadTest {

    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final DatabaseDeadline DEADLINE = DatabaseDeadline.after(Duration.ofSeconds(10));

    /** A query that answers "value-of-KEY" for every key but "missing", when the test releases it. */
    private static final class HeldQuery {
        final List<List<String>> batches = Collections.synchronizedList(new ArrayList<>());
        final List<Sinks.One<Boolean>> releases = Collections.synchronizedList(new ArrayList<>());

        Mono<Map<String, String>> run(List<String> keys) {
            batches.add(keys);
            Sinks.One<Boolean> release = Sinks.one();
            releases.add(release);
            return release.asMono().map(fail -> {
                if (fail) {
                    throw new IllegalStateException("database down");
                }
                Map<String, String> found = new LinkedHashMap<>();
                keys.stream().filter(k -> !k.equals("missing")).forEach(k -> found.put(k, "value-of-" + k));
                return found;
            });
        }

        void release(int i, boolean fail) {
            releases.get(i).tryEmitValue(fail);
        }
    }

    @Test
    void readWhenNothingInFlightThenQueriedAtOnceAlone() {
        GroupRead<String, String> reads = new GroupRead<>(keys -> Mono.just(Map.of("a", "value-of-a")), 64, 2, DEADLINE);

        assertThat(reads.read("a").block(WAIT)).isEqualTo("value-of-a");
    }

    @Test
    void readsWhenQueuedBehindARunningQueryThenTheyShareTheNextOne() {
        HeldQuery query = new HeldQuery();
        GroupRead<String, String> reads = new GroupRead<>(query::run, 64, 1, DEADLINE);
        var first = reads.read("a").toFuture();
        var second = reads.read("b").toFuture();
        var third = reads.read("c").toFuture();
        assertThat(query.batches).containsExactly(List.of("a"));

        query.release(0, false);

        assertThat(first.join()).isEqualTo("value-of-a");
        assertThat(query.batches).containsExactly(List.of("a"), List.of("b", "c"));
        query.release(1, false);
        assertThat(second.join()).isEqualTo("value-of-b");
        assertThat(third.join()).isEqualTo("value-of-c");
    }

    @Test
    void readsWhenMoreThanABatchQueuedThenSplitIntoBatchesOfAtMostMaxBatch() {
        HeldQuery query = new HeldQuery();
        GroupRead<String, String> reads = new GroupRead<>(query::run, 2, 1, DEADLINE);
        var all = List.of("a", "b", "c", "d", "e").stream().map(k -> reads.read(k).toFuture()).toList();

        for (int i = 0; i < 3; i++) {
            query.release(i, false);
        }

        assertThat(all).allSatisfy(f -> assertThat(f.join()).startsWith("value-of-"));
        assertThat(query.batches).containsExactly(List.of("a"), List.of("b", "c"), List.of("d", "e"));
    }

    @Test
    void readWhenKeyHasNoRowThenEmptyAndTheOthersAnswered() {
        HeldQuery query = new HeldQuery();
        GroupRead<String, String> reads = new GroupRead<>(query::run, 64, 1, DEADLINE);
        var blocker = reads.read("a").toFuture();
        var missing = reads.read("missing").toFuture();
        var found = reads.read("b").toFuture();

        query.release(0, false);
        query.release(1, false);

        assertThat(blocker.join()).isEqualTo("value-of-a");
        assertThat(missing.join()).isNull();
        assertThat(found.join()).isEqualTo("value-of-b");
    }

    @Test
    void readsWhenTheSameKeyTwiceInABatchThenQueriedOnceAndBothAnswered() {
        HeldQuery query = new HeldQuery();
        GroupRead<String, String> reads = new GroupRead<>(query::run, 64, 1, DEADLINE);
        reads.read("a").toFuture();
        var one = reads.read("b").toFuture();
        var two = reads.read("b").toFuture();

        query.release(0, false);
        query.release(1, false);

        assertThat(query.batches.get(1)).containsExactly("b");
        assertThat(one.join()).isEqualTo("value-of-b");
        assertThat(two.join()).isEqualTo("value-of-b");
    }

    @Test
    void readsWhenTheirQueryFailsThenEachFailsAndLaterReadsStillRun() {
        HeldQuery query = new HeldQuery();
        GroupRead<String, String> reads = new GroupRead<>(query::run, 64, 1, DEADLINE);
        var blocker = reads.read("a").toFuture();
        var b = reads.read("b").toFuture();
        var c = reads.read("c").toFuture();

        query.release(0, false);
        query.release(1, true);

        assertThat(blocker.join()).isEqualTo("value-of-a");
        assertThatThrownBy(b::join).hasRootCauseMessage("database down");
        assertThatThrownBy(c::join).hasRootCauseMessage("database down");
        var later = reads.read("d").toFuture();
        query.release(2, false);
        assertThat(later.join()).isEqualTo("value-of-d");
    }

    @Test
    void readWhenTheQueryNeverAnswersThenTimesOutAndTheNextReadRuns() {
        HeldQuery query = new HeldQuery();
        GroupRead<String, String> reads = new GroupRead<>(query::run, 64, 1,
                new DatabaseDeadline(Duration.ofMillis(200)));
        assertThatThrownBy(() -> reads.read("a").block(WAIT))
                .isInstanceOf(DatabaseTimeoutException.class)
                .hasMessage("the database did not answer within 200 ms");
        // the only slot was freed by the timeout: a new read starts its own query
        var next = reads.read("b").toFuture();
        assertThat(query.batches).containsExactly(List.of("a"), List.of("b"));
        query.release(1, false);
        assertThat(next.join()).isEqualTo("value-of-b");
    }
}

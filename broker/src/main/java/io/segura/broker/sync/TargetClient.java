// SPDX-License-Identifier: Apache-2.0
package io.segura.broker.sync;

/**
 * One platform's secret store, seen the same way for every platform: read back what is there, write one variable,
 * delete one variable. Calls block (they run on a bounded elastic scheduler) and throw {@link RemoteFailure} with the
 * remote's status, message and {@code Retry-After} — never with a value.
 */
interface TargetClient extends AutoCloseable {

    RemoteSnapshot read() throws RemoteFailure;

    /**
     * Creates or updates {@code desired}; {@code current} is what {@link #read()} showed for it, or null.
     *
     * @return the container's update stamp after the write, or null when the platform has none
     */
    String write(DesiredVariable desired, RemoteVariable current) throws RemoteFailure;

    /** @return the container's update stamp after the delete, or null */
    String delete(RemoteVariable variable) throws RemoteFailure;

    @Override
    void close();
}

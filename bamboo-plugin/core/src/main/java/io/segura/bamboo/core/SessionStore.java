// SPDX-License-Identifier: Apache-2.0
package io.segura.bamboo.core;

import io.segura.client.json.Json;
import io.segura.client.json.JsonException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * How the lease task tells the final revoke task what to end. Bamboo gives tasks of one job two shared places: the
 * runtime variables and the working directory. The session token is a bearer credential whose only use here is the
 * revoke, so it does not go into a variable — Bamboo hands every variable to every later task's process environment
 * ({@code bamboo_*}) — but into a file: {@code .segura/bamboo-sessions/<random>.json} in the job's working
 * directory, directory 0700 and file 0600 from creation on (never chmod-ed after the token is in it). The file holds
 * the broker URL, the session token, the lease id, the names of the variables set and the directory of the job's SSH
 * key and certificate files ({@code dynamic:ssh/…}); never a secret value. The revoke task deletes it and that
 * directory. One file per lease task, so two lease tasks in one job are both revoked.
 */
final class SessionStore {

    static final Path DIRECTORY = Path.of(".segura", "bamboo-sessions");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path dir;

    SessionStore(Path workingDirectory) {
        this.dir = workingDirectory.resolve(DIRECTORY);
    }

    /**
     * One session the job holds. {@code toString()} never shows the token.
     *
     * @param sshDirectory the directory of the task's SSH key and certificate files, or null without SSH specs
     */
    record Entry(Path file, String broker, String token, String clientId, String role, String expiresAt,
            String leaseId, List<String> variables, String sshDirectory) {

        Entry {
            variables = List.copyOf(variables);
        }

        Entry withLease(String id, List<String> names) {
            return new Entry(file, broker, token, clientId, role, expiresAt, id, names, sshDirectory);
        }

        @Override
        public String toString() {
            return "Entry[" + file + ", broker=" + broker + ", role=" + role + ", lease=" + leaseId + "]";
        }
    }

    /** A new directory for a lease task's SSH files, {@code .segura/ssh/<random>}, not yet created. */
    Path newSshDirectory() {
        return dir.getParent().resolve("ssh").resolve(random());
    }

    /** A new entry file name, not yet written. */
    Path newFile() {
        return dir.resolve(random() + ".json");
    }

    private static String random() {
        byte[] b = new byte[12];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** Writes (or replaces) {@code e} owner-only. */
    void save(Entry e) throws IOException {
        ownerOnlyDirectory(dir.getParent());
        ownerOnlyDirectory(dir);
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("broker", e.broker());
        doc.put("session", e.token());
        doc.put("client_id", e.clientId());
        doc.put("role", e.role());
        doc.put("expires_at", e.expiresAt());
        doc.put("lease_id", e.leaseId());
        doc.put("variables", e.variables());
        doc.put("ssh_directory", e.sshDirectory());
        Path tmp = e.file().resolveSibling(e.file().getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        try (SeekableByteChannel ch = Files.newByteChannel(tmp, java.util.Set.of(StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE), ownerOnly("rw-------"))) {
            ch.write(ByteBuffer.wrap(Json.write(doc).getBytes(StandardCharsets.UTF_8)));
        }
        Files.move(tmp, e.file(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** The job's entries; a damaged file is reported as unreadable, not fatal to the others. */
    List<Entry> list(List<String> unreadable) throws IOException {
        List<Entry> out = new ArrayList<>();
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return out;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList()) {
                try {
                    Map<String, Object> doc = Json.parseObject(Files.readString(f, StandardCharsets.UTF_8));
                    List<String> vars = new ArrayList<>();
                    for (Object o : Json.list(doc, "variables")) {
                        vars.add(String.valueOf(o));
                    }
                    out.add(new Entry(f, Json.string(doc, "broker"), Json.string(doc, "session"),
                            Json.optionalString(doc, "client_id"), Json.optionalString(doc, "role"),
                            Json.optionalString(doc, "expires_at"), Json.optionalString(doc, "lease_id"), vars,
                            Json.optionalString(doc, "ssh_directory")));
                } catch (JsonException | IOException ex) {
                    unreadable.add(f.getFileName().toString());
                    Files.deleteIfExists(f);
                }
            }
        }
        return out;
    }

    void delete(Entry e) throws IOException {
        Files.deleteIfExists(e.file());
    }

    private static void ownerOnlyDirectory(Path d) throws IOException {
        if (Files.isSymbolicLink(d)) {
            throw new IOException("refusing to keep a session token below the symbolic link " + d);
        }
        if (Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.createDirectories(d.getParent());
        try {
            Files.createDirectory(d, ownerOnly("rwx------"));
        } catch (FileAlreadyExistsException raced) {
            if (!Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
                throw raced;
            }
        }
    }

    /** POSIX owner-only permissions at creation; none on file systems without POSIX (Windows agents). */
    private static FileAttribute<?>[] ownerOnly(String perms) {
        boolean posix = java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
        return posix ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString(perms))} : new FileAttribute<?>[0];
    }
}

// SPDX-License-Identifier: Apache-2.0
package io.segura.client.platform;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Files only the job's user may read: directories 0700, files 0600, created with those permissions from the start
 * (never chmod-ed after the value is in them), so no other user on a shared agent can read a secret even briefly.
 * On file systems without POSIX permissions (Windows agents) the JDK's owner-only flags are applied instead.
 */
public final class PrivateFiles {

    static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
    static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwx------");

    private PrivateFiles() {
    }

    /** Creates {@code dir} (and parents) owner-only if missing; an existing directory must not be a symlink. */
    static Path directory(Path dir) throws IOException {
        if (Files.isSymbolicLink(dir)) {
            throw new IOException("refusing to write secrets below a symbolic link: " + dir);
        }
        if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return dir;
        }
        if (dir.getParent() != null) {
            Files.createDirectories(dir.getParent());
        }
        try {
            if (posix(dir.getParent())) {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(DIRECTORY));
            } else {
                Files.createDirectory(dir);
                ownerOnlyWithoutPosix(dir);
            }
        } catch (FileAlreadyExistsException raced) {
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                throw raced;
            }
        }
        return dir;
    }

    /** Replaces {@code file} atomically with {@code content}: a 0600 temporary file in the same directory, moved. */
    public static void write(Path file, String content) throws IOException {
        Path dir = directory(file.toAbsolutePath().getParent());
        Path tmp = createNew(dir, "." + file.getFileName() + ".tmp");
        try {
            Files.writeString(tmp, content, StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Appends {@code content} to {@code file}, creating it 0600 when missing. An existing file that others may read
     * is refused rather than silently fixed: someone else created it, and may already hold it open.
     */
    static void append(Path file, String content) throws IOException {
        Path dir = directory(file.toAbsolutePath().getParent());
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            try {
                createNewAt(file, dir);
            } catch (FileAlreadyExistsException raced) {
                // created concurrently: the checks below decide
            }
        }
        if (Files.isSymbolicLink(file)) {
            throw new IOException("refusing to write secrets through a symbolic link: " + file);
        }
        if (posix(file) && !FILE.containsAll(Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS))) {
            throw new IOException(file + " is readable by other users; remove it or make it 0600");
        }
        Files.writeString(file, content, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    }

    private static Path createNew(Path dir, String prefix) throws IOException {
        if (posix(dir)) {
            return Files.createTempFile(dir, prefix, "", PosixFilePermissions.asFileAttribute(FILE));
        }
        Path tmp = Files.createTempFile(dir, prefix, "");
        ownerOnlyWithoutPosix(tmp);
        return tmp;
    }

    private static void createNewAt(Path file, Path dir) throws IOException {
        if (posix(dir)) {
            FileAttribute<Set<PosixFilePermission>> attr = PosixFilePermissions.asFileAttribute(FILE);
            Files.createFile(file, attr);
        } else {
            Files.createFile(file);
            ownerOnlyWithoutPosix(file);
        }
    }

    private static boolean posix(Path path) {
        return path != null && Files.getFileAttributeView(path, PosixFileAttributeView.class) != null;
    }

    private static void ownerOnlyWithoutPosix(Path path) throws IOException {
        var f = path.toFile();
        boolean ok = f.setReadable(false, false) && f.setReadable(true, true)
                && f.setWritable(false, false) && f.setWritable(true, true);
        if (!ok) {
            throw new IOException("cannot restrict " + path + " to its owner");
        }
    }
}

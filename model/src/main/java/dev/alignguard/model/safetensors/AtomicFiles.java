package dev.alignguard.model.safetensors;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes a file so that readers see either the old content or the complete new content, never
 * a half-written file: the content goes to a hidden temporary file in the same directory (so
 * the rename cannot cross file systems), is forced to disk, and is then renamed over the target
 * with an atomic move. A failure removes the temporary file. {@link #writeAll} does this for several
 * files at once, replacing none unless all were written.
 */
public final class AtomicFiles {

    /** Writes the whole content of the file through the channel it is given. */
    @FunctionalInterface
    public interface Body {
        void writeTo(FileChannel channel) throws IOException;
    }

    private AtomicFiles() {
    }

    /** Atomically replaces {@code target} with these bytes. */
    public static void write(Path target, byte[] content) throws IOException {
        write(target, channel -> writeFully(channel, ByteBuffer.wrap(content)));
    }

    /**
     * Atomically replaces {@code target} with what {@code body} writes.
     *
     * @throws AtomicMoveNotSupportedException where the file system cannot rename atomically
     */
    public static void write(Path target, Body body) throws IOException {
        writeAll(java.util.Map.of(target, body));
    }

    /**
     * Replaces several files so that none is replaced unless every one was written: each content goes
     * to its own temporary file first, and only when all are complete are they renamed over their
     * targets (in the map's order). A failure before the renames removes every temporary file and
     * leaves every target as it was. An I/O error's message names the file it concerns.
     *
     * @throws IOException naming the target that could not be written
     */
    public static void writeAll(java.util.Map<Path, Body> contents) throws IOException {
        java.util.Map<Path, Path> temporaries = new java.util.LinkedHashMap<>();
        boolean moved = false;
        try {
            for (var e : contents.entrySet()) {
                Path absolute = e.getKey().toAbsolutePath();
                Path dir = absolute.getParent();
                if (dir == null || absolute.getFileName() == null) {
                    throw new IOException("cannot write " + e.getKey() + ": it has no parent directory");
                }
                if (Files.isDirectory(absolute)) {
                    throw new IOException("cannot write " + e.getKey() + ": it is a directory");
                }
                String suffix = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
                Path tmp = dir.resolve("." + absolute.getFileName() + "." + suffix + ".tmp");
                try {
                    try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                        temporaries.put(absolute, tmp);
                        e.getValue().writeTo(channel);
                        channel.force(true);
                    }
                } catch (IOException ex) {
                    throw named(e.getKey(), ex);
                }
            }
            for (var e : temporaries.entrySet()) {
                try {
                    Files.move(e.getValue(), e.getKey(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (IOException ex) {
                    throw named(e.getKey(), ex);
                }
                syncDirectory(e.getKey().getParent());
            }
            moved = true;
        } finally {
            if (!moved) {
                for (Path tmp : temporaries.values()) {
                    try {
                        Files.deleteIfExists(tmp);
                    } catch (IOException ignored) {
                        // the original failure is the one worth reporting
                    }
                }
            }
        }
    }

    /** The error with {@code target} in its message (a full disk says only "No space left on device"). */
    private static IOException named(Path target, IOException e) {
        String m = e.getMessage();
        if (e instanceof AtomicMoveNotSupportedException || (m != null && m.contains(target.toString()))) {
            return e;
        }
        String reason;
        if (e instanceof java.nio.file.AccessDeniedException) {
            reason = "permission denied";
        } else if (e instanceof java.nio.file.NoSuchFileException) {
            reason = "its folder does not exist";
        } else if (e instanceof java.nio.file.FileSystemException f) {
            reason = f.getReason() != null ? f.getReason() : f.getClass().getSimpleName();
        } else {
            reason = m == null ? e.toString() : m;
        }
        return new IOException("cannot write " + target + ": " + reason, e);
    }

    /** Writes every remaining byte of {@code buffer}. */
    public static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    /** Makes the rename itself durable where the platform allows opening a directory; best effort. */
    private static void syncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | RuntimeException ignored) {
            // not supported everywhere (e.g. Windows); the rename has happened either way
        }
    }
}

package dev.alignguard.proofs.inputs;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import dev.alignguard.model.safetensors.InputFormatException;
import dev.alignguard.proofs.gen.FileMutations;
import dev.alignguard.proofs.harness.Laws;

/**
 * The contract of a reader of files that may come from elsewhere, stated once: whatever bytes it is
 * given, it returns what the file holds or throws the format's own {@link InputFormatException}
 * naming the file; never another exception (no {@code NullPointerException}, no
 * {@code NumberFormatException}, no plain {@code IOException} for bad content), never an
 * {@code Error} ({@code OutOfMemoryError}, {@code StackOverflowError}), never a hang.
 *
 * <p>An implementing class names the reader, places an input where the reader expects it (a file,
 * or a file in a folder with valid companions) and supplies valid files; the laws check it on
 * random bytes and on valid files damaged by {@link FileMutations}, and that the valid files read.
 * The mutated law also requires some of its examples to read and some to be refused, so it cannot
 * pass by refusing everything at the first byte (or by reading nothing at all).
 */
public interface ReaderFuzzLaws {

    /** A read still running after this is a hang (reads of these sizes take milliseconds). */
    long TIMEOUT_SECONDS = 10;

    /** One thread that runs the reads, so a hang can be timed out. */
    ExecutorService GUARD = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "reader-fuzz-guard");
        t.setDaemon(true);
        return t;
    });

    /** Valid files of the format: the ones mutations start from (each must read). */
    List<byte[]> validFiles() throws Exception;

    /** Writes {@code content} where the reader expects it; returns the path to give {@link #read}. */
    Path place(byte[] content) throws Exception;

    /** Runs the reader on the placed input. */
    void read(Path input) throws Exception;

    /** The format's own refusals. */
    Class<? extends InputFormatException> refusal();

    /** Random-bytes examples. */
    default int randomExamples() {
        return 1_000;
    }

    /** Mutated-file examples. */
    default int mutatedExamples() {
        return 2_000;
    }

    @Test
    default void validFilesRead() throws Exception {
        for (byte[] valid : validFiles()) {
            Path input = place(valid);
            Outcome o = readGuarded(input, valid);
            if (o != Outcome.READ) {
                throw new AssertionError("a valid file is refused: " + o.refusal + "\n" + FileMutations.show(valid));
            }
        }
    }

    @Test
    default void randomBytesAreReadOrRefusedWithTheFormatsOwnError() {
        Laws.qt(randomExamples()).forAll(FileMutations.randomBytes()).checkAssert(c -> Laws.unchecked(() -> {
            byte[] bytes = FileMutations.randomBytes(c.seed(), c.size());
            readGuarded(place(bytes), bytes);
        }));
    }

    @Test
    default void mutatedValidFilesReadOrAreRefusedWithTheFormatsOwnError() throws Exception {
        List<byte[]> valid = validFiles();
        AtomicInteger read = new AtomicInteger(), refused = new AtomicInteger();
        Laws.qt(mutatedExamples()).forAll(FileMutations.mutations()).checkAssert(c -> Laws.unchecked(() -> {
            byte[] bytes = FileMutations.mutate(valid, c.seed(), c.size());
            (readGuarded(place(bytes), bytes) == Outcome.READ ? read : refused).incrementAndGet();
        }));
        if (read.get() == 0 || refused.get() == 0) {
            throw new AssertionError("the mutations should give both readable and refused files: " + read + " read, "
                + refused + " refused");
        }
    }

    /** What a read came to. */
    final class Outcome {
        static final Outcome READ = new Outcome(null);
        final InputFormatException refusal;

        Outcome(InputFormatException refusal) {
            this.refusal = refusal;
        }
    }

    /**
     * Reads under the hang guard: returns {@link Outcome#READ}, or the refusal after checking that it
     * is the format's own and names its file (the input or a companion in the input's folder);
     * anything else fails with the input's bytes in the message.
     */
    default Outcome readGuarded(Path input, byte[] bytes) throws Exception {
        Future<?> future = GUARD.submit(() -> {
            read(input);
            return null;
        });
        try {
            future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            return Outcome.READ;
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new AssertionError("the reader did not finish within " + TIMEOUT_SECONDS + " s on\n" + FileMutations.show(bytes), e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (refusal().isInstance(cause)) {
                InputFormatException refused = (InputFormatException) cause;
                Path folder = input.toAbsolutePath().getParent();
                if (!refused.file().toAbsolutePath().startsWith(folder) || !refused.getMessage().contains(refused.file().toString())
                    || refused.problem().isBlank()) {
                    throw new AssertionError("a refusal that does not name its file: " + refused.getMessage(), refused);
                }
                return new Outcome(refused);
            }
            throw new AssertionError("the reader threw " + cause.getClass().getName() + " (not " + refusal().getSimpleName()
                + ") on\n" + FileMutations.show(bytes), cause);
        }
    }
}

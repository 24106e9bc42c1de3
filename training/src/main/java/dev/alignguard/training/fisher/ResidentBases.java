package dev.alignguard.training.fisher;

import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import dev.alignguard.math.kernels.Kernels;
import dev.alignguard.math.kernels.ResidentRows;

/**
 * The kept bases of an objective's subspaces, {@linkplain Kernels#resident resident} on the backend
 * that runs the regularizers' products: a device backend then uploads each basis once, not at every
 * coordinates or combination call. A {@link LayerSubspace}'s basis is fixed once estimated (the
 * estimators and {@code withBasis} hand a fresh array to each subspace and nothing writes it later;
 * under {@code -Dalignguard.buffers.check=true} every product checks that), so a handle stays right
 * for as long as the subspace is in use.
 *
 * <p>Handles are made on first use, per backend, and freed by {@link #retainOnly} when their subspace
 * is no longer among the live ones, by {@link #close()}, or, for an owner that is dropped without
 * closing (an objective has no end-of-life call), when this object becomes unreachable.
 */
public final class ResidentBases implements AutoCloseable {

    private static final Cleaner CLEANER = Cleaner.create();

    /** The handles, per backend, per basis array (by identity); the cleaner's state, so it must not refer back. */
    private static final class Handles implements Runnable {
        final Map<Kernels, IdentityHashMap<double[][], ResidentRows>> byKernels = new IdentityHashMap<>();

        @Override
        public synchronized void run() {
            for (IdentityHashMap<double[][], ResidentRows> m : byKernels.values()) {
                for (ResidentRows r : m.values()) {
                    r.close();
                }
            }
            byKernels.clear();
        }
    }

    private final Handles handles = new Handles();
    private final Cleaner.Cleanable cleanable = CLEANER.register(this, handles);

    /** {@code s}'s basis resident on {@code kernels}: made at the first call, the same handle after. */
    public ResidentRows of(Kernels kernels, LayerSubspace s) {
        synchronized (handles) {
            return handles.byKernels.computeIfAbsent(kernels, k -> new IdentityHashMap<>())
                .computeIfAbsent(s.basis(), kernels::resident);
        }
    }

    /** Frees the handles of every basis not among {@code live}'s (the subspaces were replaced). */
    public void retainOnly(Collection<LayerSubspace> live) {
        synchronized (handles) {
            IdentityHashMap<double[][], Boolean> keep = new IdentityHashMap<>();
            for (LayerSubspace s : live) {
                keep.put(s.basis(), Boolean.TRUE);
            }
            for (IdentityHashMap<double[][], ResidentRows> m : handles.byKernels.values()) {
                List<double[][]> gone = new ArrayList<>();
                for (var e : m.entrySet()) {
                    if (!keep.containsKey(e.getKey())) {
                        gone.add(e.getKey());
                    }
                }
                for (double[][] b : gone) {
                    m.remove(b).close();
                }
            }
        }
    }

    /** How many handles are open (for tests). */
    public int size() {
        synchronized (handles) {
            int n = 0;
            for (IdentityHashMap<double[][], ResidentRows> m : handles.byKernels.values()) {
                n += m.size();
            }
            return n;
        }
    }

    /** Frees every handle. Idempotent; the object may be used again (handles are made anew). */
    @Override
    public void close() {
        handles.run();
    }
}

package dev.alignguard.math.kernels.opencl;

/** Run in a child JVM by {@link SignalChainingTest}: prints whether libjsig is loaded. */
final class SignalChainingProbe {

    private SignalChainingProbe() {
    }

    public static void main(String[] args) {
        System.out.println("active=" + SignalChaining.isActive());
    }
}

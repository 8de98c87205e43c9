package org.e3j.engine.kernels;

/** Run in a child JVM by {@link KernelProviderTest}: prints the chosen kernels' name. */
public final class ProviderProbe {
    private ProviderProbe() {}

    public static void main(String[] args) {
        Kernels k;
        try {
            k = KernelProvider.get();
        } catch (org.e3j.engine.E3jException e) {
            System.out.println("refused: " + e.getMessage());
            return;
        }
        // exercise the choice a little so a broken fallback would show
        float[] out = new float[3];
        k.fma(out, 0, new float[] {1, 2, 3}, 0, 2f, 3);
        System.out.println("chosen=" + k.name() + " check=" + out[2] + " vectorPresent=" + KernelProvider.vector().isPresent());
    }
}

package org.e3j.md.ipi;

import org.e3j.md.AtomsSystem;
import org.e3j.md.ForceField;
import org.e3j.md.ForceResult;

/**
 * A {@link ForceField} computed by a remote i-PI driver through an {@link IpiServer}: a JVM MD
 * loop can run on any code that speaks i-PI. Energy, forces and (periodic) stress; no per-atom
 * energies. The atom count and species are fixed by the driver's own structure; the server only
 * sends positions and cell. {@link #cutoff()} is unknown (NaN). Closing closes the server.
 */
public final class IpiForceField implements ForceField {
    private final IpiServer server;

    public IpiForceField(IpiServer server) {
        this.server = server;
    }

    public IpiServer server() {
        return server;
    }

    @Override
    public double cutoff() {
        return Double.NaN;
    }

    @Override
    public void compute(AtomsSystem system, ForceResult out) {
        server.calculate(system.cellView(), system.positions(), system.numAtoms(),
                system.isPeriodic() && out.wants(ForceResult.STRESS), out);
    }

    /** Sends EXIT (if connected) and closes the server. */
    @Override
    public void close() {
        try {
            if (server.connected()) {
                server.sendExit();
            }
        } catch (IpiException ignored) {
            // the driver may be gone already
        } finally {
            server.close();
        }
    }
}

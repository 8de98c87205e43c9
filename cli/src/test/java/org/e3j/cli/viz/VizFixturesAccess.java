package org.e3j.cli.viz;

/** Lets tests of org.e3j.cli use the picture fixtures. */
public final class VizFixturesAccess {
    private VizFixturesAccess() {}

    public static Object[] molecule() {
        return VizFixtures.firstGraph(VizFixtures.MOLECULE_FIXTURE);
    }

    public static java.nio.file.Path moleculeModel() {
        return VizFixtures.MOLECULE_MODEL;
    }
}

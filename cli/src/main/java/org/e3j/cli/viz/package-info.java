/**
 * Pictures: the equivariant features of a network drawn on a molecule and a rotated copy
 * ({@code e3j viz}), and energy / temperature traces of an MD trajectory ({@code e3j md},
 * {@code e3j plot}).
 *
 * <p>The data behind every figure is computed first, as plain arrays a test can check
 * ({@link org.e3j.cli.viz.FeatureScene}, {@link org.e3j.cli.viz.EnergySeries}); the drawing is
 * XChart (Java2D, headless) and the encoding XChart's PNG and SVG encoders.
 */
package org.e3j.cli.viz;

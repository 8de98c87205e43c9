/**
 * Extended XYZ as ASE writes and reads it: {@link org.e3j.graph.io.ExtXyzReader} (streaming,
 * bounded against hostile input, errors with line numbers), {@link org.e3j.graph.io.ExtXyzWriter},
 * {@link org.e3j.graph.io.Frame} (structure + info + per-atom properties, with energy / forces /
 * stress accessors) and the {@link org.e3j.graph.io.ExtXyz} shortcuts.
 */
package org.e3j.graph.io;

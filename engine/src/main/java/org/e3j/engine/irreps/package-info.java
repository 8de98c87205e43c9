/**
 * e3nn-jax's irreps vocabulary in Java: {@link org.e3j.engine.irreps.Irrep},
 * {@link org.e3j.engine.irreps.MulIrrep}, {@link org.e3j.engine.irreps.Irreps} (parse, simplify,
 * stable sort, regroup, filter, slice_by_mul) and {@link org.e3j.engine.irreps.IrrepsArray} (double
 * data in e3nn's mul_ir layout). Errors are {@link org.e3j.engine.irreps.IrrepsException}.
 */
package org.e3j.engine.irreps;

/**
 * Double-precision reference implementations of the e3nn-jax operations the tutorial network uses
 * (tensor_product, per-copy scaling, flax Linear, gate, scatter). They are written to be read and
 * serve as the oracle for the fast float32 engine; {@link org.e3j.engine.ops.TensorProduct#paths()}
 * and {@link org.e3j.engine.ops.Linear#instructions()} are the descriptors that engine compiles.
 * Concatenation along the irreps axis is {@link org.e3j.engine.irreps.IrrepsArray#concatenate}.
 */
package org.e3j.engine.ops;

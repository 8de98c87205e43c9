/**
 * SO(3)/O(3) numerics in e3nn's real basis: exact cached sparse
 * {@link org.e3j.engine.so3.ClebschGordan}, {@link org.e3j.engine.so3.SphericalHarmonics} with an
 * analytic Jacobian, and {@link org.e3j.engine.so3.WignerD} (plus random rotations for tests).
 */
package org.e3j.engine.so3;

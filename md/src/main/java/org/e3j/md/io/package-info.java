/** MD output: trajectories as ASE-readable extended XYZ, flushed every frame. */
package org.e3j.md.io;

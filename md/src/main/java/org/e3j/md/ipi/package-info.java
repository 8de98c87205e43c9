/**
 * The i-PI socket protocol: {@link org.e3j.md.ipi.IpiDriver} serves e3j force fields to i-PI or
 * ASE's {@code SocketIOCalculator}; {@link org.e3j.md.ipi.IpiServer} and
 * {@link org.e3j.md.ipi.IpiForceField} are the other side (tests, and JVM dynamics on external
 * drivers). UNIX domain sockets ({@code /tmp/ipi_<name>}) and TCP; atomic units on the wire,
 * converted with ASE's constants; every wait has a deadline.
 */
package org.e3j.md.ipi;

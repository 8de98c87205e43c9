/**
 * Atomic structures and the graphs a message-passing potential runs on.
 *
 * <ul>
 *   <li>{@link org.e3j.graph.Structure}: atomic numbers, positions (Å, float64), cell (rows are
 *       lattice vectors), pbc; validated at construction ({@link org.e3j.graph.StructureException}).</li>
 *   <li>{@link org.e3j.graph.NeighborList}: O(N) cell list for open, periodic (any triclinic shape,
 *       cells thinner than the cutoff included) and mixed boundaries, with a Verlet skin. Edge
 *       convention as ASE's {@code neighbor_list("ijS")}: sender = i, receiver = j,
 *       {@code r = pos[j] - pos[i] + S @ cell}.</li>
 *   <li>{@link org.e3j.graph.Graph}: GraphsTuple semantics (n_node, n_edge, senders, receivers,
 *       shifts), edges sorted by receiver with CSR offsets, batches of structures
 *       ({@link org.e3j.graph.GraphException}).</li>
 *   <li>{@link org.e3j.graph.Elements}: symbols and ASE's atomic masses for Z = 1..118.</li>
 * </ul>
 *
 * Everything here is single-threaded and deterministic: the same input gives the same edge order.
 */
package org.e3j.graph;

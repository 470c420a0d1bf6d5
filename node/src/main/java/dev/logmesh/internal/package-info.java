/**
 * The implementation of logmesh; not API. Types here are public only so that the node's own packages, its
 * test kit and benchmarks can use them; they may change in any release.
 *
 * <p>Imports point one way (checked by {@code ArchitectureTest}): the values and SPIs of {@code dev.logmesh}
 * and {@code dev.logmesh.spi} &larr; {@code log}, {@code store}, {@code protocol} and {@code auth} &larr;
 * {@code session} &larr; {@code mesh} &larr; the facade ({@code MeshNode}, {@code NodeConfig},
 * {@code ReplicatedState}) &larr; the command line. {@code net} (the network transport) uses the protocol and
 * is plugged in by the facade; no other internal package uses it. There are no cycles between these packages.
 */
package dev.logmesh.internal;

/**
 * The {@code logmesh} command line (picocli; the {@code logmesh-cli} module, so a library user does not get
 * picocli or a logger binding): {@code node} runs a node with actions from stdin and events on stdout,
 * {@code add} and {@code log} append to and print a log on disk, {@code peers} shows a node's peers. Only
 * {@link dev.logmesh.cli.Main} is public.
 *
 * <p>Built on the facade ({@code MeshNode}, {@code NodeConfig}); the offline commands ({@code add}, {@code log},
 * {@code peers} on a data directory, with or without a running node) open the log and the store directly
 * ({@code dev.logmesh.internal.log}, {@code dev.logmesh.internal.store}), and nothing else internal.
 */
package dev.logmesh.cli;

/** The {@code logmesh} command line (picocli): {@code node}, {@code add}, {@code log}, {@code peers}. */
package dev.logmesh.cli;

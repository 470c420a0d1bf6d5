/**
 * Small programs that embed a {@link dev.logmesh.MeshNode}: each sub-package is one example with a
 * {@code main}, a README under {@code examples/<name>/} and a test on the node module's test kit ({@code LocalMesh}).
 * {@link dev.logmesh.examples.ExampleOptions} holds the node options they share.
 */
package dev.logmesh.examples;

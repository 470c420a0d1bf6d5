/**
 * The one seam for time and scheduling of a node, {@link dev.logmesh.time.Loop}; production uses
 * {@link dev.logmesh.time.SystemLoop}, tests a manual loop with a fake clock. Internal to logmesh.
 */
package dev.logmesh.time;

/**
 * Internal: the node's meters (Micrometer), registered in the application's {@code MeterRegistry}. Not API.
 */
package dev.logmesh.internal.metrics;

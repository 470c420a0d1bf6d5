/**
 * The wire protocol: Logux protocol 5 messages as a sealed set of records, one codec to and from JSON
 * frames, meta in its wire form, and the closed set of protocol errors. Internal to logmesh.
 */
package dev.logmesh.protocol;

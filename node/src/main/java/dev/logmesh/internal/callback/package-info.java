/**
 * What the node does with a failure of application code it calls on its loop (listeners, subscribers, reducers,
 * answerers, client hooks): {@link dev.logmesh.internal.callback.Callbacks#survivable} decides, in one place,
 * which throwables are the callback's own failure and which end the node. Depends on nothing else of logmesh.
 */
package dev.logmesh.internal.callback;

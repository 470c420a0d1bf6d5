package dev.logmesh.internal.overlay;

/** What {@link HyParView#candidate} did with a candidate that discovery offered. */
public enum Admission {
    /** New peer, now in the passive view. */
    ADMITTED,
    /** Already known (active, passive, static or in a session); its address was refreshed. */
    KNOWN,
    /** The candidate is this node. */
    SELF,
    /** Its recent connection attempts failed; it is ignored until its back-off expires. */
    BACKED_OFF,
    /** Over the admission rate ({@link OverlayConfig#candidatesPerTick()}): dropped. Discovery repeats itself. */
    RATE_LIMITED,
    /** The overlay has left ({@link HyParView#leave()}). */
    IGNORED
}

package dev.logmesh.cli;

/**
 * A mistake in what the user asked for: printed as one line ({@code logmesh: MESSAGE}) with exit code 2, no
 * stack trace. The message names the value and says what to do.
 */
final class UsageError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    UsageError(String message) {
        super(message, null, false, false);
    }
}

package dev.logmesh.cli;

import dev.logmesh.internal.edge.UserTokens;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code logmesh user-token}: a token for the Logux clients of one user on a keyed mesh. */
@Command(name = "user-token", mixinStandardHelpOptions = true, versionProvider = Version.class,
    sortOptions = false,
    description = {"Print a token with which the Logux clients of one user (@logux/client apps, any tab, any "
        + "client id user:random) may connect to the nodes of a keyed mesh: what an application server hands a "
        + "signed-in user (see the README, \"Logux apps\").",
        "With --print-derived-key: print the key that issues user tokens and nothing else (base64url); give it "
            + "to an application server instead of the mesh key, and issue with --derived-key-file."})
final class UserTokenCommand implements Callable<Integer> {
    @Option(names = "--key-file", paramLabel = "FILE", description = "File holding the mesh's secret key.")
    Path keyFile;

    @Option(names = "--derived-key-file", paramLabel = "FILE", description = "File holding the derived key "
        + "(from --print-derived-key) instead of the mesh key.")
    Path derivedKeyFile;

    @Option(names = "--mesh", paramLabel = "NAME", description = "Mesh name (tokens of one mesh are not valid in "
        + "another). Default: ${DEFAULT-VALUE}.")
    String mesh = dev.logmesh.NodeConfig.DEFAULT_MESH;

    @Option(names = "--user", paramLabel = "ID", description = "The user id (the first part of the clients' node "
        + "ids, userId:random:tab).")
    String user;

    @Option(names = "--expires-in", paramLabel = "DURATION", description = "Valid for this long: N followed by "
        + "s, m, h or d (12h, 30d, ...). Default: no expiry.")
    String expiresIn;

    @Option(names = "--print-derived-key", description = "Print the derived key instead of a token.")
    boolean printDerivedKey;

    @Override
    public Integer call() {
        try {
            UserTokens tokens = tokens();
            if (printDerivedKey) {
                System.out.println(Base64.getUrlEncoder().withoutPadding().encodeToString(tokens.derivedKey()));
                return 0;
            }
            if (user == null) {
                throw new IllegalArgumentException("give --user ID");
            }
            String token = expiresIn == null ? tokens.tokenFor(user)
                : tokens.tokenFor(user, expiry(Instant.now(), expiresIn));
            System.out.println(token);
            return 0;
        } catch (IOException | IllegalArgumentException e) {
            System.err.println("logmesh: " + e.getMessage());
            return 2;
        }
    }

    private UserTokens tokens() throws IOException {
        if ((keyFile == null) == (derivedKeyFile == null)) {
            throw new IllegalArgumentException("give --key-file or --derived-key-file");
        }
        if (keyFile != null) {
            // read as the node reads its --key-file, so the tokens match the key the nodes use
            return UserTokens.forMesh(Checks.keyFile(keyFile, System.err::println), mesh, System::currentTimeMillis);
        }
        if (printDerivedKey) {
            throw new IllegalArgumentException("--print-derived-key needs the mesh key (--key-file)");
        }
        byte[] derived = Base64.getUrlDecoder().decode(Files.readString(derivedKeyFile, StandardCharsets.UTF_8).strip());
        return UserTokens.fromDerivedKey(derived, System::currentTimeMillis);
    }

    /**
     * {@code now} plus {@code --expires-in}, {@link Instant#MAX} for one beyond what a {@link Duration} or an
     * {@link Instant} holds (the token then holds {@code UserTokens.MAX_EXPIRES_MILLIS}, as good as never; before
     * session 26 {@code 200000000000d} ended with "ArithmeticException: long overflow", exit 1; before session 27 a
     * number beyond a long, {@code 99999999999999999999d}, with "logmesh: For input string: ...", exit 2).
     */
    static Instant expiry(Instant now, String text) {
        Duration d;
        try {
            d = duration(text);
        } catch (ArithmeticException | NumberFormatException e) {
            // the number of units is beyond a Duration's seconds, or (digits only: duration checked) beyond a long
            return Instant.MAX;
        }
        return d.compareTo(Duration.between(now, Instant.MAX)) >= 0 ? Instant.MAX : now.plus(d);
    }

    /** {@code 90s}, {@code 15m}, {@code 12h}, {@code 30d}; digits other than 0-9 are refused (session 28). */
    static Duration duration(String text) {
        if (Checks.hasOtherDigits(text)) {
            throw new IllegalArgumentException("--expires-in " + Checks.notAsciiDigits(text, "a duration"));
        }
        if (text.length() < 2 || !text.substring(0, text.length() - 1).chars().allMatch(Character::isDigit)) {
            throw new IllegalArgumentException("--expires-in must be a number followed by s, m, h or d: " + text);
        }
        long n = Long.parseLong(text.substring(0, text.length() - 1));
        return switch (text.charAt(text.length() - 1)) {
            case 's' -> Duration.ofSeconds(n);
            case 'm' -> Duration.ofMinutes(n);
            case 'h' -> Duration.ofHours(n);
            case 'd' -> Duration.ofDays(n);
            default -> throw new IllegalArgumentException("--expires-in must end in s, m, h or d: " + text);
        };
    }
}

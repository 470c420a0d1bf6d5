package dev.logmesh.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine;

/**
 * What {@code --version} prints, for {@code logmesh} and each subcommand: {@code logmesh VERSION}, where VERSION is
 * the Maven build's {@code project.version} (e.g. {@code 0.1.0-SNAPSHOT}), from the resource {@code version.properties}
 * that the build filters. Read only when {@code --version} is asked for (not on a node's start path).
 */
final class Version implements CommandLine.IVersionProvider {

    /** The build's version, e.g. {@code 0.1.0-SNAPSHOT}; {@link IllegalStateException} if the resource is missing. */
    static String get() {
        try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                throw new IllegalStateException("version.properties is not on the class path (a build without resources)");
            }
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "");
            if (v.isEmpty() || v.contains("${")) {
                throw new IllegalStateException("version.properties was not filtered by the build: '" + v + "'");
            }
            return v;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String[] getVersion() {
        return new String[] {"logmesh " + get()};
    }
}

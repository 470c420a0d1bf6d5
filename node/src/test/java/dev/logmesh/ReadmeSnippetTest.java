package dev.logmesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.io.StringWriter;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's embedding program (between {@code <!-- embed-snippet:begin -->} and {@code <!-- embed-snippet:end -->})
 * compiles as written against the library's class path and runs: two nodes on 127.0.0.1 sync the list and answer
 * the ask (issue 14). The README drifting from the API fails this test.
 */
@Tag("slow")
class ReadmeSnippetTest {
    static final Pattern BLOCK = Pattern.compile(
        "<!-- embed-snippet:begin -->\\s*```java\\n(.*?)```\\s*<!-- embed-snippet:end -->", Pattern.DOTALL);

    /** The README of the repository: this module's parent directory. */
    static String readme() throws IOException {
        Path p = Path.of("..", "README.md");
        if (!Files.exists(p)) {
            p = Path.of("README.md");
        }
        return Files.readString(p, StandardCharsets.UTF_8);
    }

    /** The test's class path (surefire names it in a property when it runs the tests from a manifest-only jar). */
    static String classPath() {
        String cp = System.getProperty("surefire.test.class.path");
        return cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path");
    }

    static String snippet() throws IOException {
        Matcher m = BLOCK.matcher(readme());
        assertTrue(m.find(), "README.md has an embed-snippet block");
        String code = m.group(1);
        assertTrue(!m.find(), "README.md has one embed-snippet block");
        return code;
    }

    @Test
    void theEmbeddingProgramCompilesAndRunsAsWritten(@TempDir Path dir) throws Exception {
        String code = snippet();
        Matcher cls = Pattern.compile("public class (\\w+)").matcher(code);
        assertTrue(cls.find(), "the program is a public class");
        String name = cls.group(1);
        Path src = dir.resolve("src").resolve(name + ".java");
        Path out = dir.resolve("classes");
        Files.createDirectories(src.getParent());
        Files.createDirectories(out);
        Files.writeString(src, code, StandardCharsets.UTF_8);

        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StringWriter diagnostics = new StringWriter();
        try (StandardJavaFileManager files = javac.getStandardFileManager(null, null, StandardCharsets.UTF_8)) {
            Iterable<? extends JavaFileObject> units = files.getJavaFileObjects(src.toFile());
            boolean ok = javac.getTask(diagnostics, files, null,
                List.of("-classpath", classPath(), "-d", out.toString(), "-Xlint:all", "-Werror", "--release", "17"),
                null, units).call();
            assertTrue(ok, "the README's program does not compile:\n" + diagnostics);
        }

        PrintStream was = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {out.toUri().toURL()},
                ReadmeSnippetTest.class.getClassLoader())) {
            Method main = loader.loadClass(name).getMethod("main", String[].class);
            System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
            try {
                main.invoke(null, (Object) new String[0]);
            } finally {
                System.setOut(was);
            }
        }
        List<String> lines = printed.toString(StandardCharsets.UTF_8).lines().toList();
        // listen: once with the current state, then once per change (the issue: the initial state came twice)
        assertEquals(List.of("shop shows []", "shop shows [milk]"),
            lines.stream().filter(l -> l.startsWith("shop shows")).toList(), lines.toString());
        assertEquals(1, lines.stream().filter(l -> l.startsWith("payment/done from bank:")).count(), lines.toString());
        assertTrue(lines.contains("bank shows [milk]"), "the two nodes converged: " + lines);
        assertTrue(new File(out.toFile(), name + ".class").isFile());
    }
}

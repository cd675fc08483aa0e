package io.tablestream.local;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.regex.Pattern;

/**
 * The classpath of the forked Connect worker: this JVM's classpath (with the entries a {@code java -jar}
 * manifest names) minus what a real worker does not have, so that the connectors can only come from plugin.path.
 */
final class WorkerClasspath {

    /** Our connectors and what their plugin jars bundle; a stock Kafka distribution has none of these. */
    static final Pattern NOT_ON_A_WORKER =
            Pattern.compile(".*(source-connector|sink-connector|jdbc-common|jdbi3-|postgresql-|geantyref|checker-qual).*");

    private WorkerClasspath() {
    }

    static String of(String javaClassPath) {
        Set<String> entries = new LinkedHashSet<>();
        for (String entry : javaClassPath.split(File.pathSeparator)) {
            if (entry.isEmpty()) {
                continue;
            }
            entries.add(entry);
            entries.addAll(manifestClassPath(Path.of(entry)));
        }
        List<String> kept = new ArrayList<>();
        for (String entry : entries) {
            if (!NOT_ON_A_WORKER.matcher(entry).matches()) {
                kept.add(entry);
            }
        }
        return String.join(File.pathSeparator, kept);
    }

    private static List<String> manifestClassPath(Path jar) {
        if (!Files.isRegularFile(jar) || !jar.toString().endsWith(".jar")) {
            return List.of();
        }
        try (JarFile file = new JarFile(jar.toFile())) {
            Manifest manifest = file.getManifest();
            String classPath = manifest == null ? null : manifest.getMainAttributes().getValue("Class-Path");
            if (classPath == null || classPath.isBlank()) {
                return List.of();
            }
            Path dir = jar.toAbsolutePath().getParent();
            List<String> resolved = new ArrayList<>();
            for (String relative : classPath.trim().split("\\s+")) {
                resolved.add(dir.resolve(relative).toString());
            }
            return resolved;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the manifest of " + jar, e);
        }
    }
}

package io.tablestream.local;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;

class WorkerClasspathTest {

    @Test
    void expandsTheManifestClassPathAndDropsConnectorsAndWhatTheyBundle(@TempDir Path dir) throws Exception {
        Path jar = dir.resolve("local-stack-1.0.jar");
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH,
                "lib/connect-runtime-4.3.1.jar lib/jdbi3-core-3.55.0.jar lib/postgresql-42.7.14.jar lib/kafka-clients-4.3.1.jar");
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream ignored = new JarOutputStream(out, manifest)) {
            // an empty jar with just the manifest
        }
        String classpath = WorkerClasspath.of(String.join(File.pathSeparator, jar.toString(), "/x/source-connector-1.0-plugin.jar"));
        assertEquals(List.of(jar.toString(), dir.resolve("lib/connect-runtime-4.3.1.jar").toString(),
                dir.resolve("lib/kafka-clients-4.3.1.jar").toString()), List.of(classpath.split(File.pathSeparator)));
    }
}

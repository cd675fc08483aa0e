package io.tablestream.e2e.docs;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every relative link in README.md, BENCHMARKS.md and docs/ (Markdown links, images and reference definitions,
 * outside code) must point at a file or directory of the repository, and every {@code #anchor} at a heading (as
 * Git hosts render heading ids) or an explicit {@code <a id>} of the target page, so the docs cannot rot when a
 * page or heading is renamed.
 */
class DocLinksTest {

    private static final Path ROOT = Path.of(System.getProperty("tablestream.repo.root", "..")).toAbsolutePath().normalize();

    /**
     * Pages other branches write in parallel: links to them are accepted while they are absent, and checked
     * (anchors included) as soon as they exist.
     */
    private static final Pattern INLINE_LINK = Pattern.compile("!?\\[(?:[^\\]\\[]|\\[[^\\]]*\\])*\\]\\(\\s*<?([^)\\s>]*)>?(?:\\s+\"[^\"]*\")?\\s*\\)");
    private static final Pattern REFERENCE_DEFINITION = Pattern.compile("^\\s{0,3}\\[[^\\]]+\\]:\\s*<?(\\S+?)>?(?:\\s+.*)?$");
    private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.*?)\\s*#*\\s*$");
    private static final Pattern HTML_ANCHOR = Pattern.compile("<a\\s+(?:id|name)=\"([^\"]+)\"");
    private static final Pattern INLINE_CODE = Pattern.compile("`+[^`]*`+");

    @Test
    void everyRelativeLinkPointsAtAFileAndAnchorThatExist() throws IOException {
        List<String> broken = new ArrayList<>();
        Map<Path, Set<String>> anchors = new HashMap<>();
        for (Path page : pages()) {
            List<String> lines = Files.readAllLines(page, StandardCharsets.UTF_8);
            boolean inFence = false;
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                if (line.stripLeading().startsWith("```") || line.stripLeading().startsWith("~~~")) {
                    inFence = !inFence;
                    continue;
                }
                if (inFence) {
                    continue;
                }
                for (String target : targets(line)) {
                    String problem = problem(page, target, anchors);
                    if (problem != null) {
                        broken.add(ROOT.relativize(page) + ":" + (i + 1) + ": " + target + " -> " + problem);
                    }
                }
            }
        }
        assertEquals(List.of(), broken, "broken links in the docs");
    }

    @Test
    void theReadmeStaysAnEntryPoint() throws IOException {
        int lines = Files.readAllLines(ROOT.resolve("README.md"), StandardCharsets.UTF_8).size();
        assertTrue(lines <= 200, "README.md has " + lines + " lines: keep it to what tablestream is, the two commands"
                + " and links, and move the rest into a page under docs/");
    }

    @Test
    void theLinkParserFindsLinksAndAnchorsAsGitHostsRenderThem() {
        assertEquals(List.of("docs/a.md#b", "img.png"),
                targets("see [a `x`](docs/a.md#b), ![pic](img.png \"title\") and `[not](code.md)`"));
        assertEquals(List.of(), targets("inline code: `[not](code.md)`"));
        assertEquals(List.of("ref.md"), targets("[label]: ref.md"));
        assertEquals("change-data-capture-modecdc", slug("Change data capture (mode=cdc)"));
        assertEquals("modecdc-vs-the-polling-modes", slug("`mode=cdc` vs the polling modes"));
        assertEquals("what-comes-out", slug("What *comes* out"));
        assertEquals("links-to-docs", slug("[Links](x.md) to docs"));
    }

    private static List<Path> pages() throws IOException {
        List<Path> pages = new ArrayList<>(List.of(ROOT.resolve("README.md"), ROOT.resolve("BENCHMARKS.md")));
        try (Stream<Path> docs = Files.walk(ROOT.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        pages.forEach(p -> assertTrue(Files.isRegularFile(p), p + " is missing"));
        return pages;
    }

    /** The link targets of one line outside fenced code, inline code left out. */
    static List<String> targets(String line) {
        String text = INLINE_CODE.matcher(line).replaceAll("");
        List<String> targets = new ArrayList<>();
        Matcher definition = REFERENCE_DEFINITION.matcher(text);
        if (definition.matches()) {
            targets.add(definition.group(1));
            return targets;
        }
        Matcher link = INLINE_LINK.matcher(text);
        while (link.find()) {
            targets.add(link.group(1));
        }
        return targets;
    }

    /** Why the link from {@code page} to {@code target} is broken, or null when it resolves (or is external). */
    private static String problem(Path page, String target, Map<Path, Set<String>> anchors) throws IOException {
        if (target.isEmpty() || target.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*")) {
            return target.isEmpty() ? "empty link" : null; // http:, https:, mailto: ...
        }
        int hash = target.indexOf('#');
        String path = hash < 0 ? target : target.substring(0, hash);
        String anchor = hash < 0 ? null : target.substring(hash + 1);
        Path file = path.isEmpty() ? page : page.getParent().resolve(path).normalize();
        if (!file.startsWith(ROOT)) {
            return "outside the repository";
        }
        if (!Files.exists(file)) {
            return "no such file";
        }
        if (anchor == null || anchor.isEmpty()) {
            return null;
        }
        if (!file.toString().endsWith(".md")) {
            return "an anchor into a file that is not Markdown";
        }
        Set<String> ids = anchors.computeIfAbsent(file, DocLinksTest::anchorsOf);
        return ids.contains(anchor) ? null : "no heading or anchor '" + anchor + "' in " + ROOT.relativize(file);
    }

    /** The ids a Git host gives the page's headings (repeats numbered -1, -2, ...), and its explicit anchors. */
    private static Set<String> anchorsOf(Path page) {
        Set<String> ids = new LinkedHashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        boolean inFence = false;
        try {
            for (String line : Files.readAllLines(page, StandardCharsets.UTF_8)) {
                if (line.stripLeading().startsWith("```") || line.stripLeading().startsWith("~~~")) {
                    inFence = !inFence;
                    continue;
                }
                if (inFence) {
                    continue;
                }
                Matcher heading = HEADING.matcher(line);
                if (heading.matches()) {
                    String slug = slug(heading.group(1));
                    int n = seen.merge(slug, 1, Integer::sum);
                    ids.add(n == 1 ? slug : slug + "-" + (n - 1));
                }
                Matcher html = HTML_ANCHOR.matcher(line);
                while (html.find()) {
                    ids.add(html.group(1));
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read " + page, e);
        }
        return ids;
    }

    /** GitHub's heading id: the text without markup, lower case, punctuation dropped, spaces as hyphens. */
    static String slug(String heading) {
        String text = heading.replaceAll("!?\\[([^\\]]*)\\]\\([^)]*\\)", "$1");
        text = text.toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N}\\p{M} _-]", "");
        return text.replace(' ', '-');
    }
}

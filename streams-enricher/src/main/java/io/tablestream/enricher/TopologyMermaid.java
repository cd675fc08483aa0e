package io.tablestream.enricher;

import org.apache.kafka.streams.TopologyDescription;
import org.apache.kafka.streams.TopologyDescription.GlobalStore;
import org.apache.kafka.streams.TopologyDescription.Node;
import org.apache.kafka.streams.TopologyDescription.Processor;
import org.apache.kafka.streams.TopologyDescription.Sink;
import org.apache.kafka.streams.TopologyDescription.Source;
import org.apache.kafka.streams.TopologyDescription.Subtopology;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Renders a topology as a Mermaid flowchart: topics as stadiums, processors as boxes, stores as cylinders,
 * one subgraph per sub-topology. Repartition topics appear as the topics that link the sub-topologies.
 */
final class TopologyMermaid {

    private TopologyMermaid() {
    }

    static String render(TopologyDescription description) {
        // Each edge once: a store shared by two processors would otherwise be linked twice from one of them.
        Set<String> lines = new LinkedHashSet<>();
        lines.add("flowchart LR");
        for (Subtopology subtopology : description.subtopologies()) {
            lines.add("  subgraph sub" + subtopology.id() + " [sub-topology " + subtopology.id() + "]");
            for (Node node : subtopology.nodes()) {
                lines.add("    " + id("node", node.name()) + "[" + node.name() + "]");
            }
            // Unique, so the set keeps it; Mermaid reads "end" followed by a comment line.
            lines.add("  end\n  %% end of sub-topology " + subtopology.id());
            for (Node node : subtopology.nodes()) {
                addEdges(lines, node);
            }
        }
        for (GlobalStore global : description.globalStores()) {
            addEdges(lines, global.source());
            addEdges(lines, global.processor());
            lines.add("  " + id("node", global.source().name()) + "[" + global.source().name() + "]");
            lines.add("  " + id("node", global.processor().name()) + "[" + global.processor().name() + "]");
        }
        return String.join("\n", lines) + "\n";
    }

    private static void addEdges(Set<String> lines, Node node) {
        String self = id("node", node.name());
        if (node instanceof Source source && source.topicSet() != null) {
            source.topicSet().forEach(topic -> lines.add("  " + topic(topic) + " --> " + self));
        }
        if (node instanceof Sink sink && sink.topic() != null) {
            lines.add("  " + self + " --> " + topic(sink.topic()));
        }
        if (node instanceof Processor processor) {
            processor.stores().forEach(store -> lines.add("  " + self + " --- " + id("store", store) + "[("
                    + store + ")]"));
        }
        node.successors().forEach(next -> lines.add("  " + self + " --> " + id("node", next.name())));
    }

    private static String topic(String name) {
        return id("topic", name) + "([" + name + "])";
    }

    /** Mermaid ids may not contain '-' or '.' everywhere; names can. */
    private static String id(String kind, String name) {
        return kind + "_" + name.replaceAll("[^A-Za-z0-9_]", "_");
    }
}

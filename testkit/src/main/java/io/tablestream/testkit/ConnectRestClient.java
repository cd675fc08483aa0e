package io.tablestream.testkit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A small client for the Kafka Connect REST API (java.net.http + Jackson). Any answer outside 2xx becomes a
 * {@link ConnectRestException} carrying the status code and body; I/O failures become
 * {@link java.io.UncheckedIOException}.
 */
public final class ConnectRestClient {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() { };
    private static final TypeReference<List<Map<String, Object>>> LIST_OF_MAPS = new TypeReference<>() { };
    private static final TypeReference<List<String>> LIST_OF_STRINGS = new TypeReference<>() { };
    private static final TypeReference<Map<String, String>> STRING_MAP = new TypeReference<>() { };

    /** Connect itself gives up on a forwarded/herder request after 90 s. */
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(100);

    private final URI baseUrl;
    private final HttpClient http;

    public ConnectRestClient(URI baseUrl) {
        String s = baseUrl.toString();
        this.baseUrl = URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    public URI baseUrl() {
        return baseUrl;
    }

    // ---------------------------------------------------------------- connectors

    /** {@code PUT /connectors/{name}/config}: creates the connector or replaces its config. Returns the connector info. */
    public Map<String, Object> createOrUpdateConnector(String name, Map<String, String> config) {
        return parse(send("PUT", "/connectors/" + segment(name) + "/config", config, REQUEST_TIMEOUT), MAP);
    }

    /** {@code GET /connectors}. */
    public List<String> connectors() {
        return parse(send("GET", "/connectors", null, REQUEST_TIMEOUT), LIST_OF_STRINGS);
    }

    /** {@code GET /connectors/{name}/config}. */
    public Map<String, String> connectorConfig(String name) {
        return parse(send("GET", "/connectors/" + segment(name) + "/config", null, REQUEST_TIMEOUT), STRING_MAP);
    }

    /** {@code GET /connectors/{name}/status}: {@code {name, connector:{state,worker_id,trace?}, tasks:[{id,state,worker_id,trace?}], type}}. */
    public Map<String, Object> status(String name) {
        return parse(send("GET", "/connectors/" + segment(name) + "/status", null, REQUEST_TIMEOUT), MAP);
    }

    /**
     * Polls the connector's status until the connector and all its tasks are RUNNING and there is at least one
     * task. Fails at once, with the trace, if the connector or a task is FAILED.
     *
     * @return the last status
     */
    public Map<String, Object> awaitRunning(String name, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Object last = "no status yet";
        while (true) {
            try {
                Map<String, Object> status = status(name);
                last = status;
                Map<?, ?> connector = (Map<?, ?>) status.get("connector");
                List<?> tasks = (List<?>) status.getOrDefault("tasks", List.of());
                String connectorState = connector == null ? null : (String) connector.get("state");
                if ("FAILED".equals(connectorState)) {
                    throw new IllegalStateException("Connector " + name + " FAILED: " + connector.get("trace"));
                }
                boolean allTasksRunning = !tasks.isEmpty();
                for (Object t : tasks) {
                    Map<?, ?> task = (Map<?, ?>) t;
                    if ("FAILED".equals(task.get("state"))) {
                        throw new IllegalStateException("Task " + name + "-" + task.get("id") + " FAILED on "
                                + task.get("worker_id") + ": " + task.get("trace"));
                    }
                    allTasksRunning &= "RUNNING".equals(task.get("state"));
                }
                if ("RUNNING".equals(connectorState) && allTasksRunning) {
                    return status;
                }
            } catch (ConnectRestException e) {
                if (e.statusCode() != 404) {   // 404 until the herder has written the first status
                    throw e;
                }
                last = e.getMessage();
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Connector " + name + " not RUNNING with all tasks RUNNING after "
                        + timeout + "; last status: " + last);
            }
            Pause.millis(200);
        }
    }

    /**
     * Polls the connector's status until the connector (not its tasks) is in {@code state}, such as STOPPED after
     * {@link #stopConnector}; a connector with no status written yet counts as in none.
     */
    public void awaitState(String name, String state, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Object last = "no status yet";
        while (true) {
            try {
                Map<?, ?> connector = (Map<?, ?>) status(name).get("connector");
                last = connector;
                if (connector != null && state.equals(connector.get("state"))) {
                    return;
                }
            } catch (ConnectRestException e) {
                if (e.statusCode() != 404) {   // 404 until the herder has written the first status
                    throw e;
                }
                last = e.getMessage();
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Connector " + name + " not " + state + " after " + timeout
                        + "; last status: " + last);
            }
            Pause.millis(100);
        }
    }

    /** {@code DELETE /connectors/{name}}; 404 if there is no such connector. */
    public void deleteConnector(String name) {
        send("DELETE", "/connectors/" + segment(name), null, REQUEST_TIMEOUT);
    }

    /** Like {@link #deleteConnector} but a missing connector is fine. @return whether it existed */
    public boolean deleteConnectorIfExists(String name) {
        try {
            deleteConnector(name);
            return true;
        } catch (ConnectRestException e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw e;
        }
    }

    /** {@code POST /connectors/{name}/restart?includeTasks=..&onlyFailed=..}. */
    public void restartConnector(String name, boolean includeTasks, boolean onlyFailed) {
        send("POST", "/connectors/" + segment(name) + "/restart?includeTasks=" + includeTasks + "&onlyFailed=" + onlyFailed,
                null, REQUEST_TIMEOUT);
    }

    /** {@code POST /connectors/{name}/tasks/{task}/restart}: restarts that task only, not the connector. */
    public void restartTask(String name, int task) {
        send("POST", "/connectors/" + segment(name) + "/tasks/" + task + "/restart", null, REQUEST_TIMEOUT);
    }

    /** {@code PUT /connectors/{name}/pause}. */
    public void pauseConnector(String name) {
        send("PUT", "/connectors/" + segment(name) + "/pause", null, REQUEST_TIMEOUT);
    }

    /** {@code PUT /connectors/{name}/resume}. */
    public void resumeConnector(String name) {
        send("PUT", "/connectors/" + segment(name) + "/resume", null, REQUEST_TIMEOUT);
    }

    /** {@code PUT /connectors/{name}/stop} (STOPPED state: tasks shut down, offsets can then be altered/reset). */
    public void stopConnector(String name) {
        send("PUT", "/connectors/" + segment(name) + "/stop", null, REQUEST_TIMEOUT);
    }

    /** {@code GET /connectors/{name}/offsets}: {@code {offsets:[{partition:{..}, offset:{..}}]}}. */
    public Map<String, Object> offsets(String name) {
        return parse(send("GET", "/connectors/" + segment(name) + "/offsets", null, REQUEST_TIMEOUT), MAP);
    }

    /** {@code PATCH /connectors/{name}/offsets} with one partition's offset (the connector must be STOPPED). */
    public Map<String, Object> patchOffsets(String name, Map<String, Object> partition, Map<String, Object> offset) {
        return parse(send("PATCH", "/connectors/" + segment(name) + "/offsets",
                Map.of("offsets", List.of(Map.of("partition", partition, "offset", offset))), REQUEST_TIMEOUT), MAP);
    }

    /** {@code DELETE /connectors/{name}/offsets} (the connector must be STOPPED). */
    public Map<String, Object> resetOffsets(String name) {
        return parse(send("DELETE", "/connectors/" + segment(name) + "/offsets", null, REQUEST_TIMEOUT), MAP);
    }

    // ---------------------------------------------------------------- plugins

    /** {@code GET /connector-plugins}: connector plugins only. */
    public List<Map<String, Object>> connectorPlugins() {
        return connectorPlugins(true);
    }

    /** {@code GET /connector-plugins?connectorsOnly=..}; with false also converters, transforms, predicates. */
    public List<Map<String, Object>> connectorPlugins(boolean connectorsOnly) {
        return parse(send("GET", "/connector-plugins?connectorsOnly=" + connectorsOnly, null, REQUEST_TIMEOUT), LIST_OF_MAPS);
    }

    /**
     * {@code PUT /connector-plugins/{plugin}/config/validate}, parsed. {@code plugin} is the connector class's
     * simple or full name. Connect answers 200 even for invalid configs: look at {@code error_count} and
     * {@code configs[].value.errors}.
     *
     * <p>Missing {@code connector.class} is set to {@code plugin}, and a missing {@code name} to
     * {@code "validate-" + plugin}: Connect 4.3 validates the connector name too and would otherwise count
     * "Missing required configuration name" as an error of every config.
     */
    public JsonNode validate(String plugin, Map<String, String> config) {
        Map<String, String> body = new LinkedHashMap<>(config);
        body.putIfAbsent("connector.class", plugin);
        body.putIfAbsent("name", "validate-" + plugin);
        HttpResponse<String> response = send("PUT", "/connector-plugins/" + segment(plugin) + "/config/validate", body, REQUEST_TIMEOUT);
        try {
            return JSON.readTree(response.body());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Unexpected JSON from " + response.uri() + ": " + response.body(), e);
        }
    }

    // ---------------------------------------------------------------- raw access

    /**
     * Sends a request with an optional JSON body ({@code path} relative to the base URL, with any query string)
     * and returns the 2xx response; other statuses throw {@link ConnectRestException}.
     */
    public HttpResponse<String> send(String method, String path, Object jsonBody, Duration timeout) {
        URI uri = URI.create(baseUrl + path);
        HttpRequest.BodyPublisher body;
        try {
            body = jsonBody == null ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(jsonBody));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("Cannot serialize request body", e);
        }
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .header("Accept", "application/json")
                .header("Content-Type", "application/json")
                .method(method, body)
                .build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(method + " " + uri + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted during " + method + " " + uri, e);
        }
        if (response.statusCode() / 100 != 2) {
            throw new ConnectRestException(method, uri, response.statusCode(), response.body());
        }
        return response;
    }

    private static <T> T parse(HttpResponse<String> response, TypeReference<T> type) {
        try {
            return JSON.readValue(response.body(), type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Unexpected JSON from " + response.uri() + ": " + response.body(), e);
        }
    }

    /** Encodes a path segment (connector names may contain spaces, slashes, ...). */
    private static String segment(String s) {
        Objects.requireNonNull(s);
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    @Override
    public String toString() {
        return "ConnectRestClient[" + baseUrl + "]";
    }
}

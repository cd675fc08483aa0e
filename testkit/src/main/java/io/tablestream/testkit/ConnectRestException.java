package io.tablestream.testkit;

import java.net.URI;

/** A Kafka Connect REST call answered with an unexpected HTTP status. */
public final class ConnectRestException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String method;
    private final URI uri;
    private final int statusCode;
    private final String body;

    public ConnectRestException(String method, URI uri, int statusCode, String body) {
        super(method + " " + uri + " -> HTTP " + statusCode + ": " + body);
        this.method = method;
        this.uri = uri;
        this.statusCode = statusCode;
        this.body = body;
    }

    public String method() {
        return method;
    }

    public URI uri() {
        return uri;
    }

    public int statusCode() {
        return statusCode;
    }

    /** The raw response body (Connect sends {@code {"error_code":..,"message":..}} for errors). */
    public String body() {
        return body;
    }
}

package dev.edgewise.server.api;

/**
 * A request the server refuses, with the HTTP status and the fields of OpenAI's error body
 * ({@code {"error":{"message","type","param","code"}}}).
 */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String type;
    private final String param;
    private final String code;
    private final Integer retryAfterSeconds;

    public ApiException(int status, String type, String param, String code, String message, Integer retryAfterSeconds) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** 400: a field has a wrong type or value; {@code param} names it. */
    public static ApiException invalid(String param, String message) {
        return new ApiException(400, "invalid_request_error", param, "invalid_value", message, null);
    }

    /** 400: the body is not JSON, or not the expected shape. */
    public static ApiException badJson(String message) {
        return new ApiException(400, "invalid_request_error", null, "invalid_json", message, null);
    }

    public static ApiException unauthorized() {
        return new ApiException(401, "authentication_error", null, "invalid_api_key",
                "missing or wrong API key: send 'Authorization: Bearer <key>'", null);
    }

    public static ApiException notFound(String path) {
        return new ApiException(404, "invalid_request_error", null, "not_found", "no such endpoint: " + path, null);
    }

    public static ApiException methodNotAllowed(String method, String path) {
        return new ApiException(405, "invalid_request_error", null, "method_not_allowed", method + " is not allowed on " + path, null);
    }

    public static ApiException tooLarge(long limit) {
        return new ApiException(413, "invalid_request_error", null, "request_too_large",
                "the request body exceeds " + limit + " bytes", null);
    }

    /** 429 with Retry-After: the waiting queue is full. */
    public static ApiException busy(String message) {
        return new ApiException(429, "rate_limit_error", null, "queue_full", message, 1);
    }

    /** 503 with Retry-After: the model is still loading (or failed to). */
    public static ApiException unavailable(String message) {
        return new ApiException(503, "server_error", null, "unavailable", message, 5);
    }

    public static ApiException internal(String message) {
        return new ApiException(500, "server_error", null, "internal_error", message, null);
    }

    public int status() { return status; }
    public String type() { return type; }
    public String param() { return param; }
    public String code() { return code; }
    /** Seconds for a {@code Retry-After} header, or null. */
    public Integer retryAfterSeconds() { return retryAfterSeconds; }
}

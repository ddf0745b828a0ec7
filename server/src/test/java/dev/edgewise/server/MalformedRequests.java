package dev.edgewise.server;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Seeded malformed requests, each with the status the server must answer: broken JSON, wrong
 * types, out-of-range and huge numbers, invalid UTF-8, deep nesting, oversized bodies, unknown
 * adapters, prompts longer than the context, wrong paths and methods.
 */
final class MalformedRequests {
    /** One request: where, how, what, and the status expected ({@code alsoOk}: a mutation that may still be valid). */
    record Case(String name, String method, String path, byte[] body, int status, boolean alsoOk) {}

    static final String VALID = "{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi there\"}],\"max_tokens\":2,\"seed\":1}";

    private static final String[][] WRONG_TYPES = {
            {"messages", "\"hello\""}, {"messages", "[]"}, {"messages", "[1,2]"}, {"messages", "[{\"role\":5,\"content\":\"x\"}]"},
            {"messages", "[{\"role\":\"wizard\",\"content\":\"x\"}]"}, {"messages", "[{\"content\":\"x\"}]"},
            {"messages", "[{\"role\":\"user\",\"content\":7}]"}, {"messages", "[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\"}]}]"},
            {"max_tokens", "\"ten\""}, {"max_tokens", "-1"}, {"max_tokens", "2.5"}, {"max_tokens", "1e30"}, {"max_tokens", "99999999999999999999999999"},
            {"max_tokens", "100000"}, {"max_completion_tokens", "true"},
            {"temperature", "\"hot\""}, {"temperature", "-0.5"}, {"temperature", "1e400"}, {"temperature", "[1]"},
            {"top_p", "2"}, {"top_p", "{}"}, {"top_k", "-3"}, {"min_p", "1.5"}, {"n", "0"}, {"n", "1000"}, {"n", "\"2\""},
            {"seed", "1.5"}, {"seed", "123456789012345678901234567890"}, {"seed", "\"abc\""},
            {"stop", "5"}, {"stop", "[\"a\",\"b\",\"c\",\"d\",\"e\"]"}, {"stop", "[\"\"]"}, {"stop", "[1]"},
            {"stream", "\"yes\""}, {"stream_options", "[]"}, {"stream_options", "{\"include_usage\":\"yes\"}"},
            {"logprobs", "\"yes\""}, {"top_logprobs", "50"}, {"lora", "42"}, {"lora", "\"no-such-adapter\""},
            {"lora", "[{\"name\":\"nope\",\"scale\":1}]"}, {"lora", "[{\"scale\":1}]"}, {"reasoning", "\"maybe\""}, {"reasoning_budget", "\"x\""},
            {"branches", "0"}, {"vote", "\"loudest\""}, {"chat_template_kwargs", "[]"}, {"ignore_eos", "1"},
            {"response_format", "{\"type\":\"json_schema\"}"}, {"tools", "{}"}, {"model", "5"}, {"presence_penalty", "9"},
    };

    private MalformedRequests() {}

    static List<Case> generate(int count, long seed) {
        Random r = new Random(seed);
        List<Case> out = new ArrayList<>(count);
        byte[] valid = VALID.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; out.size() < count; i++) {
            switch (i % 24 == 4 ? 4 : i % 24 == 16 ? 0 : i % 12) { // byte mutations, which may run a generation, half as often
                case 0 -> { // a wrong type or value of a known field
                    String[] w = WRONG_TYPES[r.nextInt(WRONG_TYPES.length)];
                    out.add(chat("field " + w[0] + "=" + w[1], with(w[0], w[1]), 400));
                }
                case 1 -> out.add(chat("truncated", Arrays.copyOf(valid, 1 + r.nextInt(valid.length - 1)), 400));
                case 2 -> { // random bytes
                    byte[] b = new byte[1 + r.nextInt(200)];
                    r.nextBytes(b);
                    b[0] = (byte) ("x[\"1-{".charAt(r.nextInt(6)));
                    out.add(chat("random bytes", b, 400));
                }
                case 3 -> out.add(chat("invalid UTF-8 in a string", invalidUtf8(r), 400));
                case 4 -> { // byte mutations of a valid body: still valid (200) or refused (400), never anything else
                    byte[] b = valid.clone();
                    for (int k = 0; k < 1 + r.nextInt(4); k++) b[r.nextInt(b.length)] = (byte) (32 + r.nextInt(95));
                    out.add(new Case("mutated", "POST", "/v1/chat/completions", b, 400, true));
                }
                case 5 -> {
                    int depth = 65 + r.nextInt(5000);
                    out.add(chat("nested " + depth, ("{\"a\":" + "[".repeat(depth) + "]".repeat(depth) + "}").getBytes(StandardCharsets.UTF_8), 400));
                }
                case 6 -> out.add(chat("not an object", (r.nextBoolean() ? "[1,2,3]" : r.nextBoolean() ? "\"text\"" : "null").getBytes(StandardCharsets.UTF_8), 400));
                case 7 -> out.add(chat("prompt longer than the context", with("messages",
                        "[{\"role\":\"user\",\"content\":\"" + "tick tock ".repeat(300 + r.nextInt(300)) + "\"}]"), 400));
                case 8 -> out.add(new Case("completions wrong prompt", "POST", "/v1/completions",
                        ("{\"prompt\":" + (r.nextBoolean() ? "{\"a\":1}" : r.nextBoolean() ? "[[1],[2]]" : "[-5]") + "}").getBytes(StandardCharsets.UTF_8), 400, false));
                case 9 -> out.add(new Case("unknown path", r.nextBoolean() ? "GET" : "POST", "/v1/nothing-" + r.nextInt(100), valid, 404, false));
                case 10 -> out.add(new Case("wrong method", "GET", "/v1/chat/completions", null, 405, false));
                case 11 -> out.add(chat("duplicate key", "{\"max_tokens\":1,\"max_tokens\":2,\"messages\":[]}".getBytes(StandardCharsets.UTF_8), 400));
                default -> throw new IllegalStateException();
            }
        }
        return out;
    }

    /** A body of {@code bytes} (over the server's limit) that is otherwise valid JSON. */
    static Case oversized(int bytes) {
        String head = "{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"";
        String tail = "\"}],\"max_tokens\":1}";
        byte[] b = new byte[bytes];
        Arrays.fill(b, (byte) 'a');
        System.arraycopy(head.getBytes(StandardCharsets.UTF_8), 0, b, 0, head.length());
        System.arraycopy(tail.getBytes(StandardCharsets.UTF_8), 0, b, bytes - tail.length(), tail.length());
        return chat("oversized " + bytes, b, 413);
    }

    private static Case chat(String name, byte[] body, int status) {
        return new Case(name, "POST", "/v1/chat/completions", body, status, false);
    }

    private static byte[] with(String field, String json) {
        String base = VALID.substring(0, VALID.length() - 1);
        String s = field.equals("messages") || field.equals("max_tokens") || field.equals("seed") || field.equals("model")
                ? VALID.replaceFirst("\"" + field + "\":(\\[.*?\\]\\]?|\"[^\"]*\"|[0-9]+)", "\"" + field + "\":" + java.util.regex.Matcher.quoteReplacement(json))
                : base + ",\"" + field + "\":" + json + "}";
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] invalidUtf8(Random r) {
        byte[][] bad = {{(byte) 0xC3}, {(byte) 0xFF}, {(byte) 0xE2, (byte) 0x28, (byte) 0xA1}, {(byte) 0xF0, (byte) 0x90, (byte) 0x28},
                {(byte) 0x80}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80, (byte) 0x41}};
        String head = "{\"messages\":[{\"role\":\"user\",\"content\":\"ab";
        String tail = "cd\"}],\"max_tokens\":1}";
        byte[] b = bad[r.nextInt(bad.length)];
        byte[] out = new byte[head.length() + b.length + tail.length()];
        System.arraycopy(head.getBytes(StandardCharsets.US_ASCII), 0, out, 0, head.length());
        System.arraycopy(b, 0, out, head.length(), b.length);
        System.arraycopy(tail.getBytes(StandardCharsets.US_ASCII), 0, out, head.length() + b.length, tail.length());
        return out;
    }
}

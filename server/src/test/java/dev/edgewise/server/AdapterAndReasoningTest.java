package dev.edgewise.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.edgewise.engine.ModelOptions;
import dev.edgewise.loader.testing.Fixtures;
import dev.edgewise.server.api.JsonBody;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Per-request LoRA adapters chosen by name and scale, and the reasoning pipeline's extensions. */
class AdapterAndReasoningTest {
    static EdgewiseServer server;

    @BeforeAll
    static void start() throws Exception {
        ModelOptions m = ModelOptions.defaults().withThreads(1).withContextSize(256).withKvBudgetBytes(4L << 20);
        server = TestServers.start(ServerOptions.of(Fixtures.path("models/small-q4_0.gguf"), m).withApiKey(TestServers.KEY)
                .withLoras(Map.of("r8", Fixtures.path("lora/small-r8"))));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static JsonNode chat(String extra) throws Exception {
        HttpResponse<String> r = TestServers.post(server, "/v1/chat/completions",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"What is 12 * 7?\"}],\"max_tokens\":12,\"temperature\":0" + extra + "}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return JsonBody.mapper().readTree(r.body());
    }

    private static String text(JsonNode r) {
        return r.get("choices").get(0).get("message").get("content").asText();
    }

    @Test
    void anAdapterAppliesToItsRequestOnly() throws Exception {
        String base = text(chat(""));
        String adapted = text(chat(",\"lora\":\"r8\""));
        assertThat(adapted).isNotEqualTo(base);
        assertThat(text(chat(",\"lora\":[{\"name\":\"r8\",\"scale\":1.0}]"))).isEqualTo(adapted);
        assertThat(text(chat(",\"lora\":[{\"name\":\"r8\",\"scale\":0}]"))).isEqualTo(base);
        assertThat(text(chat(""))).isEqualTo(base);
    }

    @Test
    void reasoningPipelineReportsBranchesAndTheVote() throws Exception {
        JsonNode r = chat(",\"reasoning\":\"on\",\"branches\":2,\"reasoning_budget\":8,\"vote\":\"majority\",\"seed\":3");
        JsonNode details = r.get("edgewise_reasoning");
        assertThat(details.get("reasoned").asBoolean()).isTrue();
        assertThat(details.get("decided_by").asText()).isEqualTo("forced on");
        assertThat(details.get("branches")).hasSize(2);
        int winner = Math.max(0, details.get("winning_branch").asInt());
        // the message is the winner's text split into reasoning_content and content
        assertThat(details.get("branches").get(winner).get("text").asText()).contains(text(r).strip());
        assertThat(r.get("usage").get("completion_tokens").asInt()).isPositive();
        JsonNode off = chat(",\"reasoning\":\"off\"");
        assertThat(off.get("edgewise_reasoning").get("reasoned").asBoolean()).isFalse();
    }
}

package dev.edgewise.server;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.OpenAIServiceException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionTokenLogprob;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The official OpenAI Java SDK against the server on loopback, with the SDK's response validation on. */
class OpenAiSdkTest {
    static EdgewiseServer server;
    static OpenAIClient client;

    @BeforeAll
    static void start() throws Exception {
        server = TestServers.shared();
        client = client(TestServers.KEY);
    }

    static OpenAIClient client(String key) {
        return OpenAIOkHttpClient.builder().baseUrl(TestServers.base(server) + "/v1").apiKey(key).maxRetries(0)
                .responseValidation(true).timeout(Duration.ofSeconds(60)).build();
    }

    static ChatCompletionCreateParams.Builder chat(String user, long seed, long maxTokens) {
        return ChatCompletionCreateParams.builder().model("tiny").addUserMessage(user).seed(seed).temperature(0.9)
                .maxCompletionTokens(maxTokens);
    }

    @Test
    void chatCompletionHasOpenAisShapeAndUsage() {
        ChatCompletion c = client.chat().completions().create(chat("What is 12 * 7?", 1, 12).build());
        assertThat(c.choices()).hasSize(1);
        assertThat(c.choices().getFirst().message().content()).isPresent();
        assertThat(c.choices().getFirst().finishReason()).isIn(ChatCompletion.Choice.FinishReason.LENGTH, ChatCompletion.Choice.FinishReason.STOP);
        var usage = c.usage().orElseThrow();
        assertThat(usage.promptTokens()).isGreaterThan(10);
        assertThat(usage.completionTokens()).isBetween(1L, 12L);
        assertThat(usage.totalTokens()).isEqualTo(usage.promptTokens() + usage.completionTokens());
        assertThat(usage.promptTokensDetails().orElseThrow().cachedTokens()).isPresent();
    }

    @Test
    void aRepeatedPromptIsServedFromThePrefixCache() {
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model("tiny")
                .addSystemMessage("You answer questions about the weather in a long-winded way. ".repeat(8))
                .addUserMessage("Is it raining?").seed(9).maxCompletionTokens(4).build();
        client.chat().completions().create(params);
        var usage = client.chat().completions().create(params).usage().orElseThrow();
        long cached = usage.promptTokensDetails().orElseThrow().cachedTokens().orElseThrow();
        assertThat(cached).isGreaterThanOrEqualTo(64).isLessThan(usage.promptTokens());
    }

    @Test
    void streamedTextEqualsWholeTextForTheSameSeed() {
        ChatCompletionCreateParams params = chat("Tell me a story.", 42, 40).build();
        String whole = client.chat().completions().create(params).choices().getFirst().message().content().orElseThrow();
        StringBuilder streamed = new StringBuilder();
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        ChatCompletionCreateParams streaming = params.toBuilder()
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(streaming)) {
            s.stream().forEach(chunk -> {
                chunks.add(chunk);
                for (var choice : chunk.choices()) choice.delta().content().ifPresent(streamed::append);
            });
        }
        assertThat(streamed.toString()).isEqualTo(whole).isNotEmpty();
        assertThat(chunks.getFirst().choices().getFirst().delta().role()).isPresent();
        ChatCompletionChunk last = chunks.getLast();
        assertThat(last.choices()).isEmpty();
        assertThat(last.usage().orElseThrow().completionTokens()).isPositive();
        assertThat(chunks.stream().flatMap(c -> c.choices().stream()).filter(c -> c.finishReason().isPresent()).count()).isEqualTo(1);
    }

    @Test
    void nChoicesAreBranchesWithSeedPlusIndex() {
        ChatCompletion three = client.chat().completions().create(chat("Name a colour.", 7, 16).n(3).build());
        assertThat(three.choices()).hasSize(3);
        Map<Long, String> byIndex = new TreeMap<>();
        for (var c : three.choices()) byIndex.put(c.index(), c.message().content().orElseThrow());
        assertThat(byIndex.keySet()).containsExactly(0L, 1L, 2L);
        // choice i samples with seed + i: it equals a single request with that seed
        String alone = client.chat().completions().create(chat("Name a colour.", 8, 16).build()).choices().getFirst().message().content().orElseThrow();
        assertThat(byIndex.get(1L)).isEqualTo(alone);
        assertThat(three.usage().orElseThrow().completionTokens()).isGreaterThan(16);
    }

    @Test
    void stopStringEndsTheTextBeforeIt() {
        String free = client.chat().completions().create(chat("Count.", 3, 24).build()).choices().getFirst().message().content().orElseThrow();
        assertThat(free.length()).isGreaterThan(4);
        String stop = free.substring(free.length() / 2, free.length() / 2 + 2);
        ChatCompletion c = client.chat().completions().create(chat("Count.", 3, 24).stop(stop).build());
        String text = c.choices().getFirst().message().content().orElseThrow();
        assertThat(free).startsWith(text);
        assertThat(text).doesNotContain(stop);
        assertThat(c.choices().getFirst().finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
    }

    @Test
    void logprobsCoverEveryTokenAndSpellTheText() {
        ChatCompletion c = client.chat().completions().create(chat("Hello!", 5, 10).logprobs(true).build());
        var choice = c.choices().getFirst();
        List<ChatCompletionTokenLogprob> content = choice.logprobs().orElseThrow().content().orElseThrow();
        assertThat(content).hasSize((int) c.usage().orElseThrow().completionTokens());
        StringBuilder bytes = new StringBuilder();
        for (var t : content) {
            assertThat(t.logprob()).isLessThanOrEqualTo(0.0).isGreaterThan(-100.0);
            byte[] raw = new byte[t.bytes().orElseThrow().size()];
            for (int i = 0; i < raw.length; i++) raw[i] = t.bytes().orElseThrow().get(i).byteValue();
            bytes.append(new String(raw, java.nio.charset.StandardCharsets.ISO_8859_1));
        }
        String spelled = new String(bytes.toString().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), java.nio.charset.StandardCharsets.UTF_8);
        if (choice.finishReason() == ChatCompletion.Choice.FinishReason.LENGTH) assertThat(spelled).isEqualTo(choice.message().content().orElseThrow());
    }

    @Test
    void topLogprobsListTheMostLikelyTokensWithoutChangingTheSample() {
        ChatCompletionCreateParams greedy = chat("Hello!", 5, 8).temperature(0.0).logprobs(true).topLogprobs(3).build();
        ChatCompletion c = client.chat().completions().create(greedy);
        List<ChatCompletionTokenLogprob> content = c.choices().getFirst().logprobs().orElseThrow().content().orElseThrow();
        assertThat(content).isNotEmpty();
        for (var t : content) {
            var top = t.topLogprobs();
            assertThat(top).hasSize(3);
            assertThat(top.get(0).logprob()).isGreaterThanOrEqualTo(top.get(1).logprob());
            assertThat(top.get(1).logprob()).isGreaterThanOrEqualTo(top.get(2).logprob());
            // greedy: the sampled token is the most likely one, with the same log-probability
            assertThat(top.get(0).token()).isEqualTo(t.token());
            assertThat(top.get(0).logprob()).isCloseTo(t.logprob(), org.assertj.core.data.Offset.offset(1e-4));
        }
        String without = client.chat().completions().create(chat("Hello!", 5, 8).temperature(0.0).build())
                .choices().getFirst().message().content().orElseThrow();
        assertThat(c.choices().getFirst().message().content().orElseThrow()).isEqualTo(without);
    }

    @Test
    void textCompletionsAndModels() {
        Completion c = client.completions().create(CompletionCreateParams.builder().model("tiny").prompt("Once upon a time")
                .maxTokens(8).seed(1).temperature(0.0).build());
        assertThat(c.choices()).hasSize(1);
        assertThat(c.choices().getFirst().text()).isNotEmpty();
        assertThat(c.usage().orElseThrow().completionTokens()).isEqualTo(8);
        var models = client.models().list();
        assertThat(models.data()).extracting(m -> m.id()).containsExactly("tiny-real-q4_0");
    }

    @Test
    void errorsArriveAsOpenAiErrorsWithStatus() {
        assertThatThrownBy(() -> client.chat().completions().create(chat("Hi", 1, 4)
                .putAdditionalBodyProperty("top_p", JsonValue.from("hot")).build()))
                .isInstanceOfSatisfying(BadRequestException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(400);
                    assertThat(e.param()).contains("top_p");
                    assertThat(e.type()).contains("invalid_request_error");
                });
        assertThatThrownBy(() -> client.chat().completions().create(chat("Hi", 1, 4)
                .putAdditionalBodyProperty("lora", JsonValue.from("no-such-adapter")).build()))
                .isInstanceOfSatisfying(BadRequestException.class, e -> assertThat(e.code()).contains("unknown_adapter"));
        assertThatThrownBy(() -> client.chat().completions().create(chat("word ".repeat(600), 1, 4).build()))
                .isInstanceOfSatisfying(BadRequestException.class, e -> assertThat(e.code()).contains("context_length_exceeded"));
        assertThatThrownBy(() -> client.chat().completions().create(chat("Hi", 1, 100_000).build()))
                .isInstanceOfSatisfying(BadRequestException.class, e -> assertThat(e.param()).contains("max_tokens"));
        assertThatThrownBy(() -> client("wrong-key").chat().completions().create(chat("Hi", 1, 4).build()))
                .isInstanceOf(UnauthorizedException.class);
        assertThatThrownBy(() -> client("wrong-key").models().list()).isInstanceOf(OpenAIServiceException.class)
                .extracting(e -> ((OpenAIServiceException) e).statusCode()).isEqualTo(401);
    }
}

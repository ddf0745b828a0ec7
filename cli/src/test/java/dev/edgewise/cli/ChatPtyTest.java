package dev.edgewise.cli;

import dev.edgewise.loader.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code edgewise chat} on a real pseudo-terminal: a separate JVM runs the CLI with python3's pty module as
 * the terminal (80x24, so JLine's line discipline and SIGINT on Ctrl-C are the kernel's), and the test
 * types into it: several turns, a Ctrl-C in the middle of an answer, /reset, Ctrl-D.
 */
class ChatPtyTest {
    /** Relays stdin to a pty whose child is argv, and the pty to stdout; exits with the child's status. */
    private static final String RELAY = """
            import os, pty, sys, select, fcntl, termios, struct
            pid, fd = pty.fork()
            if pid == 0:
                os.execvp(sys.argv[1], sys.argv[1:])
            fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', 24, 80, 0, 0))
            inputs = [fd, 0]
            while True:
                r, _, _ = select.select(inputs, [], [])
                if 0 in r:
                    d = os.read(0, 1024)
                    if d: os.write(fd, d)
                    else: inputs.remove(0)
                if fd in r:
                    try: d = os.read(fd, 4096)
                    except OSError: d = b''
                    if not d: break
                    os.write(1, d)
            _, status = os.waitpid(pid, 0)
            sys.exit(os.waitstatus_to_exitcode(status))
            """;
    private static final Pattern TURN = Pattern.compile(
            "\\[prompt (\\d+) tokens: (\\d+) cached, (\\d+) evaluated \\| answer (\\d+) tokens, [0-9.]+ tok/s \\| stop: (\\w+)]");
    private static final String SYSTEM = "You are Edgewise, a careful assistant. ".repeat(24);

    @Test
    @Timeout(value = 240)
    void turnsResetAndCtrlCOnAPseudoTerminal(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        assumeTrue(python3(), "python3 is needed for the pseudo-terminal");
        Path model = Fixtures.path("models/tiny-real-q4_0.gguf");
        List<String> cmd = new ArrayList<>(List.of("python3", "-c", RELAY, Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "chat", "--model", model.toString(), "--temperature", "0", "--max-tokens", "48", "--threads", "2",
                "--quiet", "--system", SYSTEM));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        Screen screen = new Screen(p.getInputStream());
        OutputStream keys = p.getOutputStream();
        try {
            screen.await(">>> ");
            // turn 1: the whole prompt is new
            type(keys, "Hello! Who are you?\r");
            Matcher t1 = screen.awaitTurn();
            assertThat(t1.group(5)).isEqualTo("max_tokens");
            int prompt1 = Integer.parseInt(t1.group(1)), answer1 = Integer.parseInt(t1.group(4));
            assertThat(Integer.parseInt(t1.group(3))).isEqualTo(prompt1); // nothing cached on a fresh model
            assertThat(prompt1).isGreaterThan(200);
            screen.await(">>> ");
            // turn 2: only what follows turn 1's KV (its answer's last token and the new user message) is evaluated
            type(keys, "Tell me more about that, please.\r");
            Matcher t2 = screen.awaitTurn();
            int prompt2 = Integer.parseInt(t2.group(1)), evaluated2 = Integer.parseInt(t2.group(3));
            int newTokens = prompt2 - (prompt1 + answer1 - 1); // tokens of turn 2's prompt not already in the KV
            System.out.printf("chat turn 2: prompt %d tokens, %d cached, %d evaluated (%d not in turn 1's KV)%n",
                    prompt2, prompt2 - evaluated2, evaluated2, newTokens);
            assertThat(evaluated2).isGreaterThanOrEqualTo(newTokens).isLessThan(newTokens + 16); // at most one partial block again
            assertThat(evaluated2 * 5).isLessThan(prompt2);
            screen.await(">>> ");
            // Ctrl-C in the middle of an answer stops it, and the chat goes on
            type(keys, "Write a long story.\r");
            screen.awaitAnswerStart();
            type(keys, "\u0003");
            Matcher t3 = screen.awaitTurn();
            assertThat(t3.group(5)).isEqualTo("cancelled");
            assertThat(Integer.parseInt(t3.group(4))).isLessThan(48);
            screen.await(">>> ");
            // /reset: the next turn's prompt is the system message and one user message again
            type(keys, "/reset\r");
            screen.await("(conversation cleared)");
            screen.await(">>> ");
            type(keys, "Hello! Who are you?\r");
            Matcher t4 = screen.awaitTurn();
            assertThat(Integer.parseInt(t4.group(1))).isEqualTo(prompt1);
            assertThat(Integer.parseInt(t4.group(3))).isLessThan(16); // turn 1's prompt blocks are still cached
            screen.await(">>> ");
            Path saved = dir.resolve("chat.json");
            type(keys, "/save " + saved + "\r");
            screen.await("(saved 3 messages");
            assertThat(Files.readString(saved)).startsWith("[{\"role\":\"system\"").contains("{\"role\":\"user\",\"content\":\"Hello! Who are you?\"}");
            screen.await(">>> ");
            type(keys, "\u0004"); // Ctrl-D at the prompt leaves
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(screen.all()).isTrue();
            assertThat(p.exitValue()).as(screen.all()).isZero();
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    @Timeout(value = 120)
    void ctrlCAtThePromptLeaves() throws Exception {
        assumeTrue(python3(), "python3 is needed for the pseudo-terminal");
        Path model = Fixtures.path("models/tiny-real-q4_0.gguf");
        Process p = new ProcessBuilder("python3", "-c", RELAY, Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "chat", "--model", model.toString(), "--quiet", "--threads", "1").redirectErrorStream(true).start();
        Screen screen = new Screen(p.getInputStream());
        try {
            screen.await(">>> ");
            type(p.getOutputStream(), "/think on\r");
            screen.await("no enable_thinking switch"); // Qwen2.5's template has none
            type(p.getOutputStream(), "/think auto\r");
            screen.await("needs switcher heads");
            type(p.getOutputStream(), "/bogus\r");
            screen.await("unknown command /bogus");
            screen.await(">>> "); // back at the prompt: a Ctrl-C before it reaches the JVM as a signal, not as the editor's key
            type(p.getOutputStream(), "\u0003");
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(screen.all()).isZero();
        } finally {
            p.destroyForcibly();
        }
    }

    private static void type(OutputStream keys, String s) throws IOException {
        keys.write(s.getBytes(StandardCharsets.UTF_8));
        keys.flush();
    }

    private static boolean python3() {
        try {
            return new ProcessBuilder("python3", "-c", "import pty").start().waitFor() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    /** The terminal's output, read on a thread; {@code await} consumes it up to a text. */
    private static final class Screen {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private int consumed;

        Screen(InputStream in) {
            Thread.ofPlatform().daemon().start(() -> {
                byte[] b = new byte[4096];
                try {
                    for (int n; (n = in.read(b)) > 0; ) {
                        synchronized (this) {
                            bytes.write(b, 0, n);
                            notifyAll();
                        }
                    }
                } catch (IOException e) {
                    // the process ended
                }
            });
        }

        synchronized String all() {
            return bytes.toString(StandardCharsets.UTF_8);
        }

        /** Waits for {@code text} after what was consumed; returns the output before it. */
        synchronized String await(String text) throws InterruptedException {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (true) {
                String s = all();
                int i = s.indexOf(text, consumed);
                if (i >= 0) {
                    String before = s.substring(consumed, i);
                    consumed = i + text.length();
                    return before;
                }
                long left = end - System.nanoTime();
                if (left <= 0) throw new AssertionError("no '" + text + "' on the terminal; it shows:\n" + s.substring(consumed));
                wait(Math.max(1, left / 1_000_000));
            }
        }

        Matcher awaitTurn() throws InterruptedException {
            await("[prompt ");
            String rest = await("]");
            Matcher m = TURN.matcher("[prompt " + rest + "]");
            if (!m.matches()) throw new AssertionError("bad turn line: [prompt " + rest + "]");
            return m;
        }

        /** Waits for the echoed input line to end and the answer's first text (not terminal modes) to appear. */
        synchronized void awaitAnswerStart() throws InterruptedException {
            await("\n");
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (all().substring(consumed).replaceAll("\u001b\\[[?0-9;$]*[a-zA-Z]|\u001b[=>]", "").isBlank()) {
                if (System.nanoTime() > end) throw new AssertionError("no answer started");
                wait(100);
            }
        }
    }
}

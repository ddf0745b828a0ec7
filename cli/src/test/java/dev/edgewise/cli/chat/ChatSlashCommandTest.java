package dev.edgewise.cli.chat;

import org.jline.reader.EOFError;
import org.jline.reader.Parser;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ChatSlashCommandTest {
    @Test
    void parsesEveryCommand() {
        assertThat(SlashCommand.parse("/reset")).isEqualTo(new SlashCommand.Reset());
        assertThat(SlashCommand.parse("/RESET  ")).isEqualTo(new SlashCommand.Reset());
        assertThat(SlashCommand.parse("/system  Be brief.  Really ")).isEqualTo(new SlashCommand.SetSystem("Be brief.  Really"));
        assertThat(SlashCommand.parse("/system")).isEqualTo(new SlashCommand.SetSystem(""));
        assertThat(SlashCommand.parse("/think on")).isEqualTo(new SlashCommand.Think(ThinkMode.ON));
        assertThat(SlashCommand.parse("/think OFF")).isEqualTo(new SlashCommand.Think(ThinkMode.OFF));
        assertThat(SlashCommand.parse("/think auto")).isEqualTo(new SlashCommand.Think(ThinkMode.AUTO));
        assertThat(SlashCommand.parse("/branches 4")).isEqualTo(new SlashCommand.Branches(4));
        assertThat(SlashCommand.parse("/lora math")).isEqualTo(new SlashCommand.Lora("math"));
        assertThat(SlashCommand.parse("/lora off")).isEqualTo(new SlashCommand.Lora(null));
        assertThat(SlashCommand.parse("/save out dir/chat.json")).isEqualTo(new SlashCommand.Save(Path.of("out dir/chat.json")));
        assertThat(SlashCommand.parse("/stats")).isEqualTo(new SlashCommand.Stats());
        assertThat(SlashCommand.parse("/help")).isEqualTo(new SlashCommand.Help());
        assertThat(SlashCommand.parse("/exit")).isEqualTo(new SlashCommand.Exit());
        assertThat(SlashCommand.isCommand("hello /reset")).isFalse();
    }

    @Test
    void badCommandsAreOneLineEach() {
        assertThatThrownBy(() -> SlashCommand.parse("/frobnicate")).hasMessage("unknown command /frobnicate; /help lists them");
        assertThatThrownBy(() -> SlashCommand.parse("/")).hasMessage("empty command; /help lists them");
        assertThatThrownBy(() -> SlashCommand.parse("/think maybe")).hasMessage("/think needs on, off or auto, got 'maybe'");
        assertThatThrownBy(() -> SlashCommand.parse("/think")).hasMessage("/think needs on, off or auto, got ''");
        assertThatThrownBy(() -> SlashCommand.parse("/branches 0")).hasMessage("/branches needs a whole number >= 1, got '0'");
        assertThatThrownBy(() -> SlashCommand.parse("/branches two")).hasMessage("/branches needs a whole number >= 1, got 'two'");
        assertThatThrownBy(() -> SlashCommand.parse("/lora")).hasMessage("/lora needs an adapter name or off");
        assertThatThrownBy(() -> SlashCommand.parse("/save")).hasMessage("/save needs a file name");
        assertThatThrownBy(() -> SlashCommand.parse("/reset now")).hasMessage("/reset takes no argument, got 'now'");
    }

    @Test
    void aTrailingBackslashContinuesTheInput() {
        ContinuationParser p = new ContinuationParser();
        assertThatThrownBy(() -> p.parse("first line \\", 12, Parser.ParseContext.ACCEPT_LINE)).isInstanceOf(EOFError.class);
        assertThat(p.parse("don't \"quote\" me", 0, Parser.ParseContext.ACCEPT_LINE).line()).isEqualTo("don't \"quote\" me");
        assertThat(ContinuationParser.join("first line \\\nsecond\\\nthird")).isEqualTo("first line \nsecond\nthird");
        assertThat(ContinuationParser.join("a \\n escape stays")).isEqualTo("a \\n escape stays");
    }
}
